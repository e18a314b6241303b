"""Fixtures shared by the whole suite: the real data folder and a catalogue built from the sample."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from data.ingest import IngestResult, ingest

if TYPE_CHECKING:
    from tests.s3 import Bucket

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own empty folder, so the relative defaults (var/moviegraph.sqlite3,
    var/model, var/evaluation) are its own: never the model `make serve` left in the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (real rows of the public datasets); tests needing it skip when it is absent."""
    if not (SHARED_DATA / "movies-dataset" / "movies_metadata.csv").is_file():
        pytest.skip("../shared/data is not here")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue ingested from the shipped sample (data/sample), built once per test run."""
    path = tmp_path_factory.mktemp("sample") / "catalogue.sqlite3"
    ingest(movies_dataset=SAMPLE, db_path=path, show_progress=False)
    return path


@pytest.fixture(scope="session")
def real_catalogue(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[IngestResult, Path]:
    """The catalogue ingested from ../shared/data's real rows (7,020 movies), built once per run."""
    path = tmp_path_factory.mktemp("real") / "catalogue.sqlite3"
    return ingest(movies_dataset=shared_data / "movies-dataset", db_path=path, show_progress=False), path


@pytest.fixture(scope="session")
def sample_model(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the sample catalogue (few epochs: tests check wiring, evaluate checks quality)."""
    from ml import artifact, datasets
    from ml.training import TrainingParams, train

    params = TrainingParams(max_epochs=8, components=32)
    result = train(datasets.from_catalogue(sample_db, params.features), params, show_progress=False)
    target = tmp_path_factory.mktemp("model") / "model"
    artifact.save(result.model, target)
    return target


def copy_catalogue(source: Path, target: Path) -> Path:
    """A private copy of a catalogue, for tests that write to it. SQLite's backup API copies it
    consistently whatever journal files lie beside the source (a served catalogue is in WAL mode)."""
    with contextlib.closing(sqlite3.connect(source)) as reader, contextlib.closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)
    return target


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the session (skips when moto is not installed)."""
    from tests.s3 import moto_server

    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A fresh bucket on the session's S3 server, with the AWS_* credentials it takes set."""
    from tests.s3 import AWS_ENVIRON, new_bucket

    for name, value in AWS_ENVIRON.items():
        monkeypatch.setenv(name, value)
    return new_bucket(s3_endpoint)
