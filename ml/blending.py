"""The item-item part of a model and its blend weight, chosen on the validation split training holds out.

Training already holds out a share of each user's ratings for early stopping. The LightFM of its
best epoch, an item-item part fitted on the rest (EASE's lambda or the kNN's k from a grid) and a
blend weight (0 keeps LightFM alone) are tried together on that held-out share by precision@k,
and the best triple wins: the test split of an evaluation is never looked at. The item-item part
is then refitted on all the ratings with the chosen setting. At most `max_users` users score
each candidate, so the choice costs the same at 270k users as at 671.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from data.errors import TrainingError
from ml import item_item
from ml.evaluation import Ranker, precision_at_k

KINDS = ("ease", "knn", "none")


@dataclass(frozen=True)
class BlendParams:
    kind: str = "ease"  # "ease", "knn" (cosine) or "none"; EASE falls back to the kNN past EASE_MAX_MOVIES rated movies
    neighbours: int = 100  # weights kept per movie: the artifact holds n_movies x this many
    ease_lambdas: tuple[float, ...] = (250.0, 500.0, 1000.0)
    knn_sizes: tuple[int, ...] = (50, 100)  # cosine neighbours per movie, each at most `neighbours`
    weights: tuple[float, ...] = (0.0, 0.25, 0.4, 0.6, 1.0)
    max_users: int = 5_000

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TrainingError(f"the item-item kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.neighbours < 1 or self.max_users < 1 or not self.weights or min(self.weights) < 0:
            raise TrainingError("neighbours and max_users must be at least 1, and the blend weights a non-empty set of non-negative numbers")


@dataclass(frozen=True)
class BlendChoice:
    kind: str  # what was fitted: "ease", "knn" or "none"
    setting: float  # EASE's lambda or the kNN's size
    weight: float
    validation: dict[str, float]  # "setting x weight" -> held-out precision@k
    fitted: item_item.Neighbours  # the chosen part as fitted on the choice's interactions (empty at weight 0)

    def fit(self, interactions: sp.csr_matrix, params: BlendParams) -> item_item.Neighbours:
        """The chosen part fitted on `interactions` (binary [n_users, n_movies]); empty at weight 0."""
        if not self.weight or self.kind == "none":
            return item_item.Neighbours.empty(interactions.shape[1])
        return item_item.Neighbours.from_matrix(_fit(self.kind, interactions, self.setting, params.neighbours))


def _kind(params: BlendParams, interactions: sp.csr_matrix) -> str:
    rated = int((np.diff(sp.csc_matrix(interactions).indptr) > 0).sum())
    return "knn" if params.kind == "ease" and rated > item_item.EASE_MAX_MOVIES else params.kind


def _fit(kind: str, interactions: sp.csr_matrix, setting: float, neighbours: int) -> sp.csr_matrix:
    if kind == "ease":
        return item_item.ease(interactions, setting, neighbours)
    return item_item.cosine_knn(interactions, min(int(setting), neighbours))


def _candidates(kind: str, interactions: sp.csr_matrix, params: BlendParams) -> Iterator[tuple[float, sp.csr_matrix]]:
    """(setting, weights) for each setting of the grid. The kNN is built once, at the largest size
    the artifact keeps, and cut for the smaller ones: each build reads every user's co-ratings
    (43 s at 10M ratings)."""
    if kind == "ease":
        for regularisation in params.ease_lambdas:
            yield regularisation, item_item.ease(interactions, regularisation, params.neighbours)
        return
    sizes = sorted({min(size, params.neighbours) for size in params.knn_sizes})
    largest = item_item.cosine_knn(interactions, sizes[-1])
    for size in sizes:
        yield float(size), item_item.strongest(largest, size) if size < sizes[-1] else largest


def choose(base: Ranker, fit_matrix: sp.csr_matrix, held_matrix: sp.csr_matrix, params: BlendParams, k: int, seed: int) -> BlendChoice:
    """The best (setting, weight) for `base` (LightFM fitted on `fit_matrix`) on `held_matrix`."""
    kind = _kind(params, fit_matrix)
    if kind == "none":
        return BlendChoice("none", 0.0, 0.0, {}, item_item.Neighbours.empty(fit_matrix.shape[1]))
    users = np.flatnonzero(np.diff(held_matrix.indptr))
    if len(users) > params.max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, params.max_users, replace=False))
    keep = sp.diags(np.isin(np.arange(held_matrix.shape[0]), users).astype(np.float32))
    held = sp.csr_matrix(keep @ held_matrix)
    validation: dict[str, float] = {}
    best = (-1.0, 0.0, 0.0)
    fitted = item_item.Neighbours.empty(fit_matrix.shape[1])
    for setting, weights in _candidates(kind, fit_matrix, params):
        for weight in params.weights:
            ranker = item_item.BlendedRanker(base, fit_matrix, weights, weight)
            score = float(precision_at_k(ranker, held, fit_matrix, k=k).mean())
            validation[f"{setting:g} x {weight:g}"] = round(score, 4)
            if score > best[0]:
                best = (score, setting, weight)
                fitted = item_item.Neighbours.from_matrix(weights) if weight else item_item.Neighbours.empty(fit_matrix.shape[1])
    return BlendChoice(kind, best[1], best[2], validation, fitted)
