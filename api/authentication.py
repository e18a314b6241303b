"""Who a request is from: its credentials turned into an Identity (data/identity.py) by a pure
ASGI middleware, before the rate limit (which keys on it) and the routes (which check it).

Credentials: `Authorization: Bearer <JWT>` from the app's sign-in, or a service key as
`Authorization: Bearer mgk_...` or `X-API-Key: mgk_...`. None at all is an anonymous request;
credentials that do not verify are refused at once with 401 and `WWW-Authenticate`, on every
route, so a client never mistakes a broken sign-in for an anonymous answer.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from api.jwks import KeySet, is_url, parse_key_set, read_key_set
from api.limits import EXEMPT_PATHS, client_key, refuse
from api.service_keys import PREFIX as SERVICE_KEY_PREFIX
from api.service_keys import ServiceKeys
from api.settings import Settings
from api.tokens import TokenRules, TokenVerifier
from data.errors import MoviegraphError, QuotaExceeded, SettingsError, Unauthenticated, WritesUnavailable
from data.identity import Identity
from data.quotas import WindowQuota, charge
from loaders.identities import FIRST_SUBJECT_USER, IdentityStore

logger = logging.getLogger(__name__)

STATE_KEY = "identity"  # where the Identity lands in the request's state (request.state.identity)
_NUMERIC = re.compile(r"[1-9][0-9]{0,17}")
REALM = 'Bearer realm="moviegraph"'
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def identity_of(scope: Scope) -> Identity | None:
    identity = scope.get("state", {}).get(STATE_KEY)
    return identity if isinstance(identity, Identity) else None


@dataclass
class Authenticator:
    """Turns a request's credentials into an Identity; `open` takes none and trusts the `user` argument."""

    open: bool
    verifier: TokenVerifier | None = None
    service_keys: ServiceKeys | None = None
    identities: IdentityStore | None = None
    numeric_subjects: bool = False
    new_users: WindowQuota = field(default_factory=lambda: WindowQuota(0, 3600))
    identity_path: Path | None = None  # where `start` opens the identity table (with a verifier)

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        """The authenticator the settings describe; `start` (in the lifespan) fetches and opens what it needs."""
        if settings.auth != "jwt":
            return cls(open=True)
        verifier = None
        rules = TokenRules(algorithms=settings.token_algorithms, issuer=settings.jwt_issuer or None,
                           audience=settings.jwt_audience or None, user_claim=settings.jwt_user_claim,
                           leeway_seconds=settings.jwt_leeway_seconds)
        if settings.jwks:
            verifier = TokenVerifier(rules, key_set=KeySet(settings.jwks, refetch_seconds=settings.jwks_refetch_seconds))
        elif settings.jwt_secret:
            verifier = TokenVerifier(rules, secret=settings.jwt_secret)
        return cls(open=False, verifier=verifier,
                   service_keys=ServiceKeys(Path(settings.api_keys_file)) if settings.api_keys_file else None,
                   numeric_subjects=settings.jwt_numeric_subjects, new_users=WindowQuota(settings.new_users_per_hour, 3600),
                   identity_path=settings.identity_db() if verifier is not None else None)

    async def start(self) -> None:
        if self.verifier is not None and self.verifier.key_set is not None:
            await self.verifier.key_set.load()
        if self.identity_path is not None:
            try:
                self.identities = await IdentityStore.open(self.identity_path)
            except WritesUnavailable as exc:
                # Numeric subjects and service keys still sign in; other subjects answer 503 naming the file.
                logger.error("%s; only numeric subjects and service keys can sign in", exc)

    async def identify(self, authorization: str | None, api_key: str | None, client: str) -> Identity:
        if self.open:
            return Identity.open()
        if api_key is not None:
            return self._service(api_key)
        if authorization is None:
            return Identity.anonymous()
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated("send credentials as `Authorization: Bearer <token>` (or a service key as `X-API-Key`)")
        if credential.startswith(SERVICE_KEY_PREFIX):
            return self._service(credential)
        if self.verifier is None:
            raise Unauthenticated("this server takes service keys only (no sign-in tokens are configured)")
        verified = await self.verifier.verify(credential)
        if self.numeric_subjects and _NUMERIC.fullmatch(verified.subject) and int(verified.subject) < FIRST_SUBJECT_USER:
            return Identity.user(int(verified.subject))
        if self.identities is None:
            raise WritesUnavailable("signed-in users cannot be matched to catalogue users: the identity table could not be "
                                    "opened (the server log says why)")
        user_id = await self.identities.user_id(
            verified.issuer, verified.subject, lambda: charge([(self.new_users, "new users an hour from one address")], client))
        return Identity.user(user_id)

    def _service(self, key: str) -> Identity:
        name = self.service_keys.name_for(key.strip()) if self.service_keys is not None else None
        if name is None:
            raise Unauthenticated("the service key is not one this server knows (revoked, or from another deployment); "
                                  "create one with `moviegraph keys create NAME`")
        return Identity.service(name)

    async def close(self) -> None:
        if self.identities is not None:
            await self.identities.close()


