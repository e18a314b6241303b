"""A trained hybrid model in memory: what an artifact holds, scored by row number.

Ranking uses LightFM's own score, user . item + item bias; user biases are left out because they
cannot change a user's ranking. Both operands are stored with the bias folded in ([vector, bias]
against [vector, 1]) so a user's scores over every movie are a single matrix-vector product.
With an item-item part (`neighbours`, sparse top-k, `ml.item_item`) the ranking is the blend of
the two, each standardised per user: z(LightFM) + blend_weight * z(x_u @ W), where x_u is the
movies the user rated. That part needs no per-user state, so a new rating moves it at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ml.ids import IdIndex
from ml.item_item import BlendedRanker, Neighbours, blend
from ml.rating_head import RatingHead, unit_rows
from ml.types import FloatArray, IdArray, IndexArray

FORMAT_VERSION = 2  # of the artifact on disk; bump it when the arrays or the manifest change meaning


@dataclass
class Model:
    """Rows follow `movie_ids` / `user_ids`. item_vectors float32 [n_movies, dim], item_biases
    [n_movies], user_vectors [n_users, dim], popularity [n_movies] (training ratings per movie);
    neighbours the item-item part, blended at `blend_weight` (0, or no neighbours: LightFM alone)."""

    movie_ids: IdArray
    user_ids: IdArray
    item_vectors: FloatArray
    item_biases: FloatArray
    user_vectors: FloatArray
    popularity: FloatArray
    head: RatingHead
    manifest: dict[str, Any]
    neighbours: Neighbours | None = None
    blend_weight: float = 0.0
    movies: IdIndex = field(init=False, repr=False)
    users: IdIndex = field(init=False, repr=False)
    unit_vectors: FloatArray = field(init=False, repr=False)  # for the rating head and `similar`
    ranking_items: FloatArray = field(init=False, repr=False)  # [n_movies, dim + 1]
    ranking_users: FloatArray = field(init=False, repr=False)  # [n_users, dim + 1]

    def __post_init__(self) -> None:
        self.movies, self.users = IdIndex(self.movie_ids), IdIndex(self.user_ids)
        self.unit_vectors = unit_rows(self.item_vectors)
        self.ranking_items = np.ascontiguousarray(np.hstack([self.item_vectors, self.item_biases[:, None]]), dtype=np.float32)
        ones = np.ones((len(self.user_ids), 1), dtype=np.float32)
        self.ranking_users = np.ascontiguousarray(np.hstack([self.user_vectors, ones]), dtype=np.float32)
        if self.neighbours is None:
            self.neighbours = Neighbours.empty(len(self.movie_ids))

    @property
    def blends(self) -> bool:
        """Whether rankings add the item-item part."""
        return self.blend_weight > 0 and self.neighbours is not None and len(self.neighbours) > 0

    @property
    def dim(self) -> int:
        return int(self.item_vectors.shape[1])

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        """float32 [len(user_rows), n_movies]: LightFM scores of every movie for each user."""
        return self.ranking_users[user_rows] @ self.ranking_items.T

    def blended(self, base: FloatArray, rated_rows: IndexArray) -> FloatArray:
        """float32 [n_movies]: one user's `base` ranking scores blended with the item-item part of
        the movies they rated (`rated_rows`); `base` itself when the model does not blend."""
        if not self.blends or not len(rated_rows):
            return base
        assert self.neighbours is not None
        return blend(base, self.neighbours.scores(rated_rows), self.blend_weight)

    def ranker(self, history: sp.csr_matrix) -> BlendedRanker:
        """The served ranking for users whose rated movies are the rows of `history`, binary
        [n_users, n_movies] (the training interactions): what `evaluate` measures."""
        assert self.neighbours is not None
        return BlendedRanker(self, sp.csr_matrix(history), self.neighbours.matrix(), self.blend_weight if self.blends else 0.0)

    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        """float32 ratings (1..5) of the aligned (user, movie) row pairs, from the rating head."""
        return self.head.predict(self.unit_vectors, user_rows, item_rows)

