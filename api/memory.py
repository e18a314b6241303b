"""Gives the memory of large answers back to the OS once they are sent.

A burst of the costliest admissible queries (4 MB answers, eight at a time) took the server from
216 to 401 MB, and it stayed at 386 MB: Python frees the objects, but glibc's malloc keeps freed
pages for reuse (and raises its mmap threshold after the first big free, so later big strings
come from its heap too), and pymalloc keeps any 256 KiB arena that still holds one live object.
Within a second of an answer over `threshold` bytes, a full collection (the finished requests'
cycles) and `malloc_trim(0)` return the pages; both run on the event loop, at most once a second,
after the answer has left. With pymalloc's arenas the burst left 293 MB; with PYTHONMALLOC=malloc,
which the Makefile and the image set, RSS comes back to where it was (tests/reliability/
test_hostile_http.py). Without glibc there is no malloc_trim and this only collects.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TRIM_DELAY_SECONDS = 1.0


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except AttributeError:  # not glibc (musl, macOS)
        return None
    return trim


class ReturnMemory:
    def __init__(self, app: ASGIApp, threshold: int = 1024 * 1024) -> None:
        self.app = app
        self.threshold = threshold
        self.malloc_trim = _malloc_trim()
        self.scheduled: asyncio.TimerHandle | None = None
        self.trims = 0  # for tests and curiosity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if sent > self.threshold and self.scheduled is None:
                self.scheduled = asyncio.get_running_loop().call_later(TRIM_DELAY_SECONDS, self._trim)

    def _trim(self) -> None:
        self.scheduled = None
        self.trims += 1
        gc.collect()
        if self.malloc_trim is not None:
            self.malloc_trim(0)
