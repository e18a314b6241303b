"""DataLoaders batch every relation: the SQL statements of a page do not grow with its size."""

from __future__ import annotations

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
