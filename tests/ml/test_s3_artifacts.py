"""The object-storage artifact store against a real S3-protocol server on loopback (moto's server mode):
what `publish` uploads, what `fetch` verifies and keeps, what it refuses, and a store that is down."""

from __future__ import annotations

import hashlib
import json
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from api.settings import Settings
from data.errors import ArtifactError, ArtifactStoreUnavailable, SettingsError
from ml import artifact
from ml.model_holder import retry_delay
from ml.s3_artifacts import S3Artifacts
from ml.training import TrainingResult
from tests.s3 import Bucket
from tests.servers import free_port


def _store(bucket: Bucket, cache: Path, prefix: str = "models") -> S3Artifacts:
    return S3Artifacts(bucket.uri(prefix), endpoint_url=bucket.endpoint, cache_dir=cache)


def _publish(store: S3Artifacts, trained: TrainingResult) -> str:
    """Publishes the model; returns the pointer a server then reads."""
    store.publish(trained.model)
    pointer = store.published()
    assert pointer is not None
    return pointer


def _version(pointer: str) -> str:
    name: str = json.loads(pointer)["version"]
    return name


def test_publish_uploads_every_file_with_its_sha256_then_the_pointer(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path) -> None:
    store = _store(s3_bucket, tmp_path / "cache")
    assert store.published() is None
    where = store.publish(trained.model)
    pointer = store.published()
    assert pointer is not None
    name = _version(pointer)
    assert where == f"{s3_bucket.uri()} -> versions/{name}"

    local = artifact.save(trained.model, tmp_path / "local" / "model")  # the same model written to a folder
    expected = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in local.iterdir()}
    checksums_raw = s3_bucket.read(f"models/versions/{name}/checksums.json")
    assert json.loads(pointer)["checksums_sha256"] == hashlib.sha256(checksums_raw).hexdigest()
    listed = json.loads(checksums_raw)["files"]
    assert {path: entry["sha256"] for path, entry in listed.items()} == expected
    for path, entry in listed.items():
        body = s3_bucket.read(f"models/versions/{name}/files/{path}")
        assert (len(body), hashlib.sha256(body).hexdigest()) == (entry["size"], entry["sha256"])
    assert s3_bucket.keys("models/") == sorted(
        [f"models/versions/{name}/files/{path}" for path in expected] + [f"models/versions/{name}/checksums.json", "models/current.json"])

    fetched = store.fetch(pointer)
    assert fetched == tmp_path / "cache" / name
    assert np.array_equal(artifact.load(fetched).item_vectors, trained.model.item_vectors)


