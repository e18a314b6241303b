"""Limits and observability overhead: what the request log, metrics, CORS, rate and body limits and
the query cost estimate add to a request, measured in one run against the same app without them.

Workload: the API benchmark's query (a), movie(id: 862) with genres, companies, collection,
directors and cast(first: 5), over the embedded sample (474 movies), POSTed 2,000 times per
variant straight into the ASGI app (no sockets, so the difference is not lost in network noise),
in interleaved rounds of 20 so that machine noise falls on every variant alike. Reported: the
median wall time of a request, and the process CPU time per request (all threads, the database's
included), which other load on the machine disturbs less. Variants:
- baseline: a Starlette app with just the /graphql route, its schema without QueryCost and the
  operation recorder (the app as it was before the limits);
- limits, log off: create_app with every limit on (rate limit at a rate never reached, CORS with
  one origin, body limit) and the request log at "warning";
- limits, log on: the same with the request log at "info", written to /dev/null.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import statistics
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvloop
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from api.app import create_app
from api.graphql_app import MoviegraphGraphQL, RecordOperation
from api.request_log import LOGGER_NAME
from api.settings import Settings
from schema import build_schema
from schema.cost import QueryCost
from tests.benchmarks.test_api_benchmark import WORKLOADS

pytestmark = pytest.mark.benchmark

REQUESTS = 2_000
ROUND = 20
WARMUP = 50


def _limited(sample_db: Path) -> Starlette:
    # The response cache off: each of the 2,000 identical requests runs, as in the baseline.
    return create_app(Settings(db_path=sample_db, rate_limit=1e9, rate_burst=1_000_000, cors_origins=("https://app.example",),
                               response_cache_bytes=0))


def _baseline(state_from: Starlette) -> Starlette:
    schema = build_schema()
    schema.extensions = tuple(factory for factory in schema.extensions if not isinstance(factory(), (QueryCost, RecordOperation)))
    app = Starlette(routes=[Route("/graphql", MoviegraphGraphQL(schema), methods=["POST"])])
    app.state = state_from.state  # the same database and model
    return app


@contextlib.contextmanager
def _request_log_to_devnull() -> Iterator[None]:
    logger = logging.getLogger(LOGGER_NAME)
    with open(os.devnull, "w") as devnull:
        handler = logging.StreamHandler(devnull)
        saved = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = saved


async def _post(app: ASGIApp, body: bytes) -> tuple[float, int]:
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"", "client": ("127.0.0.1", 50000),
        "server": ("bench", 80), "state": {}, "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                                                           (b"content-length", str(len(body)).encode())],
    }
    sent = False
    status = 0

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # a disconnect never comes: the app has the whole body
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    started = time.perf_counter()
    await app(scope, receive, send)
    return time.perf_counter() - started, status


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0


async def _measure(variants: Mapping[str, tuple[ASGIApp, int]], body: bytes) -> dict[str, Timings]:
    """Timings of each variant: (app, level of the request log, which is one logger for all)."""
    logger = logging.getLogger(LOGGER_NAME)
    timings = {name: Timings() for name in variants}
    for app, _ in variants.values():
        for _ in range(WARMUP):
            await _post(app, body)
    for _ in range(REQUESTS // ROUND):
        for name, (app, level) in variants.items():
            logger.setLevel(level)
            cpu_started = time.process_time()
            for _ in range(ROUND):
                seconds, status = await _post(app, body)
                assert status == 200
                timings[name].latencies.append(seconds)
            timings[name].cpu_seconds += time.process_time() - cpu_started
    return timings


def test_limits_overhead(sample_db: Path) -> None:
    body = WORKLOADS[0].payload([])
    limited = _limited(sample_db)

    async def run() -> dict[str, Timings]:
        async with limited.router.lifespan_context(limited):
            baseline = _baseline(limited)
            variants = {"baseline": (baseline, logging.WARNING), "limits, log off": (limited, logging.WARNING),
                        "limits, log on": (limited, logging.INFO)}
            with _request_log_to_devnull():
                return await _measure(variants, body)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        timings = runner.run(run())
    base_p50 = statistics.median(timings["baseline"].latencies)
    base_cpu = timings["baseline"].cpu_seconds / REQUESTS
    lines = [f"\nLimits overhead, query (a) in-process over the sample, {REQUESTS} requests per variant, load average {os.getloadavg()[0]:.2f}",
             f"{'variant':<18} {'p50 us':>8} {'vs baseline':>20} {'CPU us/req':>11} {'vs baseline':>20}"]
    for name, timing in timings.items():
        p50, cpu = statistics.median(timing.latencies), timing.cpu_seconds / REQUESTS
        lines.append(f"{name:<18} {p50 * 1e6:>8.0f} {(p50 - base_p50) * 1e6:>+9.0f} us ({(p50 / base_p50 - 1) * 100:+5.1f}%)"
                     f" {cpu * 1e6:>11.0f} {(cpu - base_cpu) * 1e6:>+9.0f} us ({(cpu / base_cpu - 1) * 100:+5.1f}%)")
    print("\n".join(lines))
