"""`moviegraph serve`'s first start: a seed folder (the image's) is copied, not re-ingested and re-trained."""

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli import SEED_DB, SEED_MODEL, main, prepare_first_start
from api.settings import Settings
from data.errors import SettingsError


@pytest.fixture
def seed(sample_db: Path, sample_model: Path, tmp_path: Path) -> Path:
    """A seed folder laid out as `scripts/install.sh seed` lays it out: the catalogue and a symlinked model."""
    folder = tmp_path / "seed"
    folder.mkdir()
    shutil.copyfile(sample_db, folder / SEED_DB)
    version = sample_model.resolve()
    shutil.copytree(version, folder / version.name)
    (folder / SEED_MODEL).symlink_to(version.name)
    return folder


def _dump(db: Path) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _manifest(model_dir: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((model_dir / "manifest.json").read_text())
    return manifest


def test_an_empty_data_folder_gets_a_copy_of_the_seed(seed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"  # not there yet, as a fresh volume's subfolder would not be
    settings = Settings(db_path=data / "moviegraph.sqlite3", model_dir=data / "model", seed_dir=str(seed))
    prepare_first_start(settings)
    out = capsys.readouterr().out
    assert "copying the prebuilt one" in out and "ingesting" not in out and "training" not in out
    assert _dump(settings.db_path) == _dump(seed / SEED_DB)
    # Published the way `moviegraph train` publishes, so a later training run can swap it atomically.
    assert settings.model_dir.is_symlink() and settings.model_dir.resolve().parent == data
    assert _manifest(settings.model_dir) == _manifest(seed / SEED_MODEL)
    for array in (seed / SEED_MODEL).glob("*.npy"):
        assert np.array_equal(np.load(settings.model_dir / array.name), np.load(array))


def test_a_users_own_catalogue_gets_a_model_trained_on_it_not_the_seeds(
    seed: Path, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(db_path=tmp_path / "own.sqlite3", model_dir=tmp_path / "model", seed_dir=str(seed))
    shutil.copyfile(sample_db, settings.db_path)
    prepare_first_start(settings)
    assert "training one" in capsys.readouterr().out
    trained, seeded = _manifest(settings.model_dir), _manifest(seed / SEED_MODEL)
    # The seed (tests' sample_model) has 32 components; a first start trains with the defaults' 64.
    assert (trained["parameters"]["components"], seeded["parameters"]["components"]) == (64, 32)


def test_an_existing_catalogue_and_model_are_left_alone(seed: Path, sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    db = tmp_path / "own.sqlite3"
    shutil.copyfile(sample_db, db)
    before = db.stat().st_mtime_ns
    prepare_first_start(Settings(db_path=db, model_dir=sample_model, seed_dir=str(seed)))
    assert db.stat().st_mtime_ns == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["own.sqlite3", "seed"]


def test_a_seed_folder_without_a_catalogue_is_refused_before_anything_is_written(seed: Path, tmp_path: Path) -> None:
    (seed / SEED_DB).unlink()
    data = tmp_path / "data"
    with pytest.raises(SettingsError, match=r"MOVIEGRAPH_SEED_DIR has no moviegraph\.sqlite3"):
        prepare_first_start(Settings(db_path=data / "moviegraph.sqlite3", model_dir=data / "model", seed_dir=str(seed)))
    assert list(data.iterdir()) == []


def test_serve_says_which_folder_it_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A regular file where the data folder should be: unwritable even for root, who runs these tests in CI.
    blocker = tmp_path / "data"
    blocker.write_text("")
    monkeypatch.setenv("MOVIEGRAPH_DB_PATH", str(blocker / "moviegraph.sqlite3"))
    monkeypatch.setenv("MOVIEGRAPH_MODEL_DIR", str(blocker / "model"))
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == (
        f"SettingsError: cannot write to {blocker} (File exists), where a first start creates the catalogue and model: "
        f"make it writable for uid {os.getuid()}, or set MOVIEGRAPH_DB_PATH and MOVIEGRAPH_MODEL_DIR to a folder that is"
    )
