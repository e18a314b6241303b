"""Ranking and rating metrics with one signature, `(model, test, train=None, k=10)`, as LightFM's.

Ranking metrics return one value per user with at least one test interaction (in user order), so
the caller decides how to aggregate. Movies in `train` are excluded from a user's candidates, and a
test set that shares interactions with `train` is refused. Scores come in user batches, so memory
stays at `_BATCH` users x n_movies whatever the size of the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata

from ml.types import FloatArray, IndexArray

_BATCH = 256


class Ranker(Protocol):
    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        """float32 [len(user_rows), n_movies]: higher ranks first."""
        ...


class RatingPredictor(Protocol):
    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        """float32 predicted ratings of the aligned (user, movie) row pairs."""
        ...


def _check(test: sp.csr_matrix, train: sp.csr_matrix | None) -> sp.csr_matrix:
    test = sp.csr_matrix(test)
    if train is not None:
        if train.shape != test.shape:
            raise ValueError(f"test has shape {test.shape}, train {train.shape}; build both over the same id orders")
        shared = test.multiply(sp.csr_matrix(train)).nnz
        if shared:
            raise ValueError(f"test and train share {shared:,} interactions; check your data split")
    return test


def _batches(model: Ranker, test: sp.csr_matrix, train: sp.csr_matrix | None) -> Iterator[tuple[np.ndarray, FloatArray, np.ndarray]]:
    """(test rows as dense bool, scores with train movies at -inf, train counts) per batch of test users."""
    users = np.flatnonzero(np.diff(test.indptr))
    for start in range(0, len(users), _BATCH):
        rows = users[start : start + _BATCH]
        scores = np.array(model.ranking_scores(rows), dtype=np.float32)
        if scores.shape != (len(rows), test.shape[1]):
            raise ValueError(f"the model scores {scores.shape[1]} movies, the test set has {test.shape[1]}")
        excluded = np.zeros(len(rows), dtype=np.int64)
        if train is not None:
            seen = train[rows].tocoo()
            scores[seen.row, seen.col] = -np.inf
            excluded = np.bincount(seen.row, minlength=len(rows))
        yield test[rows].toarray() > 0, scores, excluded


def _top_k(scores: FloatArray, k: int) -> np.ndarray:
    """Columns of the k best scores of each row, best first."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable"), axis=1)


def _hits(model: Ranker, test: sp.csr_matrix, train: sp.csr_matrix | None, k: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(relevance of the top k in rank order, number of relevant movies) per batch."""
    test = _check(test, train)
    for relevant, scores, _ in _batches(model, test, train):
        yield np.take_along_axis(relevant, _top_k(scores, k), axis=1), relevant.sum(axis=1)


def precision_at_k(model: Ranker, test_interactions: sp.csr_matrix, train_interactions: sp.csr_matrix | None = None, k: int = 10) -> FloatArray:
    """float32 [n_test_users]: the share of each user's top k that is in test."""
    parts = [hits.sum(axis=1) / k for hits, _ in _hits(model, test_interactions, train_interactions, k)]
    return np.concatenate(parts or [np.zeros(0)]).astype(np.float32)


def recall_at_k(model: Ranker, test_interactions: sp.csr_matrix, train_interactions: sp.csr_matrix | None = None, k: int = 10) -> FloatArray:
    """float32 [n_test_users]: the share of each user's test movies found in their top k."""
    parts = [hits.sum(axis=1) / n for hits, n in _hits(model, test_interactions, train_interactions, k)]
    return np.concatenate(parts or [np.zeros(0)]).astype(np.float32)


def ndcg_at_k(model: Ranker, test_interactions: sp.csr_matrix, train_interactions: sp.csr_matrix | None = None, k: int = 10) -> FloatArray:
    """float32 [n_test_users]: binary-relevance NDCG of each user's top k."""
    discounts = 1 / np.log2(np.arange(2, k + 2))
    parts = []
    for hits, n in _hits(model, test_interactions, train_interactions, k):
        ideal = np.cumsum(discounts)[np.minimum(n, k) - 1]
        parts.append((hits * discounts[: hits.shape[1]]).sum(axis=1) / ideal)
    return np.concatenate(parts or [np.zeros(0)]).astype(np.float32)


def auc_score(model: Ranker, test_interactions: sp.csr_matrix, train_interactions: sp.csr_matrix | None = None, k: int = 10) -> FloatArray:
    """float32 [n_test_users]: the chance a test movie outscores a movie neither in test nor train
    (ties count half; 0.5 for a user with no such movie). `k` is unused, kept for the shared signature."""
    test = _check(test_interactions, train_interactions)
    parts = []
    for relevant, scores, excluded in _batches(model, test, train_interactions):
        # Excluded movies sit at -inf, below every candidate, so a candidate's rank among the
        # candidates is its overall rank minus the number excluded.
        ranks = rankdata(scores, axis=1) - excluded[:, None]
        positives = relevant.sum(axis=1)
        negatives = scores.shape[1] - excluded - positives
        wins = (ranks * relevant).sum(axis=1) - positives * (positives + 1) / 2
        parts.append(np.divide(wins, positives * negatives, out=np.full(len(wins), 0.5), where=negatives > 0))
    return np.concatenate(parts or [np.zeros(0)]).astype(np.float32)


def rating_errors(model: RatingPredictor, test_ratings: sp.csr_matrix, train_ratings: sp.csr_matrix | None = None) -> FloatArray:
    """float32 [nnz]: predicted minus actual rating for each test rating, in csr order.

    Accuracy is per rating, not per user: RMSE is `sqrt(mean(e ** 2))`, MAE `mean(abs(e))`.
    """
    test = _check(test_ratings, train_ratings).tocoo()
    predicted = model.predict(test.row.astype(np.int64), test.col.astype(np.int64))
    errors: FloatArray = (predicted - test.data).astype(np.float32)
    return errors
