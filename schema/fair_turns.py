"""The extension that gives each GraphQL operation its turns on the event loop (loaders/turns.py).
Its DataLoaders take the turns: every field that waits on the catalogue waits on one of them (a
root field's own statement is one wait per operation), so wrapping every resolver as well only
doubled the cost of each awaited field."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from loaders import turns


class FairTurns(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # execute_sync: no loop, nobody to share it with
            yield
            return
        token = turns.current.set(turns.Turns(loop))
        try:
            yield
        finally:
            turns.current.reset(token)
