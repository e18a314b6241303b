"""recommend, predictedRatings, similar and modelInfo over GraphQL, on the sample and its model."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import copy_catalogue
from tests.schema.conftest import post

RECOMMEND = """query($user: ID!, $first: Int!, $filter: RecommendFilter, $exclude: Boolean!) {
  recommend(user: $user, first: $first, filter: $filter, excludeRated: $exclude) {
    score predictedRating personalized movie { tmdbId year genres { name } originalLanguage { code } }
  } }"""


@pytest.fixture(scope="module")
def client(sample_db: Path, sample_model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=sample_model))) as client:
        yield client


@pytest.fixture(scope="module")
def db(sample_db: Path) -> sqlite3.Connection:
    return sqlite3.connect(sample_db)


def _data(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = post(client, query, variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def _busiest_user(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT user_id FROM rating GROUP BY user_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0])


def test_recommend_leaves_out_rated_movies_best_first(client: TestClient, db: sqlite3.Connection) -> None:
    user = _busiest_user(db)
    rated = {str(m) for (m,) in db.execute("SELECT movie_id FROM rating WHERE user_id = ?", (user,))}
    items = _data(client, RECOMMEND, user=str(user), first=10, filter=None, exclude=True)["recommend"]
    assert len(items) == 10 and all(item["personalized"] for item in items)
    assert not {str(item["movie"]["tmdbId"]) for item in items} & rated
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all(1 <= item["predictedRating"] <= 5 for item in items)
    with_rated = _data(client, RECOMMEND, user=str(user), first=100, filter=None, exclude=False)["recommend"]
    assert {str(item["movie"]["tmdbId"]) for item in with_rated} & rated


def test_unknown_user_gets_the_most_rated_movies(client: TestClient, db: sqlite3.Connection) -> None:
    counts = dict(db.execute("SELECT movie_id, count(*) FROM rating GROUP BY movie_id").fetchall())
    items = _data(client, RECOMMEND, user="999999", first=5, filter=None, exclude=True)["recommend"]
    assert [item["personalized"] for item in items] == [False] * 5
    got = [counts[int(item["movie"]["tmdbId"])] for item in items]
    assert got == sorted(counts.values(), reverse=True)[:5]


def test_recommend_filter(client: TestClient, db: sqlite3.Connection) -> None:
    flt = {"genres": ["drama"], "yearFrom": 1990, "yearTo": 1995, "languages": ["English", "fr"]}
    items = _data(client, RECOMMEND, user=str(_busiest_user(db)), first=20, filter=flt, exclude=True)["recommend"]
    assert items
    for item in items:
        movie = item["movie"]
        assert "Drama" in [g["name"] for g in movie["genres"]] and 1990 <= movie["year"] <= 1995
        assert movie["originalLanguage"]["code"] in ("en", "fr")


def test_predicted_ratings_come_in_the_order_asked(client: TestClient, db: sqlite3.Connection) -> None:
    movies = [str(m) for (m,) in db.execute("SELECT id FROM movie ORDER BY id LIMIT 30")]
    query = "query($user: ID!, $items: [ID!]!) { predictedRatings(user: $user, items: $items) { rating movie { tmdbId } } }"
    forward = _data(client, query, user="1", items=movies)["predictedRatings"]
    backward = _data(client, query, user="1", items=movies[::-1])["predictedRatings"]
    assert [str(r["movie"]["tmdbId"]) for r in forward] == movies
    # approx: a BLAS product over the rows in another order may differ in the last bit
    assert [r["rating"] for r in backward] == pytest.approx([r["rating"] for r in forward][::-1], abs=1e-5)
    assert all(1 <= r["rating"] <= 5 for r in forward)
    assert len({r["rating"] for r in forward}) > 1


def test_predicted_ratings_errors(client: TestClient) -> None:
    query = "query($items: [ID!]!) { predictedRatings(user: 1, items: $items) { rating } }"
    body = post(client, query, {"items": ["862", "424242", "515151"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "424242" in body["errors"][0]["message"] and "515151" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["ids"] == ["424242", "515151"]
    body = post(client, query, {"items": ["862"] * 1001})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_similar_movies(client: TestClient) -> None:
    similar = _data(client, "{ movie(id: 862) { similar(first: 5) { score movie { tmdbId } } } }")["movie"]["similar"]
    assert len(similar) == 5 and "862" not in {str(s["movie"]["tmdbId"]) for s in similar}
    scores = [s["score"] for s in similar]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)


def test_model_info(client: TestClient) -> None:
    info = _data(client, "{ modelInfo { version trainedAt metrics } }")["modelInfo"]
    assert info["version"] >= 1 and info["trainedAt"].startswith("20") and info["metrics"]


def test_without_a_model_recommendations_say_so(sample_db: Path, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=tmp_path / "none"))) as client:
        body = post(client, "{ recommend(user: 1) { score } }")
        assert body["errors"][0]["extensions"]["code"] == "MODEL_UNAVAILABLE"
        assert "moviegraph train" in body["errors"][0]["message"]
        assert client.get("/predicted-ratings/1?items=1").status_code == 503
        assert _data(client, "{ movie(id: 862) { title } }") == {"movie": {"title": "Toy Story"}}



def test_a_rating_of_a_movie_the_catalogue_lacks_is_not_found(sample_db: Path, tmp_path: Path) -> None:
    """A rating row whose movie row is gone (SQLite does not enforce the foreign key) answers
    NOT_FOUND naming the movie; resolving it used to raise AttributeError (a masked 500-style error)."""
    catalogue = copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")
    with contextlib.closing(sqlite3.connect(catalogue)) as db, db:
        user, gone = db.execute("SELECT user_id, movie_id FROM rating ORDER BY timestamp DESC, rowid DESC LIMIT 1").fetchone()
        db.execute("DELETE FROM movie WHERE id = ?", (gone,))
    with TestClient(create_app(Settings(db_path=catalogue))) as client:
        body = post(client, "query($u: ID!) { user(id: $u) { ratings(first: 1) { edges { node { rating movie { tmdbId } } } } } }", {"u": str(user)})
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"]
    assert str(gone) in body["errors"][0]["message"]


def test_a_recommended_movie_the_catalogue_lacks_is_not_found(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    """The same through a list whose movies are loaded in one batch (the synchronous `movie`): a
    movie deleted under a running server (a model is refused at start over a catalogue lacking one)."""
    catalogue = copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")
    query = "{ similar: movie(id: 862) { similar(first: 3) { movie { tmdbId } } } }"
    with TestClient(create_app(Settings(db_path=catalogue, model_dir=sample_model, response_cache_bytes=0))) as client:
        gone = _data(client, query)["similar"]["similar"][0]["movie"]["tmdbId"]
        with contextlib.closing(sqlite3.connect(catalogue)) as db, db:
            db.execute("DELETE FROM movie WHERE id = ?", (gone,))
        body = post(client, query)
    assert [(error["extensions"]["code"], error["path"]) for error in body["errors"]] == [("NOT_FOUND", ["similar", "similar", 0, "movie"])]
    assert str(gone) in body["errors"][0]["message"]
