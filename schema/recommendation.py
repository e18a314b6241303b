"""Recommendation types: movies with a score from the model, why, and the model's own description."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from loaders.explanations import HIGHLY_RATED, MAX_BECAUSE, MAX_CONSIDERED, Explanations
from schema.context import Info
from schema.movie_reference import MovieReference
from schema.pagination import page_window

if TYPE_CHECKING:
    from schema.movie import Movie

LazyMovie = Annotated["Movie", strawberry.lazy("schema.movie")]
BECAUSE_RULE = (f"the user's own movies rated {HIGHLY_RATED:g} stars or more (their {MAX_CONSIDERED} highest rated, then "
                f"newest; for `likes`, the liked movies) whose item vectors are closest in angle to this one (cosine > 0), closest first")


@strawberry.enum(description="The order of recommendations.")
class RecommendOrder(Enum):
    SCORE = strawberry.enum_value("score", description="Best ranking score first (the model's order).")
    PREDICTED_RATING = strawberry.enum_value(
        "predicted_rating", description="The same movies, highest predicted rating (as shown, 2 decimals) first; ties by score."
    )


RecommendOrderArgument = Annotated[RecommendOrder, strawberry.argument(
    description="SCORE (the default): the model's order; PREDICTED_RATING: the same movies in star order, for a star display.")]
BecauseCount = Annotated[int, strawberry.argument(description=f"How many explaining movies at most, 0-{MAX_BECAUSE}.")]


@strawberry.type(description="A recommended movie.")
class Recommendation(MovieReference):
    score: float = strawberry.field(description="Ranking score: higher is better; comparable within one answer only.")
    predicted_rating: float = strawberry.field(description="The rating the user would give it, 1-5 stars, to 2 decimals.")
    personalized: bool = strawberry.field(
        description="False when the user is unknown to the model: the movie is then among the most rated."
    )
    _explanations: strawberry.Private[Explanations]

    @strawberry.field(description=f"Why: at most `first` (1-{MAX_BECAUSE}) of {BECAUSE_RULE}. Empty when none is.")
    async def because(self, info: Info, first: BecauseCount = 3) -> list[LazyMovie]:
        from schema.movie import Movie  # schema.movie imports this module's users

        rows = await info.context.loaders.movie.load_many(await self._because(first))
        return [Movie.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="A line a UI can print: \"Because you liked Toy Story\" (the closest of `because`), "
                                  "\"Among the most rated movies\" when not personalized, else null.")
    async def reason(self, info: Info) -> str | None:
        if not self.personalized:
            return "Among the most rated movies"
        nearest = await self._because(1)
        row = await info.context.loaders.movie.load(nearest[0]) if nearest else None
        return f"Because you liked {row.title}" if row is not None else None

    async def _because(self, first: int) -> list[int]:
        page_window(first, None, MAX_BECAUSE)
        return await self._explanations.because(self._movie_id, first) if first else []


@strawberry.type(description="A movie with the rating a user is predicted to give it.")
class PredictedRating(MovieReference):
    rating: float = strawberry.field(description="Predicted rating, 1-5 stars to 2 decimals (calibrated, not a raw score).")


@strawberry.type(description="A movie similar to another one.")
class SimilarMovie(MovieReference):
    score: float = strawberry.field(description="Cosine similarity of the two movies' vectors, -1..1.")


@strawberry.type(description="The recommender model currently serving.")
class ModelInfo:
    version: int = strawberry.field(description="Artifact format version.")
    trained_at: dt.datetime = strawberry.field(description="When it was trained (UTC).")
    metrics: JSON = strawberry.field(description="Validation metrics measured at training time.")


@strawberry.input(description="Conditions every recommended movie meets; names are case- and accent-insensitive.")
class RecommendFilter:
    genres: list[str] | None = strawberry.field(default=None, description="Genre names; a movie must have all of them.")
    year_from: int | None = strawberry.field(default=None, description="Released in this year or later.")
    year_to: int | None = strawberry.field(default=None, description="Released in this year or earlier.")
    languages: list[str] | None = strawberry.field(default=None, description="Original languages (ISO 639-1 codes or English names); any of them.")

    def named(self) -> list[tuple[str, str]]:
        """(kind, name) of each entity the filter names, for schema.lookup.report_unknown_names."""
        return [("genre", name) for name in self.genres or ()] + [("language", name) for name in self.languages or ()]
