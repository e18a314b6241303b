"""Building a catalogue database file: schema DDL from the SQLModel tables, bulk inserts, atomic swap.

Bulk loading uses the stdlib sqlite3 driver with the journal off and indexes created after the
data: the file is a private temporary until `os.replace` publishes it, so a crash can only lose
the temporary, never the database being served.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

from data import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from data.files import fsync_directory

_DIALECT = sqlite_dialect.dialect()
# Rows per multi-row INSERT: 200 x 4 columns stays under 999 variables, the limit of old SQLite builds.
ROWS_PER_STATEMENT = 200
ANALYZE_ROWS = 200_000


def columns(table: str) -> list[str]:
    return [column.name for column in SQLModel.metadata.tables[table].columns]


class BulkWriter:
    """Inserts rows into a fresh database file with the tables created and indexes deferred."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        self.conn.execute("BEGIN")
        for table in SQLModel.metadata.sorted_tables:
            self.conn.execute(str(CreateTable(table).compile(dialect=_DIALECT)))

    def insert(self, table: str, rows: Iterable[Sequence[Any]], names: Sequence[str] | None = None) -> None:
        """Inserts rows given in the order of `names` (default: every column of the table)."""
        names = list(names or columns(table))
        quoted = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join("?" for _ in names)
        self.conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', rows)

    def insert_columns(self, table: str, names: Sequence[str], columns: Sequence[list[Any]]) -> None:
        """Inserts the rows of aligned `columns` (one list per name), ROWS_PER_STATEMENT to a statement:
        binding one row per statement costs ~3x as much per row (26M ratings: minutes, not a minute)."""
        count = len(columns[0]) if columns else 0
        width = len(names)
        flat: list[Any] = [None] * (count * width)
        for position, column in enumerate(columns):
            flat[position::width] = column
        whole = count - count % ROWS_PER_STATEMENT
        step = ROWS_PER_STATEMENT * width
        quoted = ", ".join(f'"{name}"' for name in names)
        row = "(" + ", ".join("?" for _ in names) + ")"
        self.conn.executemany(
            f'INSERT INTO "{table}" ({quoted}) VALUES {", ".join([row] * ROWS_PER_STATEMENT)}',
            (flat[start : start + step] for start in range(0, whole * width, step)),
        )
        self.conn.executemany(
            f'INSERT INTO "{table}" ({quoted}) VALUES {row}',
            (flat[start : start + width] for start in range(whole * width, count * width, width)),
        )

    def measure(self, statement: Select[Any]) -> dict[str, Any]:
        """The one row `statement` gives over the rows inserted so far, by column name."""
        compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
        cursor = self.conn.execute(str(compiled))
        return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))

    @contextlib.contextmanager
    def attached(self, path: Path, alias: str) -> Iterator[sqlite3.Connection]:
        """The connection with another database file attached as `alias` (outside a transaction, as SQLite requires)."""
        self.conn.execute("COMMIT")
        self.conn.execute("ATTACH DATABASE ? AS " + alias, (str(path),))
        self.conn.execute("BEGIN")
        yield self.conn
        self.conn.execute("COMMIT")
        self.conn.execute("DETACH DATABASE " + alias)
        self.conn.execute("BEGIN")

    def close(self) -> None:
        """Commits and closes without indexes: for a shard that another writer copies from."""
        self.conn.execute("COMMIT")
        self.conn.close()

    def finish(self, after_indexes: Sequence[str]) -> None:
        """Creates indexes, runs the statements that read through them (derived tables, full text),
        gathers planner statistics and syncs to disk."""
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                self.conn.execute(str(CreateIndex(index).compile(dialect=_DIALECT)))
        for statement in after_indexes:
            self.conn.execute(statement)
        self.conn.execute("COMMIT")
        # Statistics from a bounded sample of each index: exact for every table of the shipped sample
        # and ratings_small, estimated for 26M ratings (a full ANALYZE scans each of their indexes).
        self.conn.execute(f"PRAGMA analysis_limit = {ANALYZE_ROWS}")
        self.conn.execute("ANALYZE")
        # The served database runs in WAL mode so readers never block on a writer.
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.close()
        with open(self.path, "rb+") as handle:
            os.fsync(handle.fileno())

    def abort(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


@contextlib.contextmanager
def atomic_database(target: Path) -> Iterator[Path]:
    """Yields a temporary path beside `target`; renames it over `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.building")
    remove_database_files(temporary)
    try:
        yield temporary
    except BaseException:
        remove_database_files(temporary)
        raise
    # Stale WAL files of the old database must not be replayed into the new one.
    for suffix in ("-wal", "-shm"):
        remove_database_files(target.with_name(target.name + suffix))
    os.replace(temporary, target)
    fsync_directory(target.parent)


def remove_database_files(path: Path) -> None:
    """Removes a database file and its journal/WAL companions, if present."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), path.with_name(path.name + "-journal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
