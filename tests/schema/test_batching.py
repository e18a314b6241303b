"""DataLoaders batch every relation: the SQL statements of a page do not grow with its size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from tests.schema.conftest import post

NESTED = """query($n: Int!) { movies(first: $n) { edges { node {
  title genres { name } companies { name } countries { name } collection { name }
  directors { name } cast(first: 5) { character person { name } }
} } } }"""


@pytest.fixture
def statements(client: TestClient) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = client.app.state.engine.sync_engine  # type: ignore[attr-defined]

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _count(client: TestClient, statements: list[str], n: int) -> int:
    statements.clear()
    body = post(client, NESTED, {"n": n})
    assert "errors" not in body and len(body["data"]["movies"]["edges"]) == n
    return len(statements)


def test_statement_count_does_not_grow_with_the_page(client: TestClient, statements: list[str]) -> None:
    small, large = _count(client, statements, 10), _count(client, statements, 100)
    # page + count, then one statement per relation: genres, companies, countries, collection, directors, cast
    assert small == large == 8
