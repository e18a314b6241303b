"""Row counts of the catalogue tables, for /health."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from data.tables import Cast, Collection, Company, Crew, Genre, Keyword, Movie, Person, Rating, User

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


async def table_counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for name, table in COUNTED.items():
        counts[name] = (await session.execute(select(func.count()).select_from(table))).scalar_one()
    return counts
