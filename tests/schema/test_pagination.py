"""Connections paged forwards and backwards on the real rows: a company's movies (a group's
connection) and the root `movies`, checked against the raw files and against each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests import raw
from tests.schema.conftest import Gql, post

PIXAR = 3
PAGE = "edges { cursor node { tmdbId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"
GROUP = (f"query($first: Int, $after: String, $last: Int, $before: String) {{ company(id: {PIXAR}) {{ movies(first: $first, "
         f"after: $after, last: $last, before: $before) {{ {PAGE} }} }} }}")


@pytest.fixture(scope="module")
def pixar(shared_data: Path) -> set[int]:
    movies = raw.movies(shared_data / "movies-dataset")
    return {movie_id for movie_id, movie in movies.items() if any(c["id"] == PIXAR for c in movie["production_companies"] or ())}


def _ids(page: dict[str, Any]) -> list[int]:
    return [edge["node"]["tmdbId"] for edge in page["edges"]]


def test_a_group_s_movies_page_forwards_and_backwards_to_the_same_list(gql: Gql, pixar: set[int]) -> None:
    forwards: list[int] = []
    after = None
    while True:
        page = gql(GROUP, first=3, after=after)["company"]["movies"]
        forwards += _ids(page)
        assert page["totalCount"] == len(pixar)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backwards: list[int] = []
    before = None
    while True:
        page = gql(GROUP, last=3, before=before)["company"]["movies"]
        backwards = _ids(page) + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert len(pixar) > 3 and set(forwards) == pixar and forwards == backwards


def test_last_alone_is_the_end_of_the_list_and_first_with_last_is_refused(gql: Gql, client: TestClient) -> None:
    query = ('query($first: Int, $last: Int) { movies(filter: {company: "pixar animation studios"}, first: $first, last: $last) { '
             + PAGE + " } }")
    whole = gql(query, first=100)["movies"]
    tail = gql(query, last=2)["movies"]
    assert _ids(tail) == _ids(whole)[-2:] and tail["pageInfo"]["hasPreviousPage"] and not tail["pageInfo"]["hasNextPage"]
    body = post(client, query, {"first": 2, "last": 2})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert post(client, query, {"last": 101})["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

