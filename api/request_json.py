"""Strict, bounded JSON for request bodies and the `variables`/`extensions` query parameters.

`json.loads` alone took a non-UTF-8 body, nesting 1,000 deep (RecursionError) and a
5,000-digit number (ValueError past Python's 4,300-digit limit) to a 500, and a nesting or a
number just under those limits on to graphql-core, whose recursion or float() fails later.
Here each is a `BadJson` naming its limit. No input of this schema nests deeper than a few levels
or needs a number longer than a 64-bit id. `NaN` and `Infinity`, which Python's JSON reads, stay
allowed: the schema refuses them where they land (a rating: BAD_USER_INPUT), as it always has.
"""

from __future__ import annotations

import json
from collections.abc import Callable

MAX_DEPTH = 32  # arrays and objects inside one another
MAX_NUMBER_CHARS = 40  # a JSON number's text: an id below 2^63 has 19 digits, a double's repr 24 characters


class BadJson(ValueError):
    """A body or parameter that is not bounded, strict JSON; `code` names the rule it breaks."""

    def __init__(self, code: str, message: str, maximum: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.maximum = maximum


def _number(kind: Callable[[str], int | float]) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        if len(text) > MAX_NUMBER_CHARS:
            raise BadJson("JSON_NUMBER_TOO_LONG", f"a JSON number is over the limit of {MAX_NUMBER_CHARS} characters", MAX_NUMBER_CHARS)
        return kind(text)
    return parse


_parse_int = _number(int)
_parse_float = _number(float)


def loads(data: str | bytes) -> object:
    """The value of `data`, which must be UTF-8 JSON within MAX_DEPTH and MAX_NUMBER_CHARS."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJson("BODY_NOT_UTF8", "the request body is not UTF-8 text") from None
    try:
        value = json.loads(data, parse_int=_parse_int, parse_float=_parse_float)
    except RecursionError:
        raise BadJson("JSON_TOO_DEEP", f"the JSON nests over the limit of {MAX_DEPTH} levels", MAX_DEPTH) from None
    except json.JSONDecodeError:
        raise BadJson("INVALID_JSON", "the request is not valid JSON") from None
    if _depth(value) > MAX_DEPTH:
        raise BadJson("JSON_TOO_DEEP", f"the JSON nests over the limit of {MAX_DEPTH} levels", MAX_DEPTH)
    return value


def _depth(value: object) -> int:
    """How deep arrays and objects nest in `value`, iteratively (the value came from a bounded body)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest
