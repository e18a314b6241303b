"""rateMovie / deleteRating over GraphQL on a copy of the sample: what is stored (read back with
sqlite3), the errors, and recommendations and predictions following the new ratings at once."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from loaders._common import Database
from loaders.rating_writer import RatingWriter
from loaders.recommendations import select_ratings_changed_since
from ml import artifact, datasets
from ml.features import FeatureParams
from tests.conftest import copy_catalogue
from tests.schema.conftest import post

SHOWN = 0.005 + 1e-4  # GraphQL answers ratings to 2 decimals (data/domain.py); the float32 products differ below 1e-4

RATE = (
    "mutation($user: ID!, $movie: ID!, $rating: Float!) "
    "{ rateMovie(user: $user, movie: $movie, rating: $rating) { user { userId } rating ratedAt movie { tmdbId title } } }"
)
DELETE = "mutation($user: ID!, $movie: ID!) { deleteRating(user: $user, movie: $movie) }"
PREDICT = "query($user: ID!, $items: [ID!]!) { predictedRatings(user: $user, items: $items) { rating movie { tmdbId } } }"
RECOMMEND = (
    "query($user: ID, $likes: [ID!], $first: Int!) "
    "{ recommend(user: $user, likes: $likes, first: $first) { personalized score movie { tmdbId } } }"
)
NEW_USER = "7000001"


@pytest.fixture(scope="module")
def db_path(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the sample catalogue: these tests write to it."""
    return copy_catalogue(sample_db, tmp_path_factory.mktemp("live") / "catalogue.sqlite3")


@pytest.fixture(scope="module")
def client(db_path: Path, sample_model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=db_path, model_dir=sample_model))) as client:
        yield client


def _stored(db_path: Path, user: str) -> dict[int, float]:
    with sqlite3.connect(db_path) as db:
        return dict(db.execute("SELECT movie_id, rating FROM rating WHERE user_id = ?", (int(user),)).fetchall())


