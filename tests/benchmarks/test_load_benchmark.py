"""Load benchmark: a mixed workload for LOAD_BENCH_SECONDS (default 60) at a fixed concurrency of 8
keep-alive clients against `moviegraph serve --workers 1` (uvicorn, a subprocess, rate limit off)
on a copy of the full-size catalogue (45,430 movies, 75,199 ratings by 671 users) and the model
trained on it. Driver: the API benchmark's HTTP/1.1 client on uvloop, in the pytest process; each
client picks its next request from a fixed mix with its own seeded generator (seed 5 + client):
- 40% catalogue: one of movie(id) with genres, companies, collection, directors and cast(first: 5)
  of a random movie; search(text) for a word of a random title; director(name) of a random
  director with aggregates and movies (queries/movie_detail, search, director_success.graphql);
- 25% recommend(user, first: 10) for a random user who has ratings;
- 20% predictedRatings of 20 random movies for a random user;
- 15% rateMovie of a random movie, 0.5-5 stars, by a rated user or (half of the time) a new one:
  stored durably before the answer, so the user's later recommend/predictedRatings pay for the
  fold-in (their correctness is checked in tests/schema/test_live_ratings.py, not here).
After 2 s of warm-up, every reply is counted; an error is a non-200 status, a GraphQL error, or
data that does not answer the request (wrong movie, count or rating). Reported per operation and
in total: throughput, p50, p99, errors (must be 0). Baseline, same run and concurrency: the floor
app (a fixed 1 KB JSON body from bare Starlette on the same uvicorn) for a sixth of the time.
Set LOAD_BENCH_SECONDS=5 for a smoke run."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvloop

from tests.benchmarks.floor_app import BODY as FLOOR_BODY
from tests.benchmarks.test_api_benchmark import (
    QUERIES,
    Connection,
    Reply,
    Result,
    floor_port,
    post_request,
)
from tests.servers import HOST, free_port, serving

pytestmark = pytest.mark.benchmark
__all__ = ["floor_port"]  # the floor server fixture, shared with the API benchmark

SECONDS = float(os.environ.get("LOAD_BENCH_SECONDS", "60"))
WARMUP_SECONDS = 2.0
CLIENTS = 8
SEED = 5
PREDICTED_ITEMS = 20
NEW_USERS = range(10_000_000, 10_100_000)  # ids far above the catalogue's users
STARS = [halves / 2 for halves in range(1, 11)]


@dataclass(frozen=True)
class Inputs:
    """What the random requests are drawn from, read from the catalogue with sqlite3."""

    movies: list[str]
    users: list[str]
    title_words: list[str]
    directors: list[str]

    @classmethod
    def read(cls, db_path: Path) -> Inputs:
        with sqlite3.connect(db_path) as db:
            movies = [str(movie) for (movie,) in db.execute("SELECT id FROM movie ORDER BY id")]
            users = [str(user) for (user,) in db.execute("SELECT DISTINCT user_id FROM rating ORDER BY user_id")]
            titles = [title for (title,) in db.execute("SELECT title FROM movie ORDER BY id")]
            directors = [name for (name,) in db.execute(
                "SELECT DISTINCT person.name FROM crew JOIN person ON person.id = crew.person_id WHERE job = 'Director' ORDER BY 1")]
        words = sorted({word for title in titles for word in re.findall(r"\b[A-Za-z]{4,}\b", title)})
        return cls(movies, users, words, directors)


Variables = dict[str, Any]
Check = Callable[[dict[str, Any], Variables], bool]


@dataclass(frozen=True)
class Request:
    query_file: str
    variables: Variables
    check: Check


def _detail_ok(data: dict[str, Any], variables: Variables) -> bool:
    movie = data["movie"]
    return movie is not None and str(movie["tmdbId"]) == variables["id"] and len(movie["cast"]) <= 5


def _search_ok(data: dict[str, Any], variables: Variables) -> bool:
    return int(data["search"]["totalCount"]) >= 1  # the word comes from a catalogue title


def _director_ok(data: dict[str, Any], variables: Variables) -> bool:
    director = data["director"]
    # `movies` defaults to its page limit, 100.
    return director is not None and len(director["movies"]["edges"]) == min(director["movieCount"], 100) >= 1


def _recommend_ok(data: dict[str, Any], variables: Variables) -> bool:
    return len(data["recommend"]) == variables["first"] and all(1 <= item["predictedRating"] <= 5 for item in data["recommend"])


def _predicted_ok(data: dict[str, Any], variables: Variables) -> bool:
    ratings = data["predictedRatings"]
    return [str(r["movie"]["tmdbId"]) for r in ratings] == variables["items"] and all(1 <= r["rating"] <= 5 for r in ratings)


def _rated_ok(data: dict[str, Any], variables: Variables) -> bool:
    stored = data["rateMovie"]
    got = (str(stored["user"]["userId"]), str(stored["movie"]["tmdbId"]), stored["rating"])
    return got == (variables["user"], variables["movie"], variables["rating"])


def catalogue_request(inputs: Inputs, rng: random.Random) -> Request:
    kind = rng.randrange(3)
    if kind == 0:
        return Request("movie_detail.graphql", {"id": rng.choice(inputs.movies), "castFirst": 5}, _detail_ok)
    if kind == 1:
        return Request("search.graphql", {"text": rng.choice(inputs.title_words)}, _search_ok)
    return Request("director_success.graphql", {"name": rng.choice(inputs.directors)}, _director_ok)


def recommend_request(inputs: Inputs, rng: random.Random) -> Request:
    return Request("recommend.graphql", {"user": rng.choice(inputs.users), "first": 10}, _recommend_ok)


def predicted_request(inputs: Inputs, rng: random.Random) -> Request:
    variables = {"user": rng.choice(inputs.users), "items": rng.sample(inputs.movies, PREDICTED_ITEMS)}
    return Request("predicted_ratings.graphql", variables, _predicted_ok)


def rate_request(inputs: Inputs, rng: random.Random) -> Request:
    user = rng.choice(inputs.users) if rng.random() < 0.5 else str(rng.choice(NEW_USERS))
    return Request("rate_movie.graphql", {"user": user, "movie": rng.choice(inputs.movies), "rating": rng.choice(STARS)}, _rated_ok)


MIX: dict[str, tuple[float, Callable[[Inputs, random.Random], Request]]] = {
    "catalogue": (0.40, catalogue_request),
    "recommend": (0.25, recommend_request),
    f"predictedRatings x{PREDICTED_ITEMS}": (0.20, predicted_request),
    "rateMovie": (0.15, rate_request),
}


@dataclass(frozen=True)
class Sent:
    operation: str
    latency: float  # seconds
    problem: str | None  # what was wrong with the reply; None when it answered the request

    @property
    def ok(self) -> bool:
        return self.problem is None


Verdict = Callable[[Reply], "str | None"]
Pick = Callable[[random.Random], tuple[str, bytes, Verdict]]


def graphql_problem(reply: Reply, request: Request) -> str | None:
    if reply.status == 200:
        body = reply.json()
        if "errors" not in body and request.check(body["data"], request.variables):
            return None
    return f"{request.query_file} {request.variables}: {reply.status} {reply.body[:300]!r}"


def mixed(inputs: Inputs) -> Pick:
    queries = {file: (QUERIES / file).read_text() for file in ("movie_detail.graphql", "search.graphql", "director_success.graphql",
                                                               "recommend.graphql", "predicted_ratings.graphql", "rate_movie.graphql")}
    names, weights = list(MIX), [share for share, _ in MIX.values()]

    def pick(rng: random.Random) -> tuple[str, bytes, Verdict]:
        operation = rng.choices(names, weights)[0]
        request = MIX[operation][1](inputs, rng)
        payload = json.dumps({"query": queries[request.query_file], "variables": request.variables}).encode()
        return operation, payload, lambda reply: graphql_problem(reply, request)

    return pick


def floor(rng: random.Random) -> tuple[str, bytes, Verdict]:
    return "floor (1 KB JSON)", b"{}", lambda reply: None if reply.status == 200 and reply.body == FLOOR_BODY else repr(reply)


async def _hammer(port: int, path: str, pick: Pick, seconds: float) -> tuple[list[Sent], float]:
    """CLIENTS connections sending what `pick` draws, for WARMUP_SECONDS untimed, then `seconds` timed.

    Replies are checked as they come, since a time-bound run cannot keep every body for later;
    the check costs the client tens of microseconds, far below any request's latency."""
    connections = [await Connection.open(HOST, port) for _ in range(CLIENTS)]
    rngs = [random.Random(SEED + index) for index in range(CLIENTS)]

    async def run(until: float, sent: list[Sent]) -> None:
        async def one_client(connection: Connection, rng: random.Random) -> None:
            while time.perf_counter() < until:
                operation, payload, verdict = pick(rng)
                request = post_request(port, path, payload)
                started = time.perf_counter()
                reply = await connection.send(request)
                latency = time.perf_counter() - started
                sent.append(Sent(operation, latency, verdict(reply)))

        await asyncio.gather(*(one_client(c, rng) for c, rng in zip(connections, rngs, strict=True)))

    try:
        await run(time.perf_counter() + WARMUP_SECONDS, [])
        sent: list[Sent] = []
        started = time.perf_counter()
        await run(started + seconds, sent)
        return sent, time.perf_counter() - started
    finally:
        for connection in connections:
            connection.close()


