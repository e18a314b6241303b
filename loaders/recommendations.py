"""What recommendations need from the catalogue besides movies: a user's rated movies, and
MovieLens ids mapped to catalogue movies (for the old REST contract)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlmodel import col

from data.tables import MovielensLink, Rating
from loaders._common import Database, compile_sql, json_keys, keys_param, one_per_key

_RATED = compile_sql(select(Rating.movie_id).where(col(Rating.user_id) == bindparam("user")))
_FROM_MOVIELENS = compile_sql(
    select(MovielensLink.movielens_id, MovielensLink.movie_id).where(col(MovielensLink.movielens_id).in_(json_keys()))
)


async def select_rated_movie_ids(db: Database, user_id: int) -> set[int]:
    return {row.movie_id for row in await db.fetch(_RATED, user=user_id)}


async def select_movie_ids_from_movielens(db: Database, movielens_ids: Sequence[int]) -> list[int | None]:
    """The catalogue movie of each MovieLens movieId, None where links.csv has none."""
    rows = one_per_key(await db.fetch(_FROM_MOVIELENS, keys=keys_param(movielens_ids)), movielens_ids, lambda r: r.movielens_id)
    return [row.movie_id if row else None for row in rows]
