"""read_uri: a catalogue opens read-only; a missing file or one that is not a catalogue is refused
with what to do. (A read-only folder is covered with a real server in tests/reliability.)"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from data.catalogue_file import read_uri
from data.errors import DatabaseUnavailable


def test_a_catalogue_opens_read_only(sample_db: Path) -> None:
    uri = read_uri(sample_db)
    assert uri == f"{sample_db.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM movie")


@pytest.mark.parametrize(("content", "message"), [
    (None, "no catalogue at {path}; build one with `moviegraph ingest`"),
    (b"", "{path} is not a moviegraph catalogue (no such table: movie)"),
    (b"not a database " * 100, "{path} is not a readable catalogue (file is not a database)"),
])
def test_anything_else_is_refused_with_what_to_do(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "catalogue.sqlite3"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DatabaseUnavailable) as raised:
        read_uri(path)
    assert str(raised.value).startswith(message.format(path=path))
    assert raised.value.extensions == {"code": "DATABASE_UNAVAILABLE"}
