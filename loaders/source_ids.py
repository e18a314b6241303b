"""The ratings sources' own movie ids, both ways: MovieLens movieIds (movielenslink) and MovieLens
100K item ids (ml100klink), and which of the two the catalogue's ratings are numbered in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col

from data.domain import IdSpace
from data.errors import DatabaseUnavailable
from data.tables import RATINGS_ID_SPACE, IngestInfo, Ml100kLink, MovielensLink
from loaders._common import SQL, Database, compile_sql, json_keys, keys_param, one_per_key

_FACTS = compile_sql(
    select(col(IngestInfo.key), col(IngestInfo.value)).where(or_(col(IngestInfo.key) == RATINGS_ID_SPACE, col(IngestInfo.key) == "ratings_source"))
)


def _statements(source_id: Any, movie_id: Any) -> tuple[SQL, SQL]:
    """(source ids -> movies, movies -> their lowest source id) over one link table."""
    to_movies = compile_sql(select(source_id, movie_id).where(col(source_id).in_(json_keys())))
    from_movies = compile_sql(
        select(movie_id, func.min(source_id).label("source_id")).where(col(movie_id).in_(json_keys())).group_by(col(movie_id))
    )
    return to_movies, from_movies


_LINKS: dict[IdSpace, tuple[SQL, SQL]] = {
    "movielens": _statements(MovielensLink.movielens_id, MovielensLink.movie_id),
    "ml-100k": _statements(Ml100kLink.ml100k_id, Ml100kLink.movie_id),
}


async def select_ratings_id_space(db: Database) -> IdSpace | None:
    """The id space of the catalogue's ratings (and so of its REST item ids). None for an ml-100k
    catalogue ingested before the item links were stored: it cannot translate them."""
    facts = {row.key: row.value for row in await db.fetch(_FACTS)}
    if RATINGS_ID_SPACE in facts:
        space: IdSpace = "ml-100k" if facts[RATINGS_ID_SPACE] == "ml-100k" else "movielens"
        return space
    return None if facts.get("ratings_source") == "ml-100k" else "movielens"


async def select_movies_by_source_ids(db: Database, space: IdSpace, source_ids: Sequence[int]) -> list[int | None]:
    """The catalogue movie of each source id, None where the source's links have none."""
    rows = await db.fetch(_LINKS[space][0], keys=keys_param(source_ids))
    found = {row[0]: row[1] for row in rows}
    return [found.get(source_id) for source_id in source_ids]


async def select_source_ids(db: Database, space: IdSpace, movie_ids: Sequence[int]) -> list[int | None]:
    """Each movie's id in `space` (the lowest, where a source has two for one movie), None where it
    has none. ml-100k ids exist only on a catalogue whose ratings came from ml-100k."""
    if space == "ml-100k" and await select_ratings_id_space(db) != "ml-100k":
        return [None] * len(movie_ids)
    rows = one_per_key(await db.fetch(_LINKS[space][1], keys=keys_param(movie_ids)), movie_ids, lambda row: row.movie_id)
    return [row.source_id if row else None for row in rows]


async def select_movies_by_ratings_ids(db: Database, source_ids: Sequence[int]) -> tuple[IdSpace, list[int | None]]:
    """The id space of the catalogue's ratings, and the catalogue movie of each id in it (None where
    none): what the old REST contract takes, ml-100k item ids on a catalogue built from ml-100k."""
    space = await select_ratings_id_space(db)
    if space is None:
        raise DatabaseUnavailable(
            "this catalogue was ingested from ml-100k before its item links were stored, so it cannot "
            "translate ml-100k item ids; ingest it again (`moviegraph ingest --ratings ml-100k`)"
        )
    return space, await select_movies_by_source_ids(db, space, source_ids)
