"""Turns on the event loop for one request's work, so that one large answer cannot hold up the others.

Every request shares one event loop. When a DataLoader batch comes back, all of the request's
fields waiting on it resume in the same loop iteration and do their work there: for 100 movies
with their cast, some 200 ms of Python during which the loop serves nothing else, not even
/health. A request's `Turns` (in a context variable, so its DataLoader batches and resolvers find
it) lets it have the loop for a SLICE at a time: past that, whatever resumes waits for the loop's
next turn, and other requests, probes included, get theirs in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
V = TypeVar("V")

SLICE = 0.01  # seconds of a request's work between the loop's other turns


class Turns:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.slice_started = loop.time()
        self._next: asyncio.Future[None] | None = None

    async def wait(self) -> None:
        """Returns at once within the request's slice; past it, in a later turn of the loop."""
        while self.loop.time() - self.slice_started >= SLICE:
            if self._next is None:
                self._next = self.loop.create_future()
                self.loop.call_soon(self._new_slice)  # runs in the loop's next iteration, after I/O is polled
            # Shielded: the future is every waiter's, and one waiter cancelled (its request gone,
            # a sibling field's error) must not cancel it for the others.
            await asyncio.shield(self._next)

    def _new_slice(self) -> None:
        turn, self._next = self._next, None
        self.slice_started = self.loop.time()
        if turn is not None and not turn.done():
            turn.set_result(None)


current: ContextVar[Turns | None] = ContextVar("moviegraph_turns", default=None)


async def in_turn(value: Awaitable[V]) -> V:
    """`value`, then the request's turn (no wait outside a request)."""
    result = await value
    turns = current.get()
    if turns is not None:
        await turns.wait()
    return result


class TurnTakingLoader(DataLoader[K, V]):
    """A DataLoader whose callers resume in their request's turn, not all in one loop iteration."""

    def load(self, key: K) -> Awaitable[V]:
        return in_turn(super().load(key))
