"""Each reliability test gets private copies of the sample catalogue and model: it writes to them,
kills servers on them and corrupts them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The full-size catalogue and model the benchmarks build under var/bench/, for the slow hostile run.
from tests.benchmarks.conftest import fullsize_db, fullsize_dir, fullsize_model  # noqa: F401
from tests.conftest import copy_catalogue
from tests.reliability.deployment import DataDir


@pytest.fixture
def data_dir(sample_db: Path, sample_model: Path, tmp_path: Path) -> DataDir:
    data = DataDir(tmp_path / "data")
    data.folder.mkdir()
    copy_catalogue(sample_db, data.db)
    shutil.copytree(sample_model.resolve(), data.folder / ".model-sample")
    data.model.symlink_to(".model-sample")
    return data


@pytest.fixture(scope="session")
def real_catalogue_db(real_catalogue: tuple[object, Path]) -> Path:
    return real_catalogue[1]


@pytest.fixture(scope="session")
def real_model(real_catalogue_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model of the real catalogue, trained briefly: the hostile tests need one serving, not a good one."""
    from ml import artifact, datasets
    from ml.training import TrainingParams, train

    params = TrainingParams(max_epochs=3, components=16)
    target = tmp_path_factory.mktemp("real_model") / "model"
    artifact.save(train(datasets.from_catalogue(real_catalogue_db, params.features), params, show_progress=False).model, target)
    return target

