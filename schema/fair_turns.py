"""The extension that gives each GraphQL operation its turns on the event loop (loaders/turns.py):
fields that waited (async resolvers) complete in the operation's turn too, as DataLoader callers do."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLResolveInfo
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

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return turns.in_turn(result) if inspect.isawaitable(result) else result
