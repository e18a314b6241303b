"""What recommendations need from the catalogue besides movies: a user's rated movies and their
live ratings (the REST route's item ids are mapped in `loaders.source_ids`)."""

from __future__ import annotations

from sqlalchemy import bindparam, exists, select
from sqlmodel import col

from data.tables import Rating, RatingChange
from loaders._common import Database, compile_sql

_RATED = compile_sql(select(col(Rating.movie_id)).where(col(Rating.user_id) == bindparam("user")))
# Highest rated first, then newest, then the movie id: a fixed choice when a limit cuts ties.
_LIKED = compile_sql(
    select(col(Rating.movie_id))
    .where(col(Rating.user_id) == bindparam("user"), col(Rating.rating) >= bindparam("stars"))
    .order_by(col(Rating.rating).desc(), col(Rating.timestamp).desc(), col(Rating.movie_id))
    .limit(bindparam("limit"))
)
# A changed user's ratings: no row when unchanged after :since, one row of NULLs when all were deleted.
_CHANGED_RATINGS = compile_sql(
    select(col(Rating.movie_id), col(Rating.rating))
    .select_from(RatingChange)
    .outerjoin(Rating, col(Rating.user_id) == col(RatingChange.user_id))
    .where(col(RatingChange.user_id) == bindparam("user"), col(RatingChange.changed_at) > bindparam("since"))
)

# Both in one statement: whether the user changed after :since (first column, on every row), and
# all their (movie, rating) pairs (one row of NULLs when they have none).
_CHANGED = select(
    exists().where(col(RatingChange.user_id) == bindparam("user"), col(RatingChange.changed_at) > bindparam("since")).label("changed")
).subquery()
_RATINGS_AND_CHANGED = compile_sql(
    select(_CHANGED.c.changed, col(Rating.movie_id), col(Rating.rating))
    .select_from(_CHANGED.outerjoin(Rating, col(Rating.user_id) == bindparam("user")))
)


async def select_rated_movie_ids(db: Database, user_id: int) -> set[int]:
    return {row.movie_id for row in await db.fetch(_RATED, user=user_id)}


async def select_liked_movie_ids(db: Database, user_id: int, stars: float, limit: int) -> list[int]:
    """The movies `user_id` rated `stars` or more, at most `limit`: highest rated, then newest first."""
    return [row.movie_id for row in await db.fetch(_LIKED, user=user_id, stars=stars, limit=limit)]


async def select_ratings_changed_since(db: Database, user_id: int, since: float) -> list[tuple[int, float]] | None:
    """The user's (movie id, rating) pairs if their ratings changed after `since` (a model's
    `ratings_as_of`), else None: the model already knows them. None too on a catalogue that
    predates live ratings and could not be upgraded (read-only)."""
    if not db.has_rating_changes:
        return None
    rows = await db.fetch(_CHANGED_RATINGS, user=user_id, since=since)
    if not rows:
        return None
    return [(row.movie_id, row.rating) for row in rows if row.movie_id is not None]


async def select_ratings_and_changes(db: Database, user_id: int, since: float) -> tuple[set[int], list[tuple[int, float]] | None]:
    """The movies `user_id` rated, and what `select_ratings_changed_since` answers, in one trip."""
    if not db.has_rating_changes:
        return await select_rated_movie_ids(db, user_id), None
    rows = await db.fetch(_RATINGS_AND_CHANGED, user=user_id, since=since)
    ratings = [(row.movie_id, row.rating) for row in rows if row.movie_id is not None]
    return {movie_id for movie_id, _ in ratings}, ratings if rows[0].changed else None
