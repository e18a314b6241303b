"""Training sets: the catalogue's ratings, and MovieLens 100K read raw with its official splits.

ml-100k is read from its own files, not from a catalogue ingested from it, because the official
splits name every rating while an ingest keeps only the ratings of items linked to a catalogue
movie. Linked items take the catalogue's content tokens, the others the genres and year of u.item.
Items are linked to the catalogue by the ingest's own linker (`data.ml100k_links`), with
ml-latest-small beside the ml-100k directory as its bridge when it is there, so training and a
catalogue ingested from ml-100k agree on every link.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.errors import TrainingError
from data.ml100k_links import find_bridge, link_items
from data.readers import movielens_100k as ml100k
from data.readers._common import FileReport
from ml import catalogue
from ml.features import FeatureParams, decade_token, demographic_tokens, genre_token
from ml.interactions import Ratings
from ml.training import TrainingSet
from ml.types import IdArray


def from_catalogue(db_path: Path, params: FeatureParams) -> TrainingSet:
    """Every catalogue movie and user, with the catalogue's ratings."""
    with catalogue.connect(db_path) as conn:
        conn.execute("BEGIN")  # one snapshot for every read below, while the server may be writing
        # Users stamped later than this changed after the snapshot: the server re-solves them.
        as_of = catalogue.ratings_as_of(conn)
        ratings = catalogue.ratings(conn)
        if not len(ratings):
            raise TrainingError(f"{db_path} has no ratings to train on; ingest a ratings source (`moviegraph ingest --ratings ...`)")
        movie_ids = catalogue.movie_ids(conn)
        user_ids, user_tokens = catalogue.users(conn)
        tokens = catalogue.movie_tokens(conn, movie_ids, params.top_cast)
        return TrainingSet(ratings, movie_ids, tokens, user_ids, user_tokens, ratings_as_of=as_of)


@dataclass(frozen=True)
class MovieLens100k:
    """ml-100k's items (with content tokens) and users (with demographics); ratings read per file."""

    location: Path
    item_ids: IdArray
    item_tokens: list[list[str]]
    user_ids: IdArray
    user_tokens: list[list[str]]
    linked_items: int

    @classmethod
    def read(cls, location: Path, params: FeatureParams, db_path: Path | None = None) -> MovieLens100k:
        """Reads u.item and u.user; with a catalogue, linked items take its tokens."""
        items = list(ml100k.read_items(location, FileReport("u.item")))
        users = list(ml100k.read_users(location, FileReport("u.user")))
        tokens = [_item_tokens(item) for item in items]
        linked = 0
        if db_path is not None:
            with catalogue.connect(db_path) as conn:
                to_movie = link_items(conn, items, find_bridge([location.parent])).to_movie
                links = {i: to_movie[item.id] for i, item in enumerate(items) if item.id in to_movie}
                movie_ids = np.array(list(links.values()), dtype=np.int64)
                for i, movie_tokens in zip(links, catalogue.movie_tokens(conn, movie_ids, params.top_cast), strict=True):
                    tokens[i] = movie_tokens
                linked = len(links)
        return cls(
            location,
            np.array([item.id for item in items], dtype=np.int64),
            tokens,
            np.array([user.id for user in users], dtype=np.int64),
            [demographic_tokens(user.age, user.gender, user.occupation) for user in users],
            linked,
        )

    def ratings(self, name: str) -> Ratings:
        """The ratings of u.data or of an official split file ("u1.base", "ua.test", ...)."""
        rows = [(user, item, rating) for user, item, rating, _ in ml100k.read_ratings(self.location, FileReport(name), name=name)]
        return Ratings.from_rows(rows)

    def training_set(self, ratings: Ratings) -> TrainingSet:
        return TrainingSet(ratings, self.item_ids, self.item_tokens, self.user_ids, self.user_tokens)


def _item_tokens(item: ml100k.Item) -> list[str]:
    tokens = [token for genre in item.genres if (token := genre_token(genre)) is not None]
    if item.year is not None:
        tokens.append(decade_token(item.year))
    return tokens
