"""The Mutation root: live ratings. Each answers only after the change is committed to disk; the
user's next `recommend` / `predictedRatings` re-solves them from their stored ratings (fold-in, no
retraining)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from data.domain import parse_id, parse_stars
from data.quotas import charge
from schema.access import acting_user
from schema.context import Info
from schema.rating import Rating
from schema.user import UserArg

WRITE_HELP = ("The user is the signed-in one; `user` names another only for a service key (FORBIDDEN for a signed-in "
              "user naming someone else). Writes are limited per user a minute and a day (RATE_LIMITED, with retryAfter).")


MovieArg = Annotated[strawberry.ID, strawberry.argument(description="The movie: its global id or plain TMDB number.")]


def _writing_user(info: Info, user: strawberry.ID | None) -> int:
    user_id = acting_user(info, user, "ratings")
    charge(info.context.runtime.write_quotas, user_id)
    return user_id


@strawberry.type(description="Changes to users' ratings.")
class Mutation:
    @strawberry.mutation(
        description="Stores the user's rating of `movie`, replacing an earlier one; 0.5-5 stars in half stars. "
        "Answers the stored Rating with its global `id`, its `user` and its `movie`, so a normalised cache updates "
        "the rating in place; the user's `recommend`, `recommendations`, `predictedRatings` and `ratings` (a new "
        f"rating heads that list) take it into account and are what a client should refetch. {WRITE_HELP}"
    )
    async def rate_movie(self, info: Info, movie: MovieArg, rating: Annotated[float, strawberry.argument(description="0.5-5 stars in half stars.")],
                         user: UserArg = None) -> Rating:
        movie_id, stars = parse_id(movie, "movie"), parse_stars(rating)
        return Rating.from_stored(await info.context.runtime.require_writer().rate(_writing_user(info, user), movie_id, stars))

    @strawberry.mutation(description=f"Removes the user's rating of `movie`: true if there was one, false if not. {WRITE_HELP}")
    async def delete_rating(self, info: Info, movie: MovieArg, user: UserArg = None) -> bool:
        movie_id = parse_id(movie, "movie")
        return await info.context.runtime.require_writer().delete(_writing_user(info, user), movie_id)
