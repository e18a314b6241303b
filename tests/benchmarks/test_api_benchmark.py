"""API benchmark: `moviegraph serve --workers 1` (uvicorn, a subprocess) over the embedded sample
(474 movies) and the full-size catalogue (45,430 movies), against a floor in the same run: a bare
Starlette app returning a fixed 1 KB JSON body, served by uvicorn with the same flags.
Driver: a minimal HTTP/1.1 client on uvloop in the pytest process, over keep-alive connections,
POSTing the queries in queries/*.graphql with fixed variables; after 20 warm-up requests, 300
timed requests per case (100 for the 100-movie page) at 1 client, then at 8 concurrent clients.
Workloads: (a) movie(id: 862) (Toy Story, in both catalogues) with genres, companies, collection,
directors and cast(first: 5); (b) movies(first: 100) with the same nesting; (c) search(text:
"matrix") (no hits in the sample, 7 in the full size); (d) director(name: "John Lasseter") with
aggregates and his movies (1 in the sample, 96 in the full size). The floor gets (a)'s request.
Recommender workloads, with a model trained on each catalogue's ratings (ratings_small): (e)
recommend(user: 1, first: 10); (f) predictedRatings(user: 1) of the 100 lowest movie ids; (g)
movie(id: 862) { similar(first: 10) }.
Every response is checked: status 200, no `errors`, the expected data. The response cache is off,
so each request runs its query (test_response_cache_benchmark.py times the cache).
Targets for the full size: (a) p50 at most 3x the floor's p50 at 1 client and at least 400 req/s
at 8 clients; p50 at 1 client at most 25 ms for (b), 5 ms for (c), 10 ms for (d), 5 ms for (e),
(f) and (g)."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvloop

from tests.benchmarks.floor_app import BODY as FLOOR_BODY
from tests.servers import HOST, free_port, serving

pytestmark = pytest.mark.benchmark

QUERIES = Path(__file__).parent / "queries"
WARMUP = 20
CLIENTS = (1, 8)


@dataclass(frozen=True)
class Catalogue:
    """What the fixed inputs find in one catalogue, so every response can be checked."""

    label: str
    movies: int
    matrix_hits: int
    lasseter_movies: int


CATALOGUES = {
    "sample": Catalogue("sample (474 movies)", 474, 0, 1),
    "fullsize": Catalogue("full size (45,430 movies)", 45_430, 7, 96),
}
Check = Callable[[dict[str, Any], Catalogue], None]


def _check_movie(movie: dict[str, Any]) -> None:
    assert movie["title"] and isinstance(movie["genres"], list) and isinstance(movie["directors"], list)
    assert len(movie["cast"]) <= 5 and all(credit["person"]["name"] for credit in movie["cast"])


def check_detail(data: dict[str, Any], catalogue: Catalogue) -> None:
    movie = data["movie"]
    assert movie["title"] == "Toy Story" and movie["collection"]["name"] == "Toy Story Collection"
    assert {"name": "John Lasseter"} in movie["directors"] and len(movie["cast"]) == 5
    assert movie["cast"][0]["person"]["name"] == "Tom Hanks"


def check_page(data: dict[str, Any], catalogue: Catalogue) -> None:
    page = data["movies"]
    assert page["totalCount"] == catalogue.movies and len(page["edges"]) == 100
    for edge in page["edges"]:
        _check_movie(edge["node"])


def check_search(data: dict[str, Any], catalogue: Catalogue) -> None:
    found = data["search"]
    assert found["totalCount"] == catalogue.matrix_hits == len(found["edges"])
    assert all("matrix" in edge["node"]["title"].lower() for edge in found["edges"])


def check_recommend(data: dict[str, Any], catalogue: Catalogue) -> None:
    items = data["recommend"]
    assert len(items) == 10 and all(item["personalized"] and 1 <= item["predictedRating"] <= 5 for item in items)


def check_predicted(data: dict[str, Any], catalogue: Catalogue) -> None:
    ratings = data["predictedRatings"]
    assert len(ratings) == 100 and all(1 <= rating["rating"] <= 5 for rating in ratings)


def check_similar(data: dict[str, Any], catalogue: Catalogue) -> None:
    similar = data["movie"]["similar"]
    assert len(similar) == 10 and all(item["movie"]["tmdbId"] != 862 for item in similar)


def check_director(data: dict[str, Any], catalogue: Catalogue) -> None:
    director = data["director"]
    assert director["name"] == "John Lasseter"
    assert director["movieCount"] == catalogue.lasseter_movies == len(director["movies"]["edges"])
    assert director["totalRevenue"] > 0 and all(edge["node"]["title"] for edge in director["movies"]["edges"])


@dataclass(frozen=True)
class Workload:
    label: str
    query_file: str
    variables: dict[str, Any]
    requests: int
    check: Check
    target_p50_ms: float | None = None  # at 1 client, full size

    def payload(self, items: list[str]) -> bytes:
        variables = {**self.variables, "items": items} if self.query_file == "predicted_ratings.graphql" else self.variables
        return json.dumps({"query": (QUERIES / self.query_file).read_text(), "variables": variables}).encode()


WORKLOADS = [
    Workload("(a) movie 862 + nesting", "movie_detail.graphql", {"id": "862", "castFirst": 5}, 300, check_detail),
    Workload("(b) movies(first: 100)", "movie_page.graphql", {"first": 100, "castFirst": 5}, 100, check_page, 25),
    Workload('(c) search "matrix"', "search.graphql", {"text": "matrix"}, 300, check_search, 5),
    Workload("(d) director Lasseter", "director_success.graphql", {"name": "John Lasseter"}, 300, check_director, 10),
    Workload("(e) recommend top 10", "recommend.graphql", {"user": "1", "first": 10}, 300, check_recommend, 5),
    Workload("(f) predictedRatings x100", "predicted_ratings.graphql", {"user": "1"}, 300, check_predicted, 5),
    Workload("(g) similar top 10", "similar.graphql", {"id": "862", "first": 10}, 300, check_similar, 5),
]
DETAIL_RATIO_TARGET = 3.0
DETAIL_THROUGHPUT_TARGET = 400.0


@dataclass(frozen=True)
class Result:
    latencies: list[float]  # seconds, one per timed request
    wall: float

    def percentile_ms(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall


# --- servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def floor_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "tests.benchmarks.floor_app:app",
               "--host", HOST, "--port", str(port), "--workers", "1", "--log-level", "warning"]
    with serving(command, f"http://{HOST}:{port}/", tmp_path_factory.mktemp("floor") / "server.log"):
        yield port


# --- driver -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One keep-alive HTTP/1.1 connection, sending a prepared request and reading the reply.

    httpx.AsyncClient spends about 2 ms of CPU a request on this machine, ten times the floor's
    whole round trip (0.2 ms), so it would mostly measure itself. This reads just what uvicorn
    sends these two apps: a status line, headers with Content-Length, the body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))  # asyncio sets TCP_NODELAY

    async def send(self, request: bytes) -> Reply:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(b":") for h in header_lines)}
        status = int(status_line.split()[1])
        if status == 304:  # no body (RFC 9110 15.4.5)
            return Reply(status, b"")
        if b"content-length" not in headers or headers.get(b"connection") == b"close":
            raise RuntimeError(f"unexpected reply for this client: {head!r}")
        return Reply(status, await self.reader.readexactly(int(headers[b"content-length"])))

    def close(self) -> None:
        self.writer.close()


def post_request(port: int, path: str, payload: bytes) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


def get_request(port: int, path_and_query: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path_and_query} HTTP/1.1", f"Host: {HOST}:{port}", *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _drive(port: int, request: bytes, requests: int, clients: int) -> tuple[Result, list[Reply]]:
    """`requests` sendings of `request` from `clients` concurrent keep-alive connections, after a warm-up.

    Replies are kept and checked after the clock stops, so parsing them does not slow the other
    clients down."""
    connections = [await Connection.open(HOST, port) for _ in range(clients)]

    async def run(count: int, latencies: list[float], replies: list[Reply]) -> None:
        pending = iter(range(count))  # shared: each client takes the next request when it is free

        async def one_client(connection: Connection) -> None:
            for _ in pending:
                started = time.perf_counter()
                reply = await connection.send(request)
                latencies.append(time.perf_counter() - started)
                replies.append(reply)

        await asyncio.gather(*(one_client(c) for c in connections))

    try:
        replies: list[Reply] = []
        await run(max(WARMUP, clients), [], replies)
        latencies: list[float] = []
        started = time.perf_counter()
        await run(requests, latencies, replies)
        return Result(latencies, time.perf_counter() - started), replies
    finally:
        for connection in connections:
            connection.close()


def drive(port: int, path: str, payload: bytes, requests: int, clients: int) -> tuple[Result, list[Reply]]:
    """POSTs of `payload` to `path` (see `_drive`)."""
    return drive_request(port, post_request(port, path, payload), requests, clients)


def drive_request(port: int, request: bytes, requests: int, clients: int) -> tuple[Result, list[Reply]]:
    # uvloop on the client too: its overhead is inside every figure, the floor's included.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_drive(port, request, requests, clients))


def check_graphql(replies: list[Reply], check: Check, catalogue: Catalogue) -> None:
    for reply in replies:
        assert reply.status == 200, reply.body[:500]
        body = reply.json()
        assert "errors" not in body, body["errors"]
        check(body["data"], catalogue)


def check_floor(replies: list[Reply]) -> None:
    assert all(r.status == 200 and r.body == FLOOR_BODY for r in replies)


# --- report -------------------------------------------------------------------------------------


def _row(label: str, clients: int, result: Result, target: str = "") -> str:
    p50, p95, p99 = (result.percentile_ms(p) for p in (50, 95, 99))
    return (f"{label:<26} {clients:>7} {len(result.latencies):>8} {p50:>8.2f} {p95:>8.2f} {p99:>8.2f}"
            f" {result.throughput:>8.0f}  {target}")


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


@pytest.mark.parametrize("dataset", ["sample", "fullsize"])
def test_api_latency(dataset: str, floor_port: int, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    catalogue = CATALOGUES[dataset]
    db: Path = request.getfixturevalue(f"{dataset}_db")
    model: Path = request.getfixturevalue(f"{dataset}_model")
    with sqlite3.connect(db) as conn:
        items = [str(movie) for (movie,) in conn.execute("SELECT id FROM movie ORDER BY id LIMIT 100")]
    port = free_port()
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve",
               "--host", HOST, "--port", str(port), "--workers", "1", "--db", str(db)]
    load_before = os.getloadavg()

    floor: dict[int, Result] = {}
    results: dict[tuple[str, int], Result] = {}
    detail_payload = WORKLOADS[0].payload(items)
    for clients in CLIENTS:
        floor[clients], responses = drive(floor_port, "/", detail_payload, WORKLOADS[0].requests, clients)
        check_floor(responses)
    # The response cache off: each request runs its query (test_response_cache_benchmark.py times the cache).
    environment = {"MOVIEGRAPH_MODEL_DIR": str(model), "MOVIEGRAPH_RATE_LIMIT": "0", "MOVIEGRAPH_RESPONSE_CACHE_BYTES": "0"}
    with serving(command, f"http://{HOST}:{port}/health", tmp_path / "server.log", environment):
        for workload in WORKLOADS:
            payload = workload.payload(items)
            for clients in CLIENTS:
                results[workload.label, clients], responses = drive(port, "/graphql", payload, workload.requests, clients)
                check_graphql(responses, workload.check, catalogue)

    detail = WORKLOADS[0].label
    ratio = {c: results[detail, c].percentile_ms(50) / floor[c].percentile_ms(50) for c in CLIENTS}
    lines = [
        (f"\nAPI, {catalogue.label}: 1 uvicorn worker; load average {load_before[0]:.2f} before,"
         f" {os.getloadavg()[0]:.2f} after; targets are for the full size"),
        f"{'case':<26} {'clients':>7} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}  target",
    ]
    for clients in CLIENTS:
        lines.append(_row("floor (1 KB JSON)", clients, floor[clients]))
    for workload in WORKLOADS:
        for clients in CLIENTS:
            result = results[workload.label, clients]
            target = ""
            if workload.label == detail and clients == 1:
                limit = DETAIL_RATIO_TARGET * floor[1].percentile_ms(50)
                target = f"p50 <= {DETAIL_RATIO_TARGET:g}x floor = {limit:.2f} ms: {_verdict(ratio[1] <= DETAIL_RATIO_TARGET)}"
            elif workload.label == detail:
                target = f">= {DETAIL_THROUGHPUT_TARGET:g} req/s: {_verdict(result.throughput >= DETAIL_THROUGHPUT_TARGET)}"
            elif workload.target_p50_ms is not None and clients == 1:
                target = f"p50 <= {workload.target_p50_ms:g} ms: {_verdict(result.percentile_ms(50) <= workload.target_p50_ms)}"
            lines.append(_row(workload.label, clients, result, target))
    lines.append(
        f"(a) p50 / floor p50: {ratio[1]:.1f}x at 1 client (target <= {DETAIL_RATIO_TARGET:g}x), {ratio[CLIENTS[-1]]:.1f}x at {CLIENTS[-1]} clients"
    )
    print("\n".join(lines))
