"""Query cost estimates, worked out by hand from the rule in schema/cost.py: an object costs 1,
a scalar 0, a list multiplies one element's cost by its length (`first`, the list argument's
length, the enclosing connection's `first`, else the longest such list of the catalogue, here
LONGEST: the real-rows catalogue's, checked against it in test_cost_bound.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import parse
from starlette.testclient import TestClient

from data.domain import MAX_QUERY_COST
from schema import default_schema
from schema.cost import LongestLists, estimate
from tests.benchmarks.test_api_benchmark import WORKLOADS
from tests.schema.conftest import post
from tests.test_readme import EXAMPLES

LONGEST = {"genres_per_movie": 7, "companies_per_movie": 26, "countries_per_movie": 12, "spoken_languages_per_movie": 7,
           "directors_per_movie": 4, "keywords_per_movie": 81}
HOSTILE = "{ movies(first: 100) { edges { node { cast(first: 100) { person { name } } } } } }"


def cost(query: str, variables: dict[str, Any] | None = None, operation: str | None = None) -> int:
    return estimate(default_schema()._schema, parse(query), operation, variables, LongestLists(LONGEST))


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("{ movie(id: 1) { title year budget } }", None, 1),
        ("{ movie(id: 1) { genres { name } } }", None, 1 + 7),
        ("{ movie(id: 1) { keywords { name } companies { name } } }", None, 1 + 81 + 26),
        ("{ movie(id: 1) { crew { person { name } } } }", None, 1 + 100 * 2),  # crew's own default, first: 100
        ('{ movie(id: 1) { crew(job: "Director", first: 2) { job } } }', None, 1 + 2),
        ("{ person(id: 1) { castCredits(first: 3) { movie { title } } crewCredits { job } } }", None, 1 + 3 * 2 + 100),
        # A variable left out: the argument's default runs, and is what is counted.
        ("query($n: Int) { movie(id: 1) { cast(first: $n) { order } } }", None, 1 + 10),
        ("query($n: Int) { movies(first: $n) { edges { node { id } } } }", {}, 1 + 20 * 2),
        ("{ movie(id: 1) { cast(first: 3) { character person { name } } } }", None, 1 + 3 * (1 + 1)),
        ("{ movie(id: 1) { cast { order } } }", None, 1 + 10),  # cast's own default, first: 10
        ("query($n: Int!) { movie(id: 1) { cast(first: $n) { order } } }", {"n": 7}, 1 + 7),
        ("query($n: Int!) { movie(id: 1) { cast(first: $n) { order } } }", {"n": 7.0}, 1 + 7),
        ("query($n: Int = 4) { movie(id: 1) { cast(first: $n) { order } } }", None, 1 + 4),
        ("{ movies(first: 30) { totalCount pageInfo { hasNextPage } edges { cursor node { title } } } }", None, 1 + 1 + 30 * (1 + 1)),
        ("{ movies { edges { node { title } } } }", None, 1 + 20 * 2),  # movies' default, first: 20
        ("{ movies(last: 7) { edges { node { title } } } }", None, 1 + 7 * 2),  # paging backwards: `last` sizes the page
        ("query($n: Int) { movies(last: $n) { edges { node { title } } } }", {}, 1 + 20 * 2),  # `last` left out: the default
        ("{ search(text: \"toy\") { edges { node { title } } } }", None, 1 + 10 * 2),  # search's default, first: 10
        ("{ company(id: 3) { movies { edges { node { title } } } } }", None, 1 + 1 + 100 * 2),  # a group's movies: 100
        ("{ company(id: 3) { movies(last: 3) { totalCount edges { node { title } } } } }", None, 1 + 1 + 3 * 2),
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', None, 3),  # a list argument's length
        ('{ node(id: "a") { ... on Movie { genres { name } } } }', None, 1 + 7),
        ('{ predictedRatings(user: 1, items: ["1", "2", "3"]) { rating } }', None, 3),
        ("query($items: [ID!]!) { predictedRatings(user: 1, items: $items) { movie { id } } }", {"items": ["1"] * 250}, 250 * 2),
        ("{ recommend(user: 1, first: 5) { ... on Recommendation { movie { title } } } }", None, 5 * (1 + 1)),
        ("fragment F on Movie { directors { name } } { movie(id: 1) { ...F } }", None, 1 + 4),
        ("fragment F on Movie { directors { name } } { movie(id: 1) { ...F ...F } }", None, 1 + 2 * 4),  # each spread counts
        ("fragment E on MovieConnection { edges { node { id } } } { a: movies(first: 2) { ...E } b: movies(first: 5) { ...E } }",
         None, 1 + 2 * 2 + 1 + 5 * 2),  # one fragment under two connections' `first`
        ("{ a: movie(id: 1) { title } b: movie(id: 2) { collection { name } } }", None, 1 + 2),
        ("{ __schema { types { name fields { name } } } }", None, 1),
        ("{ __typename }", None, 0),
    ],
)
def test_estimate(query: str, variables: dict[str, Any] | None, expected: int) -> None:
    assert cost(query, variables) == expected


def test_estimate_counts_the_named_operation_only() -> None:
    document = "query One { movie(id: 1) { title } } query Many { movies(first: 50) { edges { node { title } } } }"
    assert (cost(document, operation="One"), cost(document, operation="Many")) == (1, 1 + 50 * 2)


def test_the_benchmark_queries_fit_under_the_maximum() -> None:
    items = [str(movie_id) for movie_id in range(100)]
    costs = {w.label: cost(q["query"], q["variables"]) for w in WORKLOADS for q in [json.loads(w.payload(items))]}
    # edge, node; genres, companies, directors; collection; cast
    assert costs["(b) movies(first: 100)"] == 1 + 100 * (1 + 1 + (7 + 26 + 4) + 1 + 5 * 2)
    assert max(costs.values()) <= MAX_QUERY_COST


def test_a_costly_query_is_refused_before_it_runs(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def must_not_run(*args: object) -> None:
        raise AssertionError("a refused query reached the database")

    monkeypatch.setattr("schema.query.select_movie_page", must_not_run)
    body = post(client, HOSTILE)
    expected = 1 + 100 * (1 + 1 + 100 * (1 + 1))
    assert body["data"] is None
    assert [error["extensions"] for error in body["errors"]] == [{"code": "QUERY_TOO_COSTLY", "cost": expected, "maximum": MAX_QUERY_COST}]
    assert body["extensions"] == {"cost": {"requested": expected, "maximum": MAX_QUERY_COST}}


def test_every_executed_query_reports_its_cost(client: TestClient) -> None:
    body = post(client, "query($n: Int!) { movies(first: $n) { edges { node { title } } } }", {"n": 3})
    assert "errors" not in body and len(body["data"]["movies"]["edges"]) == 3
    assert body["extensions"] == {"cost": {"requested": 1 + 3 * 2, "maximum": MAX_QUERY_COST}}


def test_a_query_that_does_not_validate_reports_no_cost(client: TestClient) -> None:
    body = post(client, "{ movie(id: 862) { nope } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "extensions" not in body


def test_the_readme_examples_fit() -> None:
    assert max(cost(example.query) for example in EXAMPLES) <= MAX_QUERY_COST / 10
