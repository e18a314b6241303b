"""Entities that group movies (companies, collections, directors, genres, countries, languages,
keywords): lookups, pages, per-movie lists, their movies and success figures.

Each entity is described once by an `Entity`: its table and a membership relation
(parent_id, movie_id). Every query below is written against that shape, so a company and a
director share one implementation of "movies, movie count, total revenue, average return".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, case, cast, func, or_, select
from sqlalchemy import Float as SQLFloat
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col

from data.tables import (
    Collection,
    Company,
    Country,
    Crew,
    Genre,
    Keyword,
    Language,
    Movie,
    MovieCompany,
    MovieCountry,
    MovieGenre,
    MovieKeyword,
    MovieLanguage,
    Person,
)
from loaders._common import Rows, fetch, many_per_key, one_per_key
from loaders.movies import OrderField, movie_order

DIRECTOR_JOB = "Director"


@dataclass(frozen=True)
class Entity:
    name: str
    table: type[SQLModel]
    id: Any
    name_key: Any
    membership: Subquery  # columns: parent_id, movie_id
    movie_order: tuple[OrderField, bool]  # default order of its movies: (field, descending)


def _members(parent: Any, movie: Any, *where: ColumnElement[bool]) -> Subquery:
    # No DISTINCT: each (parent, movie) pair is stored once (link tables have it as primary key, the
    # ingest drops repeated crew jobs), and a plain subquery lets SQLite use the indexes beneath.
    return select(parent.label("parent_id"), movie.label("movie_id")).where(*where).subquery()


RELEASE_ORDER: tuple[OrderField, bool] = ("release_date", False)
POPULAR_FIRST: tuple[OrderField, bool] = ("popularity", True)

COMPANY = Entity("company", Company, col(Company.id), col(Company.name_key), _members(col(MovieCompany.company_id), col(MovieCompany.movie_id)), POPULAR_FIRST)
COLLECTION = Entity("collection", Collection, col(Collection.id), col(Collection.name_key), _members(col(Movie.collection_id), col(Movie.id), col(Movie.collection_id).is_not(None)), RELEASE_ORDER)
DIRECTOR = Entity("director", Person, col(Person.id), col(Person.name_key), _members(col(Crew.person_id), col(Crew.movie_id), col(Crew.job) == DIRECTOR_JOB), RELEASE_ORDER)
GENRE = Entity("genre", Genre, col(Genre.id), col(Genre.name_key), _members(col(MovieGenre.genre_id), col(MovieGenre.movie_id)), POPULAR_FIRST)
COUNTRY = Entity("country", Country, col(Country.iso_3166_1), col(Country.name_key), _members(col(MovieCountry.country_id), col(MovieCountry.movie_id)), POPULAR_FIRST)
# A language's movies are those originally in it (what the old statistics API counted)...
LANGUAGE = Entity("language", Language, col(Language.iso_639_1), col(Language.name_key), _members(col(Movie.original_language), col(Movie.id), col(Movie.original_language).is_not(None)), POPULAR_FIRST)
# ...while a movie's spoken languages come from spoken_languages.
SPOKEN_LANGUAGE = Entity("language", Language, col(Language.iso_639_1), col(Language.name_key), _members(col(MovieLanguage.language_id), col(MovieLanguage.movie_id)), POPULAR_FIRST)
KEYWORD = Entity("keyword", Keyword, col(Keyword.id), col(Keyword.name_key), _members(col(MovieKeyword.keyword_id), col(MovieKeyword.movie_id)), POPULAR_FIRST)


@dataclass(frozen=True)
class Stats:
    """Success figures over an entity's movies; totals and averages count known values only."""

    movie_count: int
    total_revenue: int | None
    total_budget: int | None
    average_revenue: float | None
    average_return: float | None


async def select_by_ids(engine: AsyncEngine, entity: Entity, ids: Sequence[Any]) -> list[Any]:
    rows = await fetch(engine, select(entity.table).where(entity.id.in_(ids)))
    return one_per_key(rows, ids, lambda row: getattr(row, entity.id.key))


