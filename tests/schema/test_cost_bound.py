"""The query cost is an upper bound on the objects a query returns: Hypothesis writes valid queries
over the whole catalogue schema (every object and list field, `first` given, left out or passed as
a variable the request gives or leaves out, named and inline fragments) about the movies, people
and groups with the longest lists of the catalogue, found with sqlite3; each answer's objects are
counted and compared with the `extensions.cost` it reports. On the real-rows catalogue in the
default run, on the full-size one under `-m slow`."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type, is_leaf_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.domain import MAX_QUERY_COST, encode_global_id
from data.ingest import IngestResult
from schema import default_schema
from schema.cost import MEASURED_LISTS
from tests.benchmarks.conftest import fullsize_db, fullsize_dir  # noqa: F401  (the full-size catalogue fixtures)

GRAPHQL = default_schema()._schema
# Fields left out: they need a model (the test catalogues have none) or are free JSON.
SKIPPED = {("Movie", "similar"), ("ModelInfo", "metrics")}
MAX_LEVELS = 3  # object fields below the root field


@dataclass
class Pools:
    """Ids to ask about, read with sqlite3: the holders of the longest lists, by the field that reads the list."""

    movies: dict[str, list[int]]
    people: dict[str, list[int]]
    companies: list[int]
    directors: list[int]
    collections: list[int]
    genres: list[int]
    users: list[int]


# The movie's list fields and where each is stored.
MOVIE_LISTS = {"genres": ("moviegenre", ""), "companies": ("moviecompany", ""), "countries": ("moviecountry", ""),
               "spokenLanguages": ("movielanguage", ""), "keywords": ("moviekeyword", ""), "directors": ("crew", "WHERE job = 'Director'"),
               "cast": ("cast", ""), "crew": ("crew", "")}


def _top(conn: sqlite3.Connection, table: str, key: str, where: str = "") -> list[int]:
    # Table and column names are this test's own constants.
    rows = conn.execute(f'SELECT {key} FROM "{table}" {where} GROUP BY {key} ORDER BY count(*) DESC, {key} LIMIT 3').fetchall()
    return [row[0] for row in rows]


def read_pools(db: Path) -> Pools:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        movies = {name: _top(conn, table, "movie_id", where) for name, (table, where) in MOVIE_LISTS.items()}
        return Pools(
            movies=movies,
            people={"castCredits": _top(conn, "cast", "person_id"), "crewCredits": _top(conn, "crew", "person_id")},
            companies=_top(conn, "moviecompany", "company_id"),
            directors=_top(conn, "crew", "person_id", "WHERE job = 'Director'"),
            collections=_top(conn, "movie", "collection_id", "WHERE collection_id IS NOT NULL"),
            genres=_top(conn, "moviegenre", "genre_id"),
            users=_top(conn, "rating", "user_id"),
        )


def holders(by_field: dict[str, list[int]], asked: list[str]) -> list[int]:
    """The holders of the longest list of the first field asked at the top that has one (of any, if none has)."""
    return next((by_field[name] for name in asked if name in by_field), [h for hs in by_field.values() for h in hs])


def root_arguments(pools: Pools, asked: list[str]) -> dict[str, st.SearchStrategy[str]]:
    """The arguments of each root field the test asks, other than `first`; a movie or person is
    one holding the longest of the lists `asked` of it, so no other list's slack hides an undercount."""
    def ids(name: str, values: list[int]) -> st.SearchStrategy[str]:
        return st.sampled_from(values).map(lambda value: f'{name}: "{value}"')

    return {
        "movie": ids("id", holders(pools.movies, asked)), "person": ids("id", holders(pools.people, asked)),
        "company": ids("id", pools.companies),
        "director": ids("id", pools.directors), "collection": ids("id", pools.collections), "genre": ids("id", pools.genres),
        "ratings": ids("user", pools.users), "country": st.just('code: "US"'), "language": st.just('code: "en"'),
        "nodes": st.lists(st.sampled_from(holders(pools.movies, asked)), min_size=1, max_size=3).map(
            lambda movies: "ids: [" + ", ".join(f'"{encode_global_id("Movie", movie)}"' for movie in movies) + "]"),
        "search": st.sampled_from(['text: "the"', 'text: "love"']),
        "people": st.sampled_from(['name: "j"', 'name: "tom"']), "movies": st.just(""), "companies": st.just(""),
        "directors": st.just(""), "collections": st.just(""), "genres": st.just(""), "countries": st.just(""), "languages": st.just(""),
    }


