"""The read pool: a slow statement holds one connection, not every reader, and stops when its
request is stopped or cancelled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from data.errors import RequestTimeout
from loaders import deadline
from loaders._common import SQL, Database

# Counts to a billion: tens of seconds in SQLite, unless interrupted.
SLOW = SQL("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000000) SELECT count(*) AS c FROM n", {})
MOVIES = SQL("SELECT count(*) AS c FROM movie", {})


@pytest.fixture
async def db(sample_db: Path) -> AsyncIterator[Database]:
    database = await Database.open(sample_db, readers=2)
    yield database
    await database.close()


async def test_a_slow_statement_does_not_hold_up_other_readers(db: Database, sample_db: Path) -> None:
    work = deadline.RequestWork(seconds=5)
    token = deadline.current.set(work)
    slow = asyncio.create_task(db.fetch(SLOW))
    deadline.current.reset(token)
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    rows = await db.fetch(MOVIES)
    assert time.perf_counter() - started < 0.5
    assert rows[0].c == 474  # the sample's movies
    assert not slow.done()
    work.stop()
    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(slow, 2)


async def test_a_stopped_request_runs_no_new_statement(db: Database) -> None:
    work = deadline.RequestWork(seconds=1)
    work.stop()
    token = deadline.current.set(work)
    try:
        with pytest.raises(RequestTimeout, match="1 s deadline"):
            await db.fetch(MOVIES)
    finally:
        deadline.current.reset(token)


async def test_a_cancelled_statement_is_interrupted_and_its_connection_reused(db: Database) -> None:
    slows = [asyncio.create_task(db.fetch(SLOW)) for _ in range(2)]  # both connections busy
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    for slow in slows:
        slow.cancel()
    # Both connections come back once their statements stop, well before the count would end.
    rows = await asyncio.wait_for(asyncio.gather(db.fetch(MOVIES), db.fetch(MOVIES)), 2)
    assert [row[0].c for row in rows] == [474, 474]
    assert time.perf_counter() - started < 1
    for slow in slows:
        assert slow.cancelled()
