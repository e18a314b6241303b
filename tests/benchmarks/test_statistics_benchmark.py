"""The old statistics API's questions: moviegraph's GraphQL against the pandas API it replaces.

All served by uvicorn (one worker, subprocesses), over the real rows (7,021 movies) and the
full-size replica (45,466): `moviegraph serve` over the ingested catalogue twice, as it serves by
default (a repeated question is answered from the response cache) and with the cache off
(MOVIEGRAPH_RESPONSE_CACHE_BYTES=0: each request runs its query), and `pandas_stats_app` (the
seed's way: frames in memory, one filter per request) over the same files. Each question runs 200
timed requests at 1 client on keep-alive connections (the API benchmark's driver), in 3 rounds
alternating between the servers; the figure is the median of the rounds' p50s, printed with their
range. The answers are printed side by side (the counts come from two independent readings of the
same files).
Targets (issue #15): at least 2x faster than pandas at full size, not slower on the real rows;
the verdict is given for the query run each time, the cached figure beside it.
Run: `.venv/bin/python -m pytest tests/benchmarks/test_statistics_benchmark.py -m benchmark -s`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.test_api_benchmark import Reply, drive
from tests.servers import HOST, free_port, serving

pytestmark = pytest.mark.benchmark

REQUESTS = 200
ROUNDS = 3


@dataclass(frozen=True)
class Question:
    label: str
    graphql: str
    peer_path: str

    def payload(self) -> bytes:
        return json.dumps({"query": self.graphql}).encode()


QUESTIONS = [
    Question('count by language "fr"', '{ language(code: "fr") { movieCount } }', "/peliculas_idioma/fr"),
    Question('runtime, year of "Toy Story"', '{ movies(filter: {title: "Toy Story"}) { edges { node { title runtime year } } } }',
             "/peliculas_duracion/Toy%20Story"),
    Question("Toy Story Collection", '{ collection(name: "Toy Story Collection") { movieCount totalRevenue averageRevenue } }',
             "/franquicia/Toy%20Story%20Collection"),
    Question('count by country "France"', '{ country(code: "France") { movieCount } }', "/peliculas_pais/France"),
    Question('company "Pixar"', '{ company(name: "Pixar Animation Studios") { movieCount totalRevenue } }',
             "/productoras_exitosas/Pixar%20Animation%20Studios"),
    Question('director "John Lasseter"',
             '{ director(name: "John Lasseter") { movieCount averageReturn '
             'movies { edges { node { title releaseDate budget revenue returnRatio } } } } }',
             "/get_director/John%20Lasseter"),
]


def _answer(replies: list[Reply], graphql: bool) -> Any:
    """The last reply's answer, after checking every reply: 200 and, for GraphQL, no errors."""
    for reply in replies:
        assert reply.status == 200, reply.body[:300]
        assert not graphql or "errors" not in reply.json(), reply.body[:300]
    body = replies[-1].json()
    return body["data"] if graphql else body


def _brief(answer: Any) -> str:
    text = json.dumps(answer)
    return text if len(text) <= 70 else text[:67] + "..."


@dataclass(frozen=True)
class Catalogue:
    db: Path
    files: Path  # what it was ingested from, which the pandas API reads
    model: Path  # a model folder; `serve` trains one there first if it is empty
    speed_up_target: float  # pandas' p50 / moviegraph's


@pytest.fixture(scope="module")
def catalogues(request: pytest.FixtureRequest, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Catalogue]:
    _, real_db = request.getfixturevalue("real_catalogue")
    return {
        "real rows (7,021 movies)": Catalogue(real_db, shared_data / "movies-dataset", tmp_path_factory.mktemp("real") / "model", 1.0),
        "full size (45,466 movies)": Catalogue(request.getfixturevalue("fullsize_db"), request.getfixturevalue("fullsize_dir"),
                                               request.getfixturevalue("fullsize_model"), 2.0),
    }


@contextmanager
def _moviegraph(catalogue: Catalogue, logs: Path, cache: bool) -> Iterator[int]:
    port = free_port()
    serve = [str(Path(sys.executable).parent / "moviegraph"), "serve", "--host", HOST, "--port", str(port),
             "--workers", "1", "--db", str(catalogue.db)]
    environment = {"MOVIEGRAPH_MODEL_DIR": str(catalogue.model), "MOVIEGRAPH_RATE_LIMIT": "0"}
    if not cache:
        environment["MOVIEGRAPH_RESPONSE_CACHE_BYTES"] = "0"
    with serving(serve, f"http://{HOST}:{port}/health", logs / f"ours-{port}.log", environment, timeout=600):
        yield port


@contextmanager
def all_servers(catalogue: Catalogue, logs: Path) -> Iterator[dict[str, int]]:
    """The ports of moviegraph cached, moviegraph running each query, and the pandas API, all answering."""
    peer = free_port()
    pandas_api = [sys.executable, "-m", "uvicorn", "tests.benchmarks.pandas_stats_app:app", "--host", HOST,
                  "--port", str(peer), "--workers", "1", "--log-level", "warning"]
    with (_moviegraph(catalogue, logs, cache=True) as cached, _moviegraph(catalogue, logs, cache=False) as runs,
          serving(pandas_api, f"http://{HOST}:{peer}/peliculas_idioma/fr", logs / f"peer-{peer}.log",
                  {"STATS_DATA": str(catalogue.files)}, timeout=600)):
        yield {"cached": cached, "runs": runs, "pandas": peer}


def test_statistics_against_pandas(catalogues: dict[str, Catalogue], tmp_path: Path) -> None:
    lines = [(f"\nstatistics questions, 1 client, p50 ms (median of {ROUNDS} alternating rounds of {REQUESTS}); "
              f"load average {os.getloadavg()[0]:.2f} before")]
    for label, catalogue in catalogues.items():
        needed = catalogue.speed_up_target
        lines.append(f"{label}: {'question':<30} {'runs':>8} {'cached':>8} {'pandas':>8} {'speed-up runs / cached':>23}  target (runs)")
        with all_servers(catalogue, tmp_path) as ports:
            for question in QUESTIONS:
                p50s: dict[str, list[float]] = {side: [] for side in ports}
                answers = {}
                for _ in range(ROUNDS):
                    for side, port in ports.items():
                        graphql = side != "pandas"
                        path, payload = ("/graphql", question.payload()) if graphql else (question.peer_path, b"")
                        result, replies = drive(port, path, payload, REQUESTS, 1)
                        p50s[side].append(result.percentile_ms(50))
                        answers[side] = _answer(replies, graphql)
                assert answers["cached"] == answers["runs"]
                mine, cached, theirs = (statistics.median(p50s[side]) for side in ("runs", "cached", "pandas"))
                verdict = "met" if theirs / mine >= needed else "MISSED"
                lines.append(f"  {question.label:<36} {mine:>8.2f} {cached:>8.2f} {theirs:>8.2f} "
                             f"{theirs / mine:>14.1f}x / {theirs / cached:.1f}x  >= {needed:g}x: {verdict}")
                lines.append("    rounds' p50 ms: " + ", ".join(f"{side} {min(v):.2f}-{max(v):.2f}" for side, v in p50s.items()))
                lines.append(f"    moviegraph {_brief(answers['runs'])}")
                lines.append(f"    pandas     {_brief(answers['pandas'])}")
    lines.append(f"load average {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    print("\n".join(lines))
