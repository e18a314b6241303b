"""DataLoaders batch every relation: the SQL statements of a page do not grow with its size."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.schema.conftest import post

NESTED = """query($n: Int!) { movies(first: $n) { edges { node {
  title genres { name } companies { name } countries { name } collection { name }
  directors { name } cast(first: 5) { character person { name } }
} } } }"""


def _count(client: TestClient, n: int) -> int:
    db = client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    before = db.statements
    body = post(client, NESTED, {"n": n})
    assert "errors" not in body and len(body["data"]["movies"]["edges"]) == n
    return int(db.statements - before)


def test_statement_count_does_not_grow_with_the_page(client: TestClient) -> None:
    small, large = _count(client, 10), _count(client, 100)
    # page + count, then one statement per relation: genres, companies, countries, collection, directors, cast
    assert small == large == 8


# The same list asked for its movies directly, through an inline fragment and a named one.
REFERENCES = """query($items: [ID!]!) {
  direct: predictedRatings(user: "1", items: $items) { rating movie { title } }
  inline: predictedRatings(user: "1", items: $items) { rating ... on PredictedRating { movie { title } } }
  named: predictedRatings(user: "1", items: $items) { rating ...Titled }
}
fragment Titled on MovieReference { movie { title } }"""
RATINGS_ONLY = 'query($items: [ID!]!) { predictedRatings(user: "1", items: $items) { rating } }'


def _statements(client: TestClient, query: str, items: list[str]) -> tuple[int, dict[str, Any]]:
    db = client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    before = db.statements
    body = post(client, query, {"items": items})
    assert "errors" not in body, body["errors"]
    return int(db.statements - before), body["data"]


def test_a_list_of_movie_references_reads_its_movies_in_one_statement(sample_client: TestClient, sample_db: Path) -> None:
    with contextlib.closing(sqlite3.connect(sample_db)) as db:
        titles = dict(db.execute("SELECT id, title FROM movie ORDER BY id LIMIT 100").fetchall())
    items = [str(movie) for movie in titles]
    without, _ = _statements(sample_client, RATINGS_ONLY, items)
    counts = {}
    for n in (10, 100):
        counts[n], data = _statements(sample_client, REFERENCES, items[:n])
        for answer in data.values():
            assert [item["movie"]["title"] for item in answer] == [titles[int(movie)] for movie in items[:n]]
    # Three lists, each with the user's own statement, and one batch of movies shared by all three.
    assert counts[10] == counts[100] == 3 * without + 1


def test_recommend_reads_the_user_and_the_movies_in_two_statements(sample_client: TestClient) -> None:
    db = sample_client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    assert db.has_rating_changes  # the live-ratings table: the user's changes are read too
    before = db.statements
    body = post(sample_client, '{ recommend(user: "1", first: 10) { score movie { title } } }')
    assert "errors" not in body and len(body["data"]["recommend"]) == 10
    # The user's ratings with whether they changed since training, then the ten movies.
    assert db.statements - before == 2