_STATUS = {Unauthenticated: 401, QuotaExceeded: 429, WritesUnavailable: 503}


class Authenticate:
    """Puts the request's Identity in its state, or refuses it (401 for credentials that do not verify)."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope["headers"] if name in (b"authorization", b"x-api-key")}
        client = scope.get("client")
        try:
            identity = await self.authenticator.identify(
                _text(headers.get(b"authorization")), _text(headers.get(b"x-api-key")), client_key(client[0]) if client else "unknown")
        except (Unauthenticated, QuotaExceeded, WritesUnavailable) as exc:
            await refuse(scope, send, _STATUS[type(exc)], str(exc.code), str(exc), headers=_refusal_headers(exc))
            return
        scope.setdefault("state", {})[STATE_KEY] = identity
        await self.app(scope, receive, send)


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


def challenge(message: str, error: str | None = "invalid_token") -> str:
    """The WWW-Authenticate value of a 401 (RFC 6750): the scheme, and why (`error` None: no
    credentials were sent); the description is ours, never the token."""
    description = message.replace("\\", "").replace('"', "'")
    return f'{REALM}, error="{error}", error_description="{description}"' if error else f'{REALM}, error_description="{description}"'


def _refusal_headers(exc: MoviegraphError) -> dict[str, str]:
    if isinstance(exc, Unauthenticated):
        return {"www-authenticate": challenge(str(exc))}
    if isinstance(exc, QuotaExceeded):
        return {"retry-after": str(exc.retry_after)}
    return {}


def check_files(settings: Settings) -> None:
    """Reads the service keys file and a JWKS file now, so that `serve` stops with what is wrong
    (KeysFileError, KeySetError) rather than failing in the server's start-up."""
    if settings.auth != "jwt":
        return
    Authenticator.from_settings(settings)  # reads the keys file
    if settings.jwks and not is_url(settings.jwks):
        parse_key_set(read_key_set(settings.jwks))


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def check_open_bind(settings: Settings) -> str | None:
    """What to say at start about access: a warning when open on loopback (MOVIEGRAPH_AUTH unset),
    None when the operator chose; SettingsError when unset on an address others can reach."""
    if settings.auth == "none":
        return f"MOVIEGRAPH_AUTH=none: anyone who reaches {settings.host}:{settings.port} may read and change every user's ratings"
    if settings.auth:
        return None
    if is_loopback(settings.host):
        return (f"MOVIEGRAPH_AUTH is unset: running open on loopback {settings.host} (anyone on this machine acts as any user); "
                "set MOVIEGRAPH_AUTH=jwt to require sign-in")
    raise SettingsError(
        f"refusing to serve on {settings.host} with MOVIEGRAPH_AUTH unset: anyone who reaches it could read and change "
        "every user's ratings. Set MOVIEGRAPH_AUTH=jwt (with MOVIEGRAPH_JWKS or MOVIEGRAPH_JWT_SECRET, see README "
        "\"Security model\"), or MOVIEGRAPH_AUTH=none if it really should be open, or bind to 127.0.0.1"
    )
