"""A catalogue ingested before people's movie counts were kept still serves everything else, and
`people` / `movieCount` say to re-ingest instead of failing with an internal error."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import copy_catalogue


def test_people_on_a_catalogue_without_movie_counts_asks_for_a_re_ingest(sample_db: Path, tmp_path: Path) -> None:
    old = copy_catalogue(sample_db, tmp_path / "old.sqlite3")
    with contextlib.closing(sqlite3.connect(old)) as conn:
        conn.execute("DROP TABLE personmovies")
        conn.commit()
    with TestClient(create_app(Settings(db_path=old))) as client:
        for query in ('{ people(name: "tom") { totalCount } }', '{ person(id: "31") { movieCount } }'):
            body = client.post("/graphql", json={"query": query}).json()
            assert [e["extensions"]["code"] for e in body["errors"]] == ["DATABASE_UNAVAILABLE"], body
            assert "moviegraph ingest" in body["errors"][0]["message"]
        body = client.post("/graphql", json={"query": '{ person(id: "31") { name castCredits(first: 1) { movie { title } } } }'}).json()
        assert body["data"]["person"]["name"] == "Tom Hanks" and "errors" not in body
