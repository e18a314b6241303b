"""The identity provider's public signing keys (a JWKS), by `kid`, from a URL or a file.

Providers rotate keys by publishing the new one beside the old, then signing with it: a token
with a `kid` not seen yet makes the set be fetched again, but at most once per `refetch_seconds`
(a stream of made-up kids must not turn into a stream of fetches), and the whole set is fetched
again after `max_age_seconds` so a key the provider withdrew stops being trusted. A failed fetch
keeps the keys already known. Only public signing keys are kept: symmetric (`oct`) members are
dropped, so a key set can never turn an RS256 public key into an HS256 secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jwt import PyJWK, PyJWKClient, PyJWTError

from data.errors import SettingsError

logger = logging.getLogger(__name__)

JWK = dict[str, Any]
# Members of a JWK that are private material: a key set for verification needs none of them.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
FETCH_TIMEOUT_SECONDS = 5.0
MAX_KEYS = 100  # providers publish a handful; more is a misconfiguration or an attack on memory


class KeySetError(SettingsError):
    """The JWKS cannot be read or holds no usable key."""


def is_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def read_key_set(source: str) -> Any:
    if is_url(source):
        # PyJWKClient's fetch: no redirects, http(s) only, a timeout; caching is ours.
        return PyJWKClient(source, cache_jwk_set=False, timeout=FETCH_TIMEOUT_SECONDS).fetch_data()
    try:
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeySetError(f"cannot read the JWKS file {source}: {exc}") from None


def parse_key_set(document: Any) -> dict[str, JWK]:
    """kid -> public signing JWK, from a JWKS document (`{"keys": [...]}`)."""
    members = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(members, list):
        raise KeySetError('a JWKS is a JSON object with a "keys" array')
    keys: dict[str, JWK] = {}
    for member in members[:MAX_KEYS]:
        if not isinstance(member, dict) or member.get("kty") == "oct" or member.get("use", "sig") != "sig":
            continue
        kid = member.get("kid")
        if isinstance(kid, str) and kid:
            keys[kid] = {name: value for name, value in member.items() if name not in _PRIVATE_MEMBERS}
    if not keys:
        raise KeySetError("the JWKS holds no public signing key with a kid")
    return keys


class KeySet:
    def __init__(self, source: str, *, refetch_seconds: float = 30.0, max_age_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, read: Callable[[str], Any] = read_key_set) -> None:
        self.source = source
        self.refetch_seconds = refetch_seconds
        self.max_age_seconds = max_age_seconds
        self.fetches = 0  # attempts so far: tests and the log check the bound with it
        self._clock = clock
        self._read = read
        self._keys: dict[str, JWK] = {}
        self._built: dict[tuple[str, str], PyJWK] = {}  # (kid, alg) -> key, parsed once
        self._fetched_at = -math.inf
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """The first fetch, at start-up: a file that cannot be used stops the start; a provider
        that does not answer yet is retried on the first token."""
        try:
            await self._fetch()
        except KeySetError:
            if not is_url(self.source):
                raise
            logger.warning("cannot fetch the JWKS at %s yet; retrying on the first token", self.source)

    async def key(self, kid: str, algorithm: str) -> PyJWK | None:
        """The key `kid` for verifying `algorithm`; None when the set has no such kid (after one
        fetch, if the last was over `refetch_seconds` ago) or the key does not fit the algorithm."""
        age = self._clock() - self._fetched_at
        if age >= self.max_age_seconds or (kid not in self._keys and age >= self.refetch_seconds):
            async with self._lock:  # concurrent requests for a new kid share one fetch
                if self._clock() - self._fetched_at >= min(age, self.refetch_seconds):
                    try:
                        await self._fetch()
                    except KeySetError as exc:
                        logger.warning("%s; keeping the %d keys known", exc, len(self._keys))
        jwk = self._keys.get(kid)
        if jwk is None:
            return None
        built = self._built.get((kid, algorithm))
        if built is None:
            try:
                # The algorithm is bound to the key here, and PyJWT refuses a token whose header
                # names another: an RSA key never verifies as an EC or HMAC one.
                built = PyJWK(jwk, algorithm=algorithm)
            except PyJWTError:
                return None
            self._built[kid, algorithm] = built
        return built

    async def _fetch(self) -> None:
        self.fetches += 1
        self._fetched_at = self._clock()  # failures count too: a provider that is down is not hammered
        try:
            document = await asyncio.to_thread(self._read, self.source)
        except PyJWTError as exc:  # PyJWKClient's connection and format errors
            raise KeySetError(f"cannot fetch the JWKS at {self.source}: {exc}") from None
        keys = parse_key_set(document)
        self._keys, self._built = keys, {}
        logger.info("JWKS %s: %d signing keys (%s)", self.source, len(keys), ", ".join(sorted(keys)))
