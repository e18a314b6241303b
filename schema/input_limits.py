"""Bounds on the text a client sends, checked before any SQL runs, each refusal naming its limit.

Every bound here is far above what a person types and far below what makes the database work
for seconds: FTS5 runs one posting-list scan per search word (2,000 one-letter words took 38.7 s
on the full-size catalogue), and each name in a filter is one subquery.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from data.errors import BadInput

T = TypeVar("T")

MAX_SEARCH_CHARS = 256  # as GitHub's search box
MAX_SEARCH_WORDS = 10
MAX_NAME_CHARS = 256  # a title, a company's or a person's name
MAX_NAMES = 25  # names or ids in one list filter (genres, languages, cast); the catalogue has 20 genres
MAX_FILTER_TERMS = 50  # names and ids in all of a movie filter's lists: each is at most one index lookup


def check_text(text: str, what: str, maximum: int = MAX_NAME_CHARS) -> str:
    if len(text) > maximum:
        raise BadInput(f"{what} is {len(text):,} characters long; the limit is {maximum}")
    return text


def check_count(items: Sequence[T] | None, what: str) -> Sequence[T]:
    """A list filter's items, at most MAX_NAMES of them."""
    if items is None:
        return ()
    if len(items) > MAX_NAMES:
        raise BadInput(f"{what}: at most {MAX_NAMES} names, not {len(items):,}")
    return items


def check_names(names: Sequence[str] | None, what: str) -> Sequence[str]:
    """A list filter's names, each bounded, at most MAX_NAMES of them."""
    return [check_text(name, f"a name in {what}") for name in check_count(names, what)]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _is_unicode(text: str) -> bool:
    # A JSON body may carry a lone surrogate ("\ud800"), which no UTF-8 encoder (SQLite's, the
    # response's) accepts; the GraphQL parser already refuses one inside the document.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class UnicodeVariables(SchemaExtension):
    """Refuses, before execution, variables holding text that is not Unicode (a lone surrogate)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if not all(_is_unicode(text) for text in _strings(context.variables or {})):
            context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                "a variable holds text that is not valid Unicode (a lone UTF-16 surrogate)", extensions={"code": BadInput.code},
            )])
        yield
