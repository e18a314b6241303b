"""The fuzzing targets: a real server and an in-process app, each on its own copy of the sample
catalogue (mutations write to it), with the sample model."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import copy_catalogue
from tests.servers import HOST, free_port, serving

# The per-client rate limit would answer a fuzzer's burst with 429s; fuzzing is about what the
# API does with what it is sent, so it is off (0) for these servers.
NO_RATE_LIMIT = {"MOVIEGRAPH_RATE_LIMIT": "0"}


@dataclass(frozen=True)
class LiveServer:
    url: str  # the GraphQL endpoint
    log: Path  # everything the server printed

    def tracebacks(self) -> list[str]:
        """The log's lines that start a traceback: an unexpected error the server hit."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if line.startswith("Traceback")]


@pytest.fixture(scope="module")
def live_server(sample_db: Path, sample_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`moviegraph serve` (one uvicorn worker) in a subprocess, logging at warning level."""
    folder = tmp_path_factory.mktemp("live")
    port = free_port()
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve", "--host", HOST, "--port", str(port),
               "--workers", "1", "--db", str(copy_catalogue(sample_db, folder / "catalogue.sqlite3"))]
    log = folder / "server.log"
    with serving(command, f"http://{HOST}:{port}/health", log, {"MOVIEGRAPH_MODEL_DIR": str(sample_model), **NO_RATE_LIMIT}):
        yield LiveServer(f"http://{HOST}:{port}/graphql", log)


@pytest.fixture(scope="module")
def app_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_catalogue(sample_db, tmp_path_factory.mktemp("in_process") / "catalogue.sqlite3")


@pytest.fixture(scope="module")
def client(app_db: Path, sample_model: Path) -> Iterator[TestClient]:
    # From an environment, so NO_RATE_LIMIT applies (the in-process app has one client, "testclient").
    settings = Settings.from_environ({"MOVIEGRAPH_DB_PATH": str(app_db), "MOVIEGRAPH_MODEL_DIR": str(sample_model), **NO_RATE_LIMIT})
    with TestClient(create_app(settings)) as client:
        yield client


# One body per property, two budgets: a quick, reproducible one in the default run and a larger,
# freshly random one under `-m slow`.
EXAMPLES = [pytest.param(40, id="40-examples"), pytest.param(200, id="200-examples", marks=pytest.mark.slow)]


def budget(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=examples < 100, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Answer:
    data: Any
    errors: list[dict[str, Any]]

    @property
    def codes(self) -> set[str]:
        return {(error.get("extensions") or {}).get("code", "no code") for error in self.errors}


def ask(client: TestClient, query: str, **variables: Any) -> Answer:
    """Posts a GraphQL request; fails on a 5xx or a masked (unexpected) error, whatever the input."""
    # json.dumps, not httpx's json=: it must be able to send NaN and Infinity, as a careless client would.
    body = json.dumps({"query": query, "variables": variables})
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text[:500]
    answer = Answer(response.json().get("data"), response.json().get("errors") or [])
    assert "INTERNAL_SERVER_ERROR" not in answer.codes, (variables, answer.errors)
    return answer
