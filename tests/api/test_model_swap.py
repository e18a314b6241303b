"""A newly trained artifact is picked up without a restart; a corrupt one is refused and the old
model keeps serving."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from loaders._common import Database
from loaders.movies import select_movies_by_ids
from loaders.rows import MovieRow
from ml.scoring import Similar

INFO = "{ modelInfo { trainedAt } recommend(user: 4, first: 3) { score } }"


def _info(client: TestClient) -> dict[str, Any]:
    body = client.post("/graphql", json={"query": INFO}).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _publish(source: Path, target: Path, name: str) -> Path:
    """Copies an artifact to a new directory and repoints the `target` symlink at it, as `train` does."""
    build = target.parent / name
    shutil.copytree(source.resolve(), build)
    link = target.with_name(".link")
    link.symlink_to(build.name)
    link.replace(target)
    return build


def test_new_artifact_is_swapped_in_and_a_corrupt_one_refused(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    target = tmp_path / "model"
    first = _publish(sample_model, target, "v1")
    settings = Settings(db_path=sample_db, model_dir=target, model_poll_seconds=3600)
    with TestClient(create_app(settings)) as client:
        models = client.app.state.runtime.models  # type: ignore[attr-defined]  # TestClient.app is a bare ASGI callable
        assert client.portal is not None  # set while the client's `with` block runs
        before = _info(client)

        second = _publish(sample_model, target, "v2")
        manifest = second / "manifest.json"
        manifest.write_text(manifest.read_text().replace(before["modelInfo"]["trainedAt"], "2030-01-01T00:00:00+00:00"))
        assert client.portal.call(models.refresh) is True
        assert _info(client)["modelInfo"]["trainedAt"] == "2030-01-01T00:00:00+00:00"

        corrupt = _publish(sample_model, target, "v3")
        (corrupt / "item_biases.npy").write_bytes(b"not a numpy file")
        assert client.portal.call(models.refresh) is False
        assert "refused" in models.problem
        assert _info(client)["modelInfo"]["trainedAt"] == "2030-01-01T00:00:00+00:00"

        nan = _publish(sample_model, target, "v4")
        biases = np.load(nan / "item_biases.npy")
        np.save(nan / "item_biases.npy", np.full_like(biases, np.nan))
        assert client.portal.call(models.refresh) is False
        assert _info(client)["modelInfo"]["trainedAt"] == "2030-01-01T00:00:00+00:00"
    assert first.is_dir()


class _OtherModel:
    """What the watcher might swap in: a model that answers differently from the one serving."""

    model_info = None

    def similar(self, movie_id: int, k: int) -> list[Similar]:
        return [Similar(movie_id=movie_id, score=-42.0)]


def test_a_swap_while_a_request_waits_does_not_mix_two_models(sample_db: Path, sample_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(db_path=sample_db, model_dir=sample_model, model_poll_seconds=3600)
    with TestClient(create_app(settings)) as client:
        models = client.app.state.runtime.models  # type: ignore[attr-defined]
        serving = models.scorer
        expected = serving.similar(862, 1)[0].score
        real = select_movies_by_ids

        async def swapping(db: Database, ids: Sequence[int]) -> list[MovieRow | None]:
            rows = await real(db, ids)
            models.scorer = _OtherModel()  # the watcher publishing a new model mid-request
            return rows

        monkeypatch.setattr("loaders.select_movies_by_ids", swapping)  # where the DataLoaders are made
        query = '{ modelInfo { version } movie(id: "862") { similar(first: 1) { score } } }'
        body = client.post("/graphql", json={"query": query}).json()
        assert "errors" not in body, body
        assert body["data"]["modelInfo"]["version"] == serving.model_info.version
        assert body["data"]["movie"]["similar"] == [{"score": pytest.approx(expected)}]
        assert models.scorer is not serving  # the swap did happen
