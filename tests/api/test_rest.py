"""GET /predicted-ratings/{user}?items=... keeps the old SageMaker predictor's contract."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def client(sample_db: Path, sample_model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=sample_model))) as client:
        yield client


def test_ratings_in_the_order_of_items_matching_graphql(client: TestClient, sample_db: Path) -> None:
    links = sqlite3.connect(sample_db).execute("SELECT movielens_id, movie_id FROM movielenslink ORDER BY movielens_id LIMIT 3").fetchall()
    items = ",".join(str(ml) for ml, _ in links)
    response = client.get(f"/predicted-ratings/4?items={items}")
    assert response.status_code == 200
    ratings = response.json()["ratings"]
    query = "query($items: [ID!]!) { predictedRatings(user: 4, items: $items) { rating } }"
    body = client.post("/graphql", json={"query": query, "variables": {"items": [str(m) for _, m in links]}}).json()
    # GraphQL shows 2 decimals, the old contract 3: the same prediction, to the coarser precision.
    assert ratings == pytest.approx([r["rating"] for r in body["data"]["predictedRatings"]], abs=0.005 + 1e-6)
    assert all(rating == round(rating, 3) for rating in ratings)
    reversed_items = ",".join(str(ml) for ml, _ in reversed(links))
    assert client.get(f"/predicted-ratings/4?items={reversed_items}").json()["ratings"] == ratings[::-1]


@pytest.mark.parametrize("path", ["/predicted-ratings/4", "/predicted-ratings/4?items=", "/predicted-ratings/4?items=1,x",
                                  "/predicted-ratings/abc?items=1", "/predicted-ratings/4?items=-1"])
def test_malformed_requests_are_400(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400 and response.json()["code"] == "BAD_USER_INPUT"


def test_too_many_items_is_400(client: TestClient) -> None:
    assert client.get("/predicted-ratings/4?items=" + ",".join(["1"] * 1001)).status_code == 400


def test_unknown_items_are_404_naming_them(client: TestClient) -> None:
    response = client.get("/predicted-ratings/4?items=1,999999,888888")
    assert response.status_code == 404
    assert "999999" in response.json()["error"] and "888888" in response.json()["error"]


# --- an ml-100k catalogue: the old predictor's own ids ------------------------------------------


@pytest.fixture(scope="module")
def ml100k_client(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A catalogue ingested with --ratings ml-100k from ../shared/data, and a model trained on it."""
    from data.ingest import ingest
    from ml import artifact, datasets
    from ml.training import TrainingParams, train

    if not (shared_data / "ml-100k" / "u.data").is_file():
        pytest.skip("../shared/data has no ml-100k")
    folder = tmp_path_factory.mktemp("ml100k-rest")
    db = folder / "catalogue.sqlite3"
    ingest(movies_dataset=shared_data / "movies-dataset", db_path=db, ratings="ml-100k",
           movielens=str(shared_data / "ml-100k"), show_progress=False)
    params = TrainingParams(max_epochs=4, components=16)
    artifact.save(train(datasets.from_catalogue(db, params.features), params, show_progress=False).model, folder / "model")
    with TestClient(create_app(Settings(db_path=db, model_dir=folder / "model"))) as client:
        yield client


def _graphql_ratings(client: TestClient, user: int, movies: list[int]) -> list[float]:
    query = "query($user: ID!, $items: [ID!]!) { predictedRatings(user: $user, items: $items) { movie { tmdbId } rating } }"
    body = client.post("/graphql", json={"query": query, "variables": {"user": str(user), "items": [str(m) for m in movies]}}).json()
    assert "errors" not in body, body
    assert [int(r["movie"]["tmdbId"]) for r in body["data"]["predictedRatings"]] == movies
    return [round(r["rating"], 3) for r in body["data"]["predictedRatings"]]


def test_ml100k_catalogue_answers_the_old_request_for_heavy_metal_breakfast_at_tiffanys_on_golden_pond(
    ml100k_client: TestClient, shared_data: Path
) -> None:
    # u.item's own titles for the three ids the old predictor was called with.
    with open(shared_data / "ml-100k" / "u.item", encoding="latin-1") as handle:
        titles = {int(f[0]): f[1] for f in (line.split("|") for line in handle)}
    assert [titles[i] for i in (101, 131, 162)] == ["Heavy Metal (1981)", "Breakfast at Tiffany's (1961)", "On Golden Pond (1981)"]
    response = ml100k_client.get("/predicted-ratings/321?items=101,131,162")
    assert response.status_code == 200, response.text
    # TMDB ids of Heavy Metal, Breakfast at Tiffany's, On Golden Pond.
    # GraphQL shows 2 decimals, the old contract 3: the same prediction, to the coarser precision.
    assert response.json()["ratings"] == pytest.approx(_graphql_ratings(ml100k_client, 321, [11827, 164, 11816]), abs=0.005 + 1e-6)
    reordered = ml100k_client.get("/predicted-ratings/321?items=162,101").json()["ratings"]
    assert reordered == pytest.approx(_graphql_ratings(ml100k_client, 321, [11816, 11827]), abs=0.005 + 1e-6)


def test_ml100k_catalogue_exposes_both_id_spaces_and_names_its_own_in_a_404(ml100k_client: TestClient) -> None:
    query = "{ a: movie(id: 11827) { ml100kId movielensId } b: movie(id: 346) { ml100kId } }"
    body = ml100k_client.post("/graphql", json={"query": query}).json()
    # Heavy Metal is ml-100k item 101 and MovieLens movieId 610 (links.csv); Seven Samurai item 510.
    assert body["data"] == {"a": {"ml100kId": 101, "movielensId": 610}, "b": {"ml100kId": 510}}
    # 1683 is past u.item's last id; 267 is u.item's one item without a title or IMDb URL.
    response = ml100k_client.get("/predicted-ratings/321?items=101,1683,267")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown MovieLens 100K item ids (u.item numbering, as this catalogue's ratings): 1683, 267"


def test_a_ratings_small_catalogue_has_no_ml100k_ids_and_names_movieids_in_a_404(client: TestClient) -> None:
    body = client.post("/graphql", json={"query": "{ movie(id: 862) { ml100kId movielensId } }"}).json()
    assert body["data"] == {"movie": {"ml100kId": None, "movielensId": 1}}
    response = client.get("/predicted-ratings/4?items=999999")
    assert response.status_code == 404 and "MovieLens movieIds" in response.json()["error"]


def test_an_ml100k_catalogue_from_before_the_item_links_is_503_saying_to_ingest_again(
    sample_db: Path, sample_model: Path, tmp_path: Path
) -> None:
    from tests.conftest import copy_catalogue

    db = copy_catalogue(sample_db, tmp_path / "old.sqlite3")
    with sqlite3.connect(db) as conn:  # what an ml-100k ingest of the previous release recorded
        conn.execute("DELETE FROM ingestinfo WHERE key = 'ratings_id_space'")
        conn.execute("UPDATE ingestinfo SET value = 'ml-100k' WHERE key = 'ratings_source'")
    with TestClient(create_app(Settings(db_path=db, model_dir=sample_model))) as client:
        response = client.get("/predicted-ratings/4?items=1")
        assert response.status_code == 503 and "ingest it again" in response.json()["error"]
        body = client.post("/graphql", json={"query": "{ movie(id: 862) { ml100kId movielensId } }"}).json()
        assert body["data"] == {"movie": {"ml100kId": None, "movielensId": 1}}
