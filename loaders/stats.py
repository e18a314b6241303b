"""Row counts of the catalogue tables, for /ready; the longest lists a movie has, for the query cost."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from data import longest_lists
from data.catalogue_file import read_uri
from data.tables import Cast, Collection, Company, Crew, Genre, IngestInfo, Keyword, Movie, Person, Rating, User
from loaders._common import Database, compile_sql

COUNTED = {
    "movies": Movie,
    "collections": Collection,
    "companies": Company,
    "genres": Genre,
    "keywords": Keyword,
    "people": Person,
    "cast_credits": Cast,
    "crew_credits": Crew,
    "users": User,
    "ratings": Rating,
}
_COUNTS = compile_sql(select(*(select(func.count()).select_from(t).scalar_subquery().label(n) for n, t in COUNTED.items())))


async def table_counts(db: Database) -> dict[str, int]:
    return dict((await db.fetch(_COUNTS))[0]._asdict())


_RECORDED_LONGEST = compile_sql(select(col(IngestInfo.value)).where(col(IngestInfo.key) == longest_lists.INGEST_INFO_KEY))
_MEASURE_LONGEST = compile_sql(longest_lists.MEASURED)


async def longest_lists_of(db: Database) -> dict[str, int]:
    """The longest lists as the ingest recorded them; measured now for a catalogue built before it did."""
    recorded = await db.fetch(_RECORDED_LONGEST)
    if recorded:
        return {name: int(n) for name, n in json.loads(recorded[0].value).items()}
    return dict((await db.fetch(_MEASURE_LONGEST))[0]._asdict())


def file_counts(path: Path) -> dict[str, int]:
    """`table_counts` read straight from the file, for what `serve` prints before it listens."""
    with contextlib.closing(sqlite3.connect(read_uri(path), uri=True)) as connection:
        cursor = connection.execute(_COUNTS.text)
        return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
