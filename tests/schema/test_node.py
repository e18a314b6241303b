"""Relay Global Object Identification on the real rows: ids unique across types, `node`/`nodes`,
the source numbers as `tmdbId`, and every id argument taking the global id or the plain number."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInterfaceType
from starlette.testclient import TestClient

from schema import default_schema
from schema.nodes import RESOLVERS
from tests import raw
from tests.schema.conftest import Gql, post


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "movies-dataset"


def _decoded(global_id: str) -> str:
    return base64.b64decode(global_id).decode()


@pytest.fixture(scope="module")
def shared_number(folder: Path) -> int:
    """A TMDB number that is a movie's, a company's and a person's, read from the raw files."""
    shared = raw.shared_numbers(folder)
    if not shared:
        pytest.skip("no number is a movie's, a company's and a person's in these rows")
    return shared[0]


def test_a_movie_a_company_and_a_person_of_one_number_get_distinct_global_ids(gql: Gql, shared_number: int) -> None:
    data = gql("query($n: ID!) { movie(id: $n) { id tmdbId } company(id: $n) { id tmdbId } person(id: $n) { id tmdbId } }",
               n=str(shared_number))
    assert [data[kind]["tmdbId"] for kind in ("movie", "company", "person")] == [shared_number] * 3
    assert [_decoded(data[kind]["id"]) for kind in ("movie", "company", "person")] == [
        f"Movie:{shared_number}", f"Company:{shared_number}", f"Person:{shared_number}"]


def test_nodes_finds_each_object_by_its_global_id_in_the_order_asked(gql: Gql, shared_number: int) -> None:
    ids = [base64.b64encode(f"{kind}:{shared_number}".encode()).decode() for kind in ("Person", "Movie", "Company")]
    ids.append(base64.b64encode(b"Movie:999999999").decode())  # no such movie
    data = gql("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Movie { tmdbId } ... on Company { tmdbId } "
               "... on Person { tmdbId } } }", ids=ids)
    found = data["nodes"]
    assert [node["__typename"] for node in found[:3]] == ["Person", "Movie", "Company"]
    assert [node["id"] for node in found[:3]] == ids[:3]
    assert {node["tmdbId"] for node in found[:3]} == {shared_number}
    assert found[3] is None


def test_every_group_kind_is_a_node_that_node_finds_again(gql: Gql) -> None:
    data = gql('{ movie(id: 862) { id collection { id } genres { id } companies { id } countries { id code } '
               'spokenLanguages { id code } originalLanguage { id code } directors { id } keywords { id } } }')["movie"]
    movie = data
    ids = [movie["id"], movie["collection"]["id"], *(g["id"] for key in ("genres", "companies", "countries", "spokenLanguages",
                                                                          "directors", "keywords") for g in movie[key]),
           movie["originalLanguage"]["id"]]
    assert _decoded(movie["originalLanguage"]["id"]) == f"Language:{movie['originalLanguage']['code']}"
    assert {_decoded(c["id"]) for c in movie["countries"]} == {f"Country:{c['code']}" for c in movie["countries"]}
    again = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids)["nodes"]
    assert [node["id"] for node in again] == ids
    # One object, one id: Toy Story's original language is also spoken in it; nothing else repeats.
    assert movie["originalLanguage"] in movie["spokenLanguages"]
    assert len(set(ids)) == len(ids) - 1


def test_id_arguments_take_the_global_id_or_the_plain_number(gql: Gql, client: TestClient) -> None:
    movie_gid = base64.b64encode(b"Movie:862").decode()
    by_number = gql("{ movie(id: 862) { id title } }")["movie"]
    by_global = gql("query($id: ID!) { movie(id: $id) { id title } }", id=movie_gid)["movie"]
    assert by_number == by_global and by_number["title"] == "Toy Story"
    # A Director's global id names the same person.
    director = gql("{ movie(id: 862) { directors { id tmdbId name } } }")["movie"]["directors"][0]
    person = gql("query($id: ID!) { person(id: $id) { tmdbId name } }", id=director["id"])["person"]
    assert person == {"tmdbId": director["tmdbId"], "name": director["name"]}
    # Another type's global id is refused, as is anything that is neither.
    for wrong in (base64.b64encode(b"Person:862").decode(), "nope", base64.b64encode(b"Movie:x").decode()):
        body = post(client, "query($id: ID!) { movie(id: $id) { title } }", {"id": wrong})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_node_refuses_what_is_not_a_global_id_and_nodes_is_bounded(client: TestClient) -> None:
    for bad in ("862", "bm9wZQ==", base64.b64encode(b"Query:1").decode()):
        body = post(client, "query($id: ID!) { node(id: $id) { id } }", {"id": bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    ids = [base64.b64encode(f"Movie:{n}".encode()).decode() for n in range(1, 102)]
    body = post(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "at most 100" in body["errors"][0]["message"]


def test_an_unknown_name_in_a_filter_empties_that_field_only(client: TestClient, folder: Path) -> None:
    genres = {genre["name"] for movie in raw.movies(folder).values() for genre in movie["genres"] or ()}
    body: dict[str, Any] = post(client, '{ movies(filter: {company: "nope inc"}) { totalCount edges { node { id } } } '
                                        "genres(first: 2) { totalCount } }")
    assert body["data"] == {"movies": {"totalCount": 0, "edges": []}, "genres": {"totalCount": len(genres)}}
    [error] = body["errors"]
    assert error["path"] == ["movies"] and error["extensions"]["code"] == "NOT_FOUND" and "'nope inc'" in error["message"]


def test_every_node_type_can_be_found_by_node() -> None:
    node = default_schema()._schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    assert set(RESOLVERS) == {t.name for t in default_schema()._schema.get_possible_types(node)}
