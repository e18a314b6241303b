"""What the loaders share: running a statement, and putting batch results back in key order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncEngine

K = TypeVar("K", bound=Hashable)
Rows = Sequence[Row[Any]]


async def fetch(engine: AsyncEngine, statement: Executable) -> Rows:
    async with engine.connect() as connection:
        return (await connection.execute(statement)).all()


def one_per_key(rows: Rows, keys: Sequence[K], key: Callable[[Row[Any]], K]) -> list[Row[Any] | None]:
    """The DataLoader contract: one result per key, in key order, None for a miss."""
    found = {key(row): row for row in rows}
    return [found.get(k) for k in keys]


def many_per_key(rows: Rows, keys: Sequence[K], key: Callable[[Row[Any]], K]) -> list[list[Row[Any]]]:
    """Rows grouped under their key, in key order; rows keep the statement's order."""
    groups: defaultdict[K, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [groups.get(k, []) for k in keys]
