"""CORS for browser frontends: the origins of MOVIEGRAPH_CORS_ORIGINS (exact, or a pattern such as
`http://localhost:*` or `https://*.example.org`), the request headers Apollo and Relay clients
send, opt-in credentials, and preflight refusals as JSON errors that say what to set.

Starlette's CORSMiddleware does the work; this module builds its arguments and answers the two
cases it gets wrong for a frontend developer: with no origin configured a preflight reached the
route and got `405 Method Not Allowed`, and a refused one got a plain-text 400.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import error_body

# Beyond the CORS-safelisted ones (Accept, Content-Type: Starlette allows those): sign-in, request
# tracing, Apollo's client awareness and CSRF-prevention headers, and a client's own revalidation.
ALLOWED_HEADERS = ("authorization", "x-api-key", "x-request-id", "apollographql-client-name",
                   "apollographql-client-version", "apollo-require-preflight", "x-apollo-operation-name", "if-none-match")
# What a frontend may read of an answer: the rate limit's wait, the request id, the sign-in
# challenge, and the cache validator it can send back (api/http_caching.py).
EXPOSED_HEADERS = ("retry-after", "x-request-id", "www-authenticate", "etag")
PREFLIGHT_MAX_AGE = 600  # seconds a browser keeps a preflight's answer
SETTING = "MOVIEGRAPH_CORS_ORIGINS"

_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]"
_ORIGIN = re.compile(rf"(?P<scheme>https?)://(?P<sub>\*\.)?(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}|\*))?")


def origin_pattern(origin: str) -> str | None:
    """The regular expression a configured origin stands for ("*" for any), or None when it is not
    an origin (a browser's Origin header is scheme://host[:port], with no path or trailing slash)."""
    if origin == "*":
        return ".*"
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        return None
    host = (r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\." if match["sub"] else "") + re.escape(match["host"].lower())
    port = "" if match["port"] is None else r":\d{1,5}" if match["port"] == "*" else ":" + match["port"]
    return f"{match['scheme']}://{host}{port}"


def _preflight(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    return scope["method"] == "OPTIONS" and b"origin" in headers and b"access-control-request-method" in headers


class NoCorsOrigins:
    """Without MOVIEGRAPH_CORS_ORIGINS, answers every preflight 403 with a GraphQL error that names it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _preflight(scope):
            message = (f"this server allows no cross-origin browser requests: set {SETTING} to the frontend's origin "
                       "(for example https://app.example.org, or http://localhost:* in development)")
            response = Response(error_body(scope["path"], "CORS_NOT_CONFIGURED", message, {"setting": SETTING}), 403,
                                media_type="application/json")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Cors(CORSMiddleware):
    """Starlette's CORS with the configured origins and patterns; a refused preflight answers JSON."""

    def __init__(self, app: ASGIApp, origins: Sequence[str], credentials: bool) -> None:
        # "*" (never with credentials, Settings refuses it) answers `*` itself, which any shared cache may keep.
        exact = ["*"] if "*" in origins else [origin for origin in origins if "*" not in origin]
        patterns = [pattern for origin in origins if "*" in origin and origin != "*" and (pattern := origin_pattern(origin))]
        super().__init__(app, allow_origins=exact, allow_origin_regex="|".join(f"(?:{p})" for p in patterns) or None,
                         allow_methods=["GET", "POST"], allow_headers=list(ALLOWED_HEADERS), allow_credentials=credentials,
                         expose_headers=list(EXPOSED_HEADERS), max_age=PREFLIGHT_MAX_AGE)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        reason = bytes(response.body).decode()  # "Disallowed CORS origin, headers"
        message = f"{reason}: allowed are the origins of {SETTING} and the request headers {', '.join(ALLOWED_HEADERS)}"
        headers = {name: value for name, value in response.headers.items() if name.startswith(("access-control", "vary"))}
        return Response(error_body("/graphql", "CORS_REFUSED", message), 400, headers=headers, media_type="application/json")

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        async def deduplicated(message: Message) -> None:
            # The GraphQL answer already varies on Origin (api/http_caching.py); Starlette adds it again.
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                names = [name.strip() for value in headers.getlist("vary") for name in value.split(",") if name.strip()]
                if names:
                    headers["vary"] = ", ".join(dict.fromkeys(names))
            await send(message)

        await super().send(message, deduplicated, request_headers)


def cors_middleware(origins: Sequence[str], credentials: bool) -> Middleware:
    """The CORS middleware for these settings."""
    return Middleware(Cors, origins=origins, credentials=credentials) if origins else Middleware(NoCorsOrigins)
