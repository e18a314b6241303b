"""A catalogue user and what belongs to them. A User is reached as `viewer`, `user(id)`, a
rating's `user`, `similarUsers` or the operators' `users`, so every field but `id` checks that the
request may see this user's data (FORBIDDEN for a signed-in user looking at someone else's)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from data.domain import MAX_ITEMS
from loaders.ratings import select_user_ratings
from schema import recommender_fields
from schema.access import own_user
from schema.context import Info
from schema.pagination import MAX_PAGE, Connection, connection, page_window
from schema.rating import Rating
from schema.recommendation import PredictedRating, Recommendation, RecommendFilter, RecommendOrder, RecommendOrderArgument

PAGE_HELP = f"`first` items (at most {MAX_PAGE}) after the cursor `after`."


@strawberry.enum(description="The order of the user list.")
class UserOrder(Enum):
    ID = strawberry.enum_value("id", description="By user id, lowest first.")
    RATING_COUNT = strawberry.enum_value("rating_count", description="Most stored ratings first; ties by id.")


UserOrderArgument = Annotated[UserOrder, strawberry.argument(description="ID (the default) or RATING_COUNT.")]
SimilarCount = Annotated[int, strawberry.argument(description=f"How many similar users at most, 0-{MAX_PAGE}.")]


@strawberry.type(description="A user of the catalogue: their ratings, recommendations and predicted ratings.")
class User:
    _user_id: strawberry.Private[int]

    @strawberry.field(description="The user's id (for the dataset's users, their MovieLens user id).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._user_id))

    @strawberry.field(description="How many ratings the user has stored.")
    async def rating_count(self, info: Info) -> int:
        return await info.context.loaders.rating_count.load(own_user(info, self._user_id, "ratings"))

    @strawberry.field(description=f"The user's stored ratings, newest first. {PAGE_HELP}")
    async def ratings(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Rating]:
        offset, limit = page_window(first, after)
        rows, total = await select_user_ratings(info.context.loaders.db, own_user(info, self._user_id, "ratings"), offset, limit)
        return connection(rows, Rating.from_stored, offset, total)

    @strawberry.field(description="The best movies for the user, best first, at most `first` (up to 100); as `Query.recommend`.")
    async def recommendations(self, info: Info, first: int = 10, filter: RecommendFilter | None = None,
                              exclude_rated: bool = True, order_by: RecommendOrderArgument = RecommendOrder.SCORE) -> list[Recommendation]:
        user_id = own_user(info, self._user_id, "recommendations")
        return await recommender_fields.recommend_for_user(info, user_id, first, filter, exclude_rated, order_by)

    @strawberry.field(description=f"The 1-5 star ratings the user is predicted to give `items` (TMDB ids, at most "
                                  f"{MAX_ITEMS}), in the order asked.")
    async def predicted_ratings(self, info: Info, items: list[strawberry.ID]) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, own_user(info, self._user_id, "predicted ratings"), items)

    @strawberry.field(description=f"The users whose vectors in the model are closest in angle to this user's, most similar "
                                  f"first, at most `first` (up to {MAX_PAGE}); as of the model's training, so empty for a "
                                  "user it has not trained on.")
    def similar_users(self, info: Info, first: SimilarCount = 10) -> list[SimilarUser]:
        page_window(first, None)
        if first == 0:
            return []
        similar = info.context.scorer.similar_users(own_user(info, self._user_id, "similar users"), first)
        return [SimilarUser(user=User(_user_id=item.user_id), score=item.score) for item in similar]


@strawberry.type(description="A user like another one.")
class SimilarUser:
    user: User = strawberry.field(description="The similar user (their data is theirs: FORBIDDEN to a signed-in user).")
    score: float = strawberry.field(description="Cosine similarity of the two users' vectors in the model, -1..1.")
