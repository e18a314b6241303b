"""Entities that group movies (companies, collections, directors, genres, countries, languages,
keywords): lookups, pages, per-movie lists, their movies and success figures.

Each entity is described once by an `Entity`: its table and a membership relation
(parent_id, movie_id, data/movie_groups.py). Every query below is written against that shape, so a company and a
director share one implementation of "movies, movie count, total revenue, average return".
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Subquery, and_, bindparam, func, or_, select
from sqlmodel import SQLModel, col

from data.movie_groups import MEMBERSHIPS, success
from data.tables import Collection, Company, Country, Genre, GroupStats, Keyword, Language, Movie, Person
from loaders._common import SQL, Database, compile_sql, json_keys, keys_param, many_per_key, one_per_key
from loaders.movies import OrderField, movie_order
from loaders.rows import CollectionRow, CompanyRow, CountryRow, GenreRow, KeywordRow, LanguageRow, MovieRow, PersonRow

R = TypeVar("R")  # the entity's row (loaders/rows.py)
K = TypeVar("K", int, str)  # its id: a number, or an ISO code for countries and languages


@dataclass(frozen=True)
class Entity(Generic[R, K]):
    """`R` and `K`, its rows and ids, are what the statements cannot say; the constants below name them."""

    name: str
    table: type[SQLModel]
    id: Any
    name_key: Any
    kind: str  # its membership in data.movie_groups, and its figures' kind in GroupStats
    movie_order: tuple[OrderField, bool]  # default order of its movies: (field, descending)

    @property
    def membership(self) -> Subquery:  # columns: parent_id, movie_id
        return MEMBERSHIPS[self.kind]


RELEASE_ORDER: tuple[OrderField, bool] = ("release_date", False)
POPULAR_FIRST: tuple[OrderField, bool] = ("popularity", True)

COMPANY: Entity[CompanyRow, int] = Entity("company", Company, col(Company.id), col(Company.name_key), "company", POPULAR_FIRST)
COLLECTION: Entity[CollectionRow, int] = Entity(
    "collection", Collection, col(Collection.id), col(Collection.name_key), "collection", RELEASE_ORDER,
)
DIRECTOR: Entity[PersonRow, int] = Entity("director", Person, col(Person.id), col(Person.name_key), "director", RELEASE_ORDER)
GENRE: Entity[GenreRow, int] = Entity("genre", Genre, col(Genre.id), col(Genre.name_key), "genre", POPULAR_FIRST)
COUNTRY: Entity[CountryRow, str] = Entity(
    "country", Country, col(Country.iso_3166_1), col(Country.name_key), "country", POPULAR_FIRST,
)
# A language's movies are those originally in it (what the old statistics API counted)...
LANGUAGE: Entity[LanguageRow, str] = Entity(
    "language", Language, col(Language.iso_639_1), col(Language.name_key), "original_language", POPULAR_FIRST,
)
# ...while a movie's spoken languages come from spoken_languages.
SPOKEN_LANGUAGE: Entity[LanguageRow, str] = Entity(
    "language", Language, col(Language.iso_639_1), col(Language.name_key), "spoken_language", POPULAR_FIRST,
)
KEYWORD: Entity[KeywordRow, int] = Entity("keyword", Keyword, col(Keyword.id), col(Keyword.name_key), "keyword", POPULAR_FIRST)


@dataclass(frozen=True)
class Stats:
    """Success figures over an entity's movies; totals and averages count known values only."""

    movie_count: int
    total_revenue: int | None
    total_budget: int | None
    average_revenue: float | None
    average_return: float | None


