"""Fixtures for the tests that drive real client libraries (tests/clients/<client>/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients import npm


@pytest.fixture(scope="module")
def node_modules(request: pytest.FixtureRequest) -> Path:
    """The packages of the requesting test's folder (package.json + package-lock.json), installed (cached) from npm."""
    return npm.node_modules(Path(request.path).parent)
