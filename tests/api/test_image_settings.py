"""MOVIEGRAPH_TMDB_IMAGE_BASE: checked at start-up, and the base every image URL field is built on."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.errors import SettingsError


@pytest.mark.parametrize("base", ["image.tmdb.org/t/p/", "ftp://images.example.org/", "https://", "https://cdn.example.org/p/?size=1",
                                  "https://cdn.example.org/t p/", "javascript:alert(1)"])
def test_a_base_that_is_not_an_http_url_is_refused(base: str) -> None:
    with pytest.raises(SettingsError, match="MOVIEGRAPH_TMDB_IMAGE_BASE"):
        Settings.from_environ({"MOVIEGRAPH_TMDB_IMAGE_BASE": base})


def test_image_urls_use_the_configured_base(sample_db: Path) -> None:
    settings = Settings.from_environ({"MOVIEGRAPH_DB_PATH": str(sample_db), "MOVIEGRAPH_TMDB_IMAGE_BASE": "https://cdn.example.org/tmdb"})
    with TestClient(create_app(settings)) as client:
        body = client.post("/graphql", json={"query": '{ movie(id: "862") { posterPath posterUrl(size: W154) } }'}).json()
    movie = body["data"]["movie"]
    assert movie["posterUrl"] == f"https://cdn.example.org/tmdb/w154{movie['posterPath']}"
