"""A GraphQL client over the real-rows catalogue, and a helper that fails on any error."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.ingest import IngestResult


class Gql(Protocol):
    def __call__(self, query: str, **variables: Any) -> dict[str, Any]: ...


@pytest.fixture(scope="module")
def client(real_catalogue: tuple[IngestResult, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=real_catalogue[1]))) as client:
        yield client


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def data(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The answer's data, failing on any error."""
    body = post(client, query, variables)
    assert "errors" not in body, body["errors"]
    answer: dict[str, Any] = body["data"]
    return answer


@pytest.fixture(scope="module")
def gql(client: TestClient) -> Gql:
    return partial(data, client)


@pytest.fixture(scope="module")
def sample_client(sample_db: Path, sample_model: Path) -> Iterator[TestClient]:
    """The app over the sample catalogue and its model, authentication off."""
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=sample_model))) as client:
        yield client
