"""The README's GraphQL examples give the answers it shows, on the embedded sample.

The convention (README, "Examples in this README"): every ```graphql block is followed at once by
a ```json block with the answer's `data`. `json` is compared exactly; `json shape` (for what
varies with training: scores, predicted ratings, which movies a model recommends) only by shape:
the same keys, lists of the same length, and each value of the same JSON type (null only as null).
The examples run in README order against one server over a private copy of the sample catalogue,
open (no sign-in: `user:` names the user) and with a model trained on it, so a mutation's effect
is seen by the examples after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import ROOT, copy_catalogue

README = (ROOT / "README.md").read_text()
# A fenced block as CommonMark has it: no backtick in the info string, so a line that opens with
# inline code (```` ```json ````) is not taken for a fence.
FENCE = re.compile(r"^```(?P<info>[^`\n]*)\n(?P<body>.*?)^```\n", re.S | re.M)


class Example(NamedTuple):
    line: int
    query: str
    answer: str
    shape_only: bool

    def __str__(self) -> str:
        return f"README.md:{self.line}"


def examples(text: str) -> list[Example]:
    """Each graphql block with the json block right after it; a graphql block without one is an error."""
    found, blocks = [], list(FENCE.finditer(text))
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        if block["info"].strip() != "graphql":
            continue
        line = text.count("\n", 0, block.start()) + 1
        between = text[block.end():following.start()] if following else ""
        info = following["info"].split() if following else []
        if not following or between.strip() or info[:1] != ["json"] or info[1:] not in ([], ["shape"]):
            raise AssertionError(f"README.md:{line}: a ```graphql block must be followed at once by a ```json (or ```json shape) block")
        found.append(Example(line, block["body"], following["body"], info[1:] == ["shape"]))
    return found


EXAMPLES = examples(README)


def shape(value: Any) -> Any:
    """What a `json shape` answer is compared by: keys, list lengths and JSON types, not values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def test_the_convention_is_checked() -> None:
    with pytest.raises(AssertionError, match=re.escape("README.md:1: a ```graphql block must be followed")):
        examples("```graphql\n{ a }\n```\ntext\n```json\n{}\n```\n")
    assert examples("```graphql\n{ a }\n```\n```json shape\n{\"a\": 1}\n```\n") == [Example(1, "{ a }\n", "{\"a\": 1}\n", True)]
    assert shape({"a": [1, 2.5, None, "x", True]}) == {"a": ["number", "number", "NoneType", "str", "bool"]}


def test_the_readme_has_the_old_apis_questions_and_the_recommenders() -> None:
    assert len(EXAMPLES) >= 12
    assert len(EXAMPLES) == README.count("\n```graphql\n"), "a graphql block was not read as one"
    assert all(any(field in example.query for example in EXAMPLES) for field in ("recommend", "predictedRatings", "rateMovie"))


@pytest.fixture(scope="module")
def client(sample_db: Path, sample_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = copy_catalogue(sample_db, tmp_path_factory.mktemp("readme") / "catalogue.sqlite3")
    with TestClient(create_app(Settings(db_path=db, model_dir=sample_model))) as client:
        yield client


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_readme_example_answers_as_shown(client: TestClient, example: Example) -> None:
    body = client.post("/graphql", json={"query": example.query}).json()
    assert "errors" not in body, body["errors"]
    shown = json.loads(example.answer)
    if example.shape_only:
        assert shape(body["data"]) == shape(shown)
    else:
        assert body["data"] == shown