def hammer(port: int, path: str, pick: Pick, seconds: float) -> tuple[list[Sent], float]:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_hammer(port, path, pick, seconds))


def _row(label: str, sent: list[Sent], wall: float, share: str = "") -> str:
    result = Result([s.latency for s in sent], wall)
    errors = sum(not s.ok for s in sent)
    return (f"{label:<22} {share:>6} {len(sent):>9} {result.throughput:>8.1f} {result.percentile_ms(50):>8.2f}"
            f" {result.percentile_ms(99):>8.2f} {errors:>7}")


def _rating_count(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        count: int = db.execute("SELECT count(*) FROM rating").fetchone()[0]
    return count


def test_mixed_load(fullsize_db: Path, fullsize_model: Path, floor_port: int, tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    shutil.copyfile(fullsize_db, db)  # rateMovie writes to it
    inputs = Inputs.read(db)
    ratings_before = _rating_count(db)
    port = free_port()
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve",
               "--host", HOST, "--port", str(port), "--workers", "1", "--db", str(db)]
    log = tmp_path / "server.log"
    load_before = os.getloadavg()
    floor_sent, floor_wall = hammer(floor_port, "/", floor, max(SECONDS / 6, 5.0))
    env = {"MOVIEGRAPH_MODEL_DIR": str(fullsize_model), "MOVIEGRAPH_RATE_LIMIT": "0"}
    with serving(command, f"http://{HOST}:{port}/health", log, env):
        sent, wall = hammer(port, "/graphql", mixed(inputs), SECONDS)

    lines = [
        (f"\nMixed load, full size (45,430 movies): {CLIENTS} clients for {wall:.1f} s, 1 uvicorn worker;"
         f" load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"),
        f"{'operation':<22} {'share':>6} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]
    for operation, (share, _) in MIX.items():
        lines.append(_row(operation, [s for s in sent if s.operation == operation], wall, f"{share:.0%}"))
    lines.append(_row("total", sent, wall, "100%"))
    lines.append(_row("floor (1 KB JSON)", floor_sent, floor_wall))
    total = Result([s.latency for s in sent], wall)
    lines.append(f"total throughput / floor throughput: {total.throughput / Result([s.latency for s in floor_sent], floor_wall).throughput:.1%}")
    print("\n".join(lines))
    new_ratings = _rating_count(db) - ratings_before
    print(f"rating table: {new_ratings} more rows (warm-up included; a re-rated pair replaces its row)")

    problems = [s.problem for s in [*sent, *floor_sent] if s.problem]
    assert not problems, f"{len(problems)} errors, e.g. {problems[:3]}"
    assert "Traceback" not in log.read_text(errors="replace")
    assert new_ratings > 0
