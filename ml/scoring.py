"""Request-time scoring: recommendations, predicted ratings, similar movies and fold-in, in numpy.

One `Scorer` per process holds the artifact's contiguous float32 arrays. A request is one
matrix-vector product over the movies plus a partial sort: no LightFM `predict`, no pandas, no
movie x movie similarity matrix. Creating a Scorer pins BLAS to one thread for the whole process:
requests are small and run side by side, and a BLAS thread pool woken per request cost more than
the product itself (p95 8 ms against 0.5 ms on 45,000 movies).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from data.domain import STARS_MAX, STARS_MIN
from data.errors import BadInput, NotFound
from ml import artifact, catalogue
from ml.model import Model
from ml.rating_head import UserParams, unit_rows
from ml.types import FloatArray, IdArray, IndexArray

__all__ = ["ModelInfo", "Recommendation", "Recommendations", "ScoredUser", "Scorer", "Similar", "SimilarUser"]


class Recommendation(NamedTuple):
    movie_id: int
    score: float  # the ranking score: LightFM's for a known user, training ratings for popularity
    predicted_rating: float  # 1..5 stars from the rating head


@dataclass(frozen=True)
class Recommendations:
    items: list[Recommendation]
    personalized: bool  # False: the user is unknown and these are the most rated movies


class Similar(NamedTuple):
    movie_id: int
    score: float  # cosine similarity of the two item vectors, -1..1


class SimilarUser(NamedTuple):
    user_id: int
    score: float  # cosine similarity of the two users' vectors, -1..1


@dataclass(frozen=True)
class ScoredUser:
    """Who the model scores a request as, decided once by `Scorer.user` or `Scorer.visitor`."""

    user_id: int | None  # None: an anonymous visitor
    params: UserParams  # the rating head's (b_u, w_u): stars for every movie
    row: int | None  # the model's own row of a user it trained on and who has not changed since: LightFM ranks
    personalized: bool  # False: nobody the model knows (unknown, or no ratings left): the most rated movies
    rated: frozenset[int] | None  # the movies they rated (the item-item part ranks from them); None: not read


@dataclass(frozen=True)
class ModelInfo:
    version: int
    trained_at: str
    metrics: dict[str, Any]


class Scorer:
    """Scores one trained model; every method takes and returns external ids (TMDB movie ids)."""

    def __init__(self, model: Model) -> None:
        threadpool_limits(limits=1, user_api="blas")
        self._model = model
        self._head = model.head

    @classmethod
    def load(cls, model_dir: Path, *, db_path: Path | None = None) -> Scorer:
        """The artifact at `model_dir`, checked; with `db_path`, also against the catalogue's movies."""
        model = artifact.load(model_dir)
        if db_path is not None:
            with catalogue.connect(db_path) as conn:
                artifact.check_catalogue(model, catalogue.movie_ids(conn))
        return cls(model)

    @property
    def movie_ids(self) -> IdArray:
        """int64 [n_movies]: the movie order of `allowed` masks (read-only)."""
        ids = self._model.movie_ids.view()
        ids.flags.writeable = False
        return ids

    def mask(self, movie_ids: Iterable[int]) -> npt.NDArray[np.bool_]:
        """bool [n_movies] in `movie_ids` order: True for the given movies (an `allowed` for recommend)."""
        return np.isin(self._model.movie_ids, np.fromiter(movie_ids, dtype=np.int64))

    @property
    def blends(self) -> bool:
        """Whether rankings use the movies a user rated (`ScoredUser.rated`) besides their vector."""
        return self._model.blends

    @property
    def model_info(self) -> ModelInfo:
        manifest = self._model.manifest
        return ModelInfo(manifest["version"], manifest["created_at"], dict(manifest.get("metrics", {})))

    @property
    def ratings_as_of(self) -> float:
        """The newest live-rating stamp (unix seconds) training saw: users stamped later are re-solved by fold-in."""
        return float(self._model.manifest.get("ratings_as_of", 0.0))

    def user(self, user_id: int, changed: Sequence[tuple[int, float]] | None = None) -> ScoredUser:
        """What the model scores `user_id` as. `changed`: their stored (movie id, rating) pairs when
        they changed after the training snapshot (`ratings_as_of`), else None. A user the model
        knows and who has not changed is scored by their own row; a changed one is re-solved from
        their ratings (fold-in); one who deleted them all, or one the model never saw, is nobody
        in particular (the unpersonalised answers)."""
        if changed is None:
            row = self._model.users.row(user_id)
            return ScoredUser(user_id, self._head.user(row), row, row is not None, None)
        rated = frozenset(movie_id for movie_id, _ in changed)
        if not changed:
            return ScoredUser(user_id, self._head.user(None), None, False, rated)
        return ScoredUser(user_id, self.fold_in(changed), None, True, rated)

    def visitor(self, liked_movie_ids: Sequence[int]) -> ScoredUser:
        """An anonymous visitor who likes these movies: each folded in as top marks (STARS_MAX)."""
        params = self.fold_in((movie_id, STARS_MAX) for movie_id in liked_movie_ids)
        return ScoredUser(None, params, None, True, frozenset(liked_movie_ids))

    def recommend(
        self, user: ScoredUser, k: int = 10, exclude: set[int] | frozenset[int] | None = None,
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> Recommendations:
        """The k best movies for `user`, best first, without `exclude` and only where `allowed`
        (bool [n_movies] in `movie_ids` order). Nobody the model knows gets the most rated movies.
        A blending model adds its item-item part from `user.rated` (a live rating counts at once);
        with `rated` None it ranks by LightFM (or the fold-in) alone."""
        if k < 1:
            raise BadInput(f"k must be at least 1, not {k}")
        model = self._model
        params, personalized = user.params, user.personalized
        if user.row is not None:
            scores = model.ranking_items @ model.ranking_users[user.row]
        elif personalized:
            scores = self._head.affinity(params, model.unit_vectors)
        else:
            scores = model.popularity.copy()
        if personalized and user.rated:
            rated = model.movies.rows(np.fromiter(user.rated, dtype=np.int64, count=len(user.rated)))
            scores = model.blended(scores, rated[rated >= 0])
        if allowed is not None:
            if allowed.shape != scores.shape or allowed.dtype != np.bool_:
                raise BadInput(f"allowed must be a bool array of shape ({len(scores)},) in Scorer.movie_ids order")
            scores = np.where(allowed, scores, np.float32(-np.inf))
        if exclude:
            rows = model.movies.rows(np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
            scores[rows[rows >= 0]] = -np.inf
        top = _top(scores, k)
        top = top[np.isfinite(scores[top])]
        ratings = self._head.predict_user(params, model.unit_vectors, top)
        items = [Recommendation(int(m), float(s), float(r)) for m, s, r in zip(model.movie_ids[top], scores[top], ratings, strict=True)]
        return Recommendations(items, personalized)

    def predict_ratings(self, user: ScoredUser, movie_ids: Sequence[int]) -> FloatArray:
        """float32 1..5 ratings of `movie_ids`, in their order, for `user` (nobody the model knows
        gets the bias baseline). Raises NotFound listing unknown movie ids."""
        rows = self._movie_rows(movie_ids)
        return self._head.predict_user(user.params, self._model.unit_vectors, rows)

    def similar(self, movie_id: int, k: int = 10) -> list[Similar]:
        """The k movies whose item vectors are closest in angle, best first. A movie with neither
        ratings nor content features has no vector, and so no neighbours: []."""
        if k < 1:
            raise BadInput(f"k must be at least 1, not {k}")
        row = int(self._movie_rows([movie_id])[0])
        unit = self._model.unit_vectors
        if not unit[row].any():
            return []
        scores = unit @ unit[row]
        scores[row] = -np.inf
        top = _top(scores, k)
        return [Similar(int(m), float(s)) for m, s in zip(self._model.movie_ids[top], scores[top], strict=True)]

    def similar_users(self, user_id: int, k: int = 10) -> list[SimilarUser]:
        """The k users the model trained on whose user vectors are closest in angle to `user_id`'s,
        best first; [] for a user the model has no vector for (new since training, or all zero).
        As of training: a user whose ratings changed since is compared by their trained vector."""
        if k < 1:
            raise BadInput(f"k must be at least 1, not {k}")
        row = self._model.users.row(user_id)
        unit = self._unit_users
        if row is None or not unit[row].any():
            return []
        scores = unit @ unit[row]
        scores[row] = -np.inf
        top = _top(scores, k)
        return [SimilarUser(int(u), float(s)) for u, s in zip(self._model.user_ids[top], scores[top], strict=True)]

    def nearest_rated(self, movie_ids: Sequence[int], rated: Sequence[int], k: int) -> list[list[int]]:
        """For each of `movie_ids`, the at most k movies of `rated` whose item vectors are closest
        in angle to it (cosine of the unit vectors, > 0 only, the movie itself left out), closest
        first, ties in `rated` order: what pulls each recommendation up. Movies either list names
        that the model lacks are skipped; one product of [len(rated), dim] by [dim, len(movie_ids)]."""
        if k < 1:
            raise BadInput(f"k must be at least 1, not {k}")
        unit, index = self._model.unit_vectors, self._model.movies
        rated_ids = np.asarray(rated, dtype=np.int64)
        rated_rows = index.rows(rated_ids)
        rated_ids, rated_rows = rated_ids[rated_rows >= 0], rated_rows[rated_rows >= 0]
        targets = index.rows(np.asarray(movie_ids, dtype=np.int64))
        if not len(rated_rows) or not len(targets):
            return [[] for _ in movie_ids]
        pulls = unit[rated_rows] @ unit[np.maximum(targets, 0)].T  # [len(rated), len(movie_ids)]
        pulls[(rated_rows[:, None] == targets[None, :]) | (targets[None, :] < 0)] = -np.inf
        order = np.argsort(-pulls, axis=0, kind="stable")[:k]  # [min(k, len(rated)), len(movie_ids)]
        kept = np.take_along_axis(pulls, order, axis=0) > 0
        return [rated_ids[order[kept[:, column], column]].tolist() for column in range(len(targets))]

    @cached_property
    def _unit_users(self) -> FloatArray:
        return unit_rows(self._model.user_vectors)

    def fold_in(self, ratings: Iterable[tuple[int, float]]) -> UserParams:
        """A user's rating-head params solved from (movie id, rating) pairs, as training solves them;
        pass them to `predict_ratings` or `recommend` to score a new or changed user without
        retraining. At least one rating."""
        pairs = list(ratings)
        if not pairs:
            raise BadInput("a fold-in needs at least one rating")
        values = np.array([rating for _, rating in pairs], dtype=np.float32)
        if not np.all((values >= STARS_MIN) & (values <= STARS_MAX)):
            raise BadInput(f"ratings must be between {STARS_MIN:g} and {STARS_MAX:g} stars")
        rows = self._movie_rows([movie_id for movie_id, _ in pairs])
        return self._head.fold_in(self._model.unit_vectors, rows, values)

    def _movie_rows(self, movie_ids: Sequence[int]) -> IndexArray:
        ids = np.asarray(movie_ids, dtype=np.int64)
        rows = self._model.movies.rows(ids)
        if (rows < 0).any():
            raise NotFound("movie ids", [str(i) for i in dict.fromkeys(ids[rows < 0].tolist())])
        return rows


def _top(scores: FloatArray, k: int) -> IndexArray:
    """Rows of the k highest scores, highest first: a partition, then a sort of just those k."""
    k = min(k, len(scores))
    top = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
    return top[np.argsort(-scores[top], kind="stable")].astype(np.int64)
