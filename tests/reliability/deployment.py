"""A deployment's data folder (catalogue + model) and a real `moviegraph serve` on it, for the
reliability tests, with sqlite3 readers that check what the server stored. The server runs with
authentication on, as a deployment beyond loopback must: each user writes with a token of their
own (numeric subjects: the token's subject is the user id), and the checks use a service key."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from api import service_keys
from tests.servers import HOST, free_port, serving
from tests.tokens import AUDIENCE, ISSUER, SECRET, claims, hs256

MOVIEGRAPH = str(Path(sys.executable).parent / "moviegraph")


@dataclass(frozen=True)
class DataDir:
    """A folder holding a catalogue and a model artifact, laid out as a deployment's data volume."""

    folder: Path

    @property
    def db(self) -> Path:
        return self.folder / "catalogue.sqlite3"

    @property
    def model(self) -> Path:
        return self.folder / "model"  # a symlink to the artifact directory, as `moviegraph train` leaves it


@dataclass(frozen=True)
class Server:
    url: str  # base URL
    process: Popen[bytes]  # the uvicorn process itself (no wrapper), for signals
    log: Path
    service_key: str  # acts for any user

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    @property
    def service_headers(self) -> dict[str, str]:
        return {"x-api-key": self.service_key}


@functools.cache
def user_headers(user: int) -> dict[str, str]:
    """The user's own sign-in token (an hour long, made once per user)."""
    return {"authorization": f"Bearer {hs256(claims(str(user), expires_in=3600))}"}


@contextlib.contextmanager
def serve(data: DataDir, log: Path, *, wrapper: list[str] | None = None, poll_seconds: float = 2.0, workers: int = 1,
          env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`moviegraph serve` (one uvicorn worker unless told, in the command's own process) on `data`;
    `wrapper` is a command that ends by exec-ing its arguments, so the process stays the server's;
    `env` adds or overrides settings."""
    port = free_port()
    command = [*(wrapper or []), MOVIEGRAPH, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers), "--db", str(data.db)]
    keys = data.folder.parent / "service-keys"  # outside the data folder, whose contents some tests check
    key = service_keys.create(keys, f"reliability-{port}")
    # The per-client rate limit would answer a burst from one address with 429s, the per-user write
    # quota a burst of one user's writes; new users per address would stop the burst's first sign-ins.
    environment = {"MOVIEGRAPH_MODEL_DIR": str(data.model), "MOVIEGRAPH_RATE_LIMIT": "0", "MOVIEGRAPH_MODEL_POLL_SECONDS": str(poll_seconds),
                   "MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": SECRET, "MOVIEGRAPH_JWT_ISSUER": ISSUER, "MOVIEGRAPH_JWT_AUDIENCE": AUDIENCE,
                   "MOVIEGRAPH_JWT_NUMERIC_SUBJECTS": "true", "MOVIEGRAPH_API_KEYS_FILE": str(keys),
                   "MOVIEGRAPH_WRITES_PER_MINUTE": "0", "MOVIEGRAPH_WRITES_PER_DAY": "0", "MOVIEGRAPH_NEW_USERS_PER_HOUR": "0",
                   **(env or {})}
    with serving(command, f"http://{HOST}:{port}/health", log, environment) as process:
        yield Server(f"http://{HOST}:{port}", process, log, key)


def stored_ratings(db: Path, first_user: int) -> dict[tuple[int, int], float]:
    """(user, movie) -> stars of every rating by users from `first_user` on, read with sqlite3."""
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT user_id, movie_id, rating FROM rating WHERE user_id >= ?", (first_user,)).fetchall()
    return {(user, movie): rating for user, movie, rating in rows}


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
