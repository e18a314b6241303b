"""Discover filters at full size: each filter of tests/loaders/test_movie_plans.py run as the API
runs it (the count of its matches, then its first page of 20 by popularity) on the full-size
replica (45,430 movies, 755,070 cast and 739,813 crew credits), 9 times each, interleaved; the
baseline, measured in the same run, is the unfiltered page and count. Reported: the median of
each statement, plus the people search for a one-letter and a full-name prefix. Run with
`make bench` or `pytest -m benchmark tests/benchmarks/test_discover_benchmark.py -s`."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
import time
from pathlib import Path

import pytest

from loaders._common import SQL
from loaders.movies import MovieQuery, count_sql, page_sql
from loaders.people import _LAST_CODE_POINT, _SEARCH
from tests.benchmarks.conftest import fullsize_db, fullsize_dir  # noqa: F401  (the full-size catalogue fixtures)
from tests.loaders.test_movie_plans import FILTERS

pytestmark = pytest.mark.benchmark

REPEATS = 9


def _median_ms(conn: sqlite3.Connection, sql: SQL, **params: object) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        conn.execute(sql.text, {**sql.params, **params}).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def test_discover_filters_at_full_size(fullsize_db: Path) -> None:  # noqa: F811
    cases = {"baseline: no filter": MovieQuery(), **FILTERS}
    with contextlib.closing(sqlite3.connect(f"{fullsize_db.as_uri()}?mode=ro", uri=True)) as conn:
        rows = {name: (_median_ms(conn, count_sql(q)), _median_ms(conn, page_sql(q, 0, 20))) for name, q in cases.items()}
        people = {prefix: _median_ms(conn, _SEARCH, prefix=prefix, prefix_end=prefix + _LAST_CODE_POINT, offset=0, limit=20)
                  for prefix in ("j", "tom hanks")}
    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; median of {REPEATS}, ms")
    print(f"{'filter':<22} {'count':>8} {'page of 20':>11}")
    for name, (count, page) in rows.items():
        print(f"{name:<22} {count:>8.2f} {page:>11.2f}")
    for prefix, ms in people.items():
        print(f"people(name: {prefix!r}) {ms:.2f}")
    # A filter read row by row, or a movie count per person, would take seconds at this size.
    assert max(max(pair) for pair in rows.values()) < 1_000 and max(people.values()) < 100
