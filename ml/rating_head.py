"""The rating head: calibrated star ratings on top of LightFM's item vectors.

r(u, i) = mu + b_u + b_i + w_u . v_i, with v_i the unit-length LightFM item vector, mu the mean
training rating and b_i ridge-shrunk item biases. A user's (b_u, w_u) is one ridge regression of
their residuals r - mu - b_i on the design [1, v_i]: that solve is the fold-in, so a user whose
ratings changed is re-solved without retraining. Training alternates the item biases and the
per-user solves for `rounds` rounds, ending with the users so training and fold-in agree.
LightFM's WARP scores rank but are not ratings; this head is what makes predictions stars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.domain import RATING_MAX, RATING_MIN
from ml.types import FloatArray, IndexArray

FOLD_IN_BIAS_WEIGHT = 0.1  # of the item bias in a folded-in user's ranking; see RatingHead.affinity


@dataclass(frozen=True)
class HeadParams:
    user_bias_reg: float = 5.0
    item_bias_reg: float = 5.0
    ridge: float = 3.0  # penalty on w_u
    rounds: int = 3


@dataclass(frozen=True)
class UserParams:
    """A user's part of the head: the bias b_u and float32 weights w_u of shape [dim]."""

    bias: float
    weights: FloatArray


@dataclass(frozen=True)
class RatingHead:
    """mu, float32 item_bias [n_items], user_bias [n_users] and user_weights [n_users, dim]."""

    mu: float
    item_bias: FloatArray
    user_bias: FloatArray
    user_weights: FloatArray
    params: HeadParams

    def predict(self, unit_vectors: FloatArray, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        """float32 ratings of the aligned (user, item) pairs, clipped to 1..5."""
        dots = np.einsum("ij,ij->i", self.user_weights[user_rows], unit_vectors[item_rows])
        raw = self.mu + self.user_bias[user_rows] + self.item_bias[item_rows] + dots
        ratings: FloatArray = np.clip(raw, RATING_MIN, RATING_MAX).astype(np.float32)
        return ratings

    def user(self, row: int | None) -> UserParams:
        """The params of the user at `row`; None (an unknown user) gets zeros, the bias baseline."""
        if row is None:
            return UserParams(0.0, np.zeros(self.user_weights.shape[1], dtype=np.float32))
        return UserParams(float(self.user_bias[row]), self.user_weights[row])

    def predict_user(self, user: UserParams, unit_vectors: FloatArray, item_rows: IndexArray) -> FloatArray:
        """float32 ratings of `item_rows` for one user, clipped to 1..5."""
        raw = self.mu + user.bias + self.item_bias[item_rows] + unit_vectors[item_rows] @ user.weights
        return np.clip(raw, RATING_MIN, RATING_MAX).astype(np.float32)

    def affinity(self, user: UserParams, unit_vectors: FloatArray) -> FloatArray:
        """float32 [n_items] ranking scores for a folded-in user: the personal term w_u . v_i plus
        a damped item bias. With the bias at full weight the top is the best-rated movies for
        everyone (5 Pixar films rated 5 stars gave 1 animated film in the top 10); without it,
        obscure movies close in vector space win; at FOLD_IN_BIAS_WEIGHT 9 of 10 were animated,
        all well known (ratings_small catalogue)."""
        scores: FloatArray = unit_vectors @ user.weights + np.float32(FOLD_IN_BIAS_WEIGHT) * self.item_bias
        return scores

    def fold_in(self, unit_vectors: FloatArray, item_rows: IndexArray, values: FloatArray) -> UserParams:
        """The (b_u, w_u) of a user who rated `item_rows` with `values`; the solve training ran."""
        residuals = np.asarray(values, dtype=np.float64) - self.mu - self.item_bias[item_rows]
        bias, weights = _solve_user(unit_vectors[item_rows], residuals, self.params)
        return UserParams(float(bias), weights.astype(np.float32))


def unit_rows(vectors: FloatArray) -> FloatArray:
    """float32 rows scaled to length 1; a zero row (a movie with no features) stays zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0), dtype=np.float32)


def fit_biases(
    user_rows: IndexArray, item_rows: IndexArray, values: FloatArray, n_users: int, n_items: int, params: HeadParams,
    iterations: int = 10,
) -> tuple[float, FloatArray, FloatArray]:
    """(mu, user biases, item biases) of the bias baseline r = mu + b_u + b_i, by alternating ridge."""
    values64 = values.astype(np.float64)
    mu = float(values64.mean())
    user_bias, item_bias = np.zeros(n_users), np.zeros(n_items)
    user_counts = np.bincount(user_rows, minlength=n_users)
    item_counts = np.bincount(item_rows, minlength=n_items)
    for _ in range(iterations):
        item_bias = np.bincount(item_rows, values64 - mu - user_bias[user_rows], n_items) / (item_counts + params.item_bias_reg)
        user_bias = np.bincount(user_rows, values64 - mu - item_bias[item_rows], n_users) / (user_counts + params.user_bias_reg)
    return mu, user_bias.astype(np.float32), item_bias.astype(np.float32)


def fit_head(
    user_rows: IndexArray, item_rows: IndexArray, values: FloatArray, unit_vectors: FloatArray, n_users: int,
    params: HeadParams,
) -> RatingHead:
    """The head fitted to the aligned training ratings; `unit_vectors` is float32 [n_items, dim]."""
    n_items, dim = unit_vectors.shape
    mu, _, initial_item_bias = fit_biases(user_rows, item_rows, values, n_users, n_items, params)
    item_bias = initial_item_bias.astype(np.float64)
    values64 = values.astype(np.float64)
    item_counts = np.bincount(item_rows, minlength=n_items)
    user_bias, weights = np.zeros(n_users), np.zeros((n_users, dim))
    order = np.argsort(user_rows, kind="stable")
    bounds = np.searchsorted(user_rows[order], np.arange(n_users + 1))
    for round_ in range(params.rounds):
        if round_:
            offsets = user_bias[user_rows] + _row_dots(weights, user_rows, unit_vectors, item_rows)
            item_bias = np.bincount(item_rows, values64 - mu - offsets, n_items) / (item_counts + params.item_bias_reg)
        residuals = values64 - mu - item_bias[item_rows]
        for user in range(n_users):
            rated = order[bounds[user] : bounds[user + 1]]
            if len(rated):
                user_bias[user], weights[user] = _solve_user(unit_vectors[item_rows[rated]], residuals[rated], params)
    return RatingHead(
        mu, item_bias.astype(np.float32), user_bias.astype(np.float32), weights.astype(np.float32), params
    )


_DOT_ROWS = 500_000


def _row_dots(left: np.ndarray, left_rows: IndexArray, right: FloatArray, right_rows: IndexArray) -> np.ndarray:
    """float64 [n]: left[left_rows[i]] . right[right_rows[i]], in slices, so memory stays at
    _DOT_ROWS x dim (26M ratings x 64 dims at once would take 13 GB)."""
    out = np.empty(len(left_rows))
    for start in range(0, len(left_rows), _DOT_ROWS):
        part = slice(start, start + _DOT_ROWS)
        out[part] = np.einsum("ij,ij->i", left[left_rows[part]], right[right_rows[part]])
    return out


def _solve_user(vectors: FloatArray, residuals: np.ndarray, params: HeadParams) -> tuple[float, np.ndarray]:
    """Ridge regression of residuals on [1, v]: the bias is penalised by user_bias_reg, w by ridge."""
    design = np.hstack([np.ones((len(vectors), 1)), vectors.astype(np.float64)])
    penalty = np.full(design.shape[1], params.ridge)
    penalty[0] = params.user_bias_reg
    solution = np.linalg.solve(design.T @ design + np.diag(penalty), design.T @ residuals)
    return float(solution[0]), solution[1:]
