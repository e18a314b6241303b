"""One JSON log line per request, and its metrics, from a pure ASGI middleware.

The line goes to the `moviegraph.requests` logger at INFO, so the server's log level turns it on
(info, debug) or off (warning and above). It replaces uvicorn's access log, which `serve` turns
off so a request is not logged twice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.graphql_app import GraphQLOutcome
from api.metrics import Metrics
from data.identity import Identity

LOGGER_NAME = "moviegraph.requests"
REQUEST_ID_HEADER = b"x-request-id"
# A request id from the client (or a proxy) is kept when it is short and plain, to follow it across services.
_CLIENT_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")

logger = logging.getLogger(LOGGER_NAME)


def configure(level: str) -> None:
    """Sets the request log's level (uvicorn's names: info, warning, ...); when nothing upstream
    handles its records (uvicorn configures only its own loggers), prints them to stderr."""
    number = logging.getLevelName(level.upper())
    logger.setLevel(number if isinstance(number, int) else logging.INFO)
    if not logger.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _CLIENT_REQUEST_ID.fullmatch(value):
            return bytes(value)
    return os.urandom(16).hex().encode()


class RequestLog:
    """Times each HTTP request, counts it in `metrics`, logs it, and answers with its X-Request-ID."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})  # the dict behind request.state, where GraphQLOutcome lands
        status: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            status = status or 500  # failed before answering: Starlette's error middleware answers 500
            raise
        finally:
            # nginx's 499, "client closed request": the client left before the answer (api/body_reader.py).
            status = status or 499
            seconds = time.perf_counter() - started
            # "unrouted": answered before routing, by a limit (429, 413) or for want of a route (404).
            route = getattr(scope.get("route"), "path", None) or "unrouted"
            graphql = state.get("graphql")
            graphql = graphql if isinstance(graphql, GraphQLOutcome) else None
            self.metrics.observe(route, scope["method"], status, seconds, graphql)
            if logger.isEnabledFor(logging.INFO):
                logger.info(json.dumps(_line(scope, request_id, status, seconds, graphql)))


def _line(scope: Scope, request_id: bytes, status: int, seconds: float, graphql: GraphQLOutcome | None) -> dict[str, object]:
    client = scope.get("client")
    line: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id.decode(),
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
        "client": client[0] if client else None,
        # Who it was (user:42, key:tv-backend, anonymous); never the credential. None: refused before it was known.
        "identity": identity.label if isinstance(identity := scope.get("state", {}).get("identity"), Identity) else None,
    }
    if graphql is not None:
        line |= {"operation_type": graphql.operation_type, "root_field": graphql.root_field,
                 "operation_name": graphql.operation_name, "error_codes": graphql.error_codes, "cost": graphql.cost,
                 "cached": graphql.cached}
    return line
