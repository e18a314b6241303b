"""The real client libraries against the schema and the served API: relay-compiler, relay-runtime
and Apollo Client 4 (versions pinned in package.json / package-lock.json)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import raw
from tests.clients.npm import require_node
from tests.clients.relay.conftest import Compiled
from tests.conftest import ROOT

PIXAR = 3  # TMDB's id of Pixar Animation Studios


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "movies-dataset"


def _node(compiled: Compiled, *args: str) -> Any:
    if compiled.run.returncode != 0:
        pytest.fail(f"relay-compiler failed: {compiled.run.stderr[-3000:]}{compiled.run.stdout[-3000:]}")
    done = subprocess.run([require_node(), *args], cwd=compiled.folder, capture_output=True, text=True, timeout=120, check=False,
                          env={"NODE_ENV": "development", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_relay_compiler_compiles_a_refetchable_movie_and_a_connection_on_a_company_s_movies(relay_compiled: Compiled) -> None:
    assert relay_compiled.run.returncode == 0, relay_compiled.run.stderr + relay_compiled.run.stdout
    generated = relay_compiled.folder / "src" / "__generated__"
    refetch = (generated / "MovieCardRefetchQuery.graphql.js").read_text()
    assert "node(id: $id)" in refetch  # @refetchable on a Node type refetches through Query.node
    fragment = (generated / "MovieCard_company.graphql.js").read_text()
    assert '"connection"' in fragment and '"__MovieCard_company_movies_connection"' in fragment


def test_relay_runtime_normalises_a_movie_a_company_and_a_person_of_one_number_without_a_warning(
    relay_compiled: Compiled, api_url: str, folder: Path,
) -> None:
    numbers = raw.shared_numbers(folder)
    if not numbers:
        pytest.skip("no number is a movie's, a company's and a person's in these rows")
    answer = _node(relay_compiled, "normalize.js", api_url, str(numbers[0]))
    assert answer["warnings"] == []
    records = answer["records"]
    ids = [answer["data"][kind]["id"] for kind in ("movie", "company", "person")]
    assert [records[i]["__typename"] for i in ids] == ["Movie", "Company", "Person"]
    assert [records[i]["tmdbId"] for i in ids] == [numbers[0]] * 3
    # The same normaliser on ids shared across types (the API before global ids) does warn.
    colliding = _node(relay_compiled, "normalize.js", api_url, "13", "colliding")
    assert any("conflicting" in warning or ("Movie" in warning and "Company" in warning) for warning in colliding["warnings"]), colliding


def test_apollo_pages_a_company_s_movies_and_a_rating_updates_the_cache_without_a_refetch(
    relay_compiled: Compiled, api_url: str, folder: Path,
) -> None:
    pixar = [movie_id for movie_id, movie in raw.movies(folder).items() if any(c["id"] == PIXAR for c in movie["production_companies"] or ())]
    if len(pixar) < 4:
        pytest.skip("fewer than 4 Pixar movies in these rows")
    answer = _node(relay_compiled, "apollo.mjs", api_url, str(PIXAR), "7", "862", str(ROOT / "possible-types.json"))
    direct = httpx.post(api_url, json={"query": "{ company(id: 3) { movies(first: 4) { edges { node { id title } } } } }"}, trust_env=False)
    expected = [edge["node"] for edge in direct.json()["data"]["company"]["movies"]["edges"]]
    # Two pages of two, merged by relayStylePagination into the first four.
    assert answer["paged"] == [{"__typename": "Movie", **movie} for movie in expected]
    assert answer["totalCount"] == len(pixar)
    assert answer["cachedRating"]["rating"] == 4.5
    assert answer["sentAfterMutation"] == ["Rate"]  # the cached query was updated, not refetched
