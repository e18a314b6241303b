"""8 clients x 500 `rateMovie` calls over HTTP against one real server store exactly 4,000
ratings with the values sent, with no error: on their own, and while `moviegraph train` trains
on the same catalogue and the server swaps its model in the middle of the burst.

Workload: 40 new users (ids from 8,100,000) x the catalogue's first 100 movies by id, each pair
once, half stars 0.5-5; client c sends pairs c, c+8, c+16, ... so clients write the same users
at the same time. Stored ratings are counted with sqlite3, not through the API. Every write is
committed to disk before its answer, so the burst runs at the disk's fsync pace (about a minute
here): the 4,000 run under `-m slow`, the default run sends 8 x 50.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.burst import RATE, Burst, Write, plan
from tests.reliability.deployment import MOVIEGRAPH, DataDir, Server, serve, stored_ratings, user_headers
from tests.servers import stop

CLIENTS = 8
USERS = 40
FULL = 100  # movies: USERS x 100 = 4,000 writes, 500 per client
SIZES = [pytest.param(10, id="8x50"), pytest.param(FULL, id="8x500", marks=pytest.mark.slow)]
FIRST_USER = 8_100_000
TRICKLE_FROM = 300  # each client's writes from here on wait for the model swap, 0.25 s at most each
MODEL_INFO = "{ modelInfo { trainedAt } }"


def _writes(db: Path, count: int) -> list[Write]:
    """Writes for USERS new users x the first `count` movies."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        movies = [movie for (movie,) in conn.execute("SELECT id FROM movie ORDER BY id LIMIT ?", (count,))]
    return plan(movies, FIRST_USER, USERS)


def _rating_count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM rating").fetchone()[0])


def _trained_at(server: Server) -> str:
    body = httpx.post(server.graphql, json={"query": MODEL_INFO}, headers=server.service_headers, trust_env=False, timeout=30).json()
    assert "errors" not in body, body
    return str(body["data"]["modelInfo"]["trainedAt"])


def _tracebacks(server: Server) -> list[str]:
    return [line for line in server.log.read_text(errors="replace").splitlines() if line.startswith("Traceback")]


@pytest.mark.parametrize("movies", SIZES)
def test_8_clients_store_every_rating_exactly_once(data_dir: DataDir, tmp_path: Path, movies: int) -> None:
    writes = _writes(data_dir.db, movies)
    expected = {(w.user, w.movie): w.rating for w in writes}
    assert len(expected) == len(writes) == USERS * movies
    before = _rating_count(data_dir.db)
    with serve(data_dir, tmp_path / "server.log") as server:
        outcome = Burst(server.graphql, writes, CLIENTS, headers=user_headers).run()
        print(f"\n{CLIENTS} clients x {len(writes) // CLIENTS} rateMovie: {outcome.summary()}")
        assert outcome.failures == []
        assert outcome.acknowledged == expected
        # Read while the server still runs: an acknowledged rating is committed, not merely buffered.
        assert stored_ratings(data_dir.db, FIRST_USER) == expected
        assert _rating_count(data_dir.db) == before + len(writes)
        # Authentication is on: the same write without the user's token is refused, and stores nothing.
        variables = {"user": str(FIRST_USER), "movie": str(writes[0].movie), "rating": 0.5}
        anonymous = httpx.post(server.graphql, json={"query": RATE, "variables": variables}, trust_env=False, timeout=30).json()
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert stored_ratings(data_dir.db, FIRST_USER) == expected
        assert _tracebacks(server) == []
    # A clean stop folds the -wal into the catalogue: the file alone holds every rating.
    assert sorted(path.name for path in data_dir.folder.glob("catalogue.sqlite3*")) == ["catalogue.sqlite3"]


@pytest.mark.slow
def test_4000_ratings_are_stored_while_train_swaps_the_model(data_dir: DataDir, tmp_path: Path) -> None:
    writes = _writes(data_dir.db, FULL)
    expected = {(w.user, w.movie): w.rating for w in writes}
    first_artifact = os.readlink(data_dir.model)
    with serve(data_dir, tmp_path / "server.log", poll_seconds=0.5) as server:
        old = _trained_at(server)
        swapped = threading.Event()
        seen: dict[str, float] = {}

        def watch_model() -> None:
            # Also a reader of its own during the burst; stops at the swap or after 5 minutes.
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not swapped.is_set():
                if (now := _trained_at(server)) != old:
                    seen[now] = time.monotonic()
                    swapped.set()
                time.sleep(0.1)

        def pace(i: int) -> None:
            # A trickle instead of a pause keeps writes arriving until the swap, however long training takes.
            if i >= TRICKLE_FROM:
                swapped.wait(0.25)

        watcher = threading.Thread(target=watch_model)
        started = time.monotonic()
        train = subprocess.Popen([MOVIEGRAPH, "train", "--db", str(data_dir.db), "--model-dir", str(data_dir.model), "--quiet"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            watcher.start()
            burst = Burst(server.graphql, writes, CLIENTS, pace=pace, headers=user_headers).start()
            output, _ = train.communicate(timeout=300)
            trained = time.monotonic()
            outcome = burst.join()
        finally:
            stop(train)
        watcher.join()
        assert train.returncode == 0, output.decode()
        new = _trained_at(server)
        manifest = json.loads((data_dir.model / "manifest.json").read_text())
        swap_at = seen[new]
        before_swap = sum(at < swap_at for at in outcome.answered_at)
        during = sum(at < trained for at in outcome.answered_at)
        print(f"\n`moviegraph train` ran {trained - started:.1f} s, {during:,} writes acknowledged meanwhile "
              f"({output.decode().strip()}); the server swapped models {swap_at - burst.started:.1f} s into the burst: "
              f"{before_swap:,} writes acknowledged before, {len(outcome.answered_at) - before_swap:,} after; {outcome.summary()}")
        assert os.readlink(data_dir.model) != first_artifact
        assert new != old and new == manifest["created_at"]
        assert outcome.failures == []
        assert outcome.acknowledged == expected
        assert stored_ratings(data_dir.db, FIRST_USER) == expected
        # The burst spans the swap: writes were answered before and after it.
        assert 0 < before_swap < len(outcome.answered_at)
        assert _tracebacks(server) == []
