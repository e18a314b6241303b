"""The runtime: each part a request needs, or its typed error with the reason it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.errors import DatabaseUnavailable, ModelUnavailable, WritesUnavailable
from loaders._common import Database
from loaders.runtime import Runtime, Unavailable
from ml.artifact_store import LocalFolder
from ml.model_holder import ModelHolder


async def test_missing_parts_raise_their_typed_errors_with_the_reason(tmp_path: Path) -> None:
    models = ModelHolder(LocalFolder(tmp_path / "model"), tmp_path / "c.sqlite3")
    await models.refresh()
    runtime = Runtime(database=Unavailable("no catalogue at c.sqlite3"), writer=Unavailable("the folder is read-only"), models=models)
    with pytest.raises(DatabaseUnavailable, match=r"^no catalogue at c\.sqlite3$"):
        runtime.require_database()
    with pytest.raises(WritesUnavailable, match=r"^ratings cannot be stored: the folder is read-only$"):
        runtime.require_writer()
    # No path: clients see this (the log has where the server looked).
    with pytest.raises(ModelUnavailable, match=r"^no recommender model is serving: no model artifact yet; run `moviegraph train`$"):
        runtime.require_scorer()
    await runtime.close()  # nothing was opened: nothing to close


async def test_present_parts_are_handed_out(sample_db: Path, sample_model: Path) -> None:
    database = await Database.open(sample_db)
    models = ModelHolder(LocalFolder(sample_model), sample_db)
    assert await models.refresh()
    runtime = Runtime(database=database, writer=Unavailable("read-only on purpose"), models=models)
    assert runtime.require_database() is database
    assert runtime.require_scorer() is models.scorer
    await runtime.close()
