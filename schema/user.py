"""A catalogue user and what belongs to them: reachable only as `viewer` (the signed-in user) or
`user(id)` once the identity may see that user, so its fields need no check of their own."""

from __future__ import annotations

import strawberry

from data.domain import MAX_ITEMS
from loaders.ratings import select_user_ratings
from schema import recommender_fields
from schema.context import Info
from schema.pagination import MAX_PAGE, Connection, connection, page_window
from schema.rating import Rating
from schema.recommendation import PredictedRating, Recommendation, RecommendFilter

PAGE_HELP = f"`first` items (at most {MAX_PAGE}) after the cursor `after`."


@strawberry.type(description="A user of the catalogue: their ratings, recommendations and predicted ratings.")
class User:
    _user_id: strawberry.Private[int]

    @strawberry.field(description="The user's id (for the dataset's users, their MovieLens user id).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._user_id))

    @strawberry.field(description=f"The user's stored ratings, newest first. {PAGE_HELP}")
    async def ratings(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Rating]:
        offset, limit = page_window(first, after)
        rows, total = await select_user_ratings(info.context.loaders.db, self._user_id, offset, limit)
        return connection(rows, Rating.from_stored, offset, total)

    @strawberry.field(description="The best movies for the user, best first, at most `first` (up to 100); as `Query.recommend`.")
    async def recommendations(self, info: Info, first: int = 10, filter: RecommendFilter | None = None,
                              exclude_rated: bool = True) -> list[Recommendation]:
        return await recommender_fields.recommend_for_user(info, self._user_id, first, filter, exclude_rated)

    @strawberry.field(description=f"The 1-5 star ratings the user is predicted to give `items` (TMDB ids, at most "
                                  f"{MAX_ITEMS}), in the order asked.")
    async def predicted_ratings(self, info: Info, items: list[strawberry.ID]) -> list[PredictedRating]:
        return await recommender_fields.predicted_ratings(info, self._user_id, items)
