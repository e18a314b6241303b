"""The Mutation root: live ratings. Each answers only after the change is committed to disk; the
user's next `recommend` / `predictedRatings` re-solves them from their stored ratings (fold-in, no
retraining)."""

from __future__ import annotations

import math

import strawberry

from data.errors import BadInput, WritesUnavailable
from loaders.rating_writer import RatingWriter
from ml.rating_head import RATING_MAX, STARS_MIN, STARS_STEP
from schema.context import Info
from schema.lookup import parse_id
from schema.rating import Rating



def parse_stars(value: float) -> float:
    """A rating as MovieLens takes them: 0.5 to 5.0 in half stars."""
    if not (math.isfinite(value) and STARS_MIN <= value <= RATING_MAX and (value / STARS_STEP).is_integer()):
        raise BadInput(f"rating must be {STARS_MIN:g} to {RATING_MAX:g} stars in steps of {STARS_STEP:g}, not {value!r}")
    return float(value)


def writer(info: Info) -> RatingWriter:
    if info.context.writer is None:
        raise WritesUnavailable(f"ratings cannot be stored: {info.context.writer_problem}")
    return info.context.writer


@strawberry.type(description="Changes to users' ratings.")
class Mutation:
    @strawberry.mutation(
        description="Stores `user`'s rating of `movie` (TMDB id), replacing an earlier one; 0.5-5 stars in half stars. "
        "A new user id is created. The user's next recommendations and predicted ratings take it into account."
    )
    async def rate_movie(self, info: Info, user: strawberry.ID, movie: strawberry.ID, rating: float) -> Rating:
        user_id, movie_id, stars = parse_id(user, "user"), parse_id(movie, "movie"), parse_stars(rating)
        return Rating.from_stored(await writer(info).rate(user_id, movie_id, stars))

    @strawberry.mutation(description="Removes `user`'s rating of `movie`: true if there was one, false if not.")
    async def delete_rating(self, info: Info, user: strawberry.ID, movie: strawberry.ID) -> bool:
        return await writer(info).delete(parse_id(user, "user"), parse_id(movie, "movie"))