def test_files_the_artifact_grows_pass_through(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store uploads whatever `artifact.save` writes, subfolders too: a new component needs no change to it."""
    real_save = artifact.save

    def save_with_an_extra_component(model: object, target: Path) -> Path:
        built = real_save(trained.model, target)
        (built / "extra").mkdir()
        (built / "extra" / "component.bin").write_bytes(b"\x00\x01 a new part of the artifact")
        return built

    monkeypatch.setattr(artifact, "save", save_with_an_extra_component)
    store = _store(s3_bucket, tmp_path / "cache")
    pointer = _publish(store, trained)
    assert (store.fetch(pointer) / "extra" / "component.bin").read_bytes() == b"\x00\x01 a new part of the artifact"


def test_the_cache_keeps_the_current_and_the_previous_version(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path) -> None:
    store = _store(s3_bucket, tmp_path / "cache")
    names = []
    for _ in range(3):
        pointer = _publish(store, trained)
        store.fetch(pointer)
        names.append(_version(pointer))
    assert sorted(entry.name for entry in (tmp_path / "cache").iterdir()) == names[1:]


def test_an_object_changed_after_upload_is_refused(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path) -> None:
    store = _store(s3_bucket, tmp_path / "cache")
    pointer = _publish(store, trained)
    key = f"models/versions/{_version(pointer)}/files/item_biases.npy"
    body = bytearray(s3_bucket.read(key))
    body[-1] ^= 0xFF  # same size, one bit pattern different: only the checksum can tell
    s3_bucket.write(key, bytes(body))
    with pytest.raises(ArtifactError, match=r"item_biases\.npy: sha256 differs from checksums\.json; the object is altered or damaged"):
        store.fetch(pointer)
    assert not (tmp_path / "cache" / _version(pointer)).exists()  # nothing half-verified is left to load
    assert [entry.name for entry in (tmp_path / "cache").iterdir()] == []


def test_altered_checksums_are_refused(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path) -> None:
    store = _store(s3_bucket, tmp_path / "cache")
    pointer = _publish(store, trained)
    key = f"models/versions/{_version(pointer)}/checksums.json"
    s3_bucket.write(key, s3_bucket.read(key).replace(b'"size": ', b'"size": 1'))
    with pytest.raises(ArtifactError, match=r"checksums\.json does not match the pointer's sha256"):
        store.fetch(pointer)


def test_a_pointer_to_a_half_uploaded_version_is_refused(s3_bucket: Bucket, trained: TrainingResult, tmp_path: Path) -> None:
    store = _store(s3_bucket, tmp_path / "cache")
    pointer = _publish(store, trained)
    name = _version(pointer)
    # The upload stopped before one of the files: delete it, as if it had never arrived.
    from obstore import delete

    delete(s3_bucket.store(), f"models/versions/{name}/files/user_vectors.npy")
    with pytest.raises(ArtifactError, match=r"user_vectors\.npy is missing; version .* was not uploaded whole"):
        store.fetch(pointer)
    # A pointer naming a version whose upload never reached its checksums.
    unfinished = json.dumps({"version": "20300101T000000.000000Z-0123abcd", "checksums_sha256": "0" * 64})
    with pytest.raises(ArtifactError, match=r"version 20300101T000000\.000000Z-0123abcd has no checksums\.json; it was not uploaded whole"):
        store.fetch(unfinished)


@pytest.mark.parametrize(("pointer", "message"), [
    ("not json", r"current\.json is not a moviegraph pointer"),
    (json.dumps({"version": "../../etc", "checksums_sha256": "0" * 64}), r"names version '\.\./\.\./etc', not one"),
])
def test_a_pointer_that_is_not_ours_is_refused(s3_bucket: Bucket, tmp_path: Path, pointer: str, message: str) -> None:
    with pytest.raises(ArtifactError, match=message):
        _store(s3_bucket, tmp_path / "cache").fetch(pointer)


def test_a_pointer_too_large_to_be_ours_is_refused_unread(s3_bucket: Bucket, tmp_path: Path) -> None:
    s3_bucket.write("models/current.json", b" " * (64 * 1024 + 1))
    store = _store(s3_bucket, tmp_path / "cache")
    pointer = store.published()
    assert pointer is not None
    with pytest.raises(ArtifactError, match=r"current\.json is 65,537 bytes, more than the 65,536 it may be"):
        store.fetch(pointer)


def test_checksums_naming_a_file_outside_the_version_are_refused(s3_bucket: Bucket, tmp_path: Path) -> None:
    checksums = json.dumps({"files": {"../../outside": {"sha256": "0" * 64, "size": 1}}}).encode()
    name = "20300101T000000.000000Z-0123abcd"
    s3_bucket.write(f"models/versions/{name}/checksums.json", checksums)
    pointer = json.dumps({"version": name, "checksums_sha256": hashlib.sha256(checksums).hexdigest()})
    with pytest.raises(ArtifactError, match=r"lists '\.\./\.\./outside', not a file inside the version"):
        _store(s3_bucket, tmp_path / "cache").fetch(pointer)
    assert not (tmp_path / "outside").exists()


def test_an_unreachable_endpoint_fails_fast_naming_the_setting(s3_bucket: Bucket, tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    store = S3Artifacts("s3://models/prefix", endpoint_url=endpoint, cache_dir=tmp_path)
    started = time.monotonic()
    with pytest.raises(ArtifactStoreUnavailable) as raised:
        store.published()
    seconds = time.monotonic() - started
    print(f"unreachable endpoint refused after {seconds:.2f} s (3 retries)")
    assert seconds < 15  # bounded retries, not a hang
    assert str(raised.value).startswith(
        f"cannot reach the model store MOVIEGRAPH_MODEL_URI=s3://models/prefix at MOVIEGRAPH_S3_ENDPOINT_URL={endpoint}: ")


@pytest.mark.slow
def test_an_endpoint_that_never_answers_costs_a_poll_a_bounded_time(s3_bucket: Bucket, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens (the kernel accepts), never reads or answers
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        store = S3Artifacts("s3://models/prefix", endpoint_url=endpoint, cache_dir=tmp_path)
        started = time.monotonic()
        with pytest.raises(ArtifactStoreUnavailable, match=f"MOVIEGRAPH_S3_ENDPOINT_URL={endpoint}: "):
            store.published()
        seconds = time.monotonic() - started
    print(f"silent endpoint given up after {seconds:.1f} s")
    assert 5 <= seconds < 30  # one 5 s request timeout at least, retries within 15 s, then the last try's timeout


def test_the_poll_backs_off_while_the_store_is_down_up_to_a_bound() -> None:
    assert [retry_delay(2.0, failures) for failures in range(8)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert retry_delay(300.0, 5) == 300.0  # a poll interval longer than the bound is kept
    assert retry_delay(2.0, 10_000) == 60.0


@pytest.mark.parametrize(("environ", "message"), [
    ({"MOVIEGRAPH_MODEL_URI": "gs://bucket/models"}, r"MOVIEGRAPH_MODEL_URI='gs://bucket/models' is neither a local folder nor s3://bucket/prefix"),
    ({"MOVIEGRAPH_MODEL_URI": "s3://Bad_Bucket/models"}, r"is neither a local folder nor s3://bucket/prefix"),
    ({"MOVIEGRAPH_S3_ENDPOINT_URL": "127.0.0.1:9000"}, r"MOVIEGRAPH_S3_ENDPOINT_URL='127\.0\.0\.1:9000' is not an endpoint like"),
])
def test_model_store_settings_are_checked(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ(environ)


def test_a_local_folder_stays_the_default_and_a_model_uri_overrides_it(tmp_path: Path) -> None:
    assert Settings.from_environ({}).model_location == "var/model"
    assert Settings.from_environ({"MOVIEGRAPH_MODEL_URI": str(tmp_path / "m")}).model_location == str(tmp_path / "m")
    settings = Settings.from_environ({"MOVIEGRAPH_MODEL_URI": "s3://models/prod", "MOVIEGRAPH_S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert settings.model_on_object_storage and settings.model_store().location == "s3://models/prod"
