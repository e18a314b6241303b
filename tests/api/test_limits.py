"""Request limits and security settings: body size, per-client rate limit, CORS, introspection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.limits import TokenBuckets, client_key
from api.settings import Settings

MOVIE = {"query": "{ movie(id: 862) { title } }"}


def _client(sample_db: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(db_path=sample_db, **settings)))  # type: ignore[arg-type]


# --- body size --------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(sample_db: Path) -> None:
    padding = {"query": "{ movie(id: 862) { title } }", "variables": {"pad": "x" * 2_000}}
    with _client(sample_db, max_body_bytes=1_000) as client:
        response = client.post("/graphql", json=padding)
        assert response.status_code == 413
        assert response.json() == {"errors": [{"message": "the request body is over the limit of 1,000 bytes",
                                               "extensions": {"code": "REQUEST_TOO_LARGE", "maximum": 1_000}}]}
        assert client.post("/graphql", json=MOVIE).json()["data"] == {"movie": {"title": "Toy Story"}}


def test_a_chunked_body_is_cut_off_at_the_limit(sample_db: Path) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(100):
            yield b" " * 500

    with _client(sample_db, max_body_bytes=1_000) as client:
        response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


def test_the_default_limit_takes_a_predicted_ratings_of_1000_ids(sample_db: Path) -> None:
    query = "query($items: [ID!]!) { predictedRatings(user: 1, items: $items) { rating } }"
    body = json.dumps({"query": query, "variables": {"items": [str(100_000 + i) for i in range(1_000)]}})
    assert len(body) > 10_000
    with _client(sample_db) as client:
        response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200  # answered by GraphQL (no model in this app), not refused for size
    assert response.json()["errors"][0]["extensions"]["code"] == "MODEL_UNAVAILABLE"


def test_rest_routes_get_the_rest_error_shape(sample_db: Path) -> None:
    with _client(sample_db, max_body_bytes=10) as client:
        response = client.request("GET", "/predicted-ratings/1?items=1", content=b"x" * 11)
    assert response.status_code == 413
    assert response.json() == {"error": "the request body is over the limit of 10 bytes", "code": "REQUEST_TOO_LARGE", "maximum": 10}


# --- rate limit -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one token comes back every 1/2 s
    assert buckets.take("b") == 0.0  # clients have buckets of their own
    clock.now += 0.25
    assert buckets.take("a") == pytest.approx(0.25)
    clock.now += 0.25
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == pytest.approx(0.5)


def test_idle_buckets_are_dropped_and_the_count_is_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=2, max_clients=3, clock=clock)
    for client in "abcde":
        buckets.take(client)
    assert len(buckets) == 3
    clock.now += 2.0  # full again after burst / rate seconds: the same as no bucket
    buckets.take("f")
    assert len(buckets) == 1


def test_over_the_rate_is_429_with_retry_after(sample_db: Path) -> None:
    # One token per 10 s: the third request comes well within that.
    with _client(sample_db, rate_limit=0.1, rate_burst=2) as client:
        assert [client.post("/graphql", json=MOVIE).status_code for _ in range(2)] == [200, 200]
        refused = client.post("/graphql", json=MOVIE)
        assert client.get("/health").status_code == 200  # probes are never limited
        other = TestClient(client.app, client=("203.0.113.9", 1234))
        assert other.post("/graphql", json=MOVIE).status_code == 200
        metrics = client.get("/metrics").text
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 10
    error = refused.json()["errors"][0]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}
    assert "moviegraph_rate_limited_requests_total 1.0" in metrics


# 100 movies with 40 cast members each: 1 + 100 * (1 + 1 + 40 * 2) = 8,201 by the cost estimate.
COSTLY = {"query": "{ movies(first: 100) { edges { node { title cast(first: 40) { character person { name } } } } } }"}
COSTLY_COST = 8_201
COSTLIER = {"query": COSTLY["query"].replace("title", "title year")}  # another text, as costly: it runs


def test_a_client_is_charged_its_queries_cost(sample_db: Path) -> None:
    # 1,000 cost a second, 10,000 at once: one costly query, then a refusal until the bucket refills.
    with _client(sample_db, rate_cost=1_000.0, max_query_cost=10_000) as client:
        first = client.post("/graphql", json=COSTLY)
        assert first.status_code == 200 and first.json()["extensions"]["cost"]["requested"] == COSTLY_COST
        refused = client.post("/graphql", json=COSTLIER)
        repeated = client.post("/graphql", json=COSTLY)  # its answer is cached, but charged as the query: refused
        cheap = client.post("/graphql", json=MOVIE)  # 1,799 tokens (and more) are left: a cheap query still goes
        other = TestClient(client.app, client=("203.0.113.9", 1234))
        assert other.post("/graphql", json=COSTLY).status_code == 200  # clients are charged apart
    assert cheap.status_code == 200 and cheap.json()["data"] == {"movie": {"title": "Toy Story"}}
    assert repeated.status_code == 429
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    # 8,201 tokens needed, 1,799 left plus what came back while the first query ran, at 1,000 a second.
    assert 1 <= retry_after <= 7  # 7: no refill at all
    assert refused.json()["errors"] == [{"message": f"too many requests from this client; retry in {retry_after} s",
                                         "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after}}]
    assert refused.json()["data"] is None


def test_a_zero_rate_turns_the_limit_off(sample_db: Path) -> None:
    with _client(sample_db, rate_limit=0, rate_burst=1) as client:
        assert {client.post("/graphql", json=MOVIE).status_code for _ in range(5)} == {200}


# --- CORS -------------------------------------------------------------------------------------

PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}


def test_cors_preflight_from_an_allowed_origin(sample_db: Path) -> None:
    with _client(sample_db, cors_origins=("https://app.example",)) as client:
        preflight = client.options("/graphql", headers={"origin": "https://app.example", **PREFLIGHT})
        simple = client.post("/graphql", json=MOVIE, headers={"origin": "https://app.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert simple.headers["access-control-allow-origin"] == "https://app.example"


def test_cors_refuses_other_origins(sample_db: Path) -> None:
    with _client(sample_db, cors_origins=("https://app.example",)) as client:
        preflight = client.options("/graphql", headers={"origin": "https://evil.example", **PREFLIGHT})
        simple = client.post("/graphql", json=MOVIE, headers={"origin": "https://evil.example"})
    assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers
    assert preflight.json()["errors"][0]["extensions"]["code"] == "CORS_REFUSED"
    assert "access-control-allow-origin" not in simple.headers


def test_no_cross_origin_access_by_default(sample_db: Path) -> None:
    with _client(sample_db) as client:
        preflight = client.options("/graphql", headers={"origin": "https://app.example", **PREFLIGHT})
        simple = client.post("/graphql", json=MOVIE, headers={"origin": "https://app.example"})
    # Refused before the route (which answered 405), saying which setting allows it.
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
    assert preflight.json()["errors"][0]["extensions"] == {"code": "CORS_NOT_CONFIGURED", "setting": "MOVIEGRAPH_CORS_ORIGINS"}
    assert "access-control-allow-origin" not in simple.headers


# --- introspection ----------------------------------------------------------------------------

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.mark.parametrize("introspection", [True, False])
def test_introspection_setting(sample_db: Path, introspection: bool) -> None:
    with _client(sample_db, introspection=introspection) as client:
        schema_body = client.post("/graphql", json={"query": INTROSPECTION}).json()
        typename = client.post("/graphql", json={"query": "{ __typename }"}).json()
        movie = client.post("/graphql", json=MOVIE).json()
    if introspection:
        assert schema_body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    else:
        assert schema_body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in schema_body["errors"][0]["message"]
    assert typename["data"] == {"__typename": "Query"} and movie["data"] == {"movie": {"title": "Toy Story"}}


# --- query cost -------------------------------------------------------------------------------


def test_the_max_query_cost_setting(sample_db: Path) -> None:
    page = "{ movies(first: 30) { edges { node { title } } } }"  # 1 + 30 * (edge + node) = 61
    with _client(sample_db, max_query_cost=61) as client:
        allowed = client.post("/graphql", json={"query": page}).json()
    with _client(sample_db, max_query_cost=60) as client:
        refused = client.post("/graphql", json={"query": page}).json()
    assert len(allowed["data"]["movies"]["edges"]) == 30 and allowed["extensions"]["cost"] == {"requested": 61, "maximum": 61}
    assert refused["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 61, "maximum": 60}


# --- settings ---------------------------------------------------------------------------------


def test_limit_settings_from_the_environment() -> None:
    settings = Settings.from_environ({
        "MOVIEGRAPH_CORS_ORIGINS": "https://a.example, http://localhost:3000",
        "MOVIEGRAPH_INTROSPECTION": "off",
        "MOVIEGRAPH_RATE_LIMIT": "0",
        "MOVIEGRAPH_MAX_QUERY_COST": "500",
    })
    assert settings.cors_origins == ("https://a.example", "http://localhost:3000")
    assert (settings.introspection, settings.rate_limit, settings.max_query_cost) == (False, 0.0, 500)
    assert Settings.from_environ(settings.as_environ()) == settings


@pytest.mark.parametrize(("name", "value"), [("INTROSPECTION", "maybe"), ("CORS_ORIGINS", "app.example"),
                                             ("CORS_ORIGINS", "https://app.example/"), ("RATE_LIMIT", "-1"),
                                             ("RATE_LIMIT", "nan"), ("MODEL_POLL_SECONDS", "nan"), ("LOG_LEVEL", "bogus"),
                                             ("MAX_BODY_BYTES", "0"), ("RATE_COST", "-1"), ("DEADLINE_SECONDS", "0"),
                                             ("DEADLINE_SECONDS", "inf"), ("DB_READERS", "0")])
def test_bad_limit_settings_are_refused(name: str, value: str) -> None:
    from data.errors import SettingsError

    with pytest.raises(SettingsError):
        Settings.from_environ({f"MOVIEGRAPH_{name}": value})


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("testclient", "testclient"),
])
def test_ipv6_clients_share_a_bucket_per_64(address: str, key: str) -> None:
    assert client_key(address) == key
