"""The recommender service: what `recommend` and predicted ratings do, for GraphQL and REST alike.

Each call reads what the catalogue knows about the user (their live ratings newer than the model,
the movies they rated) and lets the scorer decide who they are (`Scorer.user`); the doors only
parse their arguments and shape the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from data.domain import ID_SPACE_NAMES
from data.errors import NotFound
from loaders._common import Database
from loaders.movies import MovieQuery, select_movie_ids
from loaders.recommendations import select_ratings_and_changes, select_ratings_changed_since
from loaders.source_ids import select_movies_by_ratings_ids
from ml.scoring import Recommendations, ScoredUser, Scorer
from ml.types import FloatArray


async def scored_user(db: Database, scorer: Scorer, user_id: int) -> ScoredUser:
    """`user_id` as `scorer` scores them, re-solved if their ratings changed after its training."""
    return scorer.user(user_id, await select_ratings_changed_since(db, user_id, scorer.ratings_as_of))


async def recommend(
    db: Database, scorer: Scorer, first: int, *, user_id: int | None = None, liked: Sequence[int] | None = None,
    within: MovieQuery | None = None, exclude_rated: bool = True,
) -> Recommendations:
    """The `first` best movies (first >= 1) for the known or new user `user_id`, or for an
    anonymous visitor who likes the movies `liked` (exactly one of the two), only among
    `within`'s movies, without the ones they rated when `exclude_rated`."""
    if liked is not None:
        who = scorer.visitor(liked)
    elif user_id is not None and (exclude_rated or scorer.blends):
        # The rated movies are the ones to leave out, and a blending model ranks from them.
        rated, changed = await select_ratings_and_changes(db, user_id, scorer.ratings_as_of)
        who = scorer.user(user_id, changed)
        who = who if who.rated is not None else dataclasses.replace(who, rated=frozenset(rated))
    elif user_id is not None:
        who = await scored_user(db, scorer, user_id)
    else:
        raise ValueError("recommend needs user_id or liked")
    allowed = scorer.mask(await select_movie_ids(db, within)) if within is not None else None
    return scorer.recommend(who, first, exclude=who.rated if exclude_rated else None, allowed=allowed)


async def predicted_ratings(db: Database, scorer: Scorer, user_id: int, movie_ids: Sequence[int]) -> FloatArray:
    """float32 1..5 ratings of `movie_ids` (TMDB ids), in their order; NotFound lists unknown movies."""
    return scorer.predict_ratings(await scored_user(db, scorer, user_id), movie_ids)


async def predicted_ratings_by_ratings_ids(db: Database, scorer: Scorer, user_id: int, source_ids: Sequence[int]) -> FloatArray:
    """The same for the movie ids of the catalogue's ratings source (the old REST contract: ml-100k
    item ids on an ml-100k catalogue, MovieLens movieIds otherwise); NotFound lists those it lacks."""
    space, movie_ids = await select_movies_by_ratings_ids(db, source_ids)
    known = [movie for movie in movie_ids if movie is not None]
    if len(known) < len(movie_ids):
        raise NotFound(ID_SPACE_NAMES[space], [str(item) for item, movie in zip(source_ids, movie_ids, strict=True) if movie is None])
    return await predicted_ratings(db, scorer, user_id, known)
