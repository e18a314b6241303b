"""Response cache benchmark: a repeated catalogue query answered from the in-process cache
(api/response_cache.py), against the floor in the same run (a bare Starlette app returning a fixed
1 KB JSON body, served by uvicorn with the same flags).

`moviegraph serve --workers 1` over the full-size catalogue (45,430 movies) with its defaults
(the cache on), and the same server with MOVIEGRAPH_RESPONSE_CACHE_BYTES=0 for the query run each
time. Workload: the API benchmark's (a), movie(id: 862) with genres, companies, collection,
directors and cast(first: 5): POSTed; sent as a GET; and that GET with If-None-Match holding its
ETag (a 304, no body). Each case at 1 and 8 clients, 300 requests, in 3 rounds alternating between
the cases; the figure is the median of the rounds' p50s (and of their throughputs). Every reply is
checked. Targets (issue #15): the cached answer's p50 within 3x the floor's, the 304's within 2x.
Run: `.venv/bin/python -m pytest tests/benchmarks/test_response_cache_benchmark.py -m benchmark -s`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.benchmarks.floor_app import BODY as FLOOR_BODY
from tests.benchmarks.test_api_benchmark import (
    CATALOGUES,
    QUERIES,
    Reply,
    check_detail,
    drive_request,
    floor_port,
    get_request,
    post_request,
)
from tests.servers import HOST, free_port, serving

pytestmark = pytest.mark.benchmark
__all__ = ["floor_port"]  # the floor server fixture, shared with the API benchmark

REQUESTS = 300
ROUNDS = 3
CLIENTS = (1, 8)
CACHED_TARGET, REVALIDATED_TARGET = 3.0, 2.0
VARIABLES = {"id": "862", "castFirst": 5}


@dataclass(frozen=True)
class Case:
    label: str
    port: int
    request: bytes
    check: Callable[[Reply], None]


def _graphql_answer(reply: Reply) -> None:
    assert reply.status == 200, reply.body[:300]
    body = reply.json()
    assert "errors" not in body, body["errors"]
    check_detail(body["data"], CATALOGUES["fullsize"])


def _not_modified(reply: Reply) -> None:
    assert reply.status == 304 and reply.body == b""


def _floor(reply: Reply) -> None:
    assert reply.status == 200 and reply.body == FLOOR_BODY


@contextmanager
def _moviegraph(db: Path, model: Path, logs: Path, cache_bytes: int | None) -> Iterator[int]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve", "--host", HOST, "--port", str(port), "--workers", "1",
               "--db", str(db)]
    environment = {"MOVIEGRAPH_MODEL_DIR": str(model), "MOVIEGRAPH_RATE_LIMIT": "0"}
    if cache_bytes is not None:
        environment["MOVIEGRAPH_RESPONSE_CACHE_BYTES"] = str(cache_bytes)
    with serving(command, f"http://{HOST}:{port}/health", logs / f"server-{port}.log", environment):
        yield port


def _etag(port: int, path: str) -> str:
    response = httpx.get(f"http://{HOST}:{port}{path}", trust_env=False)
    assert response.status_code == 200 and response.headers["cache-control"].startswith("public"), response.text[:300]
    return response.headers["etag"]


def test_cached_answers_against_the_floor(floor_port: int, fullsize_db: Path, fullsize_model: Path, tmp_path: Path) -> None:
    query = (QUERIES / "movie_detail.graphql").read_text()
    payload = json.dumps({"query": query, "variables": VARIABLES}).encode()
    path = "/graphql?" + urllib.parse.urlencode({"query": query, "variables": json.dumps(VARIABLES)})
    load_before = os.getloadavg()
    with _moviegraph(fullsize_db, fullsize_model, tmp_path, None) as cached, _moviegraph(fullsize_db, fullsize_model, tmp_path, 0) as runs:
        cases = [
            Case("floor POST (1 KB JSON)", floor_port, post_request(floor_port, "/", payload), _floor),
            Case("floor GET", floor_port, get_request(floor_port, "/"), _floor),
            Case("(a) POST, cache off", runs, post_request(runs, "/graphql", payload), _graphql_answer),
            Case("(a) POST, cached", cached, post_request(cached, "/graphql", payload), _graphql_answer),
            Case("(a) GET, cached", cached, get_request(cached, path), _graphql_answer),
            Case("(a) GET, If-None-Match: 304", cached, get_request(cached, path, {"If-None-Match": _etag(cached, path)}), _not_modified),
        ]
        p50s: dict[tuple[str, int], list[float]] = {(case.label, c): [] for case in cases for c in CLIENTS}
        rates: dict[tuple[str, int], list[float]] = {(case.label, c): [] for case in cases for c in CLIENTS}
        for _ in range(ROUNDS):
            for case in cases:
                for clients in CLIENTS:
                    result, replies = drive_request(case.port, case.request, REQUESTS, clients)
                    for reply in replies:
                        case.check(reply)
                    p50s[case.label, clients].append(result.percentile_ms(50))
                    rates[case.label, clients].append(result.throughput)

    def p50(label: str, clients: int) -> float:
        return statistics.median(p50s[label, clients])

    lines = [(f"\nresponse cache, full size (45,430 movies), 1 uvicorn worker, median of {ROUNDS} rounds of {REQUESTS}; "
              f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores"),
             f"{'case':<30} {'clients':>7} {'p50 ms':>8} {'range':>13} {'req/s':>8}  vs floor"]
    for case in cases:
        floor = "floor GET" if "GET" in case.label else "floor POST (1 KB JSON)"
        for clients in CLIENTS:
            values = p50s[case.label, clients]
            ratio = p50(case.label, clients) / p50(floor, clients)
            lines.append(f"{case.label:<30} {clients:>7} {p50(case.label, clients):>8.2f} {min(values):>6.2f}-{max(values):<6.2f} "
                         f"{statistics.median(rates[case.label, clients]):>8.0f}  {ratio:.1f}x")
    cached_ratio = p50("(a) POST, cached", 1) / p50("floor POST (1 KB JSON)", 1)
    revalidated_ratio = p50("(a) GET, If-None-Match: 304", 1) / p50("floor GET", 1)
    lines.append(f"cached (a) p50 / floor p50 at 1 client: {cached_ratio:.1f}x (target <= {CACHED_TARGET:g}x: "
                 f"{'met' if cached_ratio <= CACHED_TARGET else 'MISSED'}); "
                 f"304 / floor GET: {revalidated_ratio:.1f}x (target <= {REVALIDATED_TARGET:g}x: "
                 f"{'met' if revalidated_ratio <= REVALIDATED_TARGET else 'MISSED'})")
    print("\n".join(lines))
