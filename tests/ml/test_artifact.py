import contextlib
import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from api.cli import main
from data.errors import ArtifactError
from ml import artifact
from ml.training import TrainingResult

TINY_CLI = ["--components", "4", "--epochs", "2", "--quiet"]


def test_round_trip_keeps_every_array_and_the_manifest(tmp_path: Path, trained: TrainingResult) -> None:
    model = trained.model
    written = artifact.save(model, tmp_path / "model")
    assert (tmp_path / "model").is_symlink() and (tmp_path / "model").resolve() == written.resolve()
    loaded = artifact.load(tmp_path / "model")
    for name in ("movie_ids", "user_ids", "item_vectors", "item_biases", "user_vectors", "popularity"):
        assert np.array_equal(getattr(loaded, name), getattr(model, name)), name
    for name in ("item_bias", "user_bias", "user_weights"):
        assert np.array_equal(getattr(loaded.head, name), getattr(model.head, name)), name
    assert loaded.head.mu == model.head.mu and loaded.head.params == model.head.params
    assert loaded.manifest == json.loads(json.dumps(model.manifest))
    assert {p.suffix for p in written.iterdir()} == {".npy", ".json"}
    assert all(np.load(p).dtype in (np.float32, np.int64) for p in written.glob("*.npy") if p.stem != "neighbour_targets")
    assert np.load(written / "neighbour_targets.npy").dtype == np.int32  # movie rows: half the bytes of int64
    assert loaded.neighbours is not None and model.neighbours is not None and loaded.blend_weight == model.blend_weight
    for name in ("indptr", "targets", "weights"):
        assert np.array_equal(getattr(loaded.neighbours, name), getattr(model.neighbours, name)), name


def test_a_new_save_replaces_the_old_and_keeps_only_the_previous_directory(tmp_path: Path, trained: TrainingResult) -> None:
    first = artifact.save(trained.model, tmp_path / "model")
    second = artifact.save(trained.model, tmp_path / "model")
    assert first.exists() and (tmp_path / "model").resolve() == second.resolve()
    third = artifact.save(trained.model, tmp_path / "model")
    assert not first.exists() and second.exists() and (tmp_path / "model").resolve() == third.resolve()


def test_a_plain_directory_at_the_target_is_replaced(tmp_path: Path, trained: TrainingResult) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "stale.txt").write_text("by hand")
    artifact.save(trained.model, tmp_path / "model")
    assert artifact.load(tmp_path / "model").manifest == json.loads(json.dumps(trained.model.manifest))


def test_an_invalid_model_is_not_published(tmp_path: Path, trained: TrainingResult) -> None:
    artifact.save(trained.model, tmp_path / "model")
    vectors = trained.model.item_vectors.copy()
    vectors[0, 0] = np.nan
    broken = dataclasses.replace(trained.model, item_vectors=vectors)
    with pytest.raises(ArtifactError, match="non-finite values"):
        artifact.save(broken, tmp_path / "model")
    assert np.isfinite(artifact.load(tmp_path / "model").item_vectors).all()
    assert len(list(tmp_path.glob(".model-*"))) == 1


def test_a_failing_train_leaves_the_old_artifact_serving(
    tmp_path: Path, sample_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "model"
    main(["train", "--db", str(sample_db), "--model-dir", str(model_dir), *TINY_CLI])
    assert "474 movie vectors" in capsys.readouterr().out
    before = artifact.load(model_dir).manifest
    saved: list[Path] = []
    real_save = np.save

    def disk_full(path: Path, array: np.ndarray, allow_pickle: bool) -> None:
        saved.append(path)
        if len(saved) == 3:
            raise OSError(28, "No space left on device")
        real_save(path, array, allow_pickle=allow_pickle)

    monkeypatch.setattr("ml.artifact.np.save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        main(["train", "--db", str(sample_db), "--model-dir", str(model_dir), *TINY_CLI])
    assert artifact.load(model_dir).manifest == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".model-")] == ["model"]
    assert len(list(tmp_path.glob(".model-*"))) == 1


def test_train_without_ratings_exits_1(tmp_path: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "no-ratings.sqlite3"
    shutil.copy(sample_db, db)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM rating")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--db", str(db), "--model-dir", str(tmp_path / "model"), "--quiet"])
    assert exit_info.value.code == 1
    assert "has no ratings to train on" in capsys.readouterr().err


@pytest.fixture
def saved(tmp_path: Path, trained: TrainingResult) -> Path:
    return artifact.save(trained.model, tmp_path / "model")


def test_a_missing_artifact_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"no model artifact at .*; run `moviegraph train`"):
        artifact.load(tmp_path / "nothing")


def test_an_incompatible_version_is_refused(saved: Path) -> None:
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(ArtifactError, match="artifact format 99, this moviegraph reads 2; run `moviegraph train`"):
        artifact.load(saved)


def test_a_truncated_array_is_refused(saved: Path) -> None:
    path = saved / "item_vectors.npy"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ArtifactError, match=r"not a readable model artifact .*run `moviegraph train`"):
        artifact.load(saved)


def test_a_wrong_shape_or_dtype_is_refused(saved: Path) -> None:
    np.save(saved / "user_vectors.npy", np.zeros((3, 8), dtype=np.float32))
    with pytest.raises(ArtifactError, match=r"user_vectors.npy is float32 \(3, 8\), expected float32 \(654, 8\)"):
        artifact.load(saved)
    np.save(saved / "user_vectors.npy", np.zeros((654, 8), dtype=np.float64))
    with pytest.raises(ArtifactError, match="expected float32"):
        artifact.load(saved)


def test_non_finite_values_are_refused(saved: Path) -> None:
    biases = np.load(saved / "head_item_bias.npy")
    biases[5] = np.inf
    np.save(saved / "head_item_bias.npy", biases)
    with pytest.raises(ArtifactError, match=r"head_item_bias\.npy has non-finite values"):
        artifact.load(saved)


def test_repeated_ids_are_refused(saved: Path) -> None:
    ids = np.load(saved / "movie_ids.npy")
    ids[1] = ids[0]
    np.save(saved / "movie_ids.npy", ids)
    with pytest.raises(ArtifactError, match=r"movie_ids\.npy repeats ids"):
        artifact.load(saved)


def test_an_artifact_must_know_exactly_the_catalogue_movies(trained: TrainingResult) -> None:
    ids = trained.model.movie_ids
    artifact.check_catalogue(trained.model, ids[::-1])
    with pytest.raises(ArtifactError, match="artifact knows 474 movies, DB has 475; run `moviegraph train`"):
        artifact.check_catalogue(trained.model, np.append(ids, 10**9))
    with pytest.raises(ArtifactError, match=r"differ in 1 movie ids .*; run `moviegraph train`"):
        artifact.check_catalogue(trained.model, np.append(ids[1:], 10**9))
