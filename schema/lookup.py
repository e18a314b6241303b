"""The shapes root fields share: an entity by id or by name, and a page of entities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import strawberry

from data.domain import parse_id
from data.errors import BadInput, NotFound
from data.text import fold
from loaders import EntityLoaders
from loaders.entities import select_by_name, select_page
from schema import place_names
from schema.context import Info
from schema.errors import report_non_fatal
from schema.input_limits import check_text
from schema.pagination import Connection, PageArgs, paginate

T = TypeVar("T")


def _loaders(info: Info, kind: str) -> EntityLoaders[Any, Any]:  # chosen by name at run time: any row type
    loaders: EntityLoaders[Any, Any] = getattr(info.context.loaders, kind)
    return loaders


async def find(
    info: Info, kind: str, convert: Callable[[Any], T], id: strawberry.ID | None, name: str | None
) -> T | None:
    """The entity with this id, or with this name (case- and accent-insensitive); exactly one is asked."""
    if (id is None) == (name is None):
        raise BadInput(f"give exactly one of id and name to look up a {kind}")
    loaders = _loaders(info, kind)
    if id is not None:
        row = await loaders.by_id.load(parse_id(id, kind))
    else:
        row = await select_by_name(info.context.loaders.db, loaders.entity, fold(check_text(name or "", "name")))
    return convert(row) if row else None


async def find_place(info: Info, kind: str, convert: Callable[[Any], T], place: tuple[str | None, str]) -> T | None:
    """A country or language by ISO code or English name."""
    code, key = place
    row = await select_by_name(info.context.loaders.db, _loaders(info, kind).entity, key, code)
    return convert(row) if row else None


async def page(info: Info, kind: str, convert: Callable[[Any], T], name: str | None, args: PageArgs) -> Connection[T]:
    """Entities with movies, most movies first; `name` keeps those whose name starts with it."""
    entity = _loaders(info, kind).entity
    prefix = fold(check_text(name, "name")) if name else None

    async def fetch(offset: int, limit: int) -> tuple[list[Any], int]:
        return await select_page(info.context.loaders.db, entity, prefix, offset, limit)

    return await paginate(args, fetch, convert)


Named = list[tuple[str, str]]  # (entity kind, the name a client typed) in a filter


async def report_unknown_names(info: Info, named: Named, people: Sequence[str] = ()) -> None:
    """Reports, as a non-fatal NOT_FOUND at this field, each entity the filter names (and each
    person id it gives) that the catalogue lacks: the field still answers its (empty) result and its siblings theirs.

    Called only when a filter matched nothing, so a typo ("Pixr") reads as one, at no cost to
    filters that match.
    """
    db = info.context.loaders.db
    missing: dict[str, list[str]] = {}
    for kind, text in named:
        place = _PLACES.get(kind)
        code, key = place(text) if place else (None, fold(text))
        if await select_by_name(db, _loaders(info, kind).entity, key, code) is None:
            missing.setdefault(kind, []).append(repr(text))
    for person in people:
        if await info.context.loaders.person.load(parse_id(person, "person")) is None:
            missing.setdefault("person", []).append(repr(person))
    if missing:
        kinds = ", ".join(f"{kind} {' '.join(names)}" for kind, names in missing.items())
        report_non_fatal(info, NotFound("names in the filter", [kinds]))


_PLACES = {"country": place_names.country, "language": place_names.language}
