"""The served app with its model on S3-compatible object storage (moto's server on loopback): `moviegraph
train` uploads, the running server's watcher picks up each new version within its poll interval,
refuses a corrupt or half-uploaded one and an unreachable store, and the old model keeps serving."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.settings import Settings
from data.errors import ArtifactStoreUnavailable
from ml import artifact
from ml.model_holder import REFUSED, ModelHolder
from ml.s3_artifacts import S3Artifacts
from tests.api.test_model_swap import _info
from tests.s3 import AWS_ENVIRON, Bucket, moto_server, new_bucket
from tests.servers import free_port

POLL = 0.2  # seconds between the watcher's looks at the pointer
MOVIEGRAPH = str(Path(sys.executable).parent / "moviegraph")
TINY_CLI = ["--components", "4", "--epochs", "2", "--quiet"]


def _settings(bucket: Bucket, db: Path, cache: Path) -> Settings:
    return Settings(db_path=db, model_uri=bucket.uri(), s3_endpoint_url=bucket.endpoint, model_cache_dir=cache, model_poll_seconds=POLL)


def _publish(bucket: Bucket, source: Path, trained_at: str, prefix: str = "models") -> None:
    """Publishes the artifact at `source` again, told apart by its training time (what modelInfo shows)."""
    model = artifact.load(source)
    model.manifest["created_at"] = trained_at
    S3Artifacts(bucket.uri(prefix), endpoint_url=bucket.endpoint, cache_dir=Path("unused")).publish(model)


def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> float:
    """Seconds until `condition()` held; fails past `seconds`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _models(client: TestClient) -> ModelHolder:
    models: ModelHolder = client.app.state.runtime.models  # type: ignore[attr-defined]  # TestClient.app is a bare ASGI callable
    return models


