"""What the UI fields of #14 cost, in-process over HTTP (TestClient), on the real-rows catalogue
(7,020 movies, ratings_small's 75,199 linked ratings) with a model trained on it
(64 components, 5 epochs: explanation cost depends on the vectors' size, not their quality).
After 5 warm-up calls, 30 timed calls per case for the user with the most ratings:
(a) recommend 100 movies (the baseline); (b) the same with `because(first: 3)` and `reason` on
every row; (c) `users(first: 100)` by id; (d) by rating count; (e) `similarUsers(first: 10)`;
and `Scorer.nearest_rated` alone for 200 candidates x 100 movies (what (b) adds in numpy).
Medians and p95, and the load average, printed."""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.ingest import IngestResult
from ml.scoring import Scorer

pytestmark = pytest.mark.benchmark

WARMUP, CALLS = 5, 30
RECOMMEND = "query($u: ID!) { recommend(user: $u, first: 100) { score predictedRating movie { tmdbId } %s } }"
CASES = {
    "(a) recommend 100 (baseline)": RECOMMEND % "",
    "(b) recommend 100 with because(first: 3) and reason": RECOMMEND % "because(first: 3) { tmdbId title } reason",
    "(c) users(first: 100) by id": "query { users(first: 100) { totalCount edges { node { userId ratingCount } } } }",
    "(d) users(first: 100) by rating count":
        "query { users(first: 100, orderBy: RATING_COUNT) { totalCount edges { node { userId ratingCount } } } }",
    "(e) similarUsers(first: 10)": "query($u: ID!) { user(id: $u) { similarUsers(first: 10) { score user { userId } } } }",
}


def test_ui_fields_cost(real_catalogue: tuple[IngestResult, Path], tmp_path: Path) -> None:
    from ml import artifact, datasets
    from ml.training import TrainingParams, train

    db = real_catalogue[1]
    params = TrainingParams(max_epochs=5)
    artifact.save(train(datasets.from_catalogue(db, params.features), params, show_progress=False).model, tmp_path / "model")
    with sqlite3.connect(db) as conn:
        user = str(conn.execute("SELECT user_id FROM rating GROUP BY user_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0])
    print(f"\nload average {os.getloadavg()[0]:.1f}; user {user}")
    with TestClient(create_app(Settings(db_path=db, model_dir=tmp_path / "model", rate_limit=0))) as client:
        for label, query in CASES.items():
            times = []
            for _ in range(WARMUP + CALLS):
                started = time.perf_counter()
                body = client.post("/graphql", json={"query": query, "variables": {"u": user} if "$u" in query else {}}).json()
                times.append(time.perf_counter() - started)
                assert "errors" not in body, body["errors"]
            _report(label, times[WARMUP:])
        total = client.post("/graphql", json={"query": "{ users { totalCount } }"}).json()["data"]["users"]["totalCount"]
        print(f"users in the catalogue: {total}")
    scorer = Scorer.load(tmp_path / "model")
    movies, candidates = scorer.movie_ids[:100].tolist(), scorer.movie_ids[100:300].tolist()
    times = []
    for _ in range(WARMUP + CALLS):
        started = time.perf_counter()
        scorer.nearest_rated(movies, candidates, 10)
        times.append(time.perf_counter() - started)
    _report("Scorer.nearest_rated, 200 candidates x 100 movies", times[WARMUP:])
    print(f"load average {os.getloadavg()[0]:.1f}")


def _report(label: str, times: list[float]) -> None:
    timed = sorted(times)
    print(f"{label:<55} median {statistics.median(timed) * 1e3:7.2f} ms   p95 {timed[int(0.95 * len(timed)) - 1] * 1e3:7.2f} ms")
