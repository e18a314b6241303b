"""Each reliability test gets private copies of the sample catalogue and model: it writes to them,
kills servers on them and corrupts them."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.reliability.deployment import DataDir


@pytest.fixture
def data_dir(sample_db: Path, sample_model: Path, tmp_path: Path) -> DataDir:
    data = DataDir(tmp_path / "data")
    data.folder.mkdir()
    # The backup API copies a consistent catalogue whatever journal files lie beside the source.
    with contextlib.closing(sqlite3.connect(sample_db)) as source, contextlib.closing(sqlite3.connect(data.db)) as target:
        source.backup(target)
    shutil.copytree(sample_model.resolve(), data.folder / ".model-sample")
    data.model.symlink_to(".model-sample")
    return data
