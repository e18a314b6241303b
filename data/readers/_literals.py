"""Parsing of The Movies Dataset's JSON-like columns, which are Python literals (lists of dicts).

`ast.literal_eval` is correct but slow: on the full 190 MB credits.csv it alone takes over a
minute. The files are `repr()` output, so the keys of each dict always come in one order; a regex
compiled for that layout extracts the wanted values in C. A value whose layout differs, or where
not every dict matched, falls back to `ast.literal_eval`, so both paths give the same
result (tests/data/test_literals.py checks this on every real row). Never `eval`.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Sequence
from typing import Any, Literal

Kind = Literal["int", "int?", "str", "str?", "skip"]
Record = tuple[Any, ...]

# Quoted strings in the unrolled-loop form: a run of plain characters is one greedy step, which
# makes the regex 2.5x faster than an alternation per character.
_STR = r"""'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*\""""
_ANY = rf"{_STR}|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|None|True|False"
_PATTERNS: dict[Kind, str] = {
    "int": r"-?\d+",
    "int?": r"-?\d+|None",
    "str": _STR,
    "str?": rf"{_STR}|None",
    "skip": _ANY,
}


class MalformedLiteral(ValueError):
    """The text is not a list of dicts of the expected shape."""


def _unquote(token: str) -> str:
    # repr() escapes only with backslashes; without one the text between the quotes is the value.
    return token[1:-1] if "\\" not in token else ast.literal_eval(token)


def _convert_column(kind: Kind, tokens: tuple[str, ...], escaped: bool) -> Sequence[Any]:
    """Converts one picked key's tokens; `map` keeps the common cases in C."""
    if kind == "int":
        return list(map(int, tokens))
    if kind == "int?":
        return [None if t == "None" else int(t) for t in tokens]
    if not escaped:
        if kind == "str":
            return list(map(_UNQUOTE_PLAIN, tokens))
        return [None if t == "None" else t[1:-1] for t in tokens]
    return [None if t == "None" else _unquote(t) for t in tokens]


_UNQUOTE_PLAIN = operator.itemgetter(slice(1, -1))


def _check(kind: Kind, value: Any) -> Any:
    if value is None and kind.endswith("?"):
        return None
    expected = int if kind.startswith("int") else str
    if not isinstance(value, expected) or isinstance(value, bool):
        raise MalformedLiteral(f"expected {expected.__name__}, got {value!r}")
    return value


class RecordList:
    """Parses a list-of-dicts literal into tuples of the picked keys' values, in layout order.

    `layout` lists every key of the dicts in `repr()` order with its kind; keys of kind "skip"
    are matched but not returned.
    """

    def __init__(self, layout: Sequence[tuple[str, Kind]]) -> None:
        self.picked = [(key, kind) for key, kind in layout if kind != "skip"]
        fields = []
        for key, kind in layout:
            value = f"(?:{_PATTERNS[kind]})"
            fields.append(f"'{key}': {value if kind == 'skip' else '(' + value + ')'}")
        self._regex = re.compile(r"\{" + ", ".join(fields) + r"\}")

    def parse(self, text: str) -> list[Record]:
        """Values of each dict in `text` ("" and "[]" give []; a lone dict is a list of one)."""
        if not text or text == "[]":
            return []
        if text[0] == "{":
            text = f"[{text}]"
        found = self._regex.findall(text)
        # Every dict matched (one "{" each; a brace inside a value just takes the slow path).
        if found and len(found) == text.count("{") and text[0] == "[" and text[-1] == "]":
            escaped = "\\" in text
            if len(self.picked) == 1:
                return list(zip(_convert_column(self.picked[0][1], tuple(found), escaped)))
            columns = zip(*found, strict=True)
            return list(zip(*(_convert_column(k, c, escaped) for (_, k), c in zip(self.picked, columns, strict=True)), strict=True))
        return self._parse_slowly(text)

    def _parse_slowly(self, text: str) -> list[Record]:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise MalformedLiteral(f"not a Python literal: {exc}") from None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise MalformedLiteral("not a list of dicts")
        return [tuple(_check(kind, item.get(key)) for key, kind in self.picked) for item in value]
