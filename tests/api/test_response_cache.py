"""The in-process response cache: a repeated public query is answered without running again, with
the same body and headers; nothing of a user's, no error and no refused request is ever stored."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from api import service_keys
from api.app import create_app
from api.response_cache import ENTRY_OVERHEAD, ResponseCache
from api.settings import Settings
from loaders._common import Database

MOVIE = "query M($id: ID!) { movie(id: $id) { title genres { name } } }"


@pytest.fixture
def app(sample_db: Path) -> Starlette:
    return create_app(Settings(db_path=sample_db, rate_limit=0))


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def _database(app: Starlette) -> Database:
    database: Database = app.state.runtime.database
    return database


def _cache(app: Starlette) -> ResponseCache:
    cache = app.state.response_cache
    assert isinstance(cache, ResponseCache)
    return cache


def test_a_repeated_query_runs_once_and_answers_the_same(app: Starlette, client: TestClient) -> None:
    body = {"query": MOVIE, "variables": {"id": "862"}}
    first = client.post("/graphql", json=body)
    ran = _database(app).statements
    again = client.post("/graphql", json=body)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content and again.json()["data"]["movie"]["title"] == "Toy Story"
    assert {k: v for k, v in again.headers.items() if k not in ("content-length", "x-request-id")} == \
        {k: v for k, v in first.headers.items() if k not in ("content-length", "x-request-id")}
    assert _database(app).statements == ran  # no SQL for the second
    other = client.post("/graphql", json={"query": MOVIE, "variables": {"id": "8844"}})
    assert other.json()["data"]["movie"]["title"] == "Jumanji" and _database(app).statements > ran
    assert _cache(app).hits == 1 and len(_cache(app)) == 2


def test_a_get_is_answered_from_the_cache_with_its_etag_and_a_304(app: Starlette, client: TestClient) -> None:
    params = {"query": MOVIE, "variables": '{"id": "862"}'}
    first = client.get("/graphql", params=params)
    ran = _database(app).statements
    again = client.get("/graphql", params=params)
    revalidated = client.get("/graphql", params=params, headers={"if-none-match": first.headers["etag"]})
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "public, max-age=60"
    assert revalidated.status_code == 304 and revalidated.content == b"" and revalidated.headers["etag"] == first.headers["etag"]
    assert _database(app).statements == ran


@pytest.mark.parametrize("query", [
    '{ ratings(user: "1") { totalCount } }',  # a user's
    '{ movie(id: 862) { titel } }',  # refused by validation
    '{ movies(filter: {genre: "no such genre"}) { totalCount } }',  # answered with an error beside the data
])
def test_users_data_and_errors_are_not_stored(app: Starlette, client: TestClient, query: str) -> None:
    for _ in range(2):
        client.post("/graphql", json={"query": query})
    assert len(_cache(app)) == 0 and _cache(app).hits == 0


def test_the_kind_of_request_is_part_of_the_key(app: Starlette, client: TestClient) -> None:
    body = b'{"query": "{ movie(id: 862) { title } }"}'
    client.post("/graphql", content=body, headers={"content-type": "application/json"})
    plain = client.post("/graphql", content=body, headers={"content-type": "text/plain"})
    assert plain.status_code == 415  # refused, not the stored answer
    spec = client.post("/graphql", content=body, headers={"content-type": "application/json", "accept": "application/graphql-response+json"})
    assert spec.headers["content-type"].startswith("application/graphql-response+json")
    batch = b"[" + body + b"]"
    for _ in range(2):
        assert client.post("/graphql", content=batch, headers={"content-type": "application/json"}).status_code == 200
    assert _cache(app).hits == 0 and len(_cache(app)) == 2  # the two media types; never the batch


def test_a_new_catalogue_or_model_misses(app: Starlette, client: TestClient) -> None:
    body = {"query": "{ movie(id: 862) { title } }"}
    client.post("/graphql", json=body)
    app.state.catalogue_version = "a newer file"
    ran = _database(app).statements
    client.post("/graphql", json=body)
    assert _database(app).statements > ran and _cache(app).hits == 0


def _persisted(query: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


def test_a_persisted_query_stays_registered_while_its_answer_is_cached(sample_db: Path) -> None:
    # Room for one automatic persisted query: registering another pushes the first out.
    with TestClient(create_app(Settings(db_path=sample_db, rate_limit=0, persisted_query_max_entries=1))) as client:
        query, other = "{ movie(id: 862) { title } }", "{ movie(id: 8844) { title } }"
        assert client.post("/graphql", json={"query": query, "extensions": _persisted(query)}).status_code == 200
        client.post("/graphql", json={"query": other, "extensions": _persisted(other)})  # the first is forgotten
        missing = client.post("/graphql", json={"extensions": _persisted(query)})
        assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        # Apollo then sends the query with its hash: answered from the cache, and registered again.
        client.post("/graphql", json={"query": query, "extensions": _persisted(query)})
        hash_only = client.post("/graphql", json={"extensions": _persisted(query)})
        assert hash_only.json()["data"]["movie"]["title"] == "Toy Story"


def test_an_operator_s_answer_is_not_kept_for_others(sample_db: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    key = service_keys.create(keys, "tv-backend")
    app = create_app(Settings(db_path=sample_db, rate_limit=0, auth="jwt", jwt_secret="s" * 32, api_keys_file=str(keys)))
    with TestClient(app) as client:
        operator = client.post("/graphql", json={"query": "{ users { totalCount } }"}, headers={"x-api-key": key})
        anonymous = client.post("/graphql", json={"query": "{ users { totalCount } }"})
    assert operator.json()["data"]["users"]["totalCount"] > 0 and len(_cache(app)) == 0
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_hits_still_take_the_request_limit_s_token(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, rate_limit=1, rate_burst=3))) as client:
        statuses = [client.post("/graphql", json={"query": "{ __typename }"}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


def test_the_cache_can_be_turned_off(sample_db: Path) -> None:
    app = create_app(Settings(db_path=sample_db, rate_limit=0, response_cache_bytes=0))
    with TestClient(app) as client:
        client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
        ran = _database(app).statements
        client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
        assert _database(app).statements > ran and "moviegraph_response_cache_hits" not in client.get("/metrics").text


def test_hits_and_misses_are_in_the_metrics(client: TestClient) -> None:
    for _ in range(3):
        client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
    text = client.get("/metrics").text
    assert "moviegraph_response_cache_hits_total 2.0" in text and "moviegraph_response_cache_misses_total 1.0" in text


# --- the store itself -----------------------------------------------------------------------------


def test_entries_expire_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("api.response_cache.time.monotonic", lambda: now[0])
    cache = ResponseCache(max_bytes=1 << 20, ttl=60)
    cache.put(b"k", b"answer", 10, ("q", None, None), None, None)
    now[0] += 59.9
    assert cache.get(b"k") is not None
    now[0] += 0.2
    assert cache.get(b"k") is None and cache.used == 0 and len(cache) == 0


def test_the_bytes_held_stay_under_the_bound_least_recently_used_first() -> None:
    cache = ResponseCache(max_bytes=100 * (1000 + ENTRY_OVERHEAD), ttl=60)
    for i in range(1_000):
        cache.put(str(i).encode(), b"x" * 990, 10, ("q", None, None), None, None)
        if i == 950:
            assert cache.get(b"905") is not None  # used: it outlives those put before and after it
    assert cache.used <= cache.max_bytes and len(cache) == 100
    assert cache.get(b"999") is not None and cache.get(b"905") is not None and cache.get(b"899") is None
    assert not cache.put(b"big", b"x" * cache.max_entry, 0, ("q", None, None), None, None)  # over an eighth: not kept


def test_keys_do_not_collide_across_their_parts() -> None:
    assert ResponseCache.key("GET", b"a", "application/json", "1", "23") != ResponseCache.key("GET", b"a", "application/json", "12", "3")
    assert ResponseCache.key("GET", b"q", "application/json", "1", "2") != ResponseCache.key("POST", b"q", "application/json", "1", "2")
