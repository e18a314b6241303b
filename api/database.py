"""The async engine the server reads the catalogue through (aiosqlite)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from data.errors import MoviegraphError


def open_engine(db_path: Path) -> AsyncEngine:
    if not db_path.is_file():
        raise MoviegraphError(f"no catalogue at {db_path}; run `moviegraph ingest` or `moviegraph serve` to build one")
    engine = create_async_engine(f"sqlite+aiosqlite:///{db_path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Readers wait for a writer instead of failing with "database is locked".
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    return engine
