"""The per-request execution deadline, as pure ASGI middleware.

At the deadline the request's task is cancelled and answered 503 TIMEOUT (GraphQL-shaped on
/graphql). Whenever a request ends, on time or not, every SQL statement still running for it is
interrupted: those it awaited stop through the cancellation, those of DataLoader batches (tasks of
their own) through the request's `loaders.deadline.RequestWork`. Nothing of it runs on after its
answer, whatever ended it (the deadline, a client gone, an error).
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import refuse
from data.errors import RequestTimeout
from loaders import deadline

logger = logging.getLogger(__name__)


class Deadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        work = deadline.RequestWork(self.seconds)
        token = deadline.current.set(work)
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.seconds) as timeout:
                await self.app(scope, receive, watching_send)
        except TimeoutError:
            if not timeout.expired():
                raise  # a TimeoutError of the app's own
            work.stop()
            if started:  # too late to answer with an error: the client sees the answer cut short
                logger.warning("%s %s ran past its %g s deadline while answering", scope["method"], scope["path"], self.seconds)
                return
            error = RequestTimeout(self.seconds)
            await refuse(scope, send, 503, error.code or "", str(error), extra={"deadlineSeconds": self.seconds})
        finally:
            work.stop()
            deadline.current.reset(token)
