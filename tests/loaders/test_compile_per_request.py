"""A filter's statement, compiled once per shape, still binds each request's own values, and
answers what compiling it afresh answers."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, select

from data.tables import Movie
from loaders import _common
from loaders.movies import MovieQuery, Range, Terms, _conditions, _ordered, count_sql, page_sql

QUERIES = [
    MovieQuery(title_key="toy story"),
    MovieQuery(title_key="jumanji"),
    MovieQuery(genre_keys=("animation",), runtime=Range(70, 90), release_date=Range(dt.date(1990, 1, 1), None)),
    MovieQuery(genre_keys=("drama",), runtime=Range(100, 200), release_date=Range(dt.date(1950, 1, 1), None)),
    MovieQuery(keywords=Terms(any=("toy", "boy")), order="title", descending=False),
    MovieQuery(keywords=Terms(any=("war", "love")), order="title", descending=False),
]


def _run(path: Path, sql: _common.SQL) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(sql.text, dict(sql.params)).fetchall()


@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_each_request_binds_its_own_values(sample_db: Path, index: int) -> None:
    for query in QUERIES:  # its shape's twin compiled first
        page_sql(query, 0, 5)
    query = QUERIES[index]
    fresh_page = _common.compile_sql(_page(query))
    assert _run(sample_db, page_sql(query, 0, 5)) == _run(sample_db, fresh_page)
    assert page_sql(query, 0, 5).params == fresh_page.params
    counted = _run(sample_db, count_sql(query))[0][0]
    assert isinstance(counted, int) and counted == len(_run(sample_db, page_sql(query, 0, 10_000)))


def _page(query: MovieQuery) -> Select[Any]:
    """page_sql's statement, to compile afresh."""
    return _ordered(select(Movie).where(*_conditions(query)).offset(0).limit(5), query)


def test_the_shapes_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "MAX_SHAPES", 3)
    monkeypatch.setattr(_common, "_BY_SHAPE", type(_common._BY_SHAPE)())
    for limit in range(1, 4):
        for query in QUERIES:
            page_sql(query, 0, limit)
    assert len(_common._BY_SHAPE) == 3
