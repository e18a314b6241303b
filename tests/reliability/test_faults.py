"""Faults: a server killed mid-burst loses no acknowledged rating; a corrupt model, a missing or
vanished catalogue and a read-only data folder each give a clear message, never a 500, and the
server keeps serving what it can."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ml.model_holder import ModelHolder
from tests.reliability.burst import RATE, Burst, plan
from tests.reliability.deployment import DataDir, integrity, serve, stored_ratings, user_headers
from tests.schema.test_live_ratings import PREDICT, SHOWN, _expected_ratings

FIRST_USER = 8_200_000
MOVIE = "query($id: ID!) { movie(id: $id) { title } }"
RECOMMEND = "query($user: ID!) { recommend(user: $user, first: 3) { movie { tmdbId } } }"


def _first_movies(db: Path, count: int) -> list[int]:
    # Immutable: a plain read-only connection would leave -wal and -shm files behind (it may not
    # remove them), and movies never change in these tests.
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
        return [movie for (movie,) in conn.execute("SELECT id FROM movie ORDER BY id LIMIT ?", (count,))]


def _title(db: Path, movie: int) -> str:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
        return str(conn.execute("SELECT title FROM movie WHERE id = ?", (movie,)).fetchone()[0])


def _post(client: httpx.Client | TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _data(client: httpx.Client | TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = _post(client, query, **variables)
    assert "errors" not in body, body["errors"]
    return dict(body["data"])


def _error(client: httpx.Client | TestClient, query: str, **variables: Any) -> tuple[str, str]:
    """The (extensions.code, message) of the one error the query answers (its field null)."""
    body = _post(client, query, **variables)
    assert not any((body["data"] or {}).values()) and len(body["errors"]) == 1, body
    return body["errors"][0]["extensions"]["code"], body["errors"][0]["message"]


def _tracebacks(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if line.startswith("Traceback")]


def test_every_acknowledged_rating_survives_a_sigkill_mid_burst(data_dir: DataDir, tmp_path: Path) -> None:
    writes = plan(_first_movies(data_dir.db, 100), FIRST_USER, users=20)  # 2,000 planned, 4 clients
    with serve(data_dir, tmp_path / "killed.log") as server:
        burst = Burst(server.graphql, writes, clients=4, headers=user_headers).start()
        deadline = time.monotonic() + 120
        while burst.acknowledged_count() < 150 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGKILL)  # the uvicorn process itself: `serve` runs it in-process
        server.process.wait()
        outcome = burst.join()
    assert server.process.returncode == -signal.SIGKILL
    # Read before anything reopens the catalogue: what a crash left on disk.
    stored = stored_ratings(data_dir.db, FIRST_USER)
    print(f"\nSIGKILL after {outcome.summary()}; {len(stored):,} found on disk")
    assert outcome.failures == []
    assert 150 <= len(outcome.acknowledged) < len(writes)
    assert {key: stored.get(key) for key in outcome.acknowledged} == outcome.acknowledged
    # Anything stored beyond those was in flight at the kill, with the value sent.
    assert {key: stored[key] for key in stored.keys() - outcome.acknowledged.keys()}.items() <= outcome.unanswered.items()
    assert integrity(data_dir.db) == "ok"

    with serve(data_dir, tmp_path / "restarted.log") as server, \
            httpx.Client(base_url=server.url, headers=server.service_headers, trust_env=False, timeout=30) as client:
        items = _first_movies(data_dir.db, 110)[100:]  # movies no test user rated
        for user in sorted({user for user, _ in outcome.acknowledged})[:3]:
            ratings = {movie: stars for (u, movie), stars in stored.items() if u == user}
            answer = _data(client, PREDICT, user=str(user), items=[str(movie) for movie in items])["predictedRatings"]
            np.testing.assert_allclose([p["rating"] for p in answer], _expected_ratings(data_dir.model, ratings, items), atol=SHOWN)
        _data(client, RATE, user=str(FIRST_USER + 99), movie=str(items[0]), rating=2.5)
        assert _data(client, MOVIE, id=str(items[0]))["movie"]["title"] == _title(data_dir.db, items[0])
    assert stored_ratings(data_dir.db, FIRST_USER + 99) == {(FIRST_USER + 99, items[0]): 2.5}
    assert integrity(data_dir.db) == "ok"
    assert _tracebacks(tmp_path / "restarted.log") == []


def _publish(data: DataDir, source: Path, name: str) -> Path:
    """Copies an artifact to a new directory and repoints the model symlink at it, as `train` does."""
    shutil.copytree(source, data.folder / name)
    link = data.folder / ".link"
    link.symlink_to(name)
    link.replace(data.model)
    return data.folder / name


@pytest.mark.parametrize(("damaged", "damage"), [
    ("item_vectors.npy", b"\x93NUMPY not an array"),
    ("manifest.json", b'{"version": '),
])
def test_a_corrupt_model_is_refused_and_everything_else_served(
    data_dir: DataDir, sample_model: Path, damaged: str, damage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    (data_dir.model / damaged).write_bytes(damage)
    movie = _first_movies(data_dir.db, 1)[0]
    settings = Settings(db_path=data_dir.db, model_dir=data_dir.model, model_poll_seconds=3600, rate_limit=0)
    with caplog.at_level(logging.ERROR), TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200
        # What is wrong and what to do, with no path: /ready is public (the log has the path).
        assert ready.json()["model"].startswith("refused the newest model artifact")
        assert "run `moviegraph train`" in ready.json()["model"] and str(data_dir.folder) not in ready.text
        assert _data(client, MOVIE, id=str(movie))["movie"]["title"] == _title(data_dir.db, movie)
        code, message = _error(client, RECOMMEND, user="1")
        assert code == "MODEL_UNAVAILABLE" and "refused the newest model artifact" in message and "/" not in message.split("`")[0]
        rest = client.get(f"/predicted-ratings/1?items={movie}")
        assert rest.status_code == 503 and rest.json()["code"] == "MODEL_UNAVAILABLE"
        _data(client, RATE, user=str(FIRST_USER), movie=str(movie), rating=4.5)  # writes need no model

        # A good artifact published next is picked up without a restart.
        _publish(data_dir, sample_model.resolve(), ".model-retrained")
        models: ModelHolder = client.app.state.runtime.models  # type: ignore[attr-defined]  # TestClient.app is a bare ASGI callable
        assert client.portal is not None  # set while the client's `with` block runs
        assert client.portal.call(models.refresh) is True
        assert len(_data(client, RECOMMEND, user="1")["recommend"]) == 3
        assert client.get("/ready").json()["model"] == "serving"
    assert [r.getMessage() for r in caplog.records if f"refused the artifact at {data_dir.folder}" in r.getMessage()] != []
    assert stored_ratings(data_dir.db, FIRST_USER) == {(FIRST_USER, movie): 4.5}


def test_a_missing_catalogue_gives_clear_errors_and_the_server_still_answers(
    sample_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "volume" / "catalogue.sqlite3"
    settings = Settings(db_path=db, model_dir=sample_model, model_poll_seconds=3600, rate_limit=0)
    with caplog.at_level(logging.ERROR), TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["reason"].startswith("the server has no readable catalogue (its log says why); build one with `moviegraph ingest`")
        assert str(tmp_path) not in ready.text
        code, message = _error(client, MOVIE, id="862")
        assert code == "DATABASE_UNAVAILABLE" and message == ready.json()["reason"]
        # The model cannot be checked against a catalogue that is not there, so it is not served.
        assert _error(client, RECOMMEND, user="1")[0] == "MODEL_UNAVAILABLE"
        code, message = _error(client, RATE, user="1", movie="862", rating=4.0)
        assert code == "WRITES_UNAVAILABLE" and message.startswith("ratings cannot be stored: the server cannot write to its catalogue")
        assert str(tmp_path) not in message
        rest = client.get("/predicted-ratings/1?items=1")
        assert rest.status_code == 503 and rest.json()["code"] in {"MODEL_UNAVAILABLE", "DATABASE_UNAVAILABLE"}
        assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 200  # GraphiQL
    assert not db.exists()  # nothing created an empty catalogue there
    logged = [r.getMessage() for r in caplog.records if "serving without a catalogue" in r.getMessage()]
    assert len(logged) == 1 and str(db) in logged[0]


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_catalogue_removed_while_serving_keeps_reads_and_refuses_writes(data_dir: DataDir, tmp_path: Path, how: str) -> None:
    movie, other = _first_movies(data_dir.db, 2)
    title = _title(data_dir.db, movie)
    settings = Settings(db_path=data_dir.db, model_dir=data_dir.model, model_poll_seconds=3600, rate_limit=0)
    with TestClient(create_app(settings)) as client:
        _data(client, RATE, user=str(FIRST_USER), movie=str(movie), rating=3.0)
        if how == "deleted":
            data_dir.db.unlink()
        else:  # as a re-ingest does: a new file renamed over the old one
            copy = tmp_path / "copy.sqlite3"
            with contextlib.closing(sqlite3.connect(f"{data_dir.db.as_uri()}?mode=ro", uri=True)) as source, \
                    contextlib.closing(sqlite3.connect(copy)) as target:
                source.backup(target)
            os.replace(copy, data_dir.db)
        # SQLite reads on from the file it has open ...
        assert _data(client, MOVIE, id=str(movie))["movie"]["title"] == title
        # ... but a rating written there now would be lost at the next restart, so it is refused.
        code, message = _error(client, RATE, user=str(FIRST_USER), movie=str(other), rating=3.0)
        assert code == "WRITES_UNAVAILABLE" and "the catalogue was deleted or replaced while the server ran" in message
        assert str(data_dir.folder) not in message
    if how == "replaced":
        assert stored_ratings(data_dir.db, FIRST_USER) == {(FIRST_USER, movie): 3.0}


def _read_only(folder: Path) -> list[str]:
    """A command prefix that runs its command with `folder` read-only. Root ignores file modes, so
    as root the folder is bind-mounted read-only in a mount namespace of the command's own (the
    command execs, keeping its pid); as anyone else, modes do."""
    if os.getuid() != 0:
        for path in folder.rglob("*"):
            path.chmod(0o555 if path.is_dir() else 0o444)
        folder.chmod(0o555)
        return []
    wrapper = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(folder)]
    probe = subprocess.run([*wrapper, "touch", str(folder / "probe")], check=False, capture_output=True, text=True)
    if probe.returncode == 0 or "Read-only file system" not in probe.stderr:
        pytest.skip(f"running as root, and a read-only bind mount cannot be made here: {probe.stderr.strip() or 'touch succeeded'}")
    return wrapper


@pytest.fixture
def read_only(data_dir: DataDir) -> Iterator[list[str]]:
    yield _read_only(data_dir.folder)
    for path in [data_dir.folder, *data_dir.folder.rglob("*")]:  # so pytest can remove it
        path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_data_folder_serves_reads_and_refuses_ratings_clearly(
    data_dir: DataDir, read_only: list[str], tmp_path: Path
) -> None:
    movie = _first_movies(data_dir.db, 1)[0]
    with contextlib.closing(sqlite3.connect(f"{data_dir.db.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
        ratings = conn.execute("SELECT count(*) FROM rating").fetchone()[0]
    log = tmp_path / "server.log"
    with serve(data_dir, log, wrapper=read_only) as server, \
            httpx.Client(base_url=server.url, headers=server.service_headers, trust_env=False, timeout=30) as client:
        ready = client.get("/ready").json()
        assert ready["counts"]["ratings"] == ratings and ready["model"] == "serving"
        assert _data(client, MOVIE, id=str(movie))["movie"]["title"] == _title(data_dir.db, movie)
        assert len(_data(client, RECOMMEND, user="1")["recommend"]) == 3
        for _ in range(3):
            code, message = _error(client, RATE, user=str(FIRST_USER), movie=str(movie), rating=4.0)
            assert code == "WRITES_UNAVAILABLE"
            assert message.startswith("ratings cannot be stored: the server cannot write to its catalogue (its log says why)")
            assert str(data_dir.folder) not in message
        _data(client, MOVIE, id=str(movie))  # still reading after the refusals
    lines = log.read_text().splitlines()
    # Said once, at start, with the path (which the clients are not told).
    assert len([line for line in lines if f"{data_dir.folder} is read-only" in line and "serving read-only" in line]) == 1, lines
    assert any(f"{data_dir.folder} is read-only: reading the catalogue as immutable" in line for line in lines), lines
    assert _tracebacks(log) == []
    assert sorted(p.name for p in data_dir.folder.iterdir()) == [".model-sample", "catalogue.sqlite3", "model"]


def test_a_read_only_folder_with_unapplied_changes_is_refused_with_what_to_do(data_dir: DataDir, read_only: list[str]) -> None:
    # A writer that died leaves its last changes in the -wal file; SQLite reads them only through a
    # -shm index, which it cannot create in a read-only folder (here it went missing, as in a copy
    # that left it behind), so the catalogue is refused rather than read without them.
    crash = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint = 0'); "
             "c.execute('UPDATE movie SET title = title || 1'); c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", crash, str(data_dir.db)], check=True)
    data_dir.db.with_name(f"{data_dir.db.name}-shm").unlink()
    probe = "import sys; from pathlib import Path; from data.catalogue_file import read_uri; read_uri(Path(sys.argv[1]))"
    result = subprocess.run([*read_only, sys.executable, "-c", probe, str(data_dir.db)], check=False, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"DatabaseUnavailable: cannot read the catalogue at {data_dir.db}" in result.stderr
    assert f"sqlite3 {data_dir.db} 'PRAGMA wal_checkpoint(TRUNCATE)'" in result.stderr
