"""What a UI shows of recommendations, on the sample and its model: explanations (`because`,
`reason`), `orderBy`, predicted ratings rounded to 2 decimals, similar users and `trainedAt`.
Expected values come from sqlite3 and the artifact's .npy arrays, read with numpy here."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from tests.schema.conftest import data, post

EXPLAINED = """query($user: ID!, $first: Int!, $k: Int!) {
  recommend(user: $user, first: $first) { movie { tmdbId } because(first: $k) { tmdbId title } reason personalized } }"""
ORDERED = """query($user: ID!, $order: RecommendOrder!) {
  recommend(user: $user, first: 30, orderBy: $order) { score predictedRating movie { tmdbId } } }"""


@pytest.fixture(scope="module")
def client(sample_client: TestClient) -> TestClient:
    return sample_client


@pytest.fixture(scope="module")
def db(sample_db: Path) -> sqlite3.Connection:
    return sqlite3.connect(sample_db)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit


def _expected_because(model: Path, candidates: list[int], movie: int, k: int) -> list[int]:
    """The k candidates of highest cosine to `movie` (> 0, not itself), ties in candidate order."""
    ids = np.load(model / "movie_ids.npy")
    unit = _unit(np.load(model / "item_vectors.npy"))
    row = {int(m): i for i, m in enumerate(ids)}
    pulls = [(float(unit[row[c]] @ unit[row[movie]]), position, c) for position, c in enumerate(candidates) if c != movie]
    ranked = sorted(pulls, key=lambda p: (-p[0], p[1]))
    return [c for pull, _, c in ranked if pull > 1e-6][:k]


def _highly_rated(db: sqlite3.Connection, user: int) -> list[int]:
    rows = db.execute("SELECT movie_id FROM rating WHERE user_id = ? AND rating >= 4 ORDER BY rating DESC, timestamp DESC, movie_id "
                      "LIMIT 200", (user,))
    return [movie for (movie,) in rows]


# The sample's users with the most 4+ star ratings (144 of 275), a middling one (23 of 59), one with a single one.
@pytest.mark.parametrize("user", [564, 665, 33])
def test_because_names_the_users_highly_rated_movies_closest_by_item_vector(
    client: TestClient, db: sqlite3.Connection, sample_model: Path, user: int
) -> None:
    liked = _highly_rated(db, user)
    assert liked, f"user {user} rated nothing 4 stars or more in the sample"
    answer = data(client, EXPLAINED, user=str(user), first=10, k=3)["recommend"]
    assert len(answer) == 10
    titles = dict(db.execute("SELECT id, title FROM movie"))
    explained = 0
    for item in answer:
        because = [int(movie["tmdbId"]) for movie in item["because"]]
        assert set(because) <= set(liked) and len(because) <= 3
        assert because == _expected_because(sample_model, liked, int(item["movie"]["tmdbId"]), 3)
        assert [movie["title"] for movie in item["because"]] == [titles[m] for m in because]
        assert item["reason"] == (f"Because you liked {titles[because[0]]}" if because else None)
        explained += bool(because)
    assert explained == 10 if len(liked) > 100 else explained >= 1


def test_a_visitors_explanations_use_the_liked_movies(client: TestClient, sample_model: Path) -> None:
    likes = [862, 8844, 8587, 10530]  # Toy Story, Jumanji, The Lion King, Pocahontas
    query = """query($likes: [ID!]!) { recommend(likes: $likes, first: 8) { movie { tmdbId } because(first: 2) { tmdbId } reason } }"""
    answer = data(client, query, likes=[str(m) for m in likes])["recommend"]
    assert len(answer) == 8
    for item in answer:
        because = [int(movie["tmdbId"]) for movie in item["because"]]
        assert because == _expected_because(sample_model, likes, int(item["movie"]["tmdbId"]), 2)
        assert set(because) <= set(likes)
    assert all(item["reason"].startswith("Because you liked ") for item in answer if item["because"])


def test_an_unpersonalized_answer_has_no_because_and_says_why(client: TestClient) -> None:
    answer = data(client, EXPLAINED, user="999999", first=3, k=3)["recommend"]
    assert [(item["personalized"], item["because"], item["reason"]) for item in answer] == [(False, [], "Among the most rated movies")] * 3


def test_because_is_bounded(client: TestClient) -> None:
    for k in (-1, 11):
        body = post(client, EXPLAINED, {"user": "564", "first": 2, "k": k})
        assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
    assert all(item["because"] == [] for item in data(client, EXPLAINED, user="564", first=2, k=0)["recommend"])


def test_explanations_cost_one_statement_per_answer(client: TestClient) -> None:
    """Not asked, nothing is read; asked for 20 rows, the liked movies are read once (then the
    movies' rows in one batch)."""
    database = client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    before = database.statements
    data(client, 'query { recommend(user: 564, first: 20) { movie { tmdbId } } }')
    plain = database.statements - before
    before = database.statements
    data(client, 'query { recommend(user: 564, first: 20) { movie { tmdbId } because { tmdbId } reason } }')
    assert database.statements - before == plain + 2


def test_order_by_predicted_rating_shows_the_same_movies_in_star_order(client: TestClient) -> None:
    by_score = data(client, ORDERED, user="564", order="SCORE")["recommend"]
    by_stars = data(client, ORDERED, user="564", order="PREDICTED_RATING")["recommend"]
    assert sorted(item["movie"]["tmdbId"] for item in by_stars) == sorted(item["movie"]["tmdbId"] for item in by_score)
    stars = [item["predictedRating"] for item in by_stars]
    assert stars == sorted(stars, reverse=True) and len(set(stars)) > 1
    for higher, lower in itertools.pairwise(by_stars):  # equal stars keep the model's order
        assert higher["predictedRating"] > lower["predictedRating"] or higher["score"] >= lower["score"]
    scores = [item["score"] for item in by_score]
    assert scores == sorted(scores, reverse=True)


def test_predicted_ratings_are_rounded_to_2_decimals_as_the_head_gives_them(
    client: TestClient, db: sqlite3.Connection, sample_model: Path
) -> None:
    movies = [movie for (movie,) in db.execute("SELECT id FROM movie ORDER BY id LIMIT 40")]
    query = "query($items: [ID!]!) { predictedRatings(user: 564, items: $items) { rating } }"
    got = [item["rating"] for item in data(client, query, items=[str(m) for m in movies])["predictedRatings"]]
    # The rating head's formula from the artifact: mu + b_u + b_i + w_u . unit(v_i), clipped to 1..5.
    manifest = json.loads((sample_model / "manifest.json").read_text())
    ids, users = list(np.load(sample_model / "movie_ids.npy")), list(np.load(sample_model / "user_ids.npy"))
    rows, user = [ids.index(m) for m in movies], users.index(564)
    unit = _unit(np.load(sample_model / "item_vectors.npy"))[rows]
    raw = (manifest["rating_head"]["mu"] + np.load(sample_model / "head_user_bias.npy")[user] + np.load(sample_model / "head_item_bias.npy")[rows]
           + unit @ np.load(sample_model / "head_user_weights.npy")[user].astype(np.float64))
    expected = np.clip(raw, 1, 5)
    assert all(rating == round(rating, 2) for rating in got)
    assert got == pytest.approx(expected.tolist(), abs=0.005 + 1e-4)
    shown = [item["predictedRating"] for item in data(client, ORDERED, user="564", order="SCORE")["recommend"]]
    assert all(rating == round(rating, 2) for rating in shown)
    rest = client.get("/predicted-ratings/564?items=1,2,3").json()["ratings"]  # MovieLens ids: the old contract keeps 3 decimals
    assert any(rating != round(rating, 2) for rating in rest) and all(rating == round(rating, 3) for rating in rest)


def test_similar_users_match_an_independent_cosine(client: TestClient, sample_model: Path) -> None:
    query = "query($user: ID!) { user(id: $user) { similarUsers(first: 5) { score user { userId ratingCount } } } }"
    similar = data(client, query, user="564")["user"]["similarUsers"]
    user_ids = np.load(sample_model / "user_ids.npy")
    unit = _unit(np.load(sample_model / "user_vectors.npy"))
    me = int(np.flatnonzero(user_ids == 564)[0])
    cosine = unit @ unit[me]
    cosine[me] = -np.inf
    top = np.argsort(-cosine, kind="stable")[:5]
    assert [int(item["user"]["userId"]) for item in similar] == user_ids[top].tolist()
    assert [item["score"] for item in similar] == pytest.approx(cosine[top].tolist(), abs=1e-5)
    assert all(item["user"]["ratingCount"] > 0 for item in similar)
    assert data(client, query, user="123456789")["user"]["similarUsers"] == []  # a user the model never saw


def test_trained_at_is_a_datetime(client: TestClient, sample_model: Path) -> None:
    trained_at = data(client, "{ modelInfo { trainedAt } }")["modelInfo"]["trainedAt"]
    parsed = dt.datetime.fromisoformat(trained_at)
    assert parsed.utcoffset() == dt.timedelta(0)
    assert parsed == dt.datetime.fromisoformat(json.loads((sample_model / "manifest.json").read_text())["created_at"])
