"""/metrics in the Prometheus text format: requests, latency per GraphQL operation, the model serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def client(sample_db: Path, sample_model: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=sample_model))) as client:
        yield client


def test_requests_are_counted_by_route_method_and_status(client: TestClient) -> None:
    client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
    client.get("/predicted-ratings/1?items=x")
    client.get("/no-such-page")
    samples = scrape(client)
    assert value(samples, "moviegraph_http_requests_total", route="/graphql", method="POST", status="200") == 1
    assert value(samples, "moviegraph_http_requests_total", route="/predicted-ratings/{user}", method="GET", status="400") == 1
    assert value(samples, "moviegraph_http_requests_total", route="unrouted", method="GET", status="404") == 1
    assert value(samples, "moviegraph_http_request_duration_seconds_count", route="/graphql") == 1


def test_graphql_latency_is_labelled_by_root_field_never_by_client_text(client: TestClient) -> None:
    for _ in range(3):
        client.post("/graphql", json={"query": "query Zq81x { movie(id: 862) { title } }", "operationName": "Zq81x"})
    client.post("/graphql", json={"query": "{ movie(id: 862) { title } genres(first: 1) { totalCount } }"})
    client.post("/graphql", json={"query": "{ movie(id: 862) { nope } }"})
    client.post("/graphql", json={"query": "{ movie(id: 862"})
    samples = scrape(client)
    count = "moviegraph_graphql_request_duration_seconds_count"
    assert value(samples, count, operation_type="query", root_field="movie") == 3 + 1  # the invalid one named movie too
    assert value(samples, count, operation_type="query", root_field="multiple") == 1
    assert value(samples, count, operation_type="none", root_field="none") == 1
    assert value(samples, "moviegraph_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert value(samples, "moviegraph_graphql_errors_total", code="GRAPHQL_PARSE_FAILED") == 1
    assert "Zq81x" not in client.get("/metrics").text


def test_the_model_serving_is_a_gauge(client: TestClient, sample_model: Path) -> None:
    manifest = json.loads((sample_model / "manifest.json").read_text())
    samples = scrape(client)
    assert value(samples, "moviegraph_model_info", version=str(manifest["version"]), trained_at=manifest["created_at"]) == 1


def test_no_model_no_gauge(sample_db: Path, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, model_dir=tmp_path / "none"))) as client:
        samples = scrape(client)
    assert not [key for key in samples if key[0] == "moviegraph_model_info"]
