"""Errors a client can fix carry `extensions.code`; anything else is logged and masked."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from loaders import movies as movie_loaders
from schema import MAX_ALIASES, MAX_DEPTH
from tests.schema.conftest import post


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ movies(first: 101) { totalCount } }", None, "BAD_USER_INPUT"),
        ("{ movies(first: -1) { totalCount } }", None, "BAD_USER_INPUT"),
        ('{ movies(after: "garbage") { totalCount } }', None, "BAD_USER_INPUT"),
        ('{ movie(id: "abc") { title } }', None, "BAD_USER_INPUT"),
        ("{ movie(id: 862) { cast(first: 1000) { order } } }", None, "BAD_USER_INPUT"),
        ('{ company { name } }', None, "BAD_USER_INPUT"),
        ('{ company(id: 3, name: "Pixar") { name } }', None, "BAD_USER_INPUT"),
        ("{ movies(filter: {yearFrom: 2000, yearTo: 1990}) { totalCount } }", None, "BAD_USER_INPUT"),
        ('{ movies(filter: {company: "Pixr Animashun"}) { totalCount } }', None, "NOT_FOUND"),
        ("{ movie(id: 862) { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ movie(id: 862) { title ", None, "GRAPHQL_PARSE_FAILED"),
        ("query($n: Int!) { movies(first: $n) { totalCount } }", {"n": "ten"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { movies(first: $n) { totalCount } }", None, "BAD_USER_INPUT"),
        # graphql-core's validation messages that start like a variable's value error are still validation.
        ("query($n: Int) { movies { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("{ movies(first: $n) { totalCount } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: String) { movies(first: $n) { totalCount } }", {"n": "3"}, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
def test_client_errors_have_a_code(client: TestClient, query: str, variables: dict[str, Any] | None, code: str) -> None:
    body = post(client, query, variables)
    assert _codes(body) == [code]
    assert "Unexpected error" not in body["errors"][0]["message"]


def test_not_found_names_the_unknown_filter_values(client: TestClient) -> None:
    body = post(client, '{ movies(filter: {company: "Pixr", genres: ["Animation", "Cartoons"]}) { totalCount } }')
    message = body["errors"][0]["message"]
    assert "'Pixr'" in message and "'Cartoons'" in message and "'Animation'" not in message


def test_unexpected_errors_are_masked_and_logged(client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("secret connection string")

    monkeypatch.setattr("schema.query.select_movie_page", broken)
    with caplog.at_level(logging.ERROR):
        body = post(client, "{ movies { totalCount } }")
    assert body["errors"][0]["message"] == "Unexpected error; it has been logged."
    assert _codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "secret" not in str(body)
    assert "secret connection string" in caplog.text and "Traceback" in caplog.text
    original: object = movie_loaders.select_movie_page  # (typed object: mypy sees the two as unrelated)
    assert original is not broken


def test_depth_limit(client: TestClient) -> None:
    nested = "title"
    for _ in range(MAX_DEPTH):
        nested = f"similar {{ movie {{ {nested} }} }}"
    body = post(client, f"{{ movie(id: 862) {{ {nested} }} }}")
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"] and "depth" in body["errors"][0]["message"]


def test_alias_limit(client: TestClient) -> None:
    aliases = " ".join(f"a{i}: movie(id: 862) {{ title }}" for i in range(MAX_ALIASES + 1))
    body = post(client, f"{{ {aliases} }}")
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"] and "aliases" in body["errors"][0]["message"]


def test_token_limit(client: TestClient) -> None:
    body = post(client, "{ movie(id: 862) { " + "title " * 3000 + "} }")
    assert _codes(body) == ["GRAPHQL_PARSE_FAILED"]


def test_get_requests_run_queries(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ movie(id: 862) { title } }"})
    body = response.json()
    assert "errors" not in body and body["data"] == {"movie": {"title": "Toy Story"}}


@pytest.mark.parametrize("name", [{"a": 1}, ["a"], 7])
def test_an_operation_name_that_is_not_a_string_is_a_bad_request(client: TestClient, caplog: pytest.LogCaptureFixture, name: object) -> None:
    with caplog.at_level(logging.INFO):
        response = client.post("/graphql", json={"query": "{ __typename }", "operationName": name})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "operationName must be a string or null", "extensions": {"code": "BAD_REQUEST"}}]}
    assert "Traceback" not in caplog.text and "slice" not in caplog.text
