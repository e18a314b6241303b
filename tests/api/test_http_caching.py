"""Which answers are public, decided on the validated document with the schema's types."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse
from starlette.testclient import TestClient

from api.app import create_app
from api.http_caching import catalogue_only, matches
from api.settings import Settings
from schema import default_schema

DOCUMENTS = {
    "{ movie(id: 862) { title genres { name } } }": True,
    "{ genres(first: 3) { edges { node { name movieCount } } } }": True,
    "{ __typename }": True,
    "query Q { ...F } fragment F on Query { movies(first: 2) { totalCount } }": True,
    '{ recommend(likes: ["862"]) { movie { title } } }': False,
    '{ predictedRatings(items: ["862"], user: "1") { rating } }': False,
    "{ ratings { totalCount } }": False,
    "{ users { totalCount } }": False,  # an operator's (a service key's) to see
    "{ viewer { id } }": False,
    "query Q { ...F } fragment F on Query { viewer { id } }": False,  # through a fragment
    'query Q { a: movie(id: 862) { title } b: user(id: "1") { id } }': False,  # behind an alias
    'mutation { deleteRating(movie: "862", user: "1") }': False,
}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_catalogue_only_reads_the_types_not_the_text(document: str) -> None:
    assert catalogue_only(default_schema()._schema, parse(document), None) is DOCUMENTS[document]


def test_the_named_operation_decides() -> None:
    document = parse('query Public { movie(id: 862) { title } } mutation Write { deleteRating(movie: "862", user: "1") }')
    assert catalogue_only(default_schema()._schema, document, "Public") and not catalogue_only(default_schema()._schema, document, "Write")


@pytest.mark.parametrize(("header", "matched"), [('"abc"', True), ('W/"abc"', True), ('"x", "abc"', True), ("*", True),
                                                 ('"abd"', False), ("", False), (None, False)])
def test_if_none_match_compares_weakly(header: str | None, matched: bool) -> None:
    assert matches(header, '"abc"') is matched


def test_posts_and_errors_are_not_stored(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        post = client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
        failed = client.get("/graphql", params={"query": "{ movie(id: 862) { titel } }"})
        typename = client.get("/graphql", params={"query": "{ __typename }"})
        again = client.get("/graphql", params={"query": "{ __typename }"}, headers={"if-none-match": typename.headers["etag"]})
    assert post.headers["cache-control"] == "no-store" and "etag" not in post.headers
    assert failed.headers["cache-control"] == "private, no-store" and "etag" not in failed.headers
    assert typename.headers["cache-control"] == "public, max-age=60" and again.status_code == 304 and again.content == b""


def test_a_revalidation_that_matches_runs_nothing(sample_db: Path) -> None:
    params = {"query": "{ movie(id: 862) { title genres { name } } }"}
    app = create_app(Settings(db_path=sample_db))
    with TestClient(app) as client:
        first = client.get("/graphql", params=params)
        database = app.state.runtime.database
        before = database.statements
        again = client.get("/graphql", params=params, headers={"if-none-match": first.headers["etag"]})
        after_304 = database.statements
        stale = client.get("/graphql", params=params, headers={"if-none-match": '"not-it"'})
    assert first.status_code == 200 and before > 0
    assert again.status_code == 304 and again.content == b"" and after_304 == before  # no SQL ran
    # The answer again, from the response cache (api/response_cache.py): still no SQL.
    assert stale.status_code == 200 and stale.json()["data"] == first.json()["data"] and database.statements == before
    assert stale.headers["etag"] == first.headers["etag"]
