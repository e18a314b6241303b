"""The recommender's fields: each parses its arguments, calls the recommender service, converts."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from data.domain import SHOWN_RATING_DECIMALS, check_item_count, parse_id
from data.errors import BadInput
from data.text import fold
from loaders import recommender
from loaders.explanations import Explanations
from loaders.movies import MovieQuery
from schema import lookup, place_names
from schema.access import acting_user
from schema.context import Info
from schema.input_limits import check_names
from schema.movie_reference import load_movies
from schema.pagination import page_window
from schema.recommendation import ModelInfo, PredictedRating, Recommendation, RecommendFilter, RecommendOrder, SimilarMovie


def _within(flt: RecommendFilter | None) -> MovieQuery | None:
    if flt is None:
        return None
    return MovieQuery(
        genre_keys=[fold(genre) for genre in check_names(flt.genres, "genres")],
        year_from=flt.year_from,
        year_to=flt.year_to,
        languages=[place_names.language(language) for language in check_names(flt.languages, "languages")],
    )


async def recommend(
    info: Info, user: strawberry.ID | None, likes: list[strawberry.ID] | None, first: int, flt: RecommendFilter | None,
    exclude_rated: bool, order_by: RecommendOrder,
) -> list[Recommendation]:
    page_window(first, None)
    if likes is None:  # the signed-in user's (or, for a service key, the one `user` names)
        return await recommend_for_user(info, acting_user(info, user, "recommendations"), first, flt, exclude_rated, order_by)
    if user is not None:
        raise BadInput("give exactly one of user (a known or new user id) and likes (movie ids an anonymous visitor likes)")
    if not likes:
        raise BadInput("likes must name at least one movie")
    check_item_count(len(likes))
    return await _recommend(info, first, flt, exclude_rated, order_by, liked=[parse_id(movie, "movie") for movie in likes])


async def recommend_for_user(
    info: Info, user_id: int, first: int, flt: RecommendFilter | None, exclude_rated: bool, order_by: RecommendOrder
) -> list[Recommendation]:
    """`recommend` for a user the caller may see (User.recommendations)."""
    page_window(first, None)
    return await _recommend(info, first, flt, exclude_rated, order_by, user_id=user_id)


async def _recommend(
    info: Info, first: int, flt: RecommendFilter | None, exclude_rated: bool, order_by: RecommendOrder, *,
    user_id: int | None = None, liked: list[int] | None = None
) -> list[Recommendation]:
    within = _within(flt)  # the input first: a bad filter is BAD_USER_INPUT with or without a model
    scorer = info.context.scorer
    if first == 0:
        return []
    db = info.context.loaders.db
    result = await recommender.recommend(db, scorer, first, user_id=user_id, liked=liked, within=within, exclude_rated=exclude_rated)
    if not result.items and flt is not None:
        await lookup.report_unknown_names(info, flt.named())
    explanations = Explanations(db, scorer, [item.movie_id for item in result.items], user_id=user_id, liked=liked)
    answer = [
        Recommendation(_movie_id=item.movie_id, score=item.score, predicted_rating=_shown(item.predicted_rating),
                       personalized=result.personalized, _explanations=explanations)
        for item in result.items
    ]
    if order_by is RecommendOrder.PREDICTED_RATING:
        # The model's `first` best, shown in star order: sorted by the rating as shown, so equal
        # stars keep the model's order (a stable sort of a score-ordered list).
        answer.sort(key=lambda item: -item.predicted_rating)
    await load_movies(info, answer)
    return answer


def _shown(rating: float) -> float:
    return round(float(rating), SHOWN_RATING_DECIMALS)


async def predicted_ratings(info: Info, user_id: int, items: list[strawberry.ID]) -> list[PredictedRating]:
    """For a user the caller may see: the door decides who (schema/access.py)."""
    check_item_count(len(items))
    movie_ids = [parse_id(item, "movie") for item in items]
    scorer = info.context.scorer
    ratings = await recommender.predicted_ratings(info.context.loaders.db, scorer, user_id, movie_ids)
    answer = [PredictedRating(_movie_id=movie_id, rating=_shown(rating)) for movie_id, rating in zip(movie_ids, ratings, strict=True)]
    await load_movies(info, answer)
    return answer


async def similar(info: Info, movie_id: int, first: int) -> list[SimilarMovie]:
    page_window(first, None)
    if first == 0:
        return []
    answer = [SimilarMovie(_movie_id=item.movie_id, score=item.score) for item in info.context.scorer.similar(movie_id, first)]
    await load_movies(info, answer)
    return answer


def model_info(info: Info) -> ModelInfo:
    described = info.context.scorer.model_info
    trained_at = dt.datetime.fromisoformat(described.trained_at)  # the manifest's ISO 8601 text, with its UTC offset
    return ModelInfo(version=described.version, trained_at=trained_at, metrics=JSON(described.metrics))
