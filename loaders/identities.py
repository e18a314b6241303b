"""Which catalogue user an identity provider's subject is: a table in a file of its own.

The table does not live in the catalogue because an ingest rebuilds the catalogue file from the
raw data; kept beside it (identities.sqlite3 by default), a subject keeps its user id across
restarts, re-ingests and retrains. Ids given to subjects start at FIRST_SUBJECT_USER, far above
any dataset's user ids (MovieLens' largest has 270,896 users), so a subject never becomes a user
of the ratings data; with numeric subjects on, a number below that is taken as the user id itself.
A mapping never changes once made, so it is cached in memory for good.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import aiosqlite
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, bindparam, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.schema import CreateTable

from data.errors import WritesUnavailable
from loaders._common import SQL, compile_sql

FIRST_SUBJECT_USER = 1_000_000_000_000
CACHED_SUBJECTS = 100_000

_METADATA = MetaData()
subject_user = Table(
    "subject_user", _METADATA,
    Column("issuer", String, primary_key=True),  # OpenID Connect: a subject is unique within its issuer
    Column("subject", String, primary_key=True),
    Column("user_id", Integer, nullable=False, unique=True),
    Column("created_at", Float, nullable=False),  # unix seconds
)
_CREATE = SQL(str(CreateTable(subject_user, if_not_exists=True).compile()), {})
_FIND = compile_sql(select(subject_user.c.user_id).where(subject_user.c.issuer == bindparam("issuer"),
                                                         subject_user.c.subject == bindparam("subject")))
_next_id = select(func.coalesce(func.max(subject_user.c.user_id) + 1, FIRST_SUBJECT_USER))
_ADD = compile_sql(
    insert(subject_user)
    .from_select(["issuer", "subject", "user_id", "created_at"],
                 select(bindparam("issuer"), bindparam("subject"), _next_id.scalar_subquery(), bindparam("created_at")))
    .on_conflict_do_nothing()
)


class IdentityStore:
    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = asyncio.Lock()  # one transaction at a time on this connection

    @classmethod
    async def open(cls, path: Path) -> IdentityStore:
        """The store at `path`, created when missing; WritesUnavailable when it cannot be written."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise WritesUnavailable(f"cannot open the identity table {path}: {exc}") from None
        try:
            await connection.execute("PRAGMA busy_timeout = 5000")  # another worker may be adding a subject
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = FULL")  # a user id handed out is never handed out again
            await connection.execute(_CREATE.text)
        except sqlite3.Error as exc:
            await connection.close()
            raise WritesUnavailable(f"cannot write the identity table {path}: {exc}; make it writable and restart") from None
        return cls(connection, path)

    async def user_id(self, issuer: str, subject: str, before_creating: Callable[[], None] = lambda: None) -> int:
        """The user id of `subject`, made on first sight; `before_creating` runs first then, and
        may raise to refuse (a quota of new users)."""
        key = (issuer, subject)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        found = await self._find(issuer, subject)
        if found is None:
            before_creating()
            found = await self._add(issuer, subject)
        self._cache[key] = found
        if len(self._cache) > CACHED_SUBJECTS:
            self._cache.popitem(last=False)
        return found

    async def _find(self, issuer: str, subject: str) -> int | None:
        cursor = await self._connection.execute(_FIND.text, {"issuer": issuer, "subject": subject})
        row = await cursor.fetchone()
        await cursor.close()
        return None if row is None else int(row[0])

    async def _add(self, issuer: str, subject: str) -> int:
        # Shielded: a request cancelled mid-transaction must not leave the write lock held.
        return await asyncio.shield(self._add_locked(issuer, subject))

    async def _add_locked(self, issuer: str, subject: str) -> int:
        async with self._lock:
            try:
                # BEGIN IMMEDIATE takes the write lock first: two workers seeing a new subject at
                # once get the same id, and max + 1 is never handed out twice.
                await self._connection.execute("BEGIN IMMEDIATE")
                await self._connection.execute(_ADD.text, {**_ADD.params, "issuer": issuer, "subject": subject, "created_at": time.time()})
                found = await self._find(issuer, subject)
                await self._connection.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise WritesUnavailable(f"cannot record a new user in {self.path}: {exc}") from None
        assert found is not None
        return found

    async def close(self) -> None:
        await self._connection.close()
