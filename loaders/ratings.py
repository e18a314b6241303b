"""A user's stored ratings: newest first, a page at a time, or by the movies rated."""

from __future__ import annotations

from sqlalchemy import bindparam, func, literal_column, select
from sqlmodel import col

from data.tables import Rating
from loaders._common import Database, compile_sql, json_keys, keys_param, one_per_key
from loaders.rows import RatingRow

_PAGE = compile_sql(
    select(col(Rating.user_id), col(Rating.movie_id), col(Rating.rating), col(Rating.timestamp))
    .where(col(Rating.user_id) == bindparam("user"))
    # Timestamps are whole seconds: within one, the row inserted last (rowid) comes first.
    .order_by(col(Rating.timestamp).desc(), literal_column("rowid").desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_OF_MOVIES = compile_sql(
    select(col(Rating.user_id), col(Rating.movie_id), col(Rating.rating), col(Rating.timestamp))
    .where(col(Rating.user_id) == bindparam("user"), col(Rating.movie_id).in_(json_keys()))
)
_COUNT = compile_sql(select(func.count()).select_from(Rating).where(col(Rating.user_id) == bindparam("user")))


async def select_user_ratings(db: Database, user_id: int, offset: int, limit: int) -> tuple[list[RatingRow], int]:
    """Rows (user_id, movie_id, rating, timestamp) of one page, and the user's rating count."""
    rows = await db.fetch(_PAGE, user=user_id, offset=offset, limit=limit)
    (total,) = (await db.fetch(_COUNT, user=user_id))[0]
    return rows, int(total)


async def select_ratings_of_movies(db: Database, user_id: int, movie_ids: list[int]) -> list[RatingRow | None]:
    """The user's rating of each movie, in the order asked; None where they rated none."""
    rows: list[RatingRow] = await db.fetch(_OF_MOVIES, user=user_id, keys=keys_param(movie_ids))
    return one_per_key(rows, movie_ids, lambda row: row.movie_id)
