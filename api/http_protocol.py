"""uvicorn's httptools protocol with the bounds it lacks: a request head (line and headers) over
`max_header_bytes` or with more than `max_headers` headers answers 431, one that takes longer than
`header_timeout` to arrive answers 408, and neither reaches the app.

httptools (what uvicorn[standard] picks) buffers a header until it ends, however long, and uvicorn
waits for a head as long as the client likes: a 100 MB header was accepted. uvicorn's h11
protocol has `h11_max_incomplete_event_size` but no head timeout either, and costs about twice
the CPU per request, so the fast parser stays and this subclass bounds it. `serve` names it as
uvicorn's `http` class; each worker reads the limits from its environment (`Settings`).
"""

from __future__ import annotations

import asyncio
import functools
import http
import json
import logging
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from api.limits import error_body
from api.request_log import LOGGER_NAME
from api.settings import Settings

logger = logging.getLogger(LOGGER_NAME)
LINGER_SECONDS = 2.0  # how long a refused connection's remaining bytes are read and dropped


@functools.cache
def _settings() -> Settings:
    return Settings.from_environ()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None, settings: Settings | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = settings or _settings()
        self.max_header_bytes = settings.max_header_bytes
        self.max_headers = settings.max_headers
        self.header_timeout = settings.header_timeout
        self.reading_head = True  # between one message's end (or the connection's start) and the next one's headers
        self.head_bytes = 0  # bytes received while reading_head, a bound on the head's size
        self.head_timer: asyncio.TimerHandle | None = None
        self.refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A connection that never sends a byte is held too; uvicorn's keep-alive timer only runs between requests.
        self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # the rest of a refused request is never parsed
        if self.reading_head:
            self.head_bytes += len(data)
            if self.head_timer is None:  # the first bytes of a keep-alive connection's next request
                self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)
        super().data_received(data)
        # The head has not ended in all these bytes (a chunk that ends it is not counted past its
        # end): httptools holds them, so stop here rather than let it buffer more.
        if self.reading_head and self.head_bytes > self.max_header_bytes and not self.refused:
            self._refuse(431, "HEADERS_TOO_LARGE", f"the request line and headers are over the limit of {self.max_header_bytes:,} bytes",
                         self.max_header_bytes)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.reading_head = False
        self._stop_head_timer()
        # Exact, whatever chunks the head came in: 4 bytes of ": " and CRLF a header.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if len(self.headers) > self.max_headers:
            self._refuse(431, "TOO_MANY_HEADERS", f"the request has {len(self.headers):,} headers, over the limit of {self.max_headers}",
                         self.max_headers)
        elif size > self.max_header_bytes:
            self._refuse(431, "HEADERS_TOO_LARGE", f"the request line and headers are over the limit of {self.max_header_bytes:,} bytes",
                         self.max_header_bytes)
        else:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        super().on_message_complete()
        self.reading_head = True
        self.head_bytes = 0

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.reading_head or self.refused or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined next request waits while this one is answered: its time starts after.
            self.head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)
            return
        if self.head_bytes:
            self._refuse(408, "HEADER_TIMEOUT", f"the request line and headers did not arrive within {self.header_timeout:g} s",
                         self.header_timeout)
        else:  # an idle connection: nothing to answer
            self.transport.close()

    def _refuse(self, status: int, code: str, message: str, maximum: float) -> None:
        """Answers `status` with connection: close; the app never sees the request."""
        self.refused = True
        self._stop_head_timer()
        # Shaped for the route when the request line got through, as the limits in api/limits.py answer.
        path = self.url.partition(b"?")[0].decode("latin-1") if getattr(self, "url", b"") else ""
        content = error_body(path, code, message, {"maximum": maximum})
        phrase = http.HTTPStatus(status).phrase
        head = [f"HTTP/1.1 {status} {phrase}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [b"content-type: application/json", b"content-length: %d" % len(content), b"connection: close"]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + content)
        # Closing with the client's bytes unread would reset the connection, and a client still
        # sending would lose the answer: end our side, discard what comes (data_received) for a
        # moment, then close, as nginx's lingering close does.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()
        client = self.client[0] if self.client else None
        logger.warning(json.dumps({"status": status, "code": code, "client": client, "path": path[:200] or None}))
