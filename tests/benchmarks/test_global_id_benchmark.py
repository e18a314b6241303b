"""What strawberry.relay's global `id` costs a page: `{ movies(first: 100) { edges { node { id } } } }`
against the same page asking the plain `tmdbId` (the baseline, a stored attribute), over the
embedded sample (474 movies), POSTed through Starlette's TestClient (response cache off) 300 times each in interleaved
rounds of 10 so machine noise falls on both alike. Reported: the median request time of each and
the load average."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings

pytestmark = pytest.mark.benchmark

QUERIES = {
    "tmdbId (baseline)": "{ movies(first: 100) { edges { node { tmdbId } } } }",
    "global id": "{ movies(first: 100) { edges { node { id } } } }",
}
ROUNDS, PER_ROUND = 30, 10


def test_global_ids_cost_a_100_movie_page_little(sample_db: Path) -> None:
    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    with TestClient(create_app(Settings(db_path=sample_db, rate_limit=0, response_cache_bytes=0))) as client:
        for query in QUERIES.values():  # warm-up: parse and validation caches, the database
            assert "errors" not in client.post("/graphql", json={"query": query}).json()
        for _ in range(ROUNDS):
            for name, query in QUERIES.items():
                for _ in range(PER_ROUND):
                    started = time.perf_counter()
                    client.post("/graphql", json={"query": query})
                    times[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name}: median {value:.2f} ms over {len(times[name])} requests")
    print(f"load average {os.getloadavg()[0]:.1f}")
    assert medians["global id"] < 1.5 * medians["tmdbId (baseline)"]
