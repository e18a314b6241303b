"""Movies: by id, filtered and ordered pages, full-text search, MovieLens ids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, or_, select, text
from sqlmodel import col

from data.errors import BadInput
from data.tables import (
    DIRECTOR_JOB,
    Collection,
    Company,
    Country,
    Crew,
    Genre,
    Language,
    Movie,
    MovieCompany,
    MovieCountry,
    MovieGenre,
    Person,
)
from loaders._common import Database, compile_sql, json_keys, keys_param, one_per_key
from loaders.rows import MovieRow

# (ISO code or None, folded English name) of a language or country a person typed.
PlaceName = tuple[str | None, str]
OrderField = Literal["popularity", "revenue", "release_date", "vote_average", "title"]


@dataclass(frozen=True)
class MovieQuery:
    """A movie filter with every name already folded (data.text.fold) and codes resolved."""

    title_key: str | None = None
    genre_keys: Sequence[str] = ()
    year_from: int | None = None
    year_to: int | None = None
    languages: Sequence[PlaceName] = ()  # any of them
    country: PlaceName | None = None
    company_key: str | None = None
    director_key: str | None = None
    collection_key: str | None = None
    min_vote_count: int | None = None
    min_vote_average: float | None = None
    order: OrderField = "popularity"
    descending: bool = True


def _conditions(q: MovieQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.title_key is not None:
        where.append(col(Movie.title_key) == q.title_key)
    for key in q.genre_keys:  # every listed genre
        where.append(col(Movie.id).in_(select(col(MovieGenre.movie_id)).join(Genre).where(col(Genre.name_key) == key)))
    if q.year_from is not None:
        where.append(col(Movie.year) >= q.year_from)
    if q.year_to is not None:
        where.append(col(Movie.year) <= q.year_to)
    if q.languages:
        codes = [place_codes(Language, language) for language in q.languages]
        where.append(col(Movie.original_language).in_(codes[0].union(*codes[1:])))
    if q.country is not None:
        countries = place_codes(Country, q.country)
        where.append(col(Movie.id).in_(select(col(MovieCountry.movie_id)).where(col(MovieCountry.country_id).in_(countries))))
    if q.company_key is not None:
        where.append(col(Movie.id).in_(select(col(MovieCompany.movie_id)).join(Company).where(col(Company.name_key) == q.company_key)))
    if q.director_key is not None:
        directed = select(col(Crew.movie_id)).join(Person).where(col(Crew.job) == DIRECTOR_JOB, col(Person.name_key) == q.director_key)
        where.append(col(Movie.id).in_(directed))
    if q.collection_key is not None:
        where.append(col(Movie.collection_id).in_(select(col(Collection.id)).where(col(Collection.name_key) == q.collection_key)))
    if q.min_vote_count is not None:
        where.append(col(Movie.vote_count) >= q.min_vote_count)
    if q.min_vote_average is not None:
        where.append(col(Movie.vote_average) >= q.min_vote_average)
    return where


def movie_order(order: OrderField, descending: bool) -> tuple[ColumnElement[Any], ...]:
    """Unknown values (NULL) last in either direction; the id breaks ties, so pages are stable.

    Descending needs no NULL handling (NULL sorts lowest), so its (column, id) order walks the
    column's index backwards instead of sorting the whole table.
    """
    column = col(getattr(Movie, "title_key" if order == "title" else order))
    if descending:
        return (column.desc(), col(Movie.id).desc())
    return (column.asc().nulls_last(), col(Movie.id).asc())


def _ordered(statement: Select[Any], q: MovieQuery) -> Select[Any]:
    return statement.order_by(*movie_order(q.order, q.descending))


async def select_movie_page(db: Database, q: MovieQuery, offset: int, limit: int) -> list[MovieRow]:
    statement = select(Movie).where(*_conditions(q)).offset(offset).limit(limit)
    return await db.fetch(compile_sql(_ordered(statement, q)))


async def select_movie_ids(db: Database, q: MovieQuery) -> list[int]:
    """Every movie id the query matches, in no particular order."""
    return [row.id for row in await db.fetch(compile_sql(select(col(Movie.id)).where(*_conditions(q))))]


async def count_movies(db: Database, q: MovieQuery) -> int:
    rows = await db.fetch(compile_sql(select(func.count().label("n")).select_from(Movie).where(*_conditions(q))))
    return int(rows[0].n)


_WORD = re.compile(r"\w+")


def fts_query(text_: str, max_words: int) -> str | None:
    """FTS5 query for what a person typed: every word must match, the last one as a prefix.

    Words are quoted, so FTS5 operators in the input ("NOT", "*", '"') are plain text. Each word
    is a scan of its posting list, hence `max_words` (BadInput past it).
    """
    words = _WORD.findall(text_)
    if len(words) > max_words:
        raise BadInput(f"search text has {len(words):,} words; the limit is {max_words}")
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


_MATCHES = (
    select(literal_column("rowid").label("id"), literal_column("rank").label("rank"))
    .select_from(text("movie_fts"))
    .where(text("movie_fts MATCH :query"))
    .subquery()
)
_SEARCH = compile_sql(
    select(Movie)
    .join(_MATCHES, _MATCHES.c.id == Movie.id)
    .order_by(_MATCHES.c.rank, col(Movie.popularity).desc(), col(Movie.id))
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_SEARCH_COUNT = compile_sql(select(func.count().label("n")).select_from(_MATCHES))


async def search_movies(db: Database, query: str, offset: int, limit: int) -> tuple[list[MovieRow], int]:
    """Movies matching `query` (see fts_query), best first: bm25 rank, then popularity."""
    rows = await db.fetch(_SEARCH, query=query, offset=offset, limit=limit)
    return rows, int((await db.fetch(_SEARCH_COUNT, query=query))[0].n)


_BY_IDS = compile_sql(select(Movie).where(col(Movie.id).in_(json_keys())))


async def select_movies_by_ids(db: Database, ids: Sequence[int]) -> list[MovieRow | None]:
    return one_per_key(await db.fetch(_BY_IDS, keys=keys_param(ids)), ids, lambda row: row.id)


def place_codes(table: type[Language] | type[Country], name: PlaceName) -> Select[Any]:
    """Codes of the languages/countries a person meant: by ISO code, or by English name."""
    code, key = name
    code_column = col(Language.iso_639_1) if table is Language else col(Country.iso_3166_1)
    name_key = col(table.name_key)
    return select(code_column).where(or_(code_column == code, name_key == key) if code else name_key == key)
