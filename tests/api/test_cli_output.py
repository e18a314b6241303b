"""What `moviegraph` writes where no terminal reads it (a file, a pipe, `docker logs`): plain
lines, no progress-bar redraws; and the block `serve` prints before it listens."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from data import progress
from tests.conftest import SAMPLE
from tests.servers import HOST, free_port, serving

MOVIEGRAPH = str(Path(sys.executable).parent / "moviegraph")
# A bar's redraw: a carriage return, or any ANSI escape (tqdm's second bar moves the cursor up with ESC[A).
REDRAW = re.compile(r"\r|\x1b")


def test_a_bar_is_drawn_on_a_terminal_and_one_line_is_written_elsewhere(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    assert list(progress.bar(range(3), desc="rows", show=True)) == [0, 1, 2]
    assert "\r" in capsys.readouterr().err
    progress.note("epoch 1: 0.1", show=True)  # the bar says it
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress, "on_terminal", lambda: False)
    assert list(progress.bar(range(3), desc="rows", show=True)) == [0, 1, 2]
    assert capsys.readouterr().err == "rows ...\n"
    progress.note("epoch 1: 0.1", show=True)
    assert capsys.readouterr().err == "epoch 1: 0.1\n"
    assert list(progress.bar(range(3), desc="rows", show=False)) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_ingest_written_to_a_file_has_no_escape_codes(tmp_path: Path) -> None:
    log = tmp_path / "ingest.log"
    with log.open("wb") as out:
        subprocess.run([MOVIEGRAPH, "ingest", "--movies-dataset", str(SAMPLE), "--db", str(tmp_path / "c.sqlite3")],
                       stdout=out, stderr=subprocess.STDOUT, check=True, timeout=300)
    text = log.read_text()
    assert not REDRAW.search(text), repr(text[:500])
    # One line per step as it starts (the credits file is read by the worker process), then the summaries.
    assert "credits.csv.gz ...\n" in text and "movies_metadata.csv.gz ...\n" in text
    assert "movies_metadata.csv.gz: 474 read, 474 loaded, 0 rejected\n" in text


def test_serve_written_to_a_file_says_where_to_go_with_no_escape_codes(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = tmp_path / "serve.log"
    command = [MOVIEGRAPH, "serve", "--port", str(port), "--db", str(sample_db), "--model-dir", str(sample_model)]
    with serving(command, f"{base}/health", log, {"MOVIEGRAPH_LOG_LEVEL": "info"}):
        pass
    text = log.read_text()
    assert not REDRAW.search(text), repr(text[:500])
    assert f"  GraphiQL   {base}/graphql" in text
    assert f"  health     {base}/health   readiness {base}/ready   metrics {base}/metrics" in text
    with contextlib.closing(sqlite3.connect(sample_db)) as db:
        movies, people, users, ratings = (db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                                          for table in ("movie", "person", "user", "rating"))
    assert f"  catalogue  {movies:,} movies, {people:,} people, {users:,} users, {ratings:,} ratings ({sample_db})" in text
    manifest = json.loads((sample_model / "manifest.json").read_text())
    assert (f"  model      {sample_model.resolve().name} (format {manifest['version']}), trained {manifest['created_at']} "
            f"on {ratings:,} ratings of {users:,} users ({sample_model})") in text


@pytest.mark.slow
def test_a_first_start_written_to_a_file_has_no_escape_codes(tmp_path: Path) -> None:
    # The first start ingests the sample and trains on it (about 30 s on 2 busy cores), with progress.
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {"MOVIEGRAPH_DB_PATH": str(tmp_path / "c.sqlite3"), "MOVIEGRAPH_MODEL_DIR": str(tmp_path / "model")}
    with serving([MOVIEGRAPH, "serve", "--port", str(port)], f"http://{HOST}:{port}/health", log, environment, timeout=300):
        pass
    text = log.read_text()
    assert not REDRAW.search(text), repr(text[:500])
    assert "training (validation) ...\n" in text and "moviegraph is starting:\n" in text
    assert re.search(r"^epoch 1: validation precision@10 0\.\d{4} \(\d+\.\d s\)$", text, re.MULTILINE), text
