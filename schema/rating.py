"""A stored rating, as the rating mutations and the ratings pages answer it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from loaders._common import Row
from loaders.rating_writer import StoredRating
from schema.movie_reference import MovieReference
from schema.node import Node, global_id

if TYPE_CHECKING:
    from schema.user import User

LazyUser = Annotated["User", strawberry.lazy("schema.user")]


@strawberry.type(description="A user's rating of a movie, as stored; its global `id` names the user and the movie.")
class Rating(MovieReference, Node):
    rating: float = strawberry.field(description="0.5-5 stars, in steps of 0.5.")
    rated_at: dt.datetime = strawberry.field(description="When it was stored (UTC).")
    _user_id: strawberry.Private[int]


    @strawberry.field(description="The user who rated.")
    def user(self) -> LazyUser:
        from schema.user import User  # schema.user imports this module

        return User.of(self._user_id)

    @classmethod
    def from_stored(cls, stored: StoredRating | Row) -> Rating:
        """From a write's answer or a `rating` row: both have user_id, movie_id, rating, timestamp."""
        rated_at = dt.datetime.fromtimestamp(stored.timestamp, dt.UTC)
        # One rating per (user, movie): the pair is its identity, "<user>:<movie>".
        return cls(id=global_id("Rating", f"{stored.user_id}:{stored.movie_id}"), _movie_id=stored.movie_id, _user_id=stored.user_id,
                   rating=stored.rating, rated_at=rated_at)
