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
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

SLICE = 0.01  # seconds of a request's work between the loop's other turns
MAX_BATCH = 4096  # waiters woken in one turn at most


class Turns:
    """A request's slices of the loop. Waiters queue in order, and each new turn wakes only a batch
    of them: waking every waiter on every turn (to let each re-check the clock) cost O(waiters) per
    turn, quadratic over a large answer (one costly query took 11 s, four at once over 120 s). The
    batch doubles while a whole batch fits in a slice and halves when one overruns it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.slice_started = loop.time()
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._batch = 1
        self._overran = False
        self._scheduled = False

    def in_slice(self) -> bool:
        return self.loop.time() - self.slice_started < SLICE

    async def wait(self) -> None:
        """Returns at once within the request's slice; past it, in a later turn of the loop."""
        while self.loop.time() - self.slice_started >= SLICE:
            future = self.loop.create_future()
            self._waiting.append(future)
            if not self._scheduled:
                self._scheduled = True
                self.loop.call_soon(self._new_slice)  # runs in the loop's next iteration, after I/O is polled
            await future  # a cancelled waiter's future is cancelled too, and skipped when its turn comes
            if self.loop.time() - self.slice_started >= SLICE:
                self._overran = True

    def _new_slice(self) -> None:
        self._batch = max(1, self._batch // 2) if self._overran else min(2 * self._batch, MAX_BATCH)
        self._overran = False
        self.slice_started = self.loop.time()
        woken = 0
        while self._waiting and woken < self._batch:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)
                woken += 1
        # The woken resume first in the next iteration (their wake-ups were scheduled first), then this.
        self._scheduled = bool(self._waiting)
        if self._scheduled:
            self.loop.call_soon(self._new_slice)


current: ContextVar[Turns | None] = ContextVar("moviegraph_turns", default=None)


def in_slice() -> bool:
    """Whether the request may go on without waiting for its turn (always, outside a request)."""
    turns = current.get()
    return turns is None or turns.in_slice()


async def in_turn(value: Awaitable[V]) -> V:
    """`value`, then the request's turn (no wait outside a request)."""
    # Shielded: a DataLoader's future is shared by every field that loads the key, and graphql-core
    # cancels a failed field's siblings; cancelling the future itself would fail the others with a
    # bare CancelledError (a 500), not just the cancelled one.
    if isinstance(value, asyncio.Future):
        value.add_done_callback(_retrieve)  # its error is the awaiters' to report, logged by none
        result: V = await asyncio.shield(value)
    else:
        result = await value
    turns = current.get()
    if turns is not None:
        await turns.wait()
    return result


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class TurnTakingLoader(DataLoader[K, V]):
    """A DataLoader whose callers resume in their request's turn, not all in one loop iteration."""

    def load(self, key: K) -> Awaitable[V]:
        return in_turn(super().load(key))

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]:
        # One future for the lot, resumed in one turn: not a task per key, as a gather of loads makes.
        return in_turn(asyncio.gather(*map(super().load, keys)))

    def now_or_later(self, key: K, shape: Callable[[V], T]) -> T | Awaitable[T]:
        """`shape` of `key`'s value: at once when the request has loaded it already and its turn
        is not over (a parent loaded its children in one batch), else once loaded, in its turn."""
        future = self.cache_map.get(key) if self.cache else None
        if future is not None and future.done() and not future.cancelled() and future.exception() is None and in_slice():
            return shape(future.result())
        return self._later(key, shape)

    async def _later(self, key: K, shape: Callable[[V], T]) -> T:
        return shape(await self.load(key))
