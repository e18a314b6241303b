"""A stored rating, as the rating mutations answer it."""

from __future__ import annotations

import datetime as dt

import strawberry

from loaders._common import Row
from loaders.rating_writer import StoredRating
from schema.movie_reference import MovieReference


@strawberry.type(description="A user's rating of a movie, as stored.")
class Rating(MovieReference):
    user: strawberry.ID = strawberry.field(description="The user who rated.")
    rating: float = strawberry.field(description="0.5-5 stars, in steps of 0.5.")
    rated_at: dt.datetime = strawberry.field(description="When it was stored (UTC).")

    @classmethod
    def from_stored(cls, stored: StoredRating | Row) -> Rating:
        """From a write's answer or a `rating` row: both have user_id, movie_id, rating, timestamp."""
        rated_at = dt.datetime.fromtimestamp(stored.timestamp, dt.UTC)
        return cls(_movie_id=stored.movie_id, user=strawberry.ID(str(stored.user_id)), rating=stored.rating, rated_at=rated_at)
