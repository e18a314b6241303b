"""GraphQL over HTTP: media type negotiation, request errors by media type, malformed requests as
JSON GraphQL errors, and batches within the request, cost and batch limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.graphql_http import GRAPHQL_RESPONSE, JSON, negotiate
from api.settings import Settings

MOVIE = {"query": "{ movie(id: 862) { title } }"}


def _client(sample_db: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(db_path=sample_db, **settings)))  # type: ignore[arg-type]


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, JSON), ("*/*", JSON), ("application/json", JSON), ("text/html", JSON),
    (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),  # Apollo Client 4
    (f"application/json, {GRAPHQL_RESPONSE}", JSON), (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
    (f"{GRAPHQL_RESPONSE}, */*;q=0.1", GRAPHQL_RESPONSE), (f"{GRAPHQL_RESPONSE};q=0", JSON), (f"{GRAPHQL_RESPONSE};q=x", JSON),
])
def test_negotiation_prefers_the_better_quality_then_the_legacy_type(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


REQUEST_ERRORS = {
    "parse": ("{ movie(id: 862) { title }", None, "GRAPHQL_PARSE_FAILED"),
    "validation": ("{ movie(id: 862) { titel } }", None, "GRAPHQL_VALIDATION_FAILED"),
    "variable coercion": ("query M($id: ID!) { movie(id: $id) { title } }", {"id": {"not": "an id"}}, "BAD_USER_INPUT"),
}


@pytest.mark.parametrize("kind", REQUEST_ERRORS)
def test_request_errors_answer_400_without_data_under_graphql_response_json(sample_db: Path, kind: str) -> None:
    query, variables, code = REQUEST_ERRORS[kind]
    with _client(sample_db) as client:
        modern = client.post("/graphql", json={"query": query, "variables": variables}, headers={"accept": GRAPHQL_RESPONSE})
        legacy = client.post("/graphql", json={"query": query, "variables": variables}, headers={"accept": "application/json"})
    assert modern.status_code == 400 and modern.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert "data" not in modern.json() and modern.json()["errors"][0]["extensions"]["code"] == code
    # application/json keeps its legacy answer: 200 and "data": null.
    assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None and legacy.json()["errors"][0]["extensions"]["code"] == code


def test_a_field_error_after_execution_began_is_200_with_data(sample_db: Path) -> None:
    with _client(sample_db) as client:
        answer = client.post("/graphql", json={"query": "{ a: movie(id: 862) { title } b: movie(id: -1) { title } }"},
                             headers={"accept": GRAPHQL_RESPONSE})
    assert answer.status_code == 200 and answer.json()["data"]["a"] == {"title": "Toy Story"}


MALFORMED: dict[str, tuple[dict[str, Any], int, str]] = {
    "no content type": ({"content": b'{"query": "{ __typename }"}'}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    "a form body": ({"data": {"query": "{ __typename }"}}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    "no query": ({"json": {"variables": {}}}, 400, "BAD_REQUEST"),
    "a misspelt query": ({"json": {"qeury": "{ __typename }"}}, 400, "BAD_REQUEST"),
    "bad JSON": ({"content": b"{", "headers": {"content-type": "application/json"}}, 400, "INVALID_JSON"),
    "an empty body": ({"content": b"", "headers": {"content-type": "application/json"}}, 400, "INVALID_JSON"),
}


@pytest.mark.parametrize("name", MALFORMED)
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_malformed_requests_answer_a_json_graphql_error(sample_db: Path, name: str, accept: str) -> None:
    options, status, code = MALFORMED[name]
    options = dict(options)
    headers = {"accept": accept, **options.pop("headers", {})}
    with _client(sample_db) as client:
        answer = client.post("/graphql", headers=headers, **options)
    assert answer.status_code == status and answer.headers["content-type"].startswith(accept)
    assert answer.json()["errors"][0]["extensions"]["code"] == code and "data" not in answer.json()
    assert answer.headers["cache-control"] == "no-store"


def test_a_batch_answers_each_operation_in_order(sample_db: Path) -> None:
    with _client(sample_db) as client:
        answer = client.post("/graphql", json=[MOVIE, {"query": "{ __typename }"}, {"query": "{ nope }"}])
    first, second, third = answer.json()
    assert answer.status_code == 200 and first["data"] == {"movie": {"title": "Toy Story"}}
    assert second["data"] == {"__typename": "Query"} and third["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(("body", "code"), [([MOVIE] * 4, "BATCH_TOO_LARGE"), ([], "BATCH_TOO_LARGE"),
                                            ([MOVIE, "x"], "BODY_NOT_AN_OBJECT"), ([[MOVIE]], "BODY_NOT_AN_OBJECT")])
def test_batches_are_bounded(sample_db: Path, body: list[object], code: str) -> None:
    with _client(sample_db, max_batch=3) as client:
        answer = client.post("/graphql", json=body)
    assert answer.status_code == 400 and answer.json()["errors"][0]["extensions"]["code"] == code


def test_batching_can_be_turned_off(sample_db: Path) -> None:
    with _client(sample_db, max_batch=0) as client:
        answer = client.post("/graphql", json=[MOVIE])
    assert answer.status_code == 400 and answer.json()["errors"][0]["extensions"]["code"] == "BATCHING_DISABLED"


def test_each_operation_of_a_batch_takes_a_request_token(sample_db: Path) -> None:
    # A burst of 3 with a refill too slow to matter: a batch of 3 spends it all.
    with _client(sample_db, rate_limit=0.001, rate_burst=3) as client:
        batch = client.post("/graphql", json=[MOVIE] * 3)
        after = client.post("/graphql", json=MOVIE)
    with _client(sample_db, rate_limit=0.001, rate_burst=3) as client:
        too_big = client.post("/graphql", json=[MOVIE] * 4)
    assert batch.status_code == 200 and after.status_code == 429
    assert too_big.status_code == 429 and too_big.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(too_big.headers["retry-after"]) > 0


def test_each_operation_of_a_batch_pays_its_cost(sample_db: Path) -> None:
    page = {"query": "{ movies(first: 30) { edges { node { title } } } }"}  # cost 61 (test_limits.py)
    # The cost bucket holds one maximal query (61) and refills 1 a second: the second operation waits.
    with _client(sample_db, max_query_cost=61, rate_cost=1.0) as client:
        answer = client.post("/graphql", json=[page, page])
    first, second = answer.json()
    assert len(first["data"]["movies"]["edges"]) == 30
    assert second["errors"][0]["extensions"]["code"] == "RATE_LIMITED" and answer.status_code == 429


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_answer_405_as_a_graphql_error(sample_db: Path, method: str) -> None:
    with _client(sample_db) as client:
        answer = client.request(method, "/graphql", json=MOVIE)
    assert (answer.status_code, answer.headers["allow"]) == (405, "GET, POST")
    assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
