"""Id strings a client might send, and what the API contract says about each kind.

An id is "a positive integer": `canonical` ids ("862") must be taken, `malformed` ones (anything
that is not all decimal digits: "", "-1", " 7", "1.0", "²", "abc") must be refused with
BAD_USER_INPUT. `borderline` ids are all decimal digits but not canonical ("0", "007", "١٢",
"99999999999999999999"): the contract allows taking them as their integer or refusing them
(BAD_USER_INPUT, NOT_FOUND), never an internal error."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from hypothesis import strategies as st

INT64_MAX = 2**63 - 1  # SQLite's INTEGER and numpy's int64: canonical ids fit in both
Kind = Literal["canonical", "malformed", "borderline"]


def id_kind(value: str) -> Kind:
    if re.fullmatch(r"[1-9][0-9]*", value) and int(value) <= INT64_MAX:
        return "canonical"
    return "borderline" if value.isdecimal() else "malformed"


def worst_kind(values: list[str]) -> Kind:
    """The kind that decides a request naming all `values`: any malformed id, else any borderline one."""
    kinds = {id_kind(value) for value in values}
    return "malformed" if "malformed" in kinds else "borderline" if "borderline" in kinds else "canonical"


def unknown_ids(known: Collection[int]) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(1, 10**7), st.integers(1, INT64_MAX)).filter(lambda i: i not in known).map(str)


MALFORMED_IDS = st.one_of(
    st.sampled_from(["", " ", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "²", "½", "Ⅻ", "one", "null", "1\x00"]),
    st.integers(-(2**70), -1).map(str),
    st.text(),
).filter(lambda value: not value.isdecimal())

BORDERLINE_IDS = st.one_of(
    st.just("0"),
    st.integers(0, 10**6).map(lambda i: f"0{i}"),
    st.integers(INT64_MAX + 1, 10**40).map(str),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=8),  # decimal digits of any script
)


def any_ids(known: Collection[int]) -> st.SearchStrategy[str]:
    """Known ids half of the time; otherwise unknown, malformed or borderline ones."""
    known_ids = st.sampled_from(sorted(known)).map(str)
    others = st.one_of(unknown_ids(known), MALFORMED_IDS, BORDERLINE_IDS)
    # flatmap, not one_of: Hypothesis flattens nested one_of, which would give known ids only a quarter.
    return st.booleans().flatmap(lambda pick_known: known_ids if pick_known else others)
