"""The served app (`moviegraph serve` on the sample catalogue and model) driven by the client
libraries frontends use: graphql-http's server audit, Apollo Client 4 with its persisted-query
link (POST, then GET hashed queries), and HTTP caching and CORS as a browser or CDN sees them.

Expected values come from the catalogue file itself (sqlite3), never from the server."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api import cli
from tests.clients.node_packages import run_node
from tests.reliability.test_hostile_queries import serve

HERE = Path(__file__).parent
MAX_AGE = 30
GRAPHQL_RESPONSE = "application/graphql-response+json"
# Apollo Client's own request headers, and what a signed-in frontend adds.
APOLLO_HEADERS = "apollographql-client-name,apollographql-client-version,authorization,content-type,x-request-id"


@dataclass(frozen=True)
class Served:
    graphql: str
    db: Path


@pytest.fixture(scope="module")
def served(sample_db: Path, sample_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("http-clients")
    env = {"MOVIEGRAPH_CORS_ORIGINS": "http://localhost:*", "MOVIEGRAPH_CACHE_MAX_AGE": str(MAX_AGE),
           "MOVIEGRAPH_RATE_BURST": "1000"}  # the audit sends its 61 requests at once
    with serve(sample_db, sample_model, folder, env) as target:
        yield Served(f"{target.url}/graphql", folder / "catalogue.sqlite3")


def _catalogue(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(sql).fetchall()


def test_graphql_http_audit_reports_no_error_and_no_warning(served: Served, node_modules: Path) -> None:
    run = run_node(HERE / "audit.mjs", node_modules, served.graphql)
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    problems = [result for result in results if result["status"] != "ok"]
    assert problems == [] and len(results) >= 60  # graphql-http 1.23.1 has 61 server audits


def test_apollo_persisted_queries_register_then_run_by_hash_over_post_and_get(served: Served, node_modules: Path) -> None:
    run = run_node(HERE / "apollo.mjs", node_modules, served.graphql)
    assert run.returncode == 0, run.stderr
    steps = json.loads(run.stdout)
    (title, released), = _catalogue(served.db, "SELECT title, release_date FROM movie WHERE id = 862")
    genres = _catalogue(served.db, "SELECT g.name, count(*) FROM genre g JOIN moviegenre mg ON mg.genre_id = g.id "
                                   "GROUP BY g.id ORDER BY count(*) DESC, g.name LIMIT 3")

    def wire(step: str) -> list[tuple[str, bool, int, list[str]]]:
        return [(e["method"], e["hashOnly"], e["status"], e["errorCodes"]) for e in steps[step]["exchanges"]]

    assert steps["first"]["data"]["movie"] == {"__typename": "Movie", "title": title, "releaseDate": released}
    # The hash alone is unknown: PersistedQueryNotFound, and the link resends the query with it.
    assert wire("first") == [("POST", True, 400, ["PERSISTED_QUERY_NOT_FOUND"]), ("POST", False, 200, [])]
    # A fresh client (empty cache): the hash alone now runs.
    assert wire("second") == [("POST", True, 200, [])] and steps["second"]["data"] == steps["first"]["data"]
    # useGETForHashedQueries: the miss is resent by POST; the next GET is hash-only and cacheable.
    assert wire("getFirst") == [("GET", True, 400, ["PERSISTED_QUERY_NOT_FOUND"]), ("POST", False, 200, [])]
    assert wire("getSecond") == [("GET", True, 200, [])]
    hit = steps["getSecond"]["exchanges"][0]
    assert hit["cacheControl"] == f"public, max-age={MAX_AGE}" and hit["etag"]
    assert steps["getFirst"]["exchanges"][0]["cacheControl"] == "private, no-store"  # a miss is never cached
    nodes = [edge["node"] for edge in steps["getSecond"]["data"]["genres"]["edges"]]
    assert [(node["name"], node["movieCount"]) for node in nodes] == [tuple(row) for row in genres]


def test_apollo_runs_the_registered_queries_in_allow_list_mode(sample_db: Path, sample_model: Path, tmp_path: Path,
                                                              node_modules: Path) -> None:
    # The documents apollo.mjs sends, as a frontend's .graphql files hold them.
    (tmp_path / "movie.graphql").write_text("query Movie($id: ID!) { movie(id: $id) { title releaseDate } }\n")
    (tmp_path / "genres.graphql").write_text("query Genres { genres(first: 3) { totalCount edges { node { name movieCount } } } }\n")
    registry = tmp_path / "registered.json"
    cli.main(["queries", "register", str(tmp_path / "movie.graphql"), str(tmp_path / "genres.graphql"), "--file", str(registry)])
    env = {"MOVIEGRAPH_PERSISTED_QUERIES": "only", "MOVIEGRAPH_PERSISTED_QUERIES_FILE": str(registry)}
    with serve(sample_db, sample_model, tmp_path, env) as target:
        run = run_node(HERE / "apollo.mjs", node_modules, f"{target.url}/graphql")
        other = httpx.post(f"{target.url}/graphql", json={"query": "{ __typename }"}, trust_env=False, timeout=30)
    assert run.returncode == 0, run.stderr
    steps = json.loads(run.stdout)
    # Every hash the link computes is registered: each query runs at its first, hash-only, send.
    assert [(e["method"], e["hashOnly"], e["status"]) for step in steps.values() for e in step["exchanges"]] == \
        [("POST", True, 200), ("POST", True, 200), ("GET", True, 200), ("GET", True, 200)]
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_REGISTERED"


def test_a_catalogue_get_carries_an_etag_and_a_repeat_answers_304_empty(served: Served) -> None:
    params = {"query": "query Movie($id: ID!) { movie(id: $id) { title } }", "variables": json.dumps({"id": "862"})}
    with httpx.Client(trust_env=False, timeout=30) as client:
        first = client.get(served.graphql, params=params, headers={"accept": GRAPHQL_RESPONSE})
        repeat = client.get(served.graphql, params=params, headers={"accept": GRAPHQL_RESPONSE, "if-none-match": first.headers["etag"]})
        other = client.get(served.graphql, params={**params, "variables": json.dumps({"id": "8844"})}, headers={"accept": GRAPHQL_RESPONSE})
        legacy = client.get(served.graphql, params=params, headers={"accept": "application/json"})
    (title,), = _catalogue(served.db, "SELECT title FROM movie WHERE id = 862")
    assert first.status_code == 200 and first.json()["data"] == {"movie": {"title": title}}
    assert first.headers["cache-control"] == f"public, max-age={MAX_AGE}"
    assert first.headers["vary"] == "Accept, Authorization, Origin"
    assert first.headers["etag"].startswith('"') and not first.headers["etag"].startswith('W/')  # strong
    assert repeat.status_code == 304 and repeat.content == b"" and repeat.headers["etag"] == first.headers["etag"]
    # Another movie, another media type: other answers, other tags.
    assert len({first.headers["etag"], other.headers["etag"], legacy.headers["etag"]}) == 3


def test_user_specific_gets_and_mutations_are_never_cached(served: Served) -> None:
    recommend = {"query": '{ recommend(likes: ["862"], first: 3) { movie { title } } }'}
    with httpx.Client(trust_env=False, timeout=30) as client:
        answer = client.get(served.graphql, params=recommend)
        mutation = client.get(served.graphql, params={"query": 'mutation { deleteRating(movie: "862", user: "1") }'},
                              headers={"accept": GRAPHQL_RESPONSE})
    assert answer.status_code == 200 and len(answer.json()["data"]["recommend"]) == 3
    assert answer.headers["cache-control"] == "private, no-store" and "etag" not in answer.headers
    assert (mutation.status_code, mutation.headers["allow"], mutation.headers["cache-control"]) == (405, "POST", "private, no-store")
    assert mutation.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_cors_preflight_with_apollo_headers_from_a_local_dev_origin(served: Served) -> None:
    request = {"access-control-request-method": "POST", "access-control-request-headers": APOLLO_HEADERS}
    with httpx.Client(trust_env=False, timeout=30) as client:
        allowed = client.options(served.graphql, headers={"origin": "http://localhost:5173", **request})
        refused = client.options(served.graphql, headers={"origin": "https://elsewhere.example", **request})
        simple = client.get(served.graphql, params={"query": "{ __typename }"}, headers={"origin": "http://localhost:5173"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert set(APOLLO_HEADERS.split(",")) <= {h.strip().lower() for h in allowed.headers["access-control-allow-headers"].split(",")}
    assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["code"] == "CORS_REFUSED"
    assert simple.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "etag" in simple.headers.get("access-control-expose-headers", "")
    assert simple.headers["vary"] == "Accept, Authorization, Origin"  # once each, though CORS adds Origin too
