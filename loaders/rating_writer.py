"""Live ratings: the one place the request path writes, on a connection of its own.

Every write is one `BEGIN IMMEDIATE` transaction (take the write lock first, so two writers never
deadlock upgrading a read lock) in WAL mode with `synchronous = FULL`: a rating is answered only
once its commit is on disk, so a crash right after the answer cannot lose it. Another process
holding the lock (a second worker, an ingest) is waited for by SQLite's busy timeout, then retried
with backoff. Each write also stamps the user in `ratingchange`, which tells scoring that the
user's ratings are newer than the model's.

Before each commit the writer checks that the catalogue file is still the one it opened: SQLite
keeps writing to a deleted or replaced file (its -wal stays in the folder), so without the check
ratings acknowledged after an `rm` or a re-ingest would vanish at the next restart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

import aiosqlite
from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import col

from data.errors import NotFound, WritesUnavailable
from data.live_ratings import next_stamp
from data.tables import Movie, Rating, RatingChange, User
from loaders._common import SQL, compile_sql

logger = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS = (0.05, 0.2, 1.0)  # seconds before each retry of a write the busy timeout did not get through

# Catalogues ingested before live ratings existed lack the table (and its index).
# SQLModel declares no `__table__` on its classes (SQLAlchemy adds it at class creation).
_CHANGES_TABLE: Table = RatingChange.__table__  # type: ignore[attr-defined]
_CHANGES_DDL: list[CreateTable | CreateIndex] = [
    CreateTable(_CHANGES_TABLE, if_not_exists=True),
    *(CreateIndex(index, if_not_exists=True) for index in _CHANGES_TABLE.indexes),
]
_CREATE_CHANGES = [SQL(str(ddl.compile()), {}) for ddl in _CHANGES_DDL]
_MOVIE_EXISTS = compile_sql(select(col(Movie.id)).where(col(Movie.id) == bindparam("movie")))
_ADD_USER = compile_sql(insert(User).values(id=bindparam("user")).on_conflict_do_nothing())
_upsert_rating = insert(Rating).values(
    user_id=bindparam("user"), movie_id=bindparam("movie"), rating=bindparam("rating"), timestamp=bindparam("timestamp")
)
_UPSERT_RATING = compile_sql(
    _upsert_rating.on_conflict_do_update(
        index_elements=["user_id", "movie_id"],
        set_={"rating": _upsert_rating.excluded.rating, "timestamp": _upsert_rating.excluded.timestamp},
    )
)
_DELETE_RATING = compile_sql(delete(Rating).where(col(Rating.user_id) == bindparam("user"), col(Rating.movie_id) == bindparam("movie")))
_NEWEST_STAMP = compile_sql(select(func.max(RatingChange.changed_at)))
_stamp = insert(RatingChange).values(user_id=bindparam("user"), changed_at=bindparam("changed_at"))
_STAMP_CHANGE = compile_sql(
    _stamp.on_conflict_do_update(index_elements=["user_id"], set_={"changed_at": _stamp.excluded.changed_at})
)


class StoredRating(NamedTuple):
    user_id: int
    movie_id: int
    rating: float
    timestamp: int  # unix seconds


class RatingWriter:
    def __init__(self, connection: aiosqlite.Connection, path: Path, file_id: tuple[int, int]) -> None:
        self._connection = connection
        self._path = path
        self._file_id = file_id  # (device, inode) of the catalogue opened
        self._lock = asyncio.Lock()  # one transaction at a time on this connection

    @classmethod
    async def open(cls, path: Path) -> RatingWriter:
        """A writer on the catalogue at `path`; WritesUnavailable when it cannot be written."""
        if not await asyncio.to_thread(path.is_file):
            raise WritesUnavailable(f"no catalogue at {path} to store ratings in")
        # SQLite writes the file and creates its -wal and -shm files beside it; without this check a
        # read-only folder shows only as "unable to open database file".
        for target in (path.parent, path):
            if not os.access(target, os.W_OK):
                raise WritesUnavailable(f"cannot store ratings in {path}: {target} is read-only for uid {os.getuid()}; "
                                        "make it writable and restart the server")
        try:
            connection = await aiosqlite.connect(path, isolation_level=None, cached_statements=16)
        except sqlite3.Error as exc:
            raise WritesUnavailable(f"cannot open {path} for writing: {exc}") from exc
        opened = await asyncio.to_thread(path.stat)
        writer = cls(connection, path, (opened.st_dev, opened.st_ino))
        try:
            await connection.execute("PRAGMA busy_timeout = 5000")  # ms: wait out another process's write
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = FULL")  # a commit is on disk before it returns
            for ddl in _CREATE_CHANGES:
                await writer._write(functools.partial(connection.execute, ddl.text))
        except (sqlite3.Error, WritesUnavailable) as exc:
            await connection.close()
            raise WritesUnavailable(f"cannot store ratings in {path}: {exc}") from exc
        return writer

    async def rate(self, user_id: int, movie_id: int, rating: float) -> StoredRating:
        """Stores (or replaces) the rating; returns once it is committed. NotFound for an unknown movie."""

        async def write() -> StoredRating:
            await self._check_movie(movie_id)
            stored = StoredRating(user_id, movie_id, rating, int(await self._stamp_change(user_id)))
            await self._connection.execute(_ADD_USER.text, {"user": user_id})
            await self._connection.execute(_UPSERT_RATING.text, stored._asdict() | {"user": user_id, "movie": movie_id})
            return stored

        return await self._transaction(write)

    async def delete(self, user_id: int, movie_id: int) -> bool:
        """Removes the rating; False when there was none (nothing changes then). NotFound for an unknown movie."""

        async def write() -> bool:
            await self._check_movie(movie_id)
            cursor = await self._connection.execute(_DELETE_RATING.text, {"user": user_id, "movie": movie_id})
            if cursor.rowcount == 0:
                return False
            await self._stamp_change(user_id)
            return True

        return await self._transaction(write)

    async def _stamp_change(self, user_id: int) -> float:
        # Taken inside the transaction, under SQLite's write lock (see next_stamp).
        cursor = await self._connection.execute(_NEWEST_STAMP.text)
        (newest,) = await cursor.fetchone()  # type: ignore[misc]
        now = next_stamp(newest, time.time())
        await self._connection.execute(_STAMP_CHANGE.text, {"user": user_id, "changed_at": now})
        return now

    async def _check_movie(self, movie_id: int) -> None:
        cursor = await self._connection.execute(_MOVIE_EXISTS.text, {"movie": movie_id})
        if await cursor.fetchone() is None:
            raise NotFound("movie ids", [str(movie_id)])

    async def close(self) -> None:
        await self._connection.close()

    async def _transaction(self, work: Callable[[], Awaitable[T]]) -> T:
        async def attempt() -> T:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                result = await work()
                self._check_same_file()
                await self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise
            return result

        async def locked() -> T:
            async with self._lock:
                return await self._write(attempt)

        # Shielded: a request cancelled mid-transaction (client gone, shutdown) must not leave the
        # connection inside a transaction that holds the write lock; the write finishes either way.
        return await asyncio.shield(locked())

    def _check_same_file(self) -> None:
        try:
            current = self._path.stat()
            moved = (current.st_dev, current.st_ino) != self._file_id
        except FileNotFoundError:
            moved = True
        if moved:
            # The client hears what happened and what to do; the path is for the log.
            logger.error("the catalogue at %s was deleted or replaced while the server ran; ratings are refused until a restart", self._path)
            raise WritesUnavailable("the catalogue was deleted or replaced while the server ran, so ratings stored now would be "
                                    "lost; restart the server to store them in the catalogue there now")

    async def _write(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Runs `attempt`, retrying while the database is locked by another connection."""
        delays = iter(RETRY_DELAYS)
        while True:
            try:
                return await attempt()
            except sqlite3.OperationalError as exc:
                delay = next(delays, None) if _is_lock(exc) else None
                if delay is None:
                    logger.error("cannot store ratings in %s: %s", self._path, exc)
                    raise WritesUnavailable("cannot store the rating: the catalogue stayed locked by another process; retry later"
                                            if _is_lock(exc) else "cannot store the rating (the server log says why)") from exc
                logger.warning("%s is locked (%s); retrying the write in %.2f s", self._path, exc, delay)
                await asyncio.sleep(delay)


def _is_lock(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)
