"""The hostile corpus (tests/reliability/hostile.py) against a live `moviegraph serve`: on the real
catalogue in the default run, on the full-size one (45,430 movies) under `-m slow`. Every attack
gets its expected status and code within its bound, and the server logs no traceback."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import copy_catalogue
from tests.reliability.hostile import ATTACKS, Attack
from tests.servers import HOST, free_port, serving

MOVIEGRAPH = str(Path(sys.executable).parent / "moviegraph")


@dataclass(frozen=True)
class Target:
    url: str
    log: Path

    def tracebacks(self) -> list[str]:
        return [line for line in self.log.read_text(errors="replace").splitlines() if "Traceback" in line]


@contextlib.contextmanager
def serve(db: Path, model: Path, folder: Path, env: Mapping[str, str] | None = None) -> Iterator[Target]:
    """`moviegraph serve` (one worker) on a copy of `db`, logging at warning level."""
    port = free_port()
    copy = copy_catalogue(db, folder / "catalogue.sqlite3")
    command = [MOVIEGRAPH, "serve", "--host", HOST, "--port", str(port), "--workers", "1", "--db", str(copy)]
    log = folder / "server.log"
    with serving(command, f"http://{HOST}:{port}/health", log, {"MOVIEGRAPH_MODEL_DIR": str(model), **(env or {})}):
        yield Target(f"http://{HOST}:{port}", log)


def send(client: httpx.Client, target: Target, attack: Attack) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    if attack.path is not None:
        response = client.get(target.url + attack.path)
    else:
        # json.dumps escapes a lone surrogate as "\ud800", as a hostile client would send it.
        body = json.dumps({"query": attack.query, "variables": attack.variables})
        response = client.post(f"{target.url}/graphql", content=body, headers={"content-type": "application/json"})
    return response, time.perf_counter() - started


def check(client: httpx.Client, target: Target, attack: Attack) -> float:
    response, seconds = send(client, target, attack)
    assert response.status_code == attack.status, response.text[:300]
    body = response.json()
    if attack.path is not None:
        codes = [body.get("code")] if "code" in body else []
        messages = [str(body.get("error"))]
    else:
        errors = body.get("errors") or []
        codes = [(error.get("extensions") or {}).get("code") for error in errors]
        messages = [error["message"] for error in errors]
    assert codes == ([attack.code] if attack.code else []), body
    if attack.message:
        assert any(attack.message in message for message in messages), messages
    assert seconds < attack.seconds, f"{attack.name}: {seconds:.2f} s, bound {attack.seconds} s"
    assert str(target.log.parent) not in response.text  # no path of the server's reaches a client
    return seconds


def run_corpus(target: Target) -> None:
    timings = []
    with httpx.Client(trust_env=False, timeout=60) as client:
        for attack in ATTACKS:
            timings.append((check(client, target, attack), attack.name))
    print("\nslowest answers:", ", ".join(f"{name} {1000 * seconds:.0f} ms" for seconds, name in sorted(timings)[-4:]))
    assert target.tracebacks() == []


NO_RATE_LIMIT = {"MOVIEGRAPH_RATE_LIMIT": "0"}  # the corpus comes from one client, quickly


def test_hostile_requests_on_the_real_catalogue(real_catalogue_db: Path, real_model: Path, tmp_path: Path) -> None:
    with serve(real_catalogue_db, real_model, tmp_path, NO_RATE_LIMIT) as target:
        run_corpus(target)


@pytest.mark.slow
def test_hostile_requests_on_the_fullsize_catalogue(fullsize_db: Path, fullsize_model: Path, tmp_path: Path) -> None:
    with serve(fullsize_db, fullsize_model, tmp_path, NO_RATE_LIMIT) as target:
        run_corpus(target)