@dataclass
class Query:
    top: list[str] = field(default_factory=list)  # the object fields asked of the root field's object
    variables: dict[str, int] = field(default_factory=dict)
    declared: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)

    def first(self, draw: st.DrawFn, backwards: bool = False) -> str:
        """`first` as the query gives it: left out, a literal, or a variable given or left out; or,
        on a connection (`backwards`), `last` as a literal."""
        choice = draw(st.sampled_from(["omit", "literal", "variable", "missing variable", *(["last"] if backwards else [])]))
        value = draw(st.sampled_from([0, 1, 2, 3, 100]))
        if choice == "literal":
            return f"first: {value}"
        if choice == "last":
            return f"last: {value}"
        if choice == "omit":
            return ""
        name = f"n{len(self.declared)}"
        self.declared.append(f"${name}: Int")  # nullable: the argument's default applies when it is left out
        if choice == "variable":
            self.variables[name] = value
        return f"first: ${name}"

    def text(self, body: str) -> str:
        declared = f"({', '.join(self.declared)})" if self.declared else ""
        return " ".join([f"query Q{declared} {{ {body} }}", *self.fragments])


def object_fields(type_name: str) -> list[str]:
    named = GRAPHQL.type_map[type_name]
    assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
    return [name for name, f in named.fields.items() if not is_leaf_type(get_named_type(f.type)) and (type_name, name) not in SKIPPED]


def scalar_field(type_name: str) -> str:
    named = GRAPHQL.type_map[type_name]
    assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
    scalar: str = next(name for name, f in named.fields.items() if is_leaf_type(get_named_type(f.type)) and not f.args)
    return scalar


def call(name: str, arguments: list[str]) -> str:
    given = ", ".join(argument for argument in arguments if argument)
    return f"{name}({given})" if given else name


@st.composite
def selection(draw: st.DrawFn, query: Query, type_name: str, level: int) -> str:
    """A selection set on `type_name`: a scalar and up to two object fields, maybe wrapped in a fragment."""
    parts = [scalar_field(type_name)]
    children = object_fields(type_name) if level < MAX_LEVELS else []
    # Often a single path, whose cost has no other list's slack to hide an undercounted one; the
    # lists measured in the catalogue come up three times as often as other fields.
    weighted = [*children, *[name for name in children if (type_name, name) in MEASURED_LISTS] * 2]
    for name in draw(st.lists(st.sampled_from(weighted), max_size=draw(st.sampled_from([1, 1, 2])), unique=True)) if children else []:
        named = GRAPHQL.type_map[type_name]
        assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
        definition = named.fields[name]
        if level == 0:
            query.top.append(name)
        arguments = [query.first(draw, "last" in definition.args)] if "first" in definition.args else []
        if name == "crew" and draw(st.booleans()):
            arguments.append('job: "Director"')
        child_type = get_named_type(definition.type).name
        parts.append(f"{call(name, arguments)} {{ {draw(selection(query, child_type, level + 1))} }}")
    body = " ".join(parts)
    wrap = draw(st.sampled_from(["plain", "inline", "fragment", "fragment twice"]))
    if wrap == "inline":
        return f"... on {type_name} {{ {body} }}"
    if wrap.startswith("fragment"):
        name = f"F{len(query.fragments)}"
        query.fragments.append(f"fragment {name} on {type_name} {{ {body} }}")
        return f"...{name} ...{name}" if wrap == "fragment twice" else f"...{name}"
    return body


@st.composite
def queries(draw: st.DrawFn, pools: Pools) -> tuple[str, dict[str, int]]:
    roots = sorted(root_arguments(pools, []))
    # Movies and people hold the lists without `first`: asked about more often.
    root = draw(st.sampled_from([*roots, *["movie"] * 8, *["person"] * 3]))
    definition = GRAPHQL.query_type.fields[root]  # type: ignore[union-attr]
    query = Query()
    if root == "nodes":  # movies by their global ids, asked through the Node interface
        selected = f"... on Movie {{ {draw(selection(query, 'Movie', 0))} }}"
    else:
        selected = draw(selection(query, get_named_type(definition.type).name, 0))
    given = [draw(root_arguments(pools, query.top)[root])]
    if "first" in definition.args:
        given.append(query.first(draw, "last" in definition.args))
    body = f"{call(root, given)} {{ {selected} }}"
    return query.text(body), query.variables


