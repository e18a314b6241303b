"""Relay-style connections (edges, pageInfo, totalCount) over offset-based opaque cursors, paged
forwards (`first`/`after`) or backwards (`last`/`before`).

A connection field takes `first: First20 = None` (or First10, First100) and the three others:
the alias carries the default page size, which the cost model reads (schema/cost.py), because
`first` can have no default in the schema: `last` alone must mean "the last n"."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

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
    _check_count("first", first, maximum)
    return (0 if after is None else _position(after, "after") + 1), first


def _check_count(name: str, count: int, maximum: int) -> None:
    if not 0 <= count <= maximum:
        raise BadInput(f"{name} must be between 0 and {maximum}, not {count}")


def _position(cursor: str, name: str) -> int:
    refused = BadInput(f"{name}: {cursor[:100]!r} is not a cursor this API gave out")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not decoded.startswith(_PREFIX):
            raise ValueError(decoded)
        position = int(decoded.removeprefix(_PREFIX))
    except (ValueError, binascii.Error, UnicodeError):
        raise refused from None
    if position < 0:
        raise refused
    if position >= MAX_OFFSET:
        raise BadInput(f"{name}: the cursor's position is past the limit of {MAX_OFFSET:,}")
    return position


# `first` of a plain list (a movie's cast, its similar movies): no cursor, no paging back.
Count = Annotated[int, strawberry.argument(description=f"At most this many items, up to {MAX_PAGE}.")]

PAGE_HELP = f"A connection: `first`/`after` page forwards, `last`/`before` backwards, at most {MAX_PAGE} a page."
PAGE_DEFAULT = "page_default"  # the `first` argument's metadata key for its default page size


def _first(default: int) -> Any:
    return strawberry.argument(
        description=f"Page forwards: this many items (at most {MAX_PAGE}) from the start or after `after`; "
        f"{default} when neither `first` nor `last` is given.",
        metadata={PAGE_DEFAULT: default},
    )


First10 = Annotated[int | None, _first(10)]
First20 = Annotated[int | None, _first(20)]
First100 = Annotated[int | None, _first(MAX_PAGE)]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor (an edge's `cursor`, `pageInfo.endCursor`).")]
Last = Annotated[int | None, strawberry.argument(
    description=f"Page backwards: this many items (at most {MAX_PAGE}) before `before`, or at the end of the list; not with `first`."
)]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor (`pageInfo.startCursor` for the previous page).")]


@dataclass(frozen=True, slots=True)
class PageArgs:
    """A connection field's four arguments and its default page size."""

    default: int
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


# (offset, limit) -> (that slice of the list, the list's whole length)
Fetch = Callable[[int, int], Awaitable[tuple[Sequence[Any], int]]]


async def paginate(args: PageArgs, fetch: Fetch, convert: Callable[[Any], T]) -> Connection[T]:
    """The page `args` asks for. Only `last` without `before` needs the length first: one more
    `fetch(0, 0)`."""
    start = 0 if args.after is None else _position(args.after, "after") + 1
    end = None if args.before is None else _position(args.before, "before")
    if args.last is not None:
        if args.first is not None:
            raise BadInput("give first (to page forwards) or last (to page backwards), not both")
        _check_count("last", args.last, MAX_PAGE)
        if end is None:
            end = (await fetch(0, 0))[1]
        offset = max(start, end - args.last)
        limit = max(end - offset, 0)
    else:
        first = args.default if args.first is None else args.first
        _check_count("first", first, MAX_PAGE)
        offset, limit = start, first if end is None else max(min(first, end - start), 0)
    rows, total = await fetch(offset, limit)
    return connection(rows, convert, offset, total)


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
