"""A catalogue user and what belongs to them. A User is reached as `viewer`, `user(id)`, a
rating's `user`, `similarUsers` or the operators' `users`, so every field but `id` checks that the
request may see this user's data (FORBIDDEN for a signed-in user looking at someone else's)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from data.domain import MAX_ITEMS
from loaders.ratings import select_user_ratings
from loaders.rows import RatingRow
from schema import recommender_fields
from schema.access import own_user
from schema.context import Info
from schema.node import Node, global_id
from schema.pagination import MAX_PAGE, PAGE_HELP, After, Before, Connection, First20, Last, PageArgs, page_window, paginate
from schema.rating import Rating
from schema.recommendation import PredictedRating, Recommendation, RecommendFilter, RecommendOrder, RecommendOrderArgument
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


@strawberry.enum(description="The order of the user list.")
class UserOrder(Enum):
    ID = strawberry.enum_value("id", description="By user id, lowest first.")
    RATING_COUNT = strawberry.enum_value("rating_count", description="Most stored ratings first; ties by id.")


UserOrderArgument = Annotated[UserOrder, strawberry.argument(description="ID (the default) or RATING_COUNT.")]
SimilarCount = Annotated[int, strawberry.argument(description=f"How many similar users at most, 0-{MAX_PAGE}.")]


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

    @strawberry.field(description="How many ratings the user has stored.")
    async def rating_count(self, info: Info) -> int:
        return await info.context.loaders.rating_count.load(own_user(info, self._user_id, "ratings"))

    @strawberry.field(description=f"The user's stored ratings, newest first. {PAGE_HELP}")
    async def ratings(self, info: Info, first: First20 = None, after: After = None, last: Last = None, before: Before = None) -> Connection[Rating]:
        return await ratings_page(info, own_user(info, self._user_id, "ratings"), PageArgs(20, first, after, last, before))

    @strawberry.field(description=f"The best movies for the user, best first, at most `first` (up to {MAX_PAGE}); as `Query.recommend`.")
    async def recommendations(
        self, info: Info, first: Annotated[int, strawberry.argument(description=f"How many movies, at most {MAX_PAGE}.")] = 10,
        filter: Annotated[RecommendFilter | None, strawberry.argument(description="Conditions every recommended movie meets.")] = None,
        exclude_rated: Annotated[bool, strawberry.argument(description="Leave out the movies the user rated.")] = True,
        order_by: RecommendOrderArgument = RecommendOrder.SCORE,
    ) -> list[Recommendation]:
        user_id = own_user(info, self._user_id, "recommendations")
        return await recommender_fields.recommend_for_user(info, user_id, first, filter, exclude_rated, order_by)

    @strawberry.field(description="The 1-5 star ratings the user is predicted to give `items`, in the order asked.")
    async def predicted_ratings(self, info: Info, items: ItemsArg) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, own_user(info, self._user_id, "predicted ratings"), items)

    @strawberry.field(description=f"The users whose vectors in the model are closest in angle to this user's, most similar "
                                  f"first, at most `first` (up to {MAX_PAGE}); as of the model's training, so empty for a "
                                  "user it has not trained on.")
    def similar_users(self, info: Info, first: SimilarCount = 10) -> list[SimilarUser]:
        page_window(first, None)
        if first == 0:
            return []
        similar = info.context.scorer.similar_users(own_user(info, self._user_id, "similar users"), first)
        return [SimilarUser(user=User.of(item.user_id), score=item.score) for item in similar]


@strawberry.type(description="A user like another one.")
class SimilarUser:
    user: User = strawberry.field(description="The similar user (their data is theirs: FORBIDDEN to a signed-in user).")
    score: float = strawberry.field(description="Cosine similarity of the two users' vectors in the model, -1..1.")
