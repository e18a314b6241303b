"""The shapes root fields share: an entity by id or by name, and a page of entities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from data.domain import parse_id
from data.errors import BadInput, NotFound
from data.text import fold
from loaders import EntityLoaders
from loaders.entities import select_by_name, select_page
from schema import place_names
from schema.context import Info
from schema.input_limits import check_text
from schema.inputs import MovieFilter
from schema.pagination import Connection, connection, page_window

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


async def page(
    info: Info, kind: str, convert: Callable[[Any], T], name: str | None, first: int, after: str | None
) -> Connection[T]:
    """Entities with movies, most movies first; `name` keeps those whose name starts with it."""
    offset, limit = page_window(first, after)
    entity = _loaders(info, kind).entity
    rows, total = await select_page(info.context.loaders.db, entity, fold(check_text(name, "name")) if name else None, offset, limit)
    return connection(rows, convert, offset, total)


async def require_filter_names(info: Info, flt: MovieFilter) -> None:
    """Raises NotFound naming each entity the filter names that the catalogue lacks.

    Called only when a filter matched nothing, so a typo ("Pixr") reads as one, at no cost to
    filters that match.
    """
    db = info.context.loaders.db
    named = [("company", [flt.company]), ("director", [flt.director]), ("collection", [flt.collection]),
             ("genre", [*(flt.genres or ()), *(flt.genres_any or ())]), ("keyword", [*(flt.keywords or ()), *(flt.keywords_any or ())]),
             ("company", [*(flt.companies or ()), *(flt.companies_any or ())])]
    wanted: list[tuple[str, str, str | None, str]] = [
        (kind, fold(name), None, name) for kind, names in named for name in names if name is not None
    ]
    countries = [flt.country, *(flt.countries or ()), *(flt.countries_any or ())]
    for kind, texts, place in (("country", countries, place_names.country), ("language", [flt.original_language], place_names.language)):
        for text in texts:
            if text is not None:
                code, key = place(text)
                wanted.append((kind, key, code, text))
    missing: dict[str, list[str]] = {}
    for kind, key, code, text in wanted:
        if await select_by_name(db, _loaders(info, kind).entity, key, code) is None:
            missing.setdefault(kind, []).append(repr(text))
    people = {*(flt.cast or ()), *(flt.cast_any or ()), *(flt.crew or ()), *(flt.crew_any or ())}
    for person in sorted(people):
        if await info.context.loaders.person.load(parse_id(person, "person")) is None:
            missing.setdefault("person", []).append(repr(person))
    if missing:
        kinds = ", ".join(f"{kind} {' '.join(names)}" for kind, names in missing.items())
        raise NotFound("names in the filter", [kinds])