class _Statements:
    """An entity's statements, compiled once (see loaders._common)."""

    def __init__(self, entity: Entity[Any, Any]) -> None:
        m, table = entity.membership, entity.table
        self.membership = m
        self._movies: dict[tuple[OrderField, bool], SQL] = {}
        movie_count = select(func.count()).select_from(m).where(m.c.parent_id == entity.id).scalar_subquery()
        self.by_ids = compile_sql(select(table).where(entity.id.in_(json_keys())))
        # Of namesakes (two "John Smith"), the one with the most movies.
        by_name = or_(entity.id == bindparam("code"), entity.name_key == bindparam("name_key"))
        self.by_name = compile_sql(select(table).where(by_name).order_by(movie_count.desc(), entity.id).limit(1))
        counts = select(m.c.parent_id, func.count().label("movie_count")).group_by(m.c.parent_id).subquery()
        listed = select(table).join(counts, counts.c.parent_id == entity.id).where(entity.name_key.like(bindparam("prefix"), escape="\\"))
        page = listed.order_by(counts.c.movie_count.desc(), entity.name_key, entity.id)
        self.page = compile_sql(page.offset(bindparam("offset")).limit(bindparam("limit")))
        self.count = compile_sql(select(func.count().label("n")).select_from(listed.subquery()))
        self.by_movies = compile_sql(
            select(table, m.c.movie_id).join(m, m.c.parent_id == entity.id).where(m.c.movie_id.in_(json_keys())).order_by(entity.name_key)
        )
        # The figures counted at ingest (GroupStats, ids as text); counted now where an older ingest made none.
        self.stored_stats = compile_sql(
            select(GroupStats).where(col(GroupStats.kind) == entity.kind, col(GroupStats.parent_id).in_(json_keys()))
        )
        self.counted_stats = compile_sql(success(m).where(m.c.parent_id.in_(json_keys())))

    def movies(self, order: OrderField, descending: bool) -> SQL:
        """Each parent's movies at positions :low < position <= :high in this order, ranked by a window function."""
        if (order, descending) not in self._movies:
            self._movies[order, descending] = self._ranked_movies(order, descending)
        return self._movies[order, descending]

    def _ranked_movies(self, order: OrderField, descending: bool) -> SQL:
        m = self.membership
        position = func.row_number().over(partition_by=m.c.parent_id, order_by=movie_order(order, descending))
        ranked = (
            select(Movie, m.c.parent_id, position.label("position"))
            .join(m, m.c.movie_id == Movie.id)
            .where(m.c.parent_id.in_(json_keys()))
            .subquery()
        )
        window = and_(ranked.c.position > bindparam("low"), ranked.c.position <= bindparam("high"))
        return compile_sql(select(ranked).where(window).order_by(ranked.c.position))


@functools.cache
def _statements(entity: Entity[Any, Any]) -> _Statements:
    return _Statements(entity)


def _id_of(entity: Entity[R, K]) -> Callable[[R], K]:
    return lambda row: getattr(row, entity.id.key)


async def select_by_ids(db: Database, entity: Entity[R, K], ids: Sequence[K]) -> list[R | None]:
    return one_per_key(await db.fetch(_statements(entity).by_ids, keys=keys_param(ids)), ids, _id_of(entity))


async def select_by_name(db: Database, entity: Entity[R, K], name_key: str, code: str | None = None) -> R | None:
    """The entity with this (folded) name, or this code."""
    rows: list[R] = await db.fetch(_statements(entity).by_name, name_key=name_key, code=code)
    return rows[0] if rows else None


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def select_page(db: Database, entity: Entity[R, K], name_prefix: str | None, offset: int, limit: int) -> tuple[list[R], int]:
    """Entities with movies, most movies first; `name_prefix` (folded) narrows by name."""
    statements, prefix = _statements(entity), _like_prefix(name_prefix or "")
    rows = await db.fetch(statements.page, prefix=prefix, offset=offset, limit=limit)
    return rows, int((await db.fetch(statements.count, prefix=prefix))[0].n)


async def select_by_movies(db: Database, entity: Entity[R, K], movie_ids: Sequence[int]) -> list[list[R]]:
    """Each movie's entities (its genres, companies, directors...), ordered by name."""
    rows = await db.fetch(_statements(entity).by_movies, keys=keys_param(movie_ids))
    return many_per_key(rows, movie_ids, lambda row: row.movie_id)


async def select_stats(db: Database, entity: Entity[R, K], ids: Sequence[K]) -> list[Stats]:
    statements, texts = _statements(entity), [str(key) for key in ids]
    if db.has_group_stats:
        rows = one_per_key(await db.fetch(statements.stored_stats, keys=keys_param(texts)), texts, lambda row: row.parent_id)
    else:
        rows = one_per_key(await db.fetch(statements.counted_stats, keys=keys_param(ids)), ids, lambda row: row.parent_id)
    empty = Stats(0, None, None, None, None)
    return [Stats(r.movie_count, r.total_revenue, r.total_budget, r.average_revenue, r.average_return) if r else empty for r in rows]


MovieKey = tuple[Any, int, int, OrderField, bool]  # (parent id, offset, at most n, order field, descending)


async def select_movies(db: Database, entity: Entity[Any, Any], keys: Sequence[MovieKey]) -> list[list[MovieRow]]:
    """Each parent's n movies after `offset` in the asked order, one statement per distinct order
    (spanning the batch's lowest offset to its highest end; each key keeps its own slice)."""
    found: dict[MovieKey, list[MovieRow]] = {}
    by_order: defaultdict[tuple[OrderField, bool], list[MovieKey]] = defaultdict(list)
    for key in keys:
        by_order[(key[3], key[4])].append(key)
    for (order, descending), group in by_order.items():
        statement = _statements(entity).movies(order, descending)
        low, high = min(key[1] for key in group), max(key[1] + key[2] for key in group)
        rows = await db.fetch(statement, keys=keys_param({key[0] for key in group}), low=low, high=high)
        per_parent = many_per_key(rows, [key[0] for key in group], lambda row: row.parent_id)
        found.update({key: [row for row in movies if key[1] < row.position <= key[1] + key[2]]
                      for key, movies in zip(group, per_parent, strict=True)})
    return [found[key] for key in keys]
