"""Baselines measured beside the model in every evaluation: global mean, bias baseline, popularity,
and the item-item models EASE and cosine item-kNN with their setting tuned on a validation split."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from data.domain import RATING_MAX, RATING_MIN
from ml import item_item
from ml.evaluation import precision_at_k
from ml.interactions import holdout
from ml.rating_head import HeadParams, fit_biases
from ml.types import FloatArray, IndexArray

EASE_LAMBDAS = (50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0)
KNN_NEIGHBOURS = (20.0, 50.0, 100.0, 200.0, 400.0)
VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class GlobalMean:
    mean: float

    @classmethod
    def fit(cls, train_ratings: sp.csr_matrix) -> GlobalMean:
        return cls(float(train_ratings.data.mean()))

    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        return np.full(len(user_rows), self.mean, dtype=np.float32)


@dataclass(frozen=True)
class BiasBaseline:
    """r = mu + b_u + b_i with ridge-shrunk biases: the head without its vector term."""

    mu: float
    user_bias: FloatArray
    item_bias: FloatArray

    @classmethod
    def fit(cls, train_ratings: sp.csr_matrix, params: HeadParams) -> BiasBaseline:
        coo = train_ratings.tocoo()
        n_users, n_items = train_ratings.shape
        return cls(*fit_biases(coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data, n_users, n_items, params))

    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        raw = self.mu + self.user_bias[user_rows] + self.item_bias[item_rows]
        ratings: FloatArray = np.clip(raw, RATING_MIN, RATING_MAX).astype(np.float32)
        return ratings


@dataclass(frozen=True)
class Popularity:
    """Ranks every user's movies by their number of training interactions."""

    counts: FloatArray

    @classmethod
    def fit(cls, train_interactions: sp.csr_matrix) -> Popularity:
        return cls(np.bincount(train_interactions.indices, minlength=train_interactions.shape[1]).astype(np.float32))

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        return np.broadcast_to(self.counts, (len(user_rows), len(self.counts)))


@dataclass(frozen=True)
class ItemItem:
    """Ranks a user's movies by x_u @ W (`ml.item_item`: EASE or cosine kNN), where x_u is their
    training interactions; `setting` (EASE's lambda, the kNN's k) was chosen on a validation split."""

    history: sp.csr_matrix
    weights: sp.csr_matrix
    setting: float

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        scores: FloatArray = (self.history[user_rows] @ self.weights).toarray().astype(np.float32)
        return scores

    @classmethod
    def ease(cls, train_interactions: sp.csr_matrix, seed: int) -> ItemItem:
        return cls._tuned(train_interactions, seed, EASE_LAMBDAS, lambda x, value: item_item.ease(x, value))

    @classmethod
    def knn(cls, train_interactions: sp.csr_matrix, seed: int) -> ItemItem:
        return cls._tuned(train_interactions, seed, KNN_NEIGHBOURS, lambda x, value: item_item.cosine_knn(x, int(value)))

    @classmethod
    def _tuned(cls, train: sp.csr_matrix, seed: int, grid: tuple[float, ...],
               fit: Callable[[sp.csr_matrix, float], sp.csr_matrix]) -> ItemItem:
        """Fitted on all of `train` with the grid value that ranks a held-out 10% of each user's
        training interactions best (precision@10): the test split is never looked at."""
        fit_part, held = holdout(train, VALIDATION_FRACTION, seed)
        scores = [float(precision_at_k(cls(fit_part, fit(fit_part, value), value), held, fit_part).mean()) for value in grid]
        best = grid[int(np.argmax(scores))]
        return cls(sp.csr_matrix(train), fit(train, best), best)
