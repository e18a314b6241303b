"""A trained hybrid model in memory: what an artifact holds, scored by row number.

Ranking uses LightFM's own score, user . item + item bias; user biases are left out because they
cannot change a user's ranking. Both operands are stored with the bias folded in ([vector, bias]
against [vector, 1]) so a user's scores over every movie are a single matrix-vector product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ml.ids import IdIndex
from ml.rating_head import RatingHead, unit_rows
from ml.types import FloatArray, IdArray, IndexArray

FORMAT_VERSION = 1  # of the artifact on disk; bump it when the arrays or the manifest change meaning


@dataclass
class Model:
    """Rows follow `movie_ids` / `user_ids`. item_vectors float32 [n_movies, dim], item_biases
    [n_movies], user_vectors [n_users, dim], popularity [n_movies] (training ratings per movie)."""

    movie_ids: IdArray
    user_ids: IdArray
    item_vectors: FloatArray
    item_biases: FloatArray
    user_vectors: FloatArray
    popularity: FloatArray
    head: RatingHead
    manifest: dict[str, Any]
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

    @property
    def dim(self) -> int:
        return int(self.item_vectors.shape[1])

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        """float32 [len(user_rows), n_movies]: LightFM scores of every movie for each user."""
        return self.ranking_users[user_rows] @ self.ranking_items.T

    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        """float32 ratings (1..5) of the aligned (user, movie) row pairs, from the rating head."""
        return self.head.predict(self.unit_vectors, user_rows, item_rows)
