"""The recommender's resolvers: each reads its arguments, asks the catalogue and the scorer, converts."""

from __future__ import annotations

import strawberry

from data.errors import BadInput, ModelUnavailable
from data.text import fold
from loaders.movies import MovieQuery, select_movie_ids
from loaders.recommendations import select_rated_movie_ids
from ml.scoring import Scorer
from schema import place_names
from schema.context import Info
from schema.lookup import parse_id
from schema.pagination import page_window
from schema.recommendation import ModelInfo, PredictedRating, Recommendation, RecommendFilter, SimilarMovie

MAX_ITEMS = 1_000


def scorer(info: Info) -> Scorer:
    if info.context.scorer is None:
        raise ModelUnavailable(f"no recommender model is serving: {info.context.model_problem}")
    return info.context.scorer


async def recommend(info: Info, user: strawberry.ID, first: int, flt: RecommendFilter | None, exclude_rated: bool) -> list[Recommendation]:
    page_window(first, None)
    model, user_id = scorer(info), parse_id(user, "user")
    if first == 0:
        return []
    allowed = None
    if flt is not None:
        query = MovieQuery(
            genre_keys=[fold(genre) for genre in flt.genres or ()],
            year_from=flt.year_from,
            year_to=flt.year_to,
            languages=[place_names.language(language) for language in flt.languages or ()],
        )
        allowed = model.mask(await select_movie_ids(info.context.loaders.db, query))
    exclude = await select_rated_movie_ids(info.context.loaders.db, user_id) if exclude_rated else None
    result = model.recommend(user_id, first, exclude=exclude, allowed=allowed)
    return [
        Recommendation(_movie_id=item.movie_id, score=item.score, predicted_rating=item.predicted_rating, personalized=result.personalized)
        for item in result.items
    ]


def check_item_count(count: int) -> None:
    """The bound on items per predicted-ratings request, GraphQL and REST alike."""
    if count > MAX_ITEMS:
        raise BadInput(f"at most {MAX_ITEMS} items at once, not {count}")


def predicted_ratings(info: Info, user: strawberry.ID, items: list[strawberry.ID]) -> list[PredictedRating]:
    check_item_count(len(items))
    movie_ids = [parse_id(item, "movie") for item in items]
    ratings = scorer(info).predict_ratings(parse_id(user, "user"), movie_ids)
    return [PredictedRating(_movie_id=movie_id, rating=float(rating)) for movie_id, rating in zip(movie_ids, ratings)]


def similar(info: Info, movie_id: int, first: int) -> list[SimilarMovie]:
    page_window(first, None)
    if first == 0:
        return []
    return [SimilarMovie(_movie_id=item.movie_id, score=item.score) for item in scorer(info).similar(movie_id, first)]


def model_info(info: Info) -> ModelInfo:
    described = scorer(info).model_info
    return ModelInfo(version=described.version, trained_at=described.trained_at, metrics=described.metrics)