def objects_in(value: Any) -> int:
    """JSON objects in an answer's `data` below its root: each is one object the query returned."""
    if isinstance(value, dict):
        return 1 + sum(objects_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(objects_in(v) for v in value)
    return 0


@dataclass
class Tally:
    executed: int = 0
    refused: int = 0
    tightest: float = 0.0  # the largest objects / cost seen


def check_bound(client: TestClient, query: str, variables: dict[str, int], tally: Tally) -> None:
    body = client.post("/graphql", json={"query": query, "variables": variables}).json()
    cost = body["extensions"]["cost"]["requested"] if "extensions" in body else None
    if body.get("errors"):
        assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"], (query, body["errors"])
        tally.refused += 1
        return
    returned = sum(objects_in(value) for value in body["data"].values())
    assert cost is not None, body  # every executed operation reports its cost
    assert returned <= cost, (query, variables, returned, cost)
    tally.executed += 1
    tally.tightest = max(tally.tightest, returned / cost if cost else 0.0)


@contextlib.contextmanager
def client_on(db: Path) -> Iterator[TestClient]:
    settings = Settings.from_environ({"MOVIEGRAPH_DB_PATH": str(db), "MOVIEGRAPH_RATE_LIMIT": "0"})
    with TestClient(create_app(settings)) as client:
        yield client


def run_property(db: Path, examples: int, derandomize: bool) -> Tally:
    tally = Tally()
    pools = read_pools(db)
    with client_on(db) as client:
        @settings(max_examples=examples, derandomize=derandomize, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(case=queries(pools))
        def bound(case: tuple[str, dict[str, int]]) -> None:
            check_bound(client, *case, tally)

        bound()
    print(f"{tally.executed} executed, {tally.refused} refused over {MAX_QUERY_COST:,}; tightest objects/cost {tally.tightest:.2f}")
    assert tally.executed > tally.refused  # the property was tested on answers, not only on refusals
    return tally


def test_objects_returned_never_exceed_the_cost_on_the_real_catalogue(real_catalogue: tuple[IngestResult, Path]) -> None:
    run_property(real_catalogue[1], 100, derandomize=True)


@pytest.mark.slow
def test_objects_returned_never_exceed_the_cost_on_the_full_size_catalogue(fullsize_db: Path) -> None:  # noqa: F811
    run_property(fullsize_db, 300, derandomize=False)


# Each list without `first`: its link table, and the field that reads it.
LINKS = {"genres": "moviegenre", "companies": "moviecompany", "countries": "moviecountry", "spokenLanguages": "movielanguage",
         "keywords": "moviekeyword", "directors": "crew WHERE job = 'Director'"}


@pytest.mark.parametrize("list_field", sorted(LINKS))
def test_a_list_without_first_costs_the_longest_in_the_catalogue(real_catalogue: tuple[IngestResult, Path], list_field: str) -> None:
    """The movie with the longest such list returns exactly as many objects as its query is
    costed: the cost reads the catalogue's longest list, which the ingest measured."""
    db = real_catalogue[1]
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        movie, most = conn.execute(f"SELECT movie_id, count(*) FROM {LINKS[list_field]} GROUP BY movie_id ORDER BY 2 DESC LIMIT 1").fetchone()
    with client_on(db) as client:
        body = client.post("/graphql", json={"query": f'{{ movie(id: "{movie}") {{ {list_field} {{ name }} }} }}'}).json()
    assert len(body["data"]["movie"][list_field]) == most
    assert body["extensions"]["cost"]["requested"] == 1 + most


def test_the_issue_example_is_bounded(real_catalogue: tuple[IngestResult, Path]) -> None:
    """Costed 221 before, while it returned ~24,000 movies at full size: crew and crewCredits now
    take `first` (default 100), which bounds both the answer and its cost."""
    query = '{ movie(id: "8874") { crew { person { crewCredits { movie { title } } } } } }'
    with client_on(real_catalogue[1]) as client:
        body = client.post("/graphql", json={"query": query}).json()
    assert body["extensions"]["cost"]["requested"] == 1 + 100 * (1 + 1 + 100 * (1 + 1))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COSTLY"]
