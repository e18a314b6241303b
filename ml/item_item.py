"""Item-item models over binary interactions, kept as sparse top-k neighbours: EASE and cosine item-kNN.

Both score a user as the sum of the rows of the movies they rated, s_u = x_u @ W, with W float32
[n_movies, n_movies] holding at most `k` weights per target movie (column): a request gathers a
few hundred rows and never touches a dense n x n matrix. EASE (Steck 2019, "Embarrassingly
Shallow Autoencoders") solves W in closed form, B = I - P / diag(P) with P = (X'X + lambda I)^-1,
one dense solve over the rated movies, so it is fitted only up to `EASE_MAX_MOVIES` of them; past
that the cosine kNN, built block by block from the sparse X'X, takes its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ml.evaluation import Ranker
from ml.types import FloatArray, IndexArray

EASE_MAX_MOVIES = 10_000  # rated movies: the float32 solve holds about 3 x n^2 x 4 bytes (1.2 GB here)
_BLOCK_CELLS = 2**24  # float32 cells of one dense block of similarities (64 MB)


@dataclass(frozen=True)
class Neighbours:
    """csr rows of W: int64 indptr [n_movies + 1], int32 targets [nnz] and float32 weights [nnz]."""

    indptr: IndexArray
    targets: np.ndarray
    weights: FloatArray

    @classmethod
    def empty(cls, n_movies: int) -> Neighbours:
        return cls(np.zeros(n_movies + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))

    @classmethod
    def from_matrix(cls, matrix: sp.csr_matrix) -> Neighbours:
        csr = sp.csr_matrix(matrix).astype(np.float32)
        csr.eliminate_zeros()
        return cls(csr.indptr.astype(np.int64), csr.indices.astype(np.int32), csr.data.astype(np.float32))

    @property
    def n_movies(self) -> int:
        return len(self.indptr) - 1

    def __len__(self) -> int:
        return len(self.weights)

    def matrix(self) -> sp.csr_matrix:
        """float32 csr_matrix [n_movies, n_movies]."""
        return sp.csr_matrix((self.weights, self.targets, self.indptr), shape=(self.n_movies, self.n_movies))

    def scores(self, rated_rows: IndexArray) -> FloatArray:
        """float32 [n_movies]: the summed rows of `rated_rows` (one user's), by one bincount."""
        starts, lengths = self.indptr[rated_rows], np.diff(self.indptr)[rated_rows]
        if not lengths.sum():
            return np.zeros(self.n_movies, dtype=np.float32)
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        summed = np.bincount(self.targets[offsets], weights=self.weights[offsets], minlength=self.n_movies)
        return summed.astype(np.float32)


def _top_k_per_column(block: FloatArray, k: int) -> sp.coo_matrix:
    """The k largest positive entries of each column of a dense block, as a sparse matrix."""
    k = min(k, block.shape[0])
    rows = np.argpartition(-block, k - 1, axis=0)[:k]
    cols = np.broadcast_to(np.arange(block.shape[1]), rows.shape)
    values = block[rows, cols]
    keep = values > 0
    return sp.coo_matrix((values[keep], (rows[keep], cols[keep])), shape=block.shape)


def ease(interactions: sp.csr_matrix, regularisation: float, k: int | None = None) -> sp.csr_matrix:
    """float32 csr [n_movies, n_movies]: EASE's B over the rated movies (zero elsewhere), at most
    `k` weights per column when `k` is given. `interactions` is binary [n_users, n_movies]."""
    n = interactions.shape[1]
    rated = np.flatnonzero(np.diff(sp.csc_matrix(interactions).indptr))
    if len(rated) > EASE_MAX_MOVIES:
        raise ValueError(f"EASE solves over at most {EASE_MAX_MOVIES:,} rated movies, not {len(rated):,}; use the kNN")
    x = sp.csr_matrix(interactions[:, rated], dtype=np.float32)
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += regularisation
    inverse = np.linalg.inv(gram)
    weights = -inverse / np.diag(inverse)
    weights[np.diag_indices_from(weights)] = 0
    part = _top_k_per_column(weights, k) if k is not None else sp.coo_matrix(weights)
    full = sp.coo_matrix((part.data, (rated[part.row], rated[part.col])), shape=(n, n))
    return sp.csr_matrix(full, dtype=np.float32)


def cosine_knn(interactions: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """float32 csr [n_movies, n_movies]: each movie's k most cosine-similar movies (by who rated
    both) in its column, itself excluded; built a block of columns at a time."""
    x = sp.csc_matrix(interactions, dtype=np.float32)
    counts = np.diff(x.indptr).astype(np.float32)
    x = sp.csc_matrix(x @ sp.diags(np.divide(1.0, np.sqrt(counts), out=np.zeros_like(counts), where=counts > 0)))
    transposed = sp.csr_matrix(x.T)
    n = x.shape[1]
    width = max(1, _BLOCK_CELLS // max(n, 1))
    rows, cols, values = [], [], []
    for start in range(0, n, width):
        stop = min(start + width, n)
        block = (transposed @ x[:, start:stop]).toarray()
        block[np.arange(start, stop), np.arange(stop - start)] = 0
        part = _top_k_per_column(block, k)
        rows.append(part.row)
        cols.append(part.col + start)
        values.append(part.data)
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float32)


def strongest(weights: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """float32 csr: the k largest weights of each column of `weights`, so one `cosine_knn` at the
    largest k of a grid serves every smaller k (ties may keep other movies of the same weight)."""
    coo = sp.coo_matrix(weights)
    order = np.lexsort((-coo.data, coo.col))
    columns = coo.col[order]
    keep = order[np.arange(len(order)) - np.searchsorted(columns, columns) < k]
    return sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=weights.shape, dtype=np.float32)


def standardised(scores: FloatArray) -> FloatArray:
    """float32 rows scaled to mean 0 and standard deviation 1 (a constant row becomes 0), so two
    scorers of different units can be summed with one weight. Shape [n] or [n_users, n]."""
    centred = scores - scores.mean(axis=-1, keepdims=True)
    spread = centred.std(axis=-1, keepdims=True)
    result: FloatArray = np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0).astype(np.float32)
    return result


def blend(base: FloatArray, item_item: FloatArray, weight: float) -> FloatArray:
    """float32: standardised `base` plus `weight` times standardised `item_item`, row by row."""
    return standardised(base) + np.float32(weight) * standardised(item_item)


@dataclass(frozen=True)
class BlendedRanker:
    """`base` blended with x_u @ `weights` at `weight` (0: `base` alone), x_u the rows of
    `history` (binary [n_users, n_movies]): the ranking of a blended model, for a batch of users."""

    base: Ranker
    history: sp.csr_matrix
    weights: sp.csr_matrix
    weight: float

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        base = self.base.ranking_scores(user_rows)
        if not self.weight:
            return base
        item_item = (self.history[user_rows] @ self.weights).toarray().astype(np.float32)
        return blend(base, item_item, self.weight)
