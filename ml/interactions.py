"""Ratings as aligned arrays, their sparse matrices over an id order, and the splits evaluation uses.

Splits are seeded and vectorised: each rating draws one random key, and a user's ratings (or a
movie's) are ordered by it, so the same seed always holds out the same ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ml.ids import IdIndex
from ml.types import BoolArray, FloatArray, IdArray, IndexArray


@dataclass(frozen=True)
class Ratings:
    """One rating per (user, movie): int64 `user_ids`, int64 `movie_ids`, float32 `values`, aligned."""

    user_ids: IdArray
    movie_ids: IdArray
    values: FloatArray

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, float]]) -> Ratings:
        """From (user id, movie id, rating) tuples."""
        table = np.array(rows, dtype=np.float64).reshape(-1, 3)
        return cls(table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2].astype(np.float32))

    @classmethod
    def concatenate(cls, parts: list[Ratings]) -> Ratings:
        if not parts:
            return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        return cls(*(np.concatenate([getattr(part, name) for part in parts]) for name in ("user_ids", "movie_ids", "values")))

    def __post_init__(self) -> None:
        if not len(self.user_ids) == len(self.movie_ids) == len(self.values):
            raise ValueError("user_ids, movie_ids and values must have one entry per rating")

    def __len__(self) -> int:
        return len(self.values)

    def where(self, mask: BoolArray) -> Ratings:
        return Ratings(self.user_ids[mask], self.movie_ids[mask], self.values[mask])

    def indices(self, users: IdIndex, movies: IdIndex) -> tuple[IndexArray, IndexArray]:
        """Row numbers of each rating's user and movie; raises ValueError if an id is not indexed."""
        user_rows, movie_rows = users.rows(self.user_ids), movies.rows(self.movie_ids)
        for kind, rows, ids in (("user", user_rows, self.user_ids), ("movie", movie_rows, self.movie_ids)):
            if (rows < 0).any():
                raise ValueError(f"ratings name {kind} ids the index does not hold, e.g. {ids[rows < 0][0]}")
        return user_rows, movie_rows

    def matrix(self, users: IdIndex, movies: IdIndex, *, binary: bool = False) -> sp.csr_matrix:
        """float32 csr_matrix of shape [n_users, n_movies]: the ratings, or 1 per rating if `binary`."""
        user_rows, movie_rows = self.indices(users, movies)
        data = np.ones(len(self), dtype=np.float32) if binary else self.values
        return sp.csr_matrix((data, (user_rows, movie_rows)), shape=(len(users), len(movies)), dtype=np.float32)


def _rank_within(groups: IdArray, seed: int) -> tuple[IndexArray, IndexArray]:
    """A random order within each group: (0-based position of each element, size of its group)."""
    keys = np.random.default_rng(seed).random(len(groups))
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    position, size = np.empty(len(groups), dtype=np.int64), np.empty(len(groups), dtype=np.int64)
    position[order] = np.arange(len(groups)) - np.repeat(starts, sizes)
    size[order] = np.repeat(sizes, sizes)
    return position, size


def split_per_user(ratings: Ratings, test_fraction: float, seed: int) -> tuple[Ratings, Ratings]:
    """(train, test): a random `test_fraction` of each user's ratings (rounded) goes to test.

    A user keeps at least one rating in train, so every test user is known to the model.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), not {test_fraction}")
    position, size = _rank_within(ratings.user_ids, seed)
    held = np.minimum(np.rint(size * test_fraction), size - 1)
    test = position < held
    return ratings.where(~test), ratings.where(test)


def cap_per_user(ratings: Ratings, cap: int | None, seed: int) -> Ratings:
    """At most `cap` of each user's ratings, a seeded random choice (all of them if `cap` is None).

    Every user keeps ratings, so every user still gets a vector; the busiest users, whose thousands
    of ratings would otherwise dominate each epoch of WARP, give way to the rest.
    """
    if cap is None:
        return ratings
    if cap < 1:
        raise ValueError(f"cap must be at least 1, not {cap}")
    position, _ = _rank_within(ratings.user_ids, seed)
    return ratings.where(position < cap)


def split_cold_movies(ratings: Ratings, fraction: float, seed: int) -> tuple[Ratings, Ratings, IdArray]:
    """(train, test, cold movie ids): a random `fraction` of the rated movies, all their ratings in test."""
    movies = np.unique(ratings.movie_ids)
    cold = np.sort(np.random.default_rng(seed).choice(movies, size=round(len(movies) * fraction), replace=False))
    test = np.isin(ratings.movie_ids, cold)
    return ratings.where(~test), ratings.where(test), cold


def holdout(matrix: sp.csr_matrix, fraction: float, seed: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(fit, held) csr matrices of `matrix`'s shape: `split_per_user` on a matrix's entries, the
    validation split tuning carves from a training split."""
    coo = sp.coo_matrix(matrix)
    fit, held = split_per_user(Ratings(coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(np.float32)), fraction, seed)
    users, movies = IdIndex(np.arange(matrix.shape[0])), IdIndex(np.arange(matrix.shape[1]))
    return fit.matrix(users, movies), held.matrix(users, movies)
