"""Ingest benchmark: the full-size Movies Dataset (45,466 movies, ~280 MB credits.csv, 100,004
ratings; replicas of the real rows, seed 0), ingested 3 times by `moviegraph ingest`, against the
naive baseline (pandas + ast.literal_eval, single process, DataFrame.to_sql) once in the same run.
Targets on the 2-core machine: at most 30 s wall and 1.5 GB peak RSS, at least 2x the baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.benchmarks._measure import median, run

pytestmark = pytest.mark.benchmark
RUNS = 3


def test_ingest_full_size(fullsize_dir: Path, tmp_path: Path) -> None:
    ours = median([
        run([str(Path(sys.executable).parent / "moviegraph"), "ingest", "--quiet",
             "--movies-dataset", str(fullsize_dir), "--db", str(tmp_path / "ours.sqlite3")])
        for _ in range(RUNS)
    ])
    baseline_code = ("import sys; from pathlib import Path; from tests.benchmarks.naive_ingest import naive_ingest; "
                     "naive_ingest(Path(sys.argv[1]), Path(sys.argv[2]))")
    naive = run([sys.executable, "-c", baseline_code, str(fullsize_dir), str(tmp_path / "naive.sqlite3")])
    print(f"\ningest, full size: moviegraph median of {RUNS}: {ours.seconds:.1f} s wall, peak RSS {ours.peak_rss_mb:.0f} MB")
    print(f"naive baseline (same run): {naive.seconds:.1f} s wall, peak RSS {naive.peak_rss_mb:.0f} MB")
    print(f"speed-up: {naive.seconds / ours.seconds:.1f}x (target >= 2x; target wall <= 30 s, RSS <= 1500 MB)")
