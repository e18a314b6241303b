"""Request body size and per-client rate limits, as pure ASGI middleware (no per-request task or
body buffering, unlike BaseHTTPMiddleware).

A refusal answers in the shape the route's clients read: GraphQL `errors` with `extensions.code`
on /graphql, the REST routes' `{"error", "code"}` elsewhere. The client is the ASGI client address:
behind a reverse proxy, let uvicorn take it from X-Forwarded-For by listing the proxy in
FORWARDED_ALLOW_IPS (uvicorn's own setting), never from a header any client can send.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from data.identity import Identity

# Probes and scrapes must get through a client that is being limited.
EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})


def error_body(path: str, code: str, message: str, extra: Mapping[str, object] | None = None) -> bytes:
    """The JSON of an error answer: GraphQL `errors` on /graphql, `{"error", "code"}` elsewhere."""
    if path == "/graphql":
        body: dict[str, object] = {"errors": [{"message": message, "extensions": {"code": code, **(extra or {})}}]}
    else:
        body = {"error": message, "code": code, **(extra or {})}
    return json.dumps(body).encode()


async def refuse(scope: Scope, send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 extra: dict[str, object] | None = None) -> None:
    """Sends an error response with `code` and `message`, shaped for the route."""
    content = error_body(scope["path"], code, message, extra)
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode()),
                   *((name.encode(), value.encode()) for name, value in (headers or {}).items())]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": content})


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses a request body over `max_bytes` with 413: at once when Content-Length says so, and
    while reading when a body without one (chunked) grows past it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await self._refuse(scope, send)
                    return
                break
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await refuse(scope, send, 413, "REQUEST_TOO_LARGE", f"the request body is over the limit of {self.max_bytes:,} bytes",
                     extra={"maximum": self.max_bytes})


class TokenBuckets:
    """One token bucket per client: `burst` tokens, refilled at `rate` a second; a request takes
    one (or `amount`: a query's cost).

    Buckets are kept least recently used first. One that has been idle long enough to be full
    again is the same as none, so it is dropped; `max_clients` bounds memory even under a flood of
    new addresses (dropping a bucket early only forgives its client a little)."""

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._refill_seconds = burst / rate
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, last seen)

    def take(self, client: str, amount: float = 1.0) -> float:
        """0.0 when `client` may go ahead (`amount` tokens are taken), else the seconds until it may."""
        now = self.clock()
        while self._buckets:
            oldest, (_, seen) = next(iter(self._buckets.items()))
            if now - seen < self._refill_seconds and len(self._buckets) < self.max_clients:
                break
            del self._buckets[oldest]
        tokens, seen = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - seen) * self.rate)
        wait = 0.0 if tokens >= amount else (amount - tokens) / self.rate
        self._buckets[client] = (tokens - amount if wait == 0 else tokens, now)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


@functools.lru_cache(maxsize=4096)  # once per address: parsing it was ~5% of a cached answer's profile
def client_key(address: str) -> str:
    """The bucket of an address: IPv6 clients by their /64, which one host can fill with addresses
    of its own (an address each would give it a fresh burst per address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an IP (a test client's name, a Unix socket path): the text itself
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def rate_key(scope: Scope) -> str:
    """Whose bucket a request takes from: a signed-in identity's own (set by api/authentication.py,
    which runs first), wherever it comes from; else its address's."""
    identity = scope.get("state", {}).get("identity")
    if isinstance(identity, Identity) and identity.is_signed_in:
        return identity.label
    client = scope.get("client")
    return client_key(client[0]) if client else "unknown"


def too_many(seconds: float) -> tuple[str, dict[str, object]]:
    """The message and extensions of a RATE_LIMITED refusal: retry in whole seconds."""
    retry = math.ceil(seconds)
    return f"too many requests from this client; retry in {retry} s", {"code": "RATE_LIMITED", "retryAfter": retry}


class RateLimit:
    """Answers 429 with Retry-After to a client over its token bucket; `on_refused` counts it."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, on_refused: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.buckets = buckets
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in EXEMPT_PATHS:
            wait = self.buckets.take(rate_key(scope))
            if wait:
                self.on_refused()
                message, extensions = too_many(wait)
                await refuse(scope, send, 429, "RATE_LIMITED", message, headers={"retry-after": str(extensions["retryAfter"])},
                             extra={"retryAfter": extensions["retryAfter"]})
                return
        await self.app(scope, receive, send)
