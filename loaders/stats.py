"""Row counts of the catalogue tables, for /ready."""

from __future__ import annotations

from sqlalchemy import func, select

from data.tables import Cast, Collection, Company, Crew, Genre, Keyword, Movie, Person, Rating, User
from loaders._common import Database, compile_sql

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
_COUNTS = compile_sql(select(*(select(func.count()).select_from(t).scalar_subquery().label(n) for n, t in COUNTED.items())))


async def table_counts(db: Database) -> dict[str, int]:
    return dict((await db.fetch(_COUNTS))[0]._asdict())
