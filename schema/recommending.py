"""The recommender's resolvers: each reads its arguments, asks the catalogue and the scorer, converts."""

from __future__ import annotations

import strawberry

from data.errors import BadInput, ModelUnavailable
from data.text import fold
from loaders._common import Database
from loaders.movies import MovieQuery, select_movie_ids
from loaders.recommendations import select_rated_movie_ids, select_ratings_changed_since
from ml.scoring import Scorer, UserParams
from schema import place_names
from schema.context import Info
from schema.lookup import parse_id
from schema.pagination import page_window
from schema.recommendation import ModelInfo, PredictedRating, Recommendation, RecommendFilter, SimilarMovie

MAX_ITEMS = 1_000
LIKED_STARS = 5.0  # what a liked movie counts as in an anonymous visitor's fold-in


def scorer(info: Info) -> Scorer:
    if info.context.scorer is None:
        raise ModelUnavailable(f"no recommender model is serving: {info.context.model_problem}")
    return info.context.scorer


def _scored_as(model: Scorer, user_id: int, changed: list[tuple[int, float]] | None) -> int | UserParams | None:
    """What the model scores the user as: their id while the model knows their ratings, their
    stored ratings re-solved (fold-in) once they `changed` after the model's training snapshot, or
    None once they have deleted them all (nobody with ratings: the unpersonalised answers)."""
    if changed is None:
        return user_id
    return model.fold_in(changed) if changed else None


async def user_params(db: Database, model: Scorer, user_id: int) -> int | UserParams | None:
    return _scored_as(model, user_id, await select_ratings_changed_since(db, user_id, model.ratings_as_of))


async def recommend(
    info: Info, user: strawberry.ID | None, likes: list[strawberry.ID] | None, first: int, flt: RecommendFilter | None,
    exclude_rated: bool,
) -> list[Recommendation]:
    page_window(first, None)
    if user is not None and likes is None:
        visitor: int | list[int] = parse_id(user, "user")
    elif likes is not None and user is None:
        if not likes:
            raise BadInput("likes must name at least one movie")
        check_item_count(len(likes))
        visitor = [parse_id(movie, "movie") for movie in likes]
    else:
        raise BadInput("give exactly one of user (a known or new user id) and likes (movie ids an anonymous visitor likes)")
    model, db = scorer(info), info.context.loaders.db
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
        allowed = model.mask(await select_movie_ids(db, query))
    if isinstance(visitor, list):
        scored_as: int | UserParams | None = model.fold_in((movie_id, LIKED_STARS) for movie_id in visitor)
        exclude = set(visitor) if exclude_rated else None
    else:
        changed = await select_ratings_changed_since(db, visitor, model.ratings_as_of)
        scored_as = _scored_as(model, visitor, changed)
        if not exclude_rated:
            exclude = None
        elif changed is not None:  # a changed user's ratings were just read: no second query
            exclude = {movie_id for movie_id, _ in changed}
        else:
            exclude = await select_rated_movie_ids(db, visitor)
    result = model.recommend(scored_as, first, exclude=exclude, allowed=allowed)
    return [
        Recommendation(_movie_id=item.movie_id, score=item.score, predicted_rating=item.predicted_rating, personalized=result.personalized)
        for item in result.items
    ]


def check_item_count(count: int) -> None:
    """The bound on items per predicted-ratings request, GraphQL and REST alike."""
    if count > MAX_ITEMS:
        raise BadInput(f"at most {MAX_ITEMS} items at once, not {count}")


async def predicted_ratings(info: Info, user: strawberry.ID, items: list[strawberry.ID]) -> list[PredictedRating]:
    check_item_count(len(items))
    movie_ids = [parse_id(item, "movie") for item in items]
    model = scorer(info)
    ratings = model.predict_ratings(await user_params(info.context.loaders.db, model, parse_id(user, "user")), movie_ids)
    return [PredictedRating(_movie_id=movie_id, rating=float(rating)) for movie_id, rating in zip(movie_ids, ratings)]


def similar(info: Info, movie_id: int, first: int) -> list[SimilarMovie]:
    page_window(first, None)
    if first == 0:
        return []
    return [SimilarMovie(_movie_id=item.movie_id, score=item.score) for item in scorer(info).similar(movie_id, first)]


def model_info(info: Info) -> ModelInfo:
    described = scorer(info).model_info
    return ModelInfo(version=described.version, trained_at=described.trained_at, metrics=described.metrics)
