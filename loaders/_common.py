"""What the loaders share: the database connection, compiled statements, and batch bookkeeping.

Statements are built with SQLAlchemy Core over the SQLModel tables and compiled to SQL text once,
at import; a batch of keys is bound as one JSON array read with `json_each`, so the text never
changes with the batch size and SQLite's prepared-statement cache always hits. They run on a plain
aiosqlite connection: SQLAlchemy's async execution layer cost about 1 ms a statement here, three
times the query itself.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import aiosqlite
from sqlalchemy import Executable, Select, bindparam, column, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from data.catalogue_file import read_uri
from data.tables import RATING_CHANGES_PRESENT

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")
# What the driver hands back: a namedtuple of the statement's columns. Untyped only here, until
# the loader that ran the statement names its type (loaders/rows.py).
Row = Any
Rows = list[Row]

_DIALECT = sqlite_dialect.dialect(paramstyle="named")


class SQL(NamedTuple):
    text: str
    params: Mapping[str, Any]


def compile_sql(statement: Executable) -> SQL:
    compiled = statement.compile(dialect=_DIALECT)
    return SQL(str(compiled), compiled.params)


def json_keys(name: str = "keys") -> Select[Any]:
    """`SELECT value FROM json_each(:name)`: the keys of a batch, bound as one JSON array."""
    return select(column("value")).select_from(func.json_each(bindparam(name)))


def keys_param(keys: Iterable[Any]) -> str:
    return json.dumps(list(keys))


@functools.cache
def _row_type(names: tuple[str, ...]) -> Any:
    return collections.namedtuple("Row", names)


def _named_rows(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return _row_type(tuple(d[0] for d in cursor.description))._make(row)


_RATING_CHANGES_TABLE = SQL(RATING_CHANGES_PRESENT, {})


class Database:
    """The catalogue as the request path reads it: one aiosqlite connection, counted statements."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self.statements = 0  # executed so far; tests assert batching with it
        self.has_rating_changes = False  # the live-ratings table exists (the rating writer adds it)

    @classmethod
    async def open(cls, path: Path) -> Database:
        """The catalogue at `path`, read-only; DatabaseUnavailable when it cannot be read."""
        uri = await asyncio.to_thread(read_uri, path)
        connection = await aiosqlite.connect(uri, uri=True, cached_statements=256)
        connection.row_factory = _named_rows
        # A reader waits for a writer rather than failing with "database is locked".
        await connection.execute("PRAGMA busy_timeout = 5000")
        database = cls(connection)
        database.has_rating_changes = bool(await database.fetch(_RATING_CHANGES_TABLE))
        return database

    async def fetch(self, sql: SQL, **params: Any) -> Rows:
        self.statements += 1
        cursor = await self._connection.execute(sql.text, {**sql.params, **params})
        rows = await cursor.fetchall()
        await cursor.close()
        return list(rows)

    async def close(self) -> None:
        await self._connection.close()


def one_per_key(rows: Sequence[R], keys: Sequence[K], key: Callable[[R], K]) -> list[R | None]:
    """The DataLoader contract: one result per key, in key order, None for a miss."""
    found = {key(row): row for row in rows}
    return [found.get(k) for k in keys]


def many_per_key(rows: Sequence[R], keys: Sequence[K], key: Callable[[R], K]) -> list[list[R]]:
    """Rows grouped under their key, in key order; rows keep the statement's order."""
    groups: defaultdict[K, list[R]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [groups.get(k, []) for k in keys]
