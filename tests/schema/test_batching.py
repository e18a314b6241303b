"""DataLoaders batch every relation: the SQL statements of a page do not grow with its size."""

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
from loaders import turns
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


@pytest.fixture(scope="module")
def sample_client(sample_db: Path, sample_model: Path) -> Iterator[TestClient]:
    """The sample's app with its model, without the rate limits: this module's pages add up to more cost than a second's."""
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=sample_model, rate_limit=0))) as client:
        yield client


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


# Two sizes of the same relation, and one asked through a fragment: each answers with its own arguments.
RELATIONS = """{ movies(first: 30) { edges { node { tmdbId
  two: cast(first: 2) { order } three: cast(first: 3) { order person { name } }
  ... on Movie { crew(job: "Director") { person { name } } collection { name } }
} } } }"""


def test_a_page_loads_each_relation_with_the_arguments_each_field_gives(sample_client: TestClient, sample_db: Path) -> None:
    body = post(sample_client, RELATIONS)
    assert "errors" not in body, body["errors"]
    with contextlib.closing(sqlite3.connect(sample_db)) as db:
        for edge in body["data"]["movies"]["edges"]:
            movie = edge["node"]
            orders = [order for (order,) in db.execute('SELECT "order" FROM "cast" WHERE movie_id = ? ORDER BY "order" LIMIT 3', (movie["tmdbId"],))]
            assert [credit["order"] for credit in movie["two"]] == orders[:2]
            assert [credit["order"] for credit in movie["three"]] == orders
            directors = db.execute("SELECT p.name FROM crew c JOIN person p ON p.id = c.person_id WHERE c.movie_id = ? AND c.job = 'Director'",
                                   (movie["tmdbId"],)).fetchall()
            assert sorted(credit["person"]["name"] for credit in movie["crew"]) == sorted(name for (name,) in directors)
            collection = db.execute("SELECT c.name FROM movie m JOIN collection c ON c.id = m.collection_id WHERE m.id = ?",
                                    (movie["tmdbId"],)).fetchone()
            assert movie["collection"] == ({"name": collection[0]} if collection else None)


def test_a_page_size_a_relation_refuses_is_its_error_not_a_query(sample_client: TestClient) -> None:
    db = sample_client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    before = db.statements
    body = post(sample_client, "{ movies(first: 2) { edges { node { cast(first: 1000) { order } } } } }")
    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
    assert db.statements - before == 2  # the page and its count only: no cast statement with a limit of 1,000


def test_the_relations_a_page_loaded_answer_without_an_await(sample_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Literal and variable arguments alike (a literal reaches the lookahead as text), through a fragment."""
    monkeypatch.setattr(turns, "SLICE", 60.0)  # the request's turn cannot run out on a loaded machine
    awaited: list[object] = []
    later = turns.TurnTakingLoader._later

    def counted(self: turns.TurnTakingLoader[Any, Any], key: Any, shape: Any) -> Any:
        awaited.append(key)
        return later(self, key, shape)

    monkeypatch.setattr(turns.TurnTakingLoader, "_later", counted)
    query = """query($n: Int!) { movies(first: 20) { edges { node { ...Credits two: cast(first: $n) { order } genres { name } } } } }
    fragment Credits on Movie { cast(first: 3) { order } crew(job: "Director") { job } collection { name } originalLanguage { code } }"""
    body = post(sample_client, query, {"n": 2})
    assert "errors" not in body and len(body["data"]["movies"]["edges"]) == 20
    assert awaited == []


def test_a_relation_left_out_by_skip_or_include_is_not_loaded(sample_client: TestClient) -> None:
    db = sample_client.app.state.runtime.require_database()  # type: ignore[attr-defined]
    counts = []
    for query in ("{ movies(first: 5) { edges { node { title } } } }",
                  ("query($no: Boolean!) { movies(first: 5) { edges { node { title genres @include(if: $no) { name } "
                   "... @skip(if: true) { cast { order } } } } } }")):
        before = db.statements
        body = post(sample_client, query, {"no": False} if "$no" in query else None)
        assert "errors" not in body
        counts.append(db.statements - before)
    assert counts[0] == counts[1] == 2  # the page and its count
