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
    assert ratings == [round(r["rating"], 3) for r in body["data"]["predictedRatings"]]
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
