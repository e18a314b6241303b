"""Each reliability test gets private copies of the sample catalogue and model: it writes to them,
kills servers on them and corrupts them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
