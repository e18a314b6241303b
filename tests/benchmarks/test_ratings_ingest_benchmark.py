"""Ingest benchmark at The Movies Dataset's full ratings: the full-size catalogue replica (45,466
movies, seed 0) with a ratings.csv of 26,024,289 ratings by 270,896 users built from ratings_small's
distributions over the replica's movieIds (make_fullsize_ratings, seed 0) in a temporary folder
outside the repository and deleted after; or the one $BENCH_FULL_RATINGS names, built the same way
(`python -m tests.benchmarks.make_fullsize_ratings ../shared/data/movies-dataset DIR --links
var/bench/fullsize/links.csv`), to spare the shared machine a second build.
`moviegraph ingest --ratings ratings` once, the naive baseline (pandas read_csv +
merge + to_sql, the same catalogue files) once in the same run, each a fresh process timed with
its peak RSS; the load average is printed before and after (the machine is shared).
Targets on the 2-core machine: at most 120 s wall and 2 GB peak RSS, at least 3x the baseline.
Run: `nice .venv/bin/python -m pytest tests/benchmarks/test_ratings_ingest_benchmark.py -m benchmark -s`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.benchmarks._measure import run
from tests.benchmarks.make_fullsize_ratings import FULL_ROWS, FULL_USERS

pytestmark = pytest.mark.benchmark


def test_ingest_26m_ratings(full_ratings_dir: Path, tmp_path: Path) -> None:
    load_before = os.getloadavg()
    ours_db = tmp_path / "ours.sqlite3"
    ours = run([str(Path(sys.executable).parent / "moviegraph"), "ingest", "--quiet", "--ratings", "ratings",
                "--movies-dataset", str(full_ratings_dir), "--db", str(ours_db)])
    load_between = os.getloadavg()
    with closing(sqlite3.connect(ours_db)) as conn:
        ratings, users = conn.execute("SELECT (SELECT count(*) FROM rating), (SELECT count(*) FROM user)").fetchone()
        read = json.loads(dict(conn.execute("SELECT key, value FROM ingestinfo"))["files"])["ratings.csv"]["read"]
    ours_db.unlink()
    baseline_code = ("import sys; from pathlib import Path; from tests.benchmarks.naive_ingest import naive_ingest; "
                     "naive_ingest(Path(sys.argv[1]), Path(sys.argv[2]), 'ratings.csv')")
    naive = run([sys.executable, "-c", baseline_code, str(full_ratings_dir), str(tmp_path / "naive.sqlite3")])
    print(f"\ningest, {read:,} ratings (full size: {FULL_ROWS:,} by {FULL_USERS:,} users) + the full-size catalogue: "
          f"moviegraph {ours.seconds:.1f} s wall, peak RSS {ours.peak_rss_mb:.0f} MB ({ratings:,} ratings and {users:,} users loaded)")
    print(f"naive baseline (same run): {naive.seconds:.1f} s wall, peak RSS {naive.peak_rss_mb:.0f} MB")
    print(f"speed-up: {naive.seconds / ours.seconds:.1f}x (targets: >= 3x, <= 120 s, <= 2048 MB); load average "
          f"{load_before[0]:.2f} before, {load_between[0]:.2f} between, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    assert ratings > 0.9 * read
