"""What ml/ reads from the SQLite catalogue itself: movie ids, ratings, users and content tokens.

Training reads all of them; the server reads the movie ids each time it loads a model (the
startup load and every swap, `ml/model_holder.py`, off the event loop) to check the artifact fits
the catalogue. Both run outside a request, so this uses the stdlib sqlite3 driver, read-only;
requests read the catalogue through `loaders/`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from data.catalogue_file import read_uri
from data.tables import RATING_CHANGES_PRESENT
from ml.features import decade_token, demographic_tokens, genre_token
from ml.interactions import Ratings
from ml.types import IdArray

# (query, token prefix): each query yields (movie id, token value) pairs.
_TOKEN_QUERIES = (
    ("SELECT mg.movie_id, g.name FROM moviegenre mg JOIN genre g ON g.id = mg.genre_id", None),
    ("SELECT movie_id, person_id FROM crew WHERE job = 'Director'", "director"),
    ('SELECT movie_id, person_id FROM "cast" WHERE "order" < :top_cast', "cast"),
    ("SELECT movie_id, company_id FROM moviecompany", "company"),
    ("SELECT id, collection_id FROM movie WHERE collection_id IS NOT NULL", "collection"),
    ("SELECT id, original_language FROM movie WHERE original_language IS NOT NULL", "language"),
    ("SELECT movie_id, keyword_id FROM moviekeyword", "keyword"),
)


@contextlib.contextmanager
def connect(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(read_uri(db_path), uri=True)
    try:
        yield conn
    finally:
        conn.close()


def movie_ids(conn: sqlite3.Connection) -> IdArray:
    """Every catalogue movie id, ascending: the item order of a trained model."""
    return np.array([row[0] for row in conn.execute("SELECT id FROM movie ORDER BY id")], dtype=np.int64)


def ratings_as_of(conn: sqlite3.Connection) -> float:
    """The newest live-rating stamp (`ratingchange.changed_at`) the connection's snapshot holds;
    0 when there is none (or the catalogue predates live ratings)."""
    if conn.execute(RATING_CHANGES_PRESENT).fetchone() is None:
        return 0.0
    return float(conn.execute("SELECT coalesce(max(changed_at), 0) FROM ratingchange").fetchone()[0])


_FETCH = 1_000_000  # rows per fetch: 26M ratings as Python tuples at once would take ~4 GB


def ratings(conn: sqlite3.Connection) -> Ratings:
    cursor = conn.execute("SELECT user_id, movie_id, rating FROM rating")
    parts = []
    while rows := cursor.fetchmany(_FETCH):
        parts.append(Ratings.from_rows(rows))
    return Ratings.concatenate(parts)


def users(conn: sqlite3.Connection) -> tuple[IdArray, list[list[str]]]:
    """User ids, ascending, and each user's demographic tokens (none for sources without them)."""
    rows = conn.execute("SELECT id, age, gender, occupation FROM user ORDER BY id").fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64), [demographic_tokens(r[1], r[2], r[3]) for r in rows]


def movie_tokens(conn: sqlite3.Connection, ids: IdArray, top_cast: int) -> list[list[str]]:
    """Content tokens of each movie in `ids`: genres, directors, top-billed cast, companies,
    collection, original language, release decade and keywords."""
    tokens: dict[int, list[str]] = defaultdict(list)
    for query, prefix in _TOKEN_QUERIES:
        for movie_id, value in conn.execute(query, {"top_cast": top_cast}):
            token = genre_token(value) if prefix is None else f"{prefix}:{value}"
            if token is not None:
                tokens[movie_id].append(token)
    for movie_id, year in conn.execute("SELECT id, year FROM movie WHERE year IS NOT NULL"):
        tokens[movie_id].append(decade_token(year))
    return [tokens.get(int(movie_id), []) for movie_id in ids]


def ml100k_links(conn: sqlite3.Connection) -> dict[int, int]:
    """ml-100k item id -> catalogue movie id, as the ingest stored them (none unless built from ml-100k)."""
    return dict(conn.execute("SELECT ml100k_id, movie_id FROM ml100klink").fetchall())
