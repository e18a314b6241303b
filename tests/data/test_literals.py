import ast
import csv
from pathlib import Path

import pytest

from data.readers import movies_dataset as md
from data.readers._literals import MalformedLiteral, RecordList

PAIR = RecordList([("id", "int"), ("name", "str")])


def _expected(text: str, keys: list[str]) -> list[tuple[object, ...]]:
    # Alternative implementation: the obvious literal_eval of the whole value.
    value = ast.literal_eval(text) if text else []
    value = [value] if isinstance(value, dict) else value
    return [tuple(item[key] for key in keys) for item in value]


@pytest.mark.parametrize(
    ("file", "column", "parser"),
    [
        ("credits.csv", "cast", md.CAST),
        ("credits.csv", "crew", md.CREW),
        ("keywords.csv", "keywords", md.KEYWORDS),
        ("movies_metadata.csv", "genres", md.GENRES),
        ("movies_metadata.csv", "production_companies", md.COMPANIES),
        ("movies_metadata.csv", "production_countries", md.COUNTRIES),
        ("movies_metadata.csv", "spoken_languages", md.LANGUAGES),
        ("movies_metadata.csv", "belongs_to_collection", md.COLLECTION),
    ],
)
def test_fast_parse_equals_literal_eval_on_every_real_row(shared_data: Path, file: str, column: str, parser: RecordList) -> None:
    keys = [key for key, _ in parser.picked]
    with open(shared_data / "movies-dataset" / file, newline="", encoding="utf-8") as handle:
        rows = [row[column] for row in csv.DictReader(handle)]
    checked = 0
    for text in rows:
        try:
            expected = _expected(text, keys)
        except (ValueError, SyntaxError):
            continue  # shifted rows: not a literal at all
        assert parser.parse(text) == expected
        checked += 1
    assert checked > 0.99 * len(rows)


def test_escaped_and_double_quoted_strings_are_unescaped() -> None:
    text = """[{'id': 1, 'name': "based on children's book"}, {'id': 2, 'name': 'back\\\\slash \\'q\\''}]"""
    assert PAIR.parse(text) == [(1, "based on children's book"), (2, "back\\slash 'q'")]


def test_other_key_order_falls_back_to_literal_eval() -> None:
    assert PAIR.parse("[{'name': 'Drama', 'id': 18}]") == [(18, "Drama")]


def test_lone_dict_and_empty_values() -> None:
    assert PAIR.parse("{'id': 3, 'name': 'x'}") == [(3, "x")]
    assert PAIR.parse("") == []
    assert PAIR.parse("[]") == []


def test_optional_values_accept_none() -> None:
    parser = RecordList([("id", "int"), ("path", "str?")])
    assert parser.parse("[{'id': 1, 'path': None}, {'id': 2, 'path': '/a.jpg'}]") == [(1, None), (2, "/a.jpg")]


@pytest.mark.parametrize(
    "text",
    [
        "[{'id': 'x', 'name': 'Drama'}]",  # wrong type
        "[{'id': 1}]",  # missing key
        "[{'id': 1, 'name': 'a'}",  # truncated
        "__import__('os').system('true')",  # never evaluated
        "1997-08-20",
        "[1, 2]",
    ],
)
def test_malformed_values_are_refused(text: str) -> None:
    with pytest.raises(MalformedLiteral):
        PAIR.parse(text)
