"""Settings, read once from `MOVIEGRAPH_*` environment variables; nothing else reads os.environ."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from uvicorn.config import LOG_LEVELS

from api.token_algorithms import DEFAULT_KEY_SET_ALGORITHMS, HMAC_ALGORITHMS, PUBLIC_KEY_ALGORITHMS
from data.domain import MAX_QUERY_COST
from data.errors import SettingsError
from data.images import DEFAULT_IMAGE_BASE, check_image_base

if TYPE_CHECKING:
    from ml.artifact_store import ArtifactStore

PREFIX = "MOVIEGRAPH_"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("var/moviegraph.sqlite3")
    model_dir: Path = Path("var/model")
    # Where `train` publishes and `serve` looks: a local folder, or s3://bucket/prefix; "" for model_dir.
    model_uri: str = ""
    s3_endpoint_url: str = ""  # an S3-compatible store's endpoint (http(s)://host:port); "" for AWS's
    model_cache_dir: Path = Path("var/model-cache")  # where a server keeps the versions it downloads (the two newest)
    model_poll_seconds: float = 2.0  # how often the server looks for a newly trained model
    sample_dir: Path = SAMPLE_DIR
    # A folder with a prebuilt moviegraph.sqlite3 and model (the image's) that a first `serve` copies
    # instead of ingesting sample_dir and training; "" for none. A str, as None has no env parsing.
    seed_dir: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"  # also decides the request log: one line per request at "info" and below
    # Limits and security; README "Limits and security" says how each one answers.
    max_query_cost: int = MAX_QUERY_COST  # estimated objects a query may load (schema/cost.py)
    max_body_bytes: int = 64 * 1024  # a predictedRatings of 1,000 ids takes about 12 KiB
    rate_limit: float = 50.0  # requests per second per client address, in the long run; 0 turns it off
    rate_burst: int = 100  # requests a client may send at once before rate_limit applies
    # Query cost (estimated objects) per second per client, in the long run; a client may spend
    # max_query_cost at once. 0 turns this part off (rate_limit 0 turns both off).
    rate_cost: float = 1_000.0
    deadline_seconds: float = 5.0  # a request still running then is stopped (SQL interrupted) and answered TIMEOUT
    db_readers: int = 4  # read connections to the catalogue: statements that run at once
    # Browser origins allowed to call the API, comma-separated: exact (https://app.example), a port
    # or subdomain pattern (http://localhost:*, https://*.example.org), or "*" for any (api/cors.py).
    cors_origins: tuple[str, ...] = ()
    cors_credentials: bool = False  # let browsers send cookies (Access-Control-Allow-Credentials); never with "*"
    # GraphQL over HTTP (api/graphql_app.py, api/persisted_queries.py, api/http_caching.py).
    max_batch: int = 10  # operations in one batched request (a JSON array); 0 turns batching off
    persisted_queries: str = "auto"  # "auto" (Apollo's APQ), "only" (registered hashes only) or "off"
    persisted_queries_file: str = ""  # registered queries (`moviegraph queries register`); "" for one beside the catalogue
    persisted_query_max_entries: int = 1_000  # automatic persisted queries held per process (least recently used go)
    persisted_query_max_bytes: int = 2 * 1024 * 1024  # and their text, in bytes
    cache_max_age: int = 60  # seconds a browser or CDN may reuse a catalogue-only GET answer; 0: revalidate each time
    # The in-process cache of those answers, GET or POST (api/response_cache.py), for cache_max_age at most; 0 turns it off.
    response_cache_bytes: int = 32 * 1024 * 1024
    introspection: bool = True  # off: clients (GraphiQL too) cannot load the schema
    # The HTTP edge (api/http_protocol.py, api/body_reader.py, api/hosts.py).
    max_header_bytes: int = 16 * 1024  # request line and headers; a JWT and a few cookies fit in 4 KiB
    max_headers: int = 100
    header_timeout: float = 10.0  # seconds for a request's line and headers to arrive, from its first byte
    body_timeout: float = 10.0  # seconds for the whole body to arrive once the headers have
    shutdown_timeout: int = 5  # seconds a stopping server lets running requests finish before cancelling them
    # Proxies whose X-Forwarded-For names the client (IPs or networks, "*" for any); none by default.
    forwarded_allow_ips: tuple[str, ...] = ()
    # Host header values served ("*.example.org" for subdomains, "*" for any). Empty: `serve` on a
    # loopback address answers loopback names only (against DNS rebinding), elsewhere any name.
    allowed_hosts: tuple[str, ...] = ()
    # Identity and access; README "Security model". "" (unset): open on a loopback bind, refused on any other.
    auth: str = ""  # "none" (open: the `user` argument is trusted) or "jwt" (tokens and service keys)
    jwt_secret: str = field(default="", repr=False)  # HS256 shared secret, at least 32 bytes
    jwks: str = ""  # the provider's key set: an https:// URL or a file
    jwt_issuer: str = ""  # required `iss` (required with jwks)
    jwt_audience: str = ""  # required `aud` (required with jwks)
    jwt_user_claim: str = "sub"
    jwt_algorithms: tuple[str, ...] = ()  # default HS256 with a secret, RS256,ES256 with a key set
    jwt_leeway_seconds: float = 30.0  # clock skew forgiven on exp, nbf, iat
    jwt_numeric_subjects: bool = False  # a subject "42" is catalogue user 42 (the dataset's users)
    jwks_refetch_seconds: float = 30.0  # least time between fetches of the key set for an unknown kid
    api_keys_file: str = ""  # service keys (`moviegraph keys create NAME`)
    identity_db_path: str = ""  # subject -> user id table; "" for identities.sqlite3 beside the catalogue
    writes_per_minute: int = 60  # rating writes per user; 0 for no quota
    writes_per_day: int = 2_000
    new_users_per_hour: int = 30  # users first seen (a new token subject) per client address
    tmdb_image_base: str = DEFAULT_IMAGE_BASE  # where posterUrl, backdropUrl and profileUrl point (data/images.py)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from `MOVIEGRAPH_DB_PATH`, `MOVIEGRAPH_PORT`, ...; unset ones keep their default."""
        values: dict[str, object] = {}
        for name, default in cls().__dict__.items():
            raw = environ.get(PREFIX + name.upper())
            if raw is None:
                continue
            try:
                values[name] = _parse(raw, default)
            except ValueError:
                raise SettingsError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}") from None
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError(f"port {self.port} is not in 1..65535")
        if not math.isfinite(self.model_poll_seconds) or self.model_poll_seconds <= 0:
            raise SettingsError(f"model_poll_seconds must be positive, not {self.model_poll_seconds}")
        self._validate_model_store()
        if self.workers < 1:
            raise SettingsError(f"workers must be at least 1, not {self.workers}")
        if self.max_query_cost < 1 or self.max_body_bytes < 1:
            raise SettingsError("max_query_cost and max_body_bytes must be positive")
        if not math.isfinite(self.rate_limit) or self.rate_limit < 0 or (self.rate_limit and self.rate_burst < 1):
            raise SettingsError(f"rate_limit must be 0 (off) or positive with rate_burst at least 1, not {self.rate_limit} and {self.rate_burst}")
        if not math.isfinite(self.rate_cost) or self.rate_cost < 0:
            raise SettingsError(f"rate_cost must be 0 (off) or positive, not {self.rate_cost}")
        if not math.isfinite(self.deadline_seconds) or self.deadline_seconds <= 0:
            raise SettingsError(f"deadline_seconds must be positive, not {self.deadline_seconds}")
        if self.db_readers < 1:
            raise SettingsError(f"db_readers must be at least 1, not {self.db_readers}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if self.max_header_bytes < 1024 or self.max_headers < 10:
            raise SettingsError(
                f"max_header_bytes must be at least 1024 and max_headers at least 10, not {self.max_header_bytes} and {self.max_headers}"
            )
        for name in ("header_timeout", "body_timeout", "shutdown_timeout"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise SettingsError(f"{name} must be a positive number of seconds, not {value}")
        for proxy in self.forwarded_allow_ips:
            # uvicorn would take a typo for a literal that never matches: refuse it here instead.
            try:
                if proxy != "*":
                    ipaddress.ip_network(proxy)
            except ValueError:
                raise SettingsError(f"forwarded_allow_ips: {proxy!r} is not an IP address or network (or *)") from None
        for host in self.allowed_hosts:
            if not host or any(c in host for c in "/ ,") or ("*" in host and host != "*" and not host.startswith("*.")):
                raise SettingsError(f"allowed_hosts: {host!r} is not a host name like api.example.org, *.example.org or *")
        self._validate_auth()
        check_image_base(self.tmdb_image_base)
        self._validate_http()

    def _validate_http(self) -> None:
        from api.cors import origin_pattern  # api/cors.py imports nothing of this module

        for origin in self.cors_origins:
            if origin_pattern(origin) is None:
                raise SettingsError(f"cors_origins: {origin!r} is not an origin like https://example.org, "
                                    "http://localhost:* or https://*.example.org (or *)")
        if self.cors_credentials and "*" in self.cors_origins:
            raise SettingsError("MOVIEGRAPH_CORS_CREDENTIALS needs the origins named: with \"*\" any site could act with a user's cookies")
        if self.persisted_queries not in ("auto", "only", "off"):
            raise SettingsError(f"MOVIEGRAPH_PERSISTED_QUERIES must be auto, only or off, not {self.persisted_queries!r}")
        if not 0 <= self.max_batch <= 100:
            raise SettingsError(f"MOVIEGRAPH_MAX_BATCH must be 0 (off) to 100, not {self.max_batch}")
        if self.persisted_query_max_entries < 1 or self.persisted_query_max_bytes < 1 or min(self.cache_max_age, self.response_cache_bytes) < 0:
            raise SettingsError("persisted_query_max_entries and persisted_query_max_bytes must be positive, "
                                "cache_max_age and response_cache_bytes 0 or more")

    def _validate_model_store(self) -> None:
        if "://" in self.model_uri:
            bucket = self.model_uri.removeprefix("s3://").split("/", 1)[0]
            if not self.model_uri.startswith("s3://") or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
                raise SettingsError(f"MOVIEGRAPH_MODEL_URI={self.model_uri!r} is neither a local folder nor s3://bucket/prefix")
        if self.s3_endpoint_url and not re.fullmatch(r"https?://[^/\s]+/?", self.s3_endpoint_url):
            raise SettingsError(f"MOVIEGRAPH_S3_ENDPOINT_URL={self.s3_endpoint_url!r} is not an endpoint like https://s3.example.org or http://127.0.0.1:9000")

    @property
    def model_location(self) -> str:
        return self.model_uri or str(self.model_dir)

    @property
    def model_on_object_storage(self) -> bool:
        return self.model_location.startswith("s3://")

    def model_store(self) -> ArtifactStore:
        """Where models are published and found (ml/artifact_store.py; imported here, not with the settings)."""
        from ml.artifact_store import open_store

        return open_store(self.model_location, endpoint_url=self.s3_endpoint_url, cache_dir=self.model_cache_dir)

    def _validate_auth(self) -> None:
        if self.auth not in ("", "none", "jwt"):
            raise SettingsError(f"MOVIEGRAPH_AUTH must be jwt or none, not {self.auth!r}")
        if min(self.writes_per_minute, self.writes_per_day, self.new_users_per_hour) < 0:
            raise SettingsError("writes_per_minute, writes_per_day and new_users_per_hour must be 0 (no quota) or positive")
        if not (math.isfinite(self.jwt_leeway_seconds) and 0 <= self.jwt_leeway_seconds <= 300):
            raise SettingsError(f"MOVIEGRAPH_JWT_LEEWAY_SECONDS must be 0 to 300 (a small clock skew), not {self.jwt_leeway_seconds}")
        if not (math.isfinite(self.jwks_refetch_seconds) and self.jwks_refetch_seconds >= 0):
            raise SettingsError(f"MOVIEGRAPH_JWKS_REFETCH_SECONDS must be 0 or more, not {self.jwks_refetch_seconds}")
        if self.auth != "jwt":
            return
        if self.jwt_secret and self.jwks:
            raise SettingsError("set MOVIEGRAPH_JWT_SECRET (HS256) or MOVIEGRAPH_JWKS (a provider's keys), not both")
        if not (self.jwt_secret or self.jwks or self.api_keys_file):
            raise SettingsError("MOVIEGRAPH_AUTH=jwt needs MOVIEGRAPH_JWKS (the identity provider's keys) or "
                                "MOVIEGRAPH_JWT_SECRET, and/or MOVIEGRAPH_API_KEYS_FILE")
        if self.jwt_secret and len(self.jwt_secret.encode()) < 32:
            raise SettingsError("MOVIEGRAPH_JWT_SECRET must be at least 32 bytes (RFC 7518 asks as many as the hash); "
                                "make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        if self.jwks and not (self.jwt_issuer and self.jwt_audience):
            raise SettingsError("with MOVIEGRAPH_JWKS, set MOVIEGRAPH_JWT_ISSUER and MOVIEGRAPH_JWT_AUDIENCE too: a provider "
                                "signs tokens for other apps with the same keys")
        allowed = HMAC_ALGORITHMS if self.jwt_secret else PUBLIC_KEY_ALGORITHMS
        unknown = [name for name in self.jwt_algorithms if name not in allowed]
        if unknown:
            kind = "a shared secret" if self.jwt_secret else "a key set"
            raise SettingsError(f"MOVIEGRAPH_JWT_ALGORITHMS: {', '.join(unknown)} cannot be used with {kind}; "
                                f"choose among {', '.join(sorted(allowed))}")

    @property
    def token_algorithms(self) -> frozenset[str]:
        return frozenset(self.jwt_algorithms or (("HS256",) if self.jwt_secret else DEFAULT_KEY_SET_ALGORITHMS))

    def persisted_queries_path(self) -> Path:
        return Path(self.persisted_queries_file) if self.persisted_queries_file else self.db_path.with_name("persisted-queries.json")

    def identity_db(self) -> Path:
        return Path(self.identity_db_path) if self.identity_db_path else self.db_path.with_name("identities.sqlite3")

    def as_environ(self) -> dict[str, str]:
        """The same settings as environment variables, for worker processes uvicorn spawns."""
        return {PREFIX + name.upper(): _format(value) for name, value in self.__dict__.items()}


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _parse(raw: str, default: object) -> object:
    """`raw` as the type of `default`; a tuple is comma-separated, a bool is true/false, 1/0, yes/no, on/off."""
    if isinstance(default, bool):
        if raw.strip().lower() not in _BOOLEANS:
            raise ValueError(raw)
        return _BOOLEANS[raw.strip().lower()]
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    assert isinstance(default, (int, float, str, Path)), f"no parser for {type(default).__name__} settings"
    return type(default)(raw)


def _format(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value).lower() if isinstance(value, bool) else str(value)
