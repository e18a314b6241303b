"""Parsing credits.csv (by far the largest file) in a worker process, into a SQLite shard.

The ingest runs this beside its own work on the other files, which uses the machine's second
core; the shard hands cast, crew and people over as a file, copied in with one INSERT ... SELECT,
so nothing is pickled between the processes. Credits rows are kept once per movie id (the first);
which movie ids exist is decided by the ingest at copy time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data import progress
from data.database import BulkWriter
from data.readers import movies_dataset as md
from data.readers._common import FileReport
from data.text import fold

_BATCH = 20_000
CAST_COLUMNS = ["movie_id", "person_id", "character", "order"]
CREW_COLUMNS = ["movie_id", "person_id", "job", "department"]


@dataclass
class ShardResult:
    report: FileReport  # read and rejected so far; "unknown movie" and loaded come at copy time
    movie_ids: list[int]  # of the kept rows, in file order


def build_credits_shard(credits: Path, shard: Path, show_progress: bool) -> ShardResult:
    """Parses `credits` into cast, crew and person tables of a new database at `shard`."""
    report = FileReport(credits.name)
    writer = BulkWriter(shard)
    seen: set[int] = set()
    people: dict[int, tuple[str, int | None, str | None]] = {}
    cast: list[tuple[object, ...]] = []
    crew: list[tuple[object, ...]] = []
    rows = md.read_credits(credits, report)
    for row in progress.bar(rows, desc=credits.name, show=show_progress, unit=" rows", position=1):
        if row.movie_id in seen:
            report.reject("duplicate id")
            continue
        seen.add(row.movie_id)
        for character, gender, person, name, order, profile in row.cast:
            people.setdefault(person, (name, gender, profile))
            cast.append((row.movie_id, person, character, order))
        jobs: set[tuple[int, str]] = set()
        for department, gender, person, job, name, profile in row.crew:
            people.setdefault(person, (name, gender, profile))
            if (person, job) not in jobs:  # the same job twice is a repeat, not a second credit
                jobs.add((person, job))
                crew.append((row.movie_id, person, job, department))
        if len(cast) + len(crew) >= _BATCH:
            _flush(writer, cast, crew)
    _flush(writer, cast, crew)
    writer.insert("person", [(i, n, fold(n), g, p) for i, (n, g, p) in people.items()])
    writer.close()
    return ShardResult(report, list(seen))


def _flush(writer: BulkWriter, cast: list[tuple[object, ...]], crew: list[tuple[object, ...]]) -> None:
    writer.insert("cast", cast, CAST_COLUMNS)
    writer.insert("crew", crew, CREW_COLUMNS)
    cast.clear()
    crew.clear()


def copy_credits_shard(writer: BulkWriter, shard: Path, result: ShardResult, movie_ids: set[int]) -> dict[str, int]:
    """Copies the shard's credits of known movies (and their people) in; returns row counts.

    Completes `result.report`: rows for movies the catalogue lacks are rejected as "unknown movie".
    """
    counts = {}
    with writer.attached(shard, "shard") as conn:
        known = "movie_id IN (SELECT id FROM main.movie)"
        for table, columns in (("cast", CAST_COLUMNS), ("crew", CREW_COLUMNS)):
            names = ", ".join(f'"{c}"' for c in columns)
            copy = f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM shard."{table}" WHERE {known} ORDER BY id'
            counts[table] = conn.execute(copy).rowcount
        credited = 'SELECT person_id FROM main."cast" UNION SELECT person_id FROM main.crew'
        counts["person"] = conn.execute(f"INSERT INTO main.person SELECT * FROM shard.person WHERE id IN ({credited})").rowcount
    for movie_id in result.movie_ids:
        if movie_id in movie_ids:
            result.report.loaded += 1
        else:
            result.report.reject("unknown movie")
    return counts
