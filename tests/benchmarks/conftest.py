"""Full-size data for the benchmarks, built once and kept under var/bench/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.ingest import ingest
from tests.benchmarks.make_fullsize import make_fullsize
from tests.conftest import ROOT

BENCH_DIR = ROOT / "var" / "bench"


@pytest.fixture(scope="session")
def fullsize_dir(shared_data: Path) -> Path:
    """The Movies Dataset at full size (45,466 movies), replicated from the real rows."""
    folder = BENCH_DIR / "fullsize"
    if not (folder / "ratings_small.csv").is_file():
        make_fullsize(shared_data / "movies-dataset", folder)
    return folder


@pytest.fixture(scope="session")
def fullsize_db(fullsize_dir: Path) -> Path:
    path = BENCH_DIR / "fullsize.sqlite3"
    if not path.is_file():
        ingest(movies_dataset=fullsize_dir, db_path=path, show_progress=False)
    return path


@pytest.fixture(scope="session")
def fullsize_model(fullsize_db: Path) -> Path:
    """The recommender trained (default parameters) on the full-size catalogue's ratings."""
    from ml import artifact, datasets
    from ml.training import TrainingParams, train

    target = BENCH_DIR / "model"
    if not target.exists():
        params = TrainingParams()
        artifact.save(train(datasets.from_catalogue(fullsize_db, params.features), params, show_progress=False).model, target)
    return target
