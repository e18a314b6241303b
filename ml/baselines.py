"""Baselines measured beside the model in every evaluation: global mean, bias baseline, popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from data.domain import RATING_MAX, RATING_MIN
from ml.rating_head import HeadParams, fit_biases
from ml.types import FloatArray, IndexArray


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
