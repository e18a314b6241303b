"""Ids as every door parses them: the plain number or, for the kinds GLOBAL_ID_TYPES names, the
global id of one of its types (base64 of "<type>:<number>", encoded here with the stdlib)."""

from __future__ import annotations

import base64

import pytest

from data.domain import MAX_ID, parse_id
from data.errors import BadInput


def _global(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [("862", "movie", 862), (_global("Movie:862"), "movie", 862), (_global("User:7"), "user", 7),
     (_global("Director:7879"), "person", 7879), (_global("Person:7879"), "director", 7879), (str(MAX_ID), "movie", MAX_ID)],
)
def test_an_id_is_the_plain_number_or_a_global_id_of_its_kind(value: str, kind: str, expected: int) -> None:
    assert parse_id(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [(_global("Person:862"), "movie"), (_global("Movie:862"), "ratings-source movie"), (_global("Movie:x"), "movie"),
     (_global("Movie:-1"), "movie"), (_global(f"Movie:{MAX_ID + 1}"), "movie"), ("TW92aWU6ODYy!", "movie"), ("", "movie"),
     ("a" * 5_000, "movie"), ("١٢", "movie"), (_global("Movie:" + "9" * 200), "movie")],
)
def test_anything_else_is_bad_input(value: str, kind: str) -> None:
    with pytest.raises(BadInput):
        parse_id(value, kind)
