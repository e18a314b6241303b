"""Opening a catalogue file for reading, wherever it lies: `read_uri` gives the SQLite URI to use.

A catalogue runs in WAL mode, and SQLite reads a WAL database only with a -shm index file beside
it, which it creates on open. In a read-only folder (a read-only volume, another user's folder)
it cannot, and even a read-only connection fails with "unable to open database file". There a
catalogue without a -wal file (closed cleanly, so every change is in the main file) is opened
`immutable`, which needs no -shm. The price: SQLite then takes the file as unchanging, so a writer
elsewhere (the same volume mounted read-write into another container) goes unseen until restart.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

from data.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

_BUILD = "build one with `moviegraph ingest` (or `moviegraph serve`, which ingests the embedded sample)"


def read_uri(path: Path) -> str:
    """A `file:` URI opening the catalogue at `path` read-only; DatabaseUnavailable when it cannot be read."""
    if not path.is_file():
        raise DatabaseUnavailable(f"no catalogue at {path}; {_BUILD}")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        _probe(path, uri)
        return uri
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorname != "SQLITE_CANTOPEN":
            raise DatabaseUnavailable(f"cannot read the catalogue at {path}: {exc}") from None
        if path.with_name(path.name + "-wal").exists():
            raise DatabaseUnavailable(
                f"cannot read the catalogue at {path} ({exc}): its -wal file holds changes SQLite can only read with a -shm "
                f"file, which it cannot create in {path.parent}; make the folder writable, or open the catalogue once "
                f"where it is (`sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'`)"
            ) from None
    immutable = f"{uri}&immutable=1"
    try:
        _probe(path, immutable)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot read the catalogue at {path}: {exc}") from None
    logger.warning("%s is read-only: reading the catalogue as immutable (changes made to it elsewhere are not seen)", path.parent)
    return immutable


def _probe(path: Path, uri: str) -> None:
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        try:
            conn.execute("SELECT 1 FROM movie LIMIT 1").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise DatabaseUnavailable(f"{path} is not a moviegraph catalogue ({exc}); {_BUILD}") from None
            raise
        except sqlite3.DatabaseError as exc:  # "file is not a database" and other corruption
            raise DatabaseUnavailable(f"{path} is not a readable catalogue ({exc}); {_BUILD}") from None