def test_train_uploads_and_the_server_swaps_each_new_version_in(
        s3_bucket: Bucket, sample_db: Path, sample_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOVIEGRAPH_MODEL_URI", s3_bucket.uri())
    monkeypatch.setenv("MOVIEGRAPH_S3_ENDPOINT_URL", s3_bucket.endpoint)
    main(["train", "--db", str(sample_db), *TINY_CLI])
    assert f"; artifact {s3_bucket.uri()} -> versions/" in capsys.readouterr().out
    with TestClient(create_app(_settings(s3_bucket, sample_db, tmp_path / "cache"))) as client:
        trained = _info(client)["modelInfo"]["trainedAt"]
        assert trained != "2030-01-01T00:00:00+00:00"
        _publish(s3_bucket, sample_model, "2030-01-01T00:00:00+00:00")
        seconds = _wait_for(lambda: _info(client)["modelInfo"]["trainedAt"] == "2030-01-01T00:00:00+00:00")
        print(f"new version served {seconds:.2f} s after its pointer moved (poll interval {POLL} s)")
        assert seconds < 10 * POLL + 3  # a poll, a download of the sample model and its checks, on a busy machine
    assert len(list((tmp_path / "cache").iterdir())) == 2  # the current version and the previous one


def _republish_altered(bucket: Bucket, alter: Callable[[str, bytes], bytes | None]) -> None:
    """Copies the version last published under `staging/` to `models/`, each object through `alter`
    (None: left out, as an upload that stopped), the pointer last, so the server sees only the result."""
    pointer = bucket.read("staging/current.json")
    name = pointer.decode().split('"version": "')[1].split('"')[0]
    for key in bucket.keys(f"staging/versions/{name}/"):
        body = alter(key, bucket.read(key))
        if body is not None:
            bucket.write("models/" + key.removeprefix("staging/"), body)
    bucket.write("models/current.json", pointer)


def _flip_last_byte(body: bytes) -> bytes:
    return body[:-1] + bytes([body[-1] ^ 0xFF])


@pytest.mark.parametrize(("alter", "logged"), [
    (lambda key, body: _flip_last_byte(body) if key.endswith("item_vectors.npy") else body, "item_vectors.npy: sha256 differs"),
    (lambda key, body: None if key.endswith("user_vectors.npy") else body, "user_vectors.npy is missing"),
    (lambda key, body: None if key.endswith("checksums.json") else body, "no checksums.json; it was not uploaded whole"),
], ids=["corrupt-object", "half-uploaded-files", "half-uploaded-checksums"])
def test_a_corrupt_or_half_uploaded_version_is_refused_and_the_old_model_keeps_serving(
        s3_bucket: Bucket, sample_db: Path, sample_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        alter: Callable[[str, bytes], bytes | None], logged: str) -> None:
    _publish(s3_bucket, sample_model, "2029-01-01T00:00:00+00:00")
    _publish(s3_bucket, sample_model, "2031-01-01T00:00:00+00:00", prefix="staging")
    with TestClient(create_app(_settings(s3_bucket, sample_db, tmp_path / "cache"))) as client, caplog.at_level(logging.ERROR):
        assert _info(client)["modelInfo"]["trainedAt"] == "2029-01-01T00:00:00+00:00"
        _republish_altered(s3_bucket, alter)
        _wait_for(lambda: _models(client).problem == REFUSED)
        assert _info(client)["modelInfo"]["trainedAt"] == "2029-01-01T00:00:00+00:00"
        ready = client.get("/ready")
        assert (ready.status_code, ready.json()["model"]) == (200, REFUSED)  # a model serves; why the new one does not is said
        assert "\nmoviegraph_model_refusals_total 1.0\n" in client.get("/metrics").text
    assert any(logged in record.getMessage() and "the previous model keeps serving" in record.getMessage() for record in caplog.records)


def test_a_store_down_while_serving_keeps_the_model_and_its_return_is_noticed(
        sample_db: Path, sample_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    for name, value in AWS_ENVIRON.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    with contextlib.ExitStack() as serving:
        store_up = contextlib.ExitStack()  # a server of its own, to stop and start again
        bucket = new_bucket(store_up.enter_context(moto_server(port)))
        _publish(bucket, sample_model, "2029-01-01T00:00:00+00:00")
        client = serving.enter_context(TestClient(create_app(_settings(bucket, sample_db, tmp_path / "cache"))))
        store_up.close()
        with caplog.at_level(logging.WARNING):
            _wait_for(lambda: any("cannot reach the model store" in r.getMessage() for r in caplog.records))
        assert _info(client)["modelInfo"]["trainedAt"] == "2029-01-01T00:00:00+00:00"  # still serving
        assert _models(client).problem is None and client.get("/ready").status_code == 200
        scraped = re.search(r"^moviegraph_model_store_failures_total (\S+)$", client.get("/metrics").text, re.MULTILINE)
        assert scraped and 1 <= float(scraped[1]) <= _models(client).store_failures  # the watcher may have failed again since
        with moto_server(port):  # back, with the same objects
            _publish(bucket, sample_model, "2031-01-01T00:00:00+00:00")
            _wait_for(lambda: _info(client)["modelInfo"]["trainedAt"] == "2031-01-01T00:00:00+00:00", seconds=30)
    assert any("; the current model keeps serving, next try in 0.4 s" in r.getMessage() for r in caplog.records)


def test_an_unreachable_store_at_start_up_stops_the_server_naming_the_setting(
        s3_bucket: Bucket, sample_db: Path, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings(db_path=sample_db, model_uri="s3://models/prod", s3_endpoint_url=closed, model_cache_dir=tmp_path / "cache")
    with pytest.raises(ArtifactStoreUnavailable, match=rf"MOVIEGRAPH_MODEL_URI=s3://models/prod at MOVIEGRAPH_S3_ENDPOINT_URL={closed}: "), \
            TestClient(create_app(settings)):
        pass
    # `moviegraph serve` ends before it builds or binds anything, with the same message and exit 1.
    environ = {**AWS_ENVIRON, "PATH": "/usr/bin:/bin", "MOVIEGRAPH_MODEL_URI": "s3://models/prod", "MOVIEGRAPH_S3_ENDPOINT_URL": closed,
               "MOVIEGRAPH_DB_PATH": str(sample_db), "MOVIEGRAPH_MODEL_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([MOVIEGRAPH, "serve", "--port", str(free_port())], env=environ, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"ArtifactStoreUnavailable: cannot reach the model store MOVIEGRAPH_MODEL_URI=s3://models/prod at "
                                  f"MOVIEGRAPH_S3_ENDPOINT_URL={closed}: "), done.stderr
    assert not (tmp_path / "cache").exists()
