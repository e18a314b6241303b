"""Full-size ingest (45,466 movies, ~280 MB of credits) on replicas of the real rows; marker `slow`."""

import csv
import sqlite3
from pathlib import Path

import pytest

from data.ingest import ingest
from tests.benchmarks.make_fullsize import make_fullsize

pytestmark = pytest.mark.slow


def _expected(folder: Path) -> dict[str, int]:
    """Counts from the raw files with plain csv and string counting (no literal parsing)."""
    with open(folder / "movies_metadata.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        ids: set[str] = set()
        for row in reader:
            if len(row) == len(header) and row[5].isdigit() and row[20]:
                ids.add(row[5])
    cast = crew = 0
    seen: set[str] = set()
    with open(folder / "credits.csv", newline="", encoding="utf-8") as handle:
        for credits in csv.DictReader(handle):
            if credits["id"] in ids and credits["id"] not in seen:
                seen.add(credits["id"])
                cast += credits["cast"].count("{'cast_id': ")
                crew += credits["crew"].count("{'credit_id': ")
    return {"movie": len(ids), "cast": cast, "crew": crew}


def test_full_size_ingest_loads_every_good_row(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fullsize"
    made = make_fullsize(shared_data / "movies-dataset", folder)
    assert made.movies == 45_466
    result = ingest(movies_dataset=folder, db_path=tmp_path / "full.sqlite3", show_progress=False)
    db = sqlite3.connect(tmp_path / "full.sqlite3")
    actual = {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in ("movie", "cast", "crew")}
    assert actual == _expected(folder)
    assert actual["movie"] > 45_000
    for report in result.reports:
        assert report.read == report.loaded + sum(report.rejected.values())
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
