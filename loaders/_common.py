"""What the loaders share: the database connection, compiled statements, and batch bookkeeping.

Statements are built with SQLAlchemy Core over the SQLModel tables and compiled to SQL text once,
at import; a batch of keys is bound as one JSON array read with `json_each`, so the text never
changes with the batch size and SQLite's prepared-statement cache always hits. They run on plain
sqlite3 connections: SQLAlchemy's async execution layer cost about 1 ms a statement here, three
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ClauseElement, Select, bindparam, column, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine.interfaces import Compiled

from data.catalogue_file import read_uri
from data.errors import RequestTimeout
from data.tables import GROUP_STATS_PRESENT, PERSON_MOVIES_PRESENT, RATING_CHANGES_PRESENT
from loaders.deadline import current as current_work

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


def compile_sql(statement: ClauseElement) -> SQL:
    compiled = statement.compile(dialect=_DIALECT)
    return SQL(str(compiled), compiled.params)


# Compiled statements by their shape (SQLAlchemy's cache key: the statement without its values),
# least recently used dropped first.
_BY_SHAPE: collections.OrderedDict[tuple[Any, ...], Compiled] = collections.OrderedDict()
MAX_SHAPES = 1_000


def compile_per_request(statement: ClauseElement) -> SQL:
    """`compile_sql` for a statement built per request with every value bound (a movie filter's):
    compiled once per shape, as compiling it cost ~1 ms where building it takes 0.15."""
    key = statement._generate_cache_key()
    if key is None:  # a construct SQLAlchemy cannot key
        return compile_sql(statement)
    compiled = _BY_SHAPE.get(key.key)
    if compiled is None:
        # Compiled with its key, so a statement of the same shape can bind its own values.
        compiled = _BY_SHAPE[key.key] = statement.compile(dialect=_DIALECT, cache_key=key)
        if len(_BY_SHAPE) > MAX_SHAPES:
            _BY_SHAPE.popitem(last=False)
    else:
        _BY_SHAPE.move_to_end(key.key)
    return SQL(compiled.string, compiled.construct_params(extracted_parameters=key.bindparams) or {})


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
_PERSON_MOVIES_TABLE = SQL(PERSON_MOVIES_PRESENT, {})
_GROUP_STATS_TABLE = SQL(GROUP_STATS_PRESENT, {})


def _run(connection: sqlite3.Connection, text: str, params: Mapping[str, Any]) -> Rows:
    cursor = connection.execute(text, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class Database:
    """The catalogue as the request path reads it: a small pool of read-only connections, each
    statement on a thread of its own, so one slow statement holds one connection, not every
    reader. A statement stops when its request is cancelled, or stopped (loaders.deadline: the
    request's deadline passed, or it ended); its connection is reused only once it has."""

    def __init__(self, connections: list[sqlite3.Connection]) -> None:
        self._connections = connections
        self._idle: asyncio.LifoQueue[sqlite3.Connection] = asyncio.LifoQueue()
        for connection in connections:
            self._idle.put_nowait(connection)
        self._threads = ThreadPoolExecutor(max_workers=len(connections), thread_name_prefix="catalogue-reader")
        self.statements = 0  # executed so far; tests assert batching with it
        self.has_rating_changes = False  # the live-ratings table exists (the rating writer adds it)
        self.has_person_movies = False  # the people's movie counts exist (an older ingest made none)
        self.has_group_stats = False  # so do the groups' success figures

    @classmethod
    async def open(cls, path: Path, readers: int = 1) -> Database:
        """The catalogue at `path`, read-only, on `readers` connections (SQLite runs a statement
        without the GIL, so they overlap); DatabaseUnavailable when it cannot be read."""
        uri = await asyncio.to_thread(read_uri, path)

        def connect() -> sqlite3.Connection:
            # check_same_thread=False: the pool hands a connection to one thread at a time.
            connection = sqlite3.connect(uri, uri=True, cached_statements=256, check_same_thread=False)
            connection.row_factory = _named_rows
            # A reader waits for a writer rather than failing with "database is locked".
            connection.execute("PRAGMA busy_timeout = 5000")
            return connection

        database = cls([await asyncio.to_thread(connect) for _ in range(readers)])
        database.has_rating_changes = bool(await database.fetch(_RATING_CHANGES_TABLE))
        database.has_person_movies = bool(await database.fetch(_PERSON_MOVIES_TABLE))
        database.has_group_stats = bool(await database.fetch(_GROUP_STATS_TABLE))
        return database

    async def fetch(self, sql: SQL, **params: Any) -> Rows:
        self.statements += 1
        work = current_work.get()
        if work is not None and work.stopped:
            raise RequestTimeout(work.seconds)
        connection = await self._idle.get()
        if work is not None and work.stopped:  # stopped while it waited for the connection
            self._idle.put_nowait(connection)
            raise RequestTimeout(work.seconds)
        running = asyncio.get_running_loop().run_in_executor(self._threads, _run, connection, sql.text, {**sql.params, **params})
        if work is not None:
            work.started(connection)
        try:
            return list(await asyncio.shield(running))
        except asyncio.CancelledError:
            connection.interrupt()  # the client left, or the request's deadline cancelled it
            raise
        except sqlite3.OperationalError as exc:
            if work is not None and work.stopped and "interrupted" in str(exc):
                raise RequestTimeout(work.seconds) from None
            raise
        finally:
            if work is not None:
                work.finished(connection)
            # Back to the pool once the statement has stopped (an interrupted one stops at its next step).
            if running.done():
                self._release(connection, running)
            else:
                running.add_done_callback(lambda done: self._release(connection, done))

    def _release(self, connection: sqlite3.Connection, done: asyncio.Future[Rows]) -> None:
        if not done.cancelled():
            done.exception()  # retrieved: an interrupted statement's error was answered already
        self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._connections:
            connection.interrupt()
        await asyncio.to_thread(self._threads.shutdown)
        for connection in self._connections:
            connection.close()


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
