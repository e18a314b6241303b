"""Row counts of the catalogue tables, for /ready."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from data.tables import Cast, Collection, Company, Crew, Genre, Keyword, Movie, Person, Rating, User
from loaders._common import fetch

COUNTED = {
    "movies": Movie,
    "collections": Collection,
    "companies": Company,
    "genres": Genre,
    "keywords": Keyword,
    "people": Person,
    "cast_credits": Cast,
    "crew_credits": Crew,
    "users": User,
    "ratings": Rating,
}


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    statement = select(*(select(func.count()).select_from(table).scalar_subquery().label(name) for name, table in COUNTED.items()))
    return dict((await fetch(engine, statement))[0]._mapping)
