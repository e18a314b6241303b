"""A catalogue user and what belongs to them: reachable only as `viewer` (the signed-in user) or
`user(id)` once the identity may see that user, so its fields need no check of their own."""

from __future__ import annotations

from typing import Annotated

import strawberry

from data.domain import MAX_ITEMS
from loaders.ratings import select_user_ratings
from loaders.rows import RatingRow
from schema import recommender_fields
from schema.context import Info
from schema.node import Node, global_id
from schema.pagination import MAX_PAGE, PAGE_HELP, After, Before, Connection, First20, Last, PageArgs, paginate
from schema.rating import Rating
from schema.recommendation import PredictedRating, Recommendation, RecommendFilter
from schema.scalars import BigInt

ID_HELP = "The global id (an object's `id`) or the plain source number: either is accepted."
UserArg = Annotated[strawberry.ID | None, strawberry.argument(
    description=f"The user: their global id or plain number; the signed-in user when left out. {ID_HELP}")]
ItemsArg = Annotated[list[strawberry.ID], strawberry.argument(
    description=f"The movies, at most {MAX_ITEMS}: global ids or plain TMDB numbers, mixed as you like.")]


async def ratings_page(info: Info, user_id: int, args: PageArgs) -> Connection[Rating]:
    """A user's stored ratings, newest first: `Query.ratings` and `User.ratings`."""

    async def fetch(offset: int, limit: int) -> tuple[list[RatingRow], int]:
        return await select_user_ratings(info.context.loaders.db, user_id, offset, limit)

    return await paginate(args, fetch, Rating.from_stored)


@strawberry.type(description="A user of the catalogue: their ratings, recommendations and predicted ratings.")
class User(Node):
    _user_id: strawberry.Private[int]

    @classmethod
    def of(cls, user_id: int) -> User:
        return cls(id=global_id("User", user_id), _user_id=user_id)

    @strawberry.field(description="The user's number, the plain id every `user` argument also takes (for the dataset's users, "
                                  "their MovieLens userId); `id` is the global Relay id.")
    def user_id(self) -> BigInt:
        return BigInt(self._user_id)

    @strawberry.field(description=f"The user's stored ratings, newest first. {PAGE_HELP}")
    async def ratings(self, info: Info, first: First20 = None, after: After = None, last: Last = None, before: Before = None) -> Connection[Rating]:
        return await ratings_page(info, self._user_id, PageArgs(20, first, after, last, before))

    @strawberry.field(description=f"The best movies for the user, best first, at most `first` (up to {MAX_PAGE}); as `Query.recommend`.")
    async def recommendations(
        self, info: Info, first: Annotated[int, strawberry.argument(description=f"How many movies, at most {MAX_PAGE}.")] = 10,
        filter: Annotated[RecommendFilter | None, strawberry.argument(description="Conditions every recommended movie meets.")] = None,
        exclude_rated: Annotated[bool, strawberry.argument(description="Leave out the movies the user rated.")] = True,
    ) -> list[Recommendation]:
        return await recommender_fields.recommend_for_user(info, self._user_id, first, filter, exclude_rated)

    @strawberry.field(description="The 1-5 star ratings the user is predicted to give `items`, in the order asked.")
    async def predicted_ratings(self, info: Info, items: ItemsArg) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, self._user_id, items)
