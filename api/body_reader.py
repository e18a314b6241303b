"""Reads each request's body before the app runs, within `timeout` seconds (else 408 and the
connection closes), then watches the connection: a client that goes away cancels its request's work.

Without it a body that trickles in, or a Content-Length larger than the body sent, held a request
open as long as the client liked, and a query kept running after its client had left. The body
is already bounded (BodySizeLimit, outside this), so holding it costs at most that much.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import refuse


class BodyReader:
    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # gone before the body arrived; the request log says 499
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await refuse(scope, send, 408, "BODY_TIMEOUT", f"the request body did not arrive within {self.timeout:g} s",
                         headers={"connection": "close"}, extra={"maximum": self.timeout})
            return
        await _run_until_disconnect(self.app, scope, b"".join(chunks), receive, send)


async def _run_until_disconnect(app: ASGIApp, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
    # uvicorn's receive() also answers http.disconnect once the response is complete, so only a
    # disconnect before then is the client leaving.
    started = responded = delivered = False
    disconnected = asyncio.Event()

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def watching_send(message: Message) -> None:
        nonlocal started, responded
        started = started or message["type"] == "http.response.start"
        responded = responded or (message["type"] == "http.response.body" and not message.get("more_body", False))
        await send(message)

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass  # nothing else comes after the body; ignore anything that does
        disconnected.set()

    work = asyncio.ensure_future(app(scope, replay, watching_send))
    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.wait((work, watcher), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # uvicorn cancels what still runs at its graceful-shutdown limit (MOVIEGRAPH_SHUTDOWN_TIMEOUT):
        # stop the work and tell the client, rather than a traceback in the log and a cut connection.
        work.cancel()
        watcher.cancel()
        current = asyncio.current_task()
        if current is None or current.uncancel():
            raise  # cancelled by more than the shutdown
        if not started:
            await refuse(scope, send, 503, "SHUTTING_DOWN", "the server stopped before this request finished; retry it",
                         headers={"connection": "close"})
        return
    try:
        if not work.done() and not responded:
            # The client left: stop its work (cancelling a query's await; what runs inside SQLite is the SQL deadline's).
            work.cancel()
            await asyncio.wait((work,))  # let it unwind; its CancelledError is ours, not the caller's
            if not work.cancelled():
                work.result()  # it failed on its own: let the error surface as it would have
            return
        await work
    finally:
        work.cancel()
        watcher.cancel()
