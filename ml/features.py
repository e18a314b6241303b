"""LightFM feature matrices: an identity feature per rated movie (and per user) plus shared tokens.

A token is a string such as "genre:Drama", "director:138" or "age:20s". A row weighs its identity
1 and its tokens together `content_weight` (users: `demographic_weight`), then sums to 1. A total
shared by the tokens, not a weight each, because the count varies (a movie with credits and
keywords has thirty tokens, a u.item one three) and tokens that outweigh the identity swamp it:
with weight 1 each, ml-100k rating RMSE rose from 0.897 to 0.916 in the runs behind the defaults.
A movie without ratings still gets a full vector: its row holds only tokens, normalised the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ml.types import BoolArray

KEYWORD = "keyword:"
# MovieLens genre names -> TMDB's, so u.item movies and catalogue movies share genre features.
_TMDB_GENRES = {"Children's": "Family", "Children": "Family", "Sci-Fi": "Science Fiction", "Musical": "Music"}
_NO_GENRE = {"unknown", "(no genres listed)"}


@dataclass(frozen=True)
class FeatureParams:
    content_weight: float = 0.8  # 0 turns content features off: pure collaborative filtering
    demographic_weight: float = 0.15
    top_cast: int = 5  # billing positions 0..top_cast-1 count as cast features
    keyword_vocabulary: int = 2000  # most frequent keywords kept
    min_movies: int = 2  # a token describing fewer rows than this cannot generalise; dropped


@dataclass(frozen=True)
class Features:
    """float32 csr_matrix [n_rows, n_identities + len(vocabulary)]: identity columns, then tokens."""

    matrix: sp.csr_matrix
    vocabulary: list[str]


def genre_token(name: str) -> str | None:
    return None if name in _NO_GENRE else f"genre:{_TMDB_GENRES.get(name, name)}"


def decade_token(year: int) -> str:
    return f"decade:{year // 10 * 10}"


def demographic_tokens(age: int | None, gender: str | None, occupation: str | None) -> list[str]:
    tokens = [f"gender:{gender}"] if gender else []
    if age is not None:
        tokens.append(f"age:{min(age // 10 * 10, 60)}s")
    if occupation:
        tokens.append(f"occupation:{occupation}")
    return tokens


def vocabulary(tokens: Sequence[Sequence[str]], params: FeatureParams) -> list[str]:
    """Tokens on at least `min_movies` rows, keywords capped to the `keyword_vocabulary` most frequent."""
    counts = Counter(token for row in tokens for token in set(row))
    kept = [token for token, n in counts.items() if n >= params.min_movies]
    keywords = sorted((t for t in kept if t.startswith(KEYWORD)), key=lambda t: (-counts[t], t))
    return sorted(t for t in kept if not t.startswith(KEYWORD)) + keywords[: params.keyword_vocabulary]


def feature_matrix(identity: BoolArray, tokens: Sequence[Sequence[str]], token_weight: float, vocab: list[str]) -> Features:
    """Rows follow `tokens`; a row gets an identity column (weight 1) where `identity` is set, and
    its tokens share `token_weight` (0 leaves them out). Non-empty rows sum to 1, empty ones stay zero.
    """
    if len(identity) != len(tokens):
        raise ValueError(f"identity has {len(identity)} rows, tokens {len(tokens)}")
    identity_rows = np.flatnonzero(identity)
    rows, cols, values = [identity_rows], [np.arange(len(identity_rows))], [np.ones(len(identity_rows))]
    if token_weight > 0:
        column = {token: len(identity_rows) + i for i, token in enumerate(vocab)}
        pairs = [(row, column[t]) for row, row_tokens in enumerate(tokens) for t in set(row_tokens) if t in column]
        if pairs:
            token_rows, token_cols = np.array(pairs, dtype=np.int64).T
            rows.append(token_rows)
            cols.append(token_cols)
            values.append(token_weight / np.bincount(token_rows, minlength=len(tokens))[token_rows])
    else:
        vocab = []
    shape = (len(tokens), len(identity_rows) + len(vocab))
    matrix = sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=shape)
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return Features(sp.csr_matrix(sp.diags(scale) @ matrix, dtype=np.float32), vocab)
