"""The groups' success figures the ingest counts once (GroupStats) are the ones counted over each
group's members, for every kind of group; a catalogue ingested before them still answers the same,
counting per request. (tests/schema/test_catalogue_queries.py checks the figures against the raw
files.)"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.movie_groups import MEMBERSHIPS, success
from tests.conftest import copy_catalogue


@pytest.mark.parametrize("kind", sorted(MEMBERSHIPS))
def test_the_stored_figures_are_each_group_s_counted_ones(sample_db: Path, kind: str) -> None:
    counted_sql = str(success(MEMBERSHIPS[kind]).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with contextlib.closing(sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True)) as conn:
        stored = {row[0]: row[1:] for row in conn.execute(
            "SELECT parent_id, movie_count, total_revenue, total_budget, average_revenue, average_return FROM groupstats WHERE kind = ?",
            (kind,))}
        counted = {str(row[0]): row[1:] for row in conn.execute(counted_sql)}
    assert stored and stored.keys() == counted.keys()
    for parent, figures in counted.items():
        assert stored[parent] == pytest.approx(figures), parent


GROUPS = ('{ language(code: "fr") { movieCount totalRevenue averageReturn } country(code: "US") { movieCount totalBudget } '
          'company(name: "pixar animation studios") { movieCount totalRevenue averageReturn } '
          'collection(name: "toy story collection") { movieCount averageRevenue movies { totalCount } } '
          'director(name: "john lasseter") { movieCount averageReturn } genre(name: "animation") { movieCount } }')


def test_a_catalogue_without_stored_figures_answers_the_same(sample_db: Path, tmp_path: Path) -> None:
    old = copy_catalogue(sample_db, tmp_path / "old.sqlite3")
    with contextlib.closing(sqlite3.connect(old)) as conn:
        conn.execute("DROP TABLE groupstats")
        conn.commit()
    answers = []
    for db in (sample_db, old):
        with TestClient(create_app(Settings(db_path=db))) as client:
            body = client.post("/graphql", json={"query": GROUPS}).json()
        assert "errors" not in body, body
        answers.append(body["data"])
    assert answers[0] == answers[1]
    assert answers[0]["company"]["movieCount"] > 0 and answers[0]["collection"]["movies"]["totalCount"] == answers[0]["collection"]["movieCount"]
