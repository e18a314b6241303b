"""CORS origins and patterns, credentials, and the preflight answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.cors import origin_pattern
from api.settings import Settings
from data.errors import SettingsError

PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type"}


@pytest.mark.parametrize(("configured", "origin", "allowed"), [
    ("http://localhost:*", "http://localhost:5173", True),
    ("http://localhost:*", "http://localhost", False),
    ("http://localhost:*", "https://localhost:5173", False),
    ("http://localhost:*", "http://localhost.evil.example:80", False),
    ("https://*.example.org", "https://app.example.org", True),
    ("https://*.example.org", "https://a.b.example.org", True),
    ("https://*.example.org", "https://example.org", False),
    ("https://*.example.org", "https://app.example.org.evil.example", False),
    ("https://app.example.org", "https://APP.example.org", False),  # browsers send origins in lower case
])
def test_origin_patterns(configured: str, origin: str, allowed: bool) -> None:
    pattern = origin_pattern(configured)
    assert pattern is not None and bool(re.fullmatch(pattern, origin)) is allowed


@pytest.mark.parametrize("bad", ["localhost:3000", "https://app.example.org/", "https://*", "http://local*host", "https://a.example.org:x"])
def test_bad_origins_are_refused_at_start(bad: str) -> None:
    with pytest.raises(SettingsError):
        Settings(cors_origins=(bad,)).validate()


def test_credentials_need_named_origins() -> None:
    with pytest.raises(SettingsError, match="CORS_CREDENTIALS"):
        Settings(cors_origins=("*",), cors_credentials=True).validate()


@pytest.mark.parametrize("credentials", [False, True])
def test_the_credentials_setting(sample_db: Path, credentials: bool) -> None:
    settings = Settings(db_path=sample_db, cors_origins=("http://localhost:*",), cors_credentials=credentials)
    with TestClient(create_app(settings)) as client:
        preflight = client.options("/graphql", headers={"origin": "http://localhost:3000", **PREFLIGHT})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert preflight.headers.get("access-control-allow-credentials") == ("true" if credentials else None)


def test_any_origin_answers_star(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, cors_origins=("*",)))) as client:
        simple = client.get("/graphql", params={"query": "{ __typename }"}, headers={"origin": "https://anywhere.example"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_a_header_not_allowed_fails_the_preflight_with_json(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db, cors_origins=("http://localhost:*",)))) as client:
        preflight = client.options("/graphql", headers={"origin": "http://localhost:3000", "access-control-request-method": "POST",
                                                        "access-control-request-headers": "x-secret-header"})
    body = preflight.json()["errors"][0]
    assert preflight.status_code == 400 and body["extensions"]["code"] == "CORS_REFUSED" and "headers" in body["message"]
