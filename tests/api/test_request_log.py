"""One JSON line per request on the `moviegraph.requests` logger, with an X-Request-ID."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.request_log import LOGGER_NAME
from api.settings import Settings


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records if record.name == LOGGER_NAME]


def test_one_line_per_request(sample_db: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(Settings(db_path=sample_db))) as client, caplog.at_level(logging.INFO, LOGGER_NAME):
        ok = client.post("/graphql", json={"query": "query Toy { movie(id: 862) { title } }"}, headers={"x-request-id": "abc-123"})
        bad = client.post("/graphql", json={"query": '{ movie(id: "x") { title } }'}, headers={"x-request-id": "no spaces allowed"})
        client.get("/health")
    first, second, third = lines(caplog)
    assert ok.headers["x-request-id"] == first["request_id"] == "abc-123"
    assert bad.headers["x-request-id"] == second["request_id"] != "no spaces allowed" and len(second["request_id"]) == 32
    assert {k: first[k] for k in ("method", "path", "status", "client", "operation_type", "root_field", "operation_name", "error_codes", "cost")} == {
        "method": "POST", "path": "/graphql", "status": 200, "client": "testclient", "operation_type": "query",
        "root_field": "movie", "operation_name": "Toy", "error_codes": [], "cost": 1}
    assert first["duration_ms"] > 0
    assert second["error_codes"] == ["BAD_USER_INPUT"]
    assert third["path"] == "/health" and third["status"] == 200 and "root_field" not in third


def test_a_refused_request_is_logged_with_its_status(sample_db: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, max_body_bytes=10))) as client, caplog.at_level(logging.INFO, LOGGER_NAME):
        client.post("/graphql", json={"query": "{ movie(id: 862) { title } }"})
    assert [(line["path"], line["status"]) for line in lines(caplog)] == [("/graphql", 413)]


def test_warning_level_turns_the_lines_off(sample_db: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, log_level="warning"))) as client, caplog.at_level(logging.NOTSET):
        client.get("/health")
    assert lines(caplog) == []


def test_fragments_spreading_each_other_are_refused_and_logged_once(sample_db: Path, caplog: pytest.LogCaptureFixture) -> None:
    cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    with TestClient(create_app(Settings(db_path=sample_db))) as client, caplog.at_level(logging.INFO):
        body = client.post("/graphql", json={"query": cycle}).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "recursion" not in body["errors"][0]["message"]
    assert [line["error_codes"] for line in lines(caplog)] == [["GRAPHQL_VALIDATION_FAILED"]]
    assert not [record for record in caplog.records if record.exc_info]
