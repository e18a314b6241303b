"""Fixtures for the tests that drive real client libraries (tests/clients/<client>/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients.node_packages import install


@pytest.fixture(scope="module")
def node_modules(request: pytest.FixtureRequest) -> Path:
    """The packages of the requesting test's folder's package.json, installed (cached) from npm."""
    return install(Path(request.path).parent / "package.json")
