"""Running a real server in a subprocess for the tests that need one (browser, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from tests.conftest import ROOT

HOST = "127.0.0.1"
# A start imports numpy, LightFM and Strawberry: on 2 cores shared at load 16 that took over 60 s.
START_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(
    command: list[str], probe: str, log_path: Path, env: Mapping[str, str] | None = None, timeout: float = START_SECONDS
) -> Iterator[subprocess.Popen[bytes]]:
    """Runs a server subprocess until `probe` answers 200, yields it; terminates it (then kills it) on exit."""
    environment = {**os.environ, "MOVIEGRAPH_LOG_LEVEL": "warning", **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                # trust_env=False: a proxy from the environment must not see loopback traffic.
                if httpx.get(probe, timeout=1, trust_env=False).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not answer {probe} within {timeout:g} s: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminates `process`, killing it if it has not ended within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