def _data(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = post(client, query, variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def _error_code(client: TestClient, query: str, **variables: Any) -> str:
    body = post(client, query, variables)
    assert body["data"] is None, body
    return str(body["errors"][0]["extensions"]["code"])


def _movies(db_path: Path, count: int, offset: int = 0) -> list[int]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT movie_id FROM rating GROUP BY movie_id ORDER BY count(*) DESC LIMIT ? OFFSET ?", (count, offset))
        return [row[0] for row in rows]


def test_rate_movie_is_stored_and_replaces_an_earlier_rating(client: TestClient, db_path: Path) -> None:
    user, movie = "7000002", _movies(db_path, 1)[0]
    answer = _data(client, RATE, user=user, movie=str(movie), rating=3.5)["rateMovie"]
    assert str(answer["user"]["userId"]) == user and answer["rating"] == 3.5 and answer["movie"]["tmdbId"] == movie
    assert answer["movie"]["title"]
    assert _stored(db_path, user) == {movie: 3.5}
    _data(client, RATE, user=user, movie=str(movie), rating=0.5)
    assert _stored(db_path, user) == {movie: 0.5}


@pytest.mark.parametrize("rating", [0.0, 0.25, 5.5, -1.0, 3.3, 1e308])
def test_ratings_off_the_half_star_scale_are_refused(client: TestClient, db_path: Path, rating: float) -> None:
    assert _error_code(client, RATE, user="7000003", movie=str(_movies(db_path, 1)[0]), rating=rating) == "BAD_USER_INPUT"
    assert _stored(db_path, "7000003") == {}


@pytest.mark.parametrize(("user", "movie", "code"), [
    ("7000004", "999999999", "NOT_FOUND"),
    ("abc", "862", "BAD_USER_INPUT"),
    ("7000004", "-5", "BAD_USER_INPUT"),
    ("99999999999999999999999", "862", "BAD_USER_INPUT"),
    ("7000004", "١٢", "BAD_USER_INPUT"),
])
def test_unknown_movies_and_malformed_ids_are_refused(client: TestClient, db_path: Path, user: str, movie: str, code: str) -> None:
    assert _error_code(client, RATE, user=user, movie=movie, rating=4.0) == code
    assert _error_code(client, DELETE, user=user, movie=movie) == code
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM rating WHERE user_id = 7000004").fetchone() == (0,)


def test_delete_rating_says_whether_there_was_one(client: TestClient, db_path: Path) -> None:
    user, movie = "7000005", str(_movies(db_path, 1)[0])
    assert _data(client, DELETE, user=user, movie=movie) == {"deleteRating": False}
    _data(client, RATE, user=user, movie=movie, rating=4.0)
    assert _data(client, DELETE, user=user, movie=movie) == {"deleteRating": True}
    assert _stored(db_path, user) == {}
    assert _data(client, DELETE, user=user, movie=movie) == {"deleteRating": False}


def _expected_ratings(model_dir: Path, ratings: dict[int, float], items: list[int]) -> np.ndarray:
    """The rating head's prediction for a user with `ratings`: the ridge regression of their
    residuals on [1, v], solved here as least squares on rows augmented with the penalties."""
    model = artifact.load(model_dir)
    rated, asked = model.movies.rows(np.array(list(ratings))), model.movies.rows(np.array(items))
    head = model.head
    residuals = np.array(list(ratings.values())) - head.mu - head.item_bias[rated]
    design = np.hstack([np.ones((len(rated), 1)), model.unit_vectors[rated]])
    penalties = np.sqrt([head.params.user_bias_reg] + [head.params.ridge] * model.dim)
    augmented = np.vstack([design, np.diag(penalties)])
    solution = np.linalg.lstsq(augmented, np.concatenate([residuals, np.zeros(len(penalties))]), rcond=None)[0]
    bias, weights = solution[0], solution[1:]
    raw = head.mu + bias + head.item_bias[asked] + model.unit_vectors[asked] @ weights
    clipped: np.ndarray = np.clip(raw, 1, 5)
    return clipped


def test_a_new_users_ratings_count_on_the_next_request(client: TestClient, db_path: Path, sample_model: Path) -> None:
    liked, disliked = _movies(db_path, 3), _movies(db_path, 3, offset=3)
    items = _movies(db_path, 10, offset=20)
    before = _data(client, RECOMMEND, user=NEW_USER, likes=None, first=10)["recommend"]
    assert not any(item["personalized"] for item in before)
    baseline = [p["rating"] for p in _data(client, PREDICT, user=NEW_USER, items=[str(i) for i in items])["predictedRatings"]]
    ratings = {movie: 5.0 for movie in liked} | {movie: 1.0 for movie in disliked}
    for movie, stars in ratings.items():
        _data(client, RATE, user=NEW_USER, movie=str(movie), rating=stars)
    after = [p["rating"] for p in _data(client, PREDICT, user=NEW_USER, items=[str(i) for i in items])["predictedRatings"]]
    assert after != baseline
    np.testing.assert_allclose(after, _expected_ratings(sample_model, ratings, items), atol=SHOWN)
    recommended = _data(client, RECOMMEND, user=NEW_USER, likes=None, first=10)["recommend"]
    assert all(item["personalized"] for item in recommended)
    assert not {int(item["movie"]["tmdbId"]) for item in recommended} & set(ratings)


def test_a_known_users_new_rating_is_folded_in(client: TestClient, db_path: Path, sample_model: Path) -> None:
    with sqlite3.connect(db_path) as db:
        user = db.execute("SELECT user_id FROM rating WHERE user_id < 7000000 GROUP BY user_id ORDER BY count(*) LIMIT 1").fetchone()[0]
    items = _movies(db_path, 5, offset=40)
    rated = _stored(db_path, str(user))
    new_movie = next(m for m in _movies(db_path, 50, offset=50) if m not in rated)
    _data(client, RATE, user=str(user), movie=str(new_movie), rating=5.0)
    after = [p["rating"] for p in _data(client, PREDICT, user=str(user), items=[str(i) for i in items])["predictedRatings"]]
    np.testing.assert_allclose(after, _expected_ratings(sample_model, rated | {new_movie: 5.0}, items), atol=SHOWN)
    _data(client, DELETE, user=str(user), movie=str(new_movie))
    restored = [p["rating"] for p in _data(client, PREDICT, user=str(user), items=[str(i) for i in items])["predictedRatings"]]
    np.testing.assert_allclose(restored, _expected_ratings(sample_model, rated, items), atol=SHOWN)


def test_likes_recommend_for_an_anonymous_visitor(client: TestClient, db_path: Path) -> None:
    liked = [str(movie) for movie in _movies(db_path, 4)]
    items = _data(client, RECOMMEND, user=None, likes=liked, first=10)["recommend"]
    assert len(items) == 10 and all(item["personalized"] for item in items)
    assert not {str(item["movie"]["tmdbId"]) for item in items} & set(liked)
    assert _error_code(client, RECOMMEND, user=None, likes=["999999999"], first=10) == "NOT_FOUND"
    assert _error_code(client, RECOMMEND, user="1", likes=liked, first=10) == "BAD_USER_INPUT"
    assert _error_code(client, RECOMMEND, user=None, likes=None, first=10) == "BAD_USER_INPUT"


def test_training_reads_the_stored_ratings_and_records_its_snapshot(client: TestClient, db_path: Path) -> None:
    user, movie = "7000006", _movies(db_path, 1)[0]
    _data(client, RATE, user=user, movie=str(movie), rating=2.5)
    with sqlite3.connect(db_path) as db:
        (changed_at,) = db.execute("SELECT changed_at FROM ratingchange WHERE user_id = ?", (int(user),)).fetchone()
    training_set = datasets.from_catalogue(db_path, FeatureParams())
    ratings = training_set.ratings
    mine = ratings.user_ids == int(user)
    assert ratings.movie_ids[mine].tolist() == [movie] and ratings.values[mine].tolist() == [2.5]
    # A model trained on this set knows the rating (its snapshot's newest stamp is this one): the
    # user is no longer re-solved at request time.
    assert training_set.ratings_as_of == changed_at


def test_ratings_lists_a_users_ratings_newest_first(client: TestClient, db_path: Path) -> None:
    user, movies = "7000007", _movies(db_path, 3, offset=60)
    for stars, movie in zip([1.5, 4.0, 3.0], movies, strict=True):
        _data(client, RATE, user=user, movie=str(movie), rating=stars)
    query = (
        "query($user: ID!, $after: String) { ratings(user: $user, first: 2, after: $after) "
        "{ totalCount pageInfo { endCursor hasNextPage } edges { node { rating movie { tmdbId } } } } }"
    )
    first = _data(client, query, user=user, after=None)["ratings"]
    second = _data(client, query, user=user, after=first["pageInfo"]["endCursor"])["ratings"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    listed = {int(edge["node"]["movie"]["tmdbId"]): edge["node"]["rating"] for page in (first, second) for edge in page["edges"]}
    assert listed == _stored(db_path, user)


def test_a_user_who_deleted_every_rating_gets_the_unpersonalised_answers(client: TestClient, db_path: Path) -> None:
    user, movie = "7000008", str(_movies(db_path, 1)[0])
    _data(client, RATE, user=user, movie=movie, rating=4.5)
    assert all(item["personalized"] for item in _data(client, RECOMMEND, user=user, likes=None, first=3)["recommend"])
    _data(client, DELETE, user=user, movie=movie)
    unknown = _data(client, RECOMMEND, user="7999999", likes=None, first=3)["recommend"]
    assert _data(client, RECOMMEND, user=user, likes=None, first=3)["recommend"] == unknown
    assert not any(item["personalized"] for item in unknown)
    assert _error_code(client, RECOMMEND, user=None, likes=[], first=3) == "BAD_USER_INPUT"


def test_training_snapshot_stamp_splits_users_it_knows_from_later_ones(db_path: Path) -> None:
    """A model knows the changes up to the newest stamp in its snapshot; later ones are re-solved,
    whatever the clock said when a write started waiting for the lock."""

    async def scenario() -> None:
        writer, reader = await RatingWriter.open(db_path), await Database.open(db_path)
        try:
            movie = _movies(db_path, 1)[0]
            await writer.rate(7000010, movie, 3.0)
            as_of = datasets.from_catalogue(db_path, FeatureParams()).ratings_as_of
            await writer.rate(7000011, movie, 4.0)
            assert await select_ratings_changed_since(reader, 7000010, as_of) is None
            assert await select_ratings_changed_since(reader, 7000011, as_of) == [(movie, 4.0)]
        finally:
            await reader.close()
            await writer.close()

    asyncio.run(scenario())


def test_a_cancelled_write_leaves_the_writer_usable(db_path: Path) -> None:
    async def scenario() -> None:
        writer = await RatingWriter.open(db_path)
        try:
            movie = _movies(db_path, 1)[0]
            for _ in range(20):  # cancel at different points of the transaction
                task = asyncio.create_task(writer.rate(7000012, movie, 2.0))
                await asyncio.sleep(0)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            stored = await writer.rate(7000012, movie, 3.5)
            assert stored.rating == 3.5
        finally:
            await writer.close()

    asyncio.run(scenario())
    assert _stored(db_path, "7000012") == {_movies(db_path, 1)[0]: 3.5}


def test_stamps_follow_commit_order_when_the_clock_steps_back(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        writer = await RatingWriter.open(db_path)
        try:
            movie = _movies(db_path, 1)[0]
            await writer.rate(7000013, movie, 3.0)
            monkeypatch.setattr(time, "time", lambda: 1_000_000.0)  # decades back
            await writer.rate(7000014, movie, 3.0)
        finally:
            await writer.close()

    asyncio.run(scenario())
    with sqlite3.connect(db_path) as db:
        first, second = (db.execute("SELECT changed_at FROM ratingchange WHERE user_id = ?", (user,)).fetchone()[0] for user in (7000013, 7000014))
    assert second > first > 1_000_000.0
