"""The README's example queries give the answers it shows, on the embedded sample."""

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import ROOT

EXAMPLE = re.compile(r"```graphql\n(?P<query>.*?)\n```\n```json\n(?P<answer>.*?)\n```", re.S)
EXAMPLES = [(m["query"], m["answer"]) for m in EXAMPLE.finditer((ROOT / "README.md").read_text())]


def test_the_readme_has_the_old_apis_questions() -> None:
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize(("query", "answer"), EXAMPLES)
def test_readme_example_answers_as_shown(sample_db: Path, query: str, answer: str) -> None:
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body and body["data"] == json.loads(answer)