def _movie_counts(entity: Entity) -> Subquery:
    m = entity.membership
    return select(m.c.parent_id, func.count().label("movie_count")).group_by(m.c.parent_id).subquery()


async def select_by_name(engine: AsyncEngine, entity: Entity, name_key: str, code: str | None = None) -> Any | None:
    """The entity with this (folded) name, or this code; of namesakes, the one with the most movies."""
    m = entity.membership
    movie_count = select(func.count()).select_from(m).where(m.c.parent_id == entity.id).scalar_subquery()
    match = or_(entity.id == code, entity.name_key == name_key) if code else entity.name_key == name_key
    statement = select(entity.table).where(match).order_by(movie_count.desc(), entity.id).limit(1)
    rows = await fetch(engine, statement)
    return rows[0] if rows else None


async def select_page(engine: AsyncEngine, entity: Entity, name_prefix: str | None, offset: int, limit: int) -> tuple[Rows, int]:
    """Entities with movies, most movies first; `name_prefix` (folded) narrows by name."""
    counts = _movie_counts(entity)
    where = [entity.name_key.startswith(name_prefix, autoescape=True)] if name_prefix else []
    base = select(entity.table).join(counts, counts.c.parent_id == entity.id).where(*where)
    page = base.order_by(counts.c.movie_count.desc(), entity.name_key, entity.id).offset(offset).limit(limit)
    total = select(func.count()).select_from(base.subquery())
    return await fetch(engine, page), int((await fetch(engine, total))[0][0])


async def select_by_movies(engine: AsyncEngine, entity: Entity, movie_ids: Sequence[int]) -> list[list[Any]]:
    """Each movie's entities (its genres, companies, directors...), ordered by name."""
    m = entity.membership
    statement = (
        select(entity.table, m.c.movie_id)
        .join(m, m.c.parent_id == entity.id)
        .where(m.c.movie_id.in_(movie_ids))
        .order_by(entity.name_key)
    )
    return many_per_key(await fetch(engine, statement), movie_ids, lambda row: row.movie_id)


async def select_stats(engine: AsyncEngine, entity: Entity, ids: Sequence[Any]) -> list[Stats]:
    m = entity.membership
    known = and_(col(Movie.budget) > 0, col(Movie.revenue) > 0)
    statement = (
        select(
            m.c.parent_id,
            func.count(),
            func.sum(Movie.revenue),
            func.sum(Movie.budget),
            func.avg(Movie.revenue),
            func.avg(case((known, cast(Movie.revenue, SQLFloat) / Movie.budget))),
        )
        .join(Movie, col(Movie.id) == m.c.movie_id)
        .where(m.c.parent_id.in_(ids))
        .group_by(m.c.parent_id)
    )
    rows = one_per_key(await fetch(engine, statement), ids, lambda row: row[0])
    return [Stats(row[1], row[2], row[3], row[4], row[5]) if row else Stats(0, None, None, None, None) for row in rows]


MovieKey = tuple[Any, int, OrderField, bool]  # (parent id, at most n, order field, descending)


async def select_movies(engine: AsyncEngine, entity: Entity, keys: Sequence[MovieKey]) -> list[list[Any]]:
    """Each parent's first n movies in the asked order, via a window function per distinct order."""
    found: dict[MovieKey, list[Any]] = {}
    by_order: defaultdict[tuple[OrderField, bool], list[MovieKey]] = defaultdict(list)
    for key in keys:
        by_order[(key[2], key[3])].append(key)
    m = entity.membership
    for (order, descending), group in by_order.items():
        position = func.row_number().over(partition_by=m.c.parent_id, order_by=movie_order(order, descending))
        ranked = (
            select(Movie, m.c.parent_id, position.label("position"))
            .join(m, m.c.movie_id == Movie.id)
            .where(m.c.parent_id.in_({key[0] for key in group}))
            .subquery()
        )
        limit = max(key[1] for key in group)
        rows = await fetch(engine, select(ranked).where(ranked.c.position <= limit).order_by(ranked.c.position))
        per_parent = many_per_key(rows, [key[0] for key in group], lambda row: row.parent_id)
        found.update({key: movies[: key[1]] for key, movies in zip(group, per_parent)})
    return [found[key] for key in keys]
