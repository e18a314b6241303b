"""The catalogue's users a page at a time, and their rating counts batched per request.

A user is a row of `user`: every user of the ratings source the catalogue was ingested from, and
every user who rated through the API (the rating writer adds them), whether or not they still hold
a rating. Ordering by rating count aggregates the whole rating table (its primary key starts with
the user, so the count is an index scan).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from sqlalchemy import bindparam, func, select
from sqlmodel import col

from data.tables import Rating, User
from loaders._common import SQL, Database, compile_sql, json_keys, keys_param


class UserOrder(Enum):
    ID = "id"  # ascending
    RATING_COUNT = "rating_count"  # most ratings first, ties by id


_RATINGS = func.count(col(Rating.movie_id))
_BY_COUNT = (
    select(col(User.id))
    .outerjoin(Rating, col(Rating.user_id) == col(User.id))
    .group_by(col(User.id))
    .order_by(_RATINGS.desc(), col(User.id))
)
_PAGES: dict[UserOrder, SQL] = {
    UserOrder.ID: compile_sql(select(col(User.id)).order_by(col(User.id)).limit(bindparam("limit")).offset(bindparam("offset"))),
    UserOrder.RATING_COUNT: compile_sql(_BY_COUNT.limit(bindparam("limit")).offset(bindparam("offset"))),
}
_COUNT = compile_sql(select(func.count()).select_from(User))
_RATING_COUNTS = compile_sql(
    select(col(Rating.user_id), _RATINGS.label("ratings")).where(col(Rating.user_id).in_(json_keys())).group_by(col(Rating.user_id))
)


async def select_user_page(db: Database, order: UserOrder, offset: int, limit: int) -> tuple[list[int], int]:
    """The user ids of one page in `order`, and how many users there are."""
    rows = await db.fetch(_PAGES[order], offset=offset, limit=limit)
    (total,) = (await db.fetch(_COUNT))[0]
    return [row.id for row in rows], int(total)


async def select_rating_counts(db: Database, user_ids: Sequence[int]) -> list[int]:
    """Each user's stored ratings, in key order; 0 for a user with none (or unknown)."""
    found = {row.user_id: int(row.ratings) for row in await db.fetch(_RATING_COUNTS, keys=keys_param(user_ids))}
    return [found.get(user_id, 0) for user_id in user_ids]
