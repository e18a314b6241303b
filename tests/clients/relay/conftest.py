"""Relay and Apollo in node against the served API: the packages (pinned in package.json and
package-lock.json), a work folder where relay-compiler compiled src/ against schema.graphql, and
the app serving a private copy of the real-rows catalogue."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from data.ingest import IngestResult
from tests.clients.npm import node_modules
from tests.clients.served import served
from tests.conftest import ROOT, copy_catalogue

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Compiled:
    folder: Path
    run: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def relay_compiled(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    """relay-compiler run over src/ with the committed schema.graphql, in a scratch folder."""
    modules = node_modules(HERE)
    folder = tmp_path_factory.mktemp("relay")
    shutil.copytree(HERE / "src", folder / "src")
    for script in ("normalize.js", "apollo.mjs"):
        shutil.copy(HERE / script, folder / script)
    (folder / "node_modules").symlink_to(modules)
    (folder / "src" / "__generated__").mkdir()
    config = {"src": "./src", "schema": str(ROOT / "schema.graphql"), "language": "javascript", "artifactDirectory": "./src/__generated__",
              "eagerEsModules": False}  # CommonJS artifacts, for normalize.js to require
    (folder / "relay.config.json").write_text(json.dumps(config))
    run = subprocess.run([str(modules / ".bin" / "relay-compiler")], cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    return Compiled(folder, run)


@pytest.fixture(scope="module")
def api_url(real_catalogue: tuple[IngestResult, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """/graphql of the app over a writable copy of the real-rows catalogue (authentication off)."""
    db = copy_catalogue(real_catalogue[1], tmp_path_factory.mktemp("clients") / "catalogue.sqlite3")
    with served(create_app(Settings(db_path=db, rate_limit=0))) as base:
        yield f"{base}/graphql"
