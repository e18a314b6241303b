"""Recommendation types: movies with a score from the model, and the model's own description."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.movie_reference import MovieReference


@strawberry.type(description="A recommended movie.")
class Recommendation(MovieReference):
    score: float = strawberry.field(description="Ranking score: higher is better; comparable within one answer only.")
    predicted_rating: float = strawberry.field(description="The rating the user would give it, 1-5 stars.")
    personalized: bool = strawberry.field(
        description="False when the user is unknown to the model: the movie is then among the most rated."
    )


@strawberry.type(description="A movie with the rating a user is predicted to give it.")
class PredictedRating(MovieReference):
    rating: float = strawberry.field(description="Predicted rating, 1-5 stars (calibrated, not a raw score).")


@strawberry.type(description="A movie similar to another one.")
class SimilarMovie(MovieReference):
    score: float = strawberry.field(description="Cosine similarity of the two movies' vectors, -1..1.")


@strawberry.type(description="The recommender model currently serving.")
class ModelInfo:
    version: int = strawberry.field(description="Artifact format version.")
    trained_at: str = strawberry.field(description="When it was trained (ISO 8601, UTC).")
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
