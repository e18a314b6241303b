"""Full-size data for the benchmarks, built once and kept under var/bench/ (git-ignored)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from data.ingest import ingest
from tests.benchmarks.make_fullsize import make_fullsize
from tests.benchmarks.make_fullsize_ratings import make_fullsize_ratings
from tests.conftest import ROOT

BENCH_DIR = ROOT / "var" / "bench"


@pytest.fixture(scope="session")
def fullsize_dir(shared_data: Path) -> Path:
    """The Movies Dataset at full size (45,466 movies), replicated from the real rows."""
    folder = BENCH_DIR / "fullsize"
    if not (folder / "ratings_small.csv").is_file():
        make_fullsize(shared_data / "movies-dataset", folder)
    return folder


def _has_every_table(path: Path) -> bool:
    if not path.is_file():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return set(SQLModel.metadata.tables) <= present


@pytest.fixture(scope="session")
def fullsize_db(fullsize_dir: Path) -> Path:
    path = BENCH_DIR / "fullsize.sqlite3"
    if not _has_every_table(path):  # absent, or built by an older ingest
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


@pytest.fixture(scope="session")
def full_ratings_dir(fullsize_dir: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The full-size catalogue files beside a full-size ratings.csv (~700 MB, removed afterwards)."""
    folder = tmp_path_factory.mktemp("full-ratings")
    for path in fullsize_dir.iterdir():
        (folder / path.name).symlink_to(path.resolve())
    if built := os.environ.get("BENCH_FULL_RATINGS"):
        (folder / "ratings.csv").symlink_to(Path(built).resolve())
    else:
        make_fullsize_ratings(shared_data / "movies-dataset", folder, links=fullsize_dir / "links.csv")
    yield folder
    shutil.rmtree(folder)
