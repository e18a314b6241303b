"""The Mutation root: live ratings. Each answers only after the change is committed to disk; the
user's next `recommend` / `predictedRatings` re-solves them from their stored ratings (fold-in, no
retraining)."""

from __future__ import annotations

import strawberry

from data.domain import parse_id, parse_stars
from schema.context import Info
from schema.rating import Rating


@strawberry.type(description="Changes to users' ratings.")
class Mutation:
    @strawberry.mutation(
        description="Stores `user`'s rating of `movie` (TMDB id), replacing an earlier one; 0.5-5 stars in half stars. "
        "A new user id is created. The user's next recommendations and predicted ratings take it into account."
    )
    async def rate_movie(self, info: Info, user: strawberry.ID, movie: strawberry.ID, rating: float) -> Rating:
        user_id, movie_id, stars = parse_id(user, "user"), parse_id(movie, "movie"), parse_stars(rating)
        return Rating.from_stored(await info.context.runtime.require_writer().rate(user_id, movie_id, stars))

    @strawberry.mutation(description="Removes `user`'s rating of `movie`: true if there was one, false if not.")
    async def delete_rating(self, info: Info, user: strawberry.ID, movie: strawberry.ID) -> bool:
        return await info.context.runtime.require_writer().delete(parse_id(user, "user"), parse_id(movie, "movie"))
