"""Relay-style connections (edges, pageInfo, totalCount) over offset-based opaque cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from data.errors import BadInput

T = TypeVar("T")
MAX_PAGE = 100
# Far above any list's length (the full-size catalogue has 45,466 movies), and far below SQLite's
# 2^63 - 1, so offset + first always binds.
MAX_OFFSET = 2**31
_PREFIX = "offset:"
MAX_CURSOR_CHARS = 32  # "offset:" and MAX_OFFSET's digits, base64: 24


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the page's first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the page's last item: pass it as `after` for the next page.")


@strawberry.type(description="One item of a page and the cursor to continue after it.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque position of the item in the list.")


@strawberry.type(description="A page of a list: pass `pageInfo.endCursor` as `after` for the next one.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    total_count: int = strawberry.field(description="Items in the whole list, over all pages.")


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def page_window(first: int, after: str | None, maximum: int = MAX_PAGE) -> tuple[int, int]:
    """(offset, limit) for `first` items after the cursor `after`; bad values are BadInput."""
    if not 0 <= first <= maximum:
        raise BadInput(f"first must be between 0 and {maximum}, not {first}")
    if after is None:
        return 0, first
    refused = BadInput(f"after: {after[:100]!r} is not a cursor this API gave out")
    if len(after) > MAX_CURSOR_CHARS:
        raise refused
    try:
        decoded = base64.urlsafe_b64decode(after.encode()).decode()
        if not decoded.startswith(_PREFIX):
            raise ValueError(decoded)
        offset = int(decoded.removeprefix(_PREFIX)) + 1
    except (ValueError, binascii.Error, UnicodeError):
        raise refused from None
    if offset < 1:
        raise refused
    if offset > MAX_OFFSET:
        raise BadInput(f"after: the cursor's position is past the limit of {MAX_OFFSET:,}")
    return offset, first


def connection(rows: Sequence[Any], convert: Callable[[Any], T], offset: int, total: int) -> Connection[T]:
    edges = [Edge(node=convert(row), cursor=_cursor(offset + i)) for i, row in enumerate(rows)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(rows) < total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
