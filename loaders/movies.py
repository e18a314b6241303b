"""Movies: by id, filtered and ordered pages, full-text search, MovieLens ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, bindparam, column, func, literal_column, or_, select, text
from sqlmodel import col

from data.errors import BadInput
from data.tables import (
    DIRECTOR_JOB,
    Cast,
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
    Person,
)
from loaders._common import SQL, Database, compile_per_request, compile_sql, json_keys, keys_param, one_per_key
from loaders.rows import MovieRow

# (ISO code or None, folded English name) of a language or country a person typed.
PlaceName = tuple[str | None, str]
OrderField = Literal["popularity", "revenue", "release_date", "vote_average", "vote_count", "title"]


@dataclass(frozen=True)
class Terms:
    """A list condition as TMDB's discover writes it: `all` with `,` (every one), `any` with `|`
    (at least one). Both may be given: every `all` term and at least one `any` term."""

    all: Sequence[Any] = ()
    any: Sequence[Any] = ()

    def __bool__(self) -> bool:
        return bool(self.all or self.any)


@dataclass(frozen=True)
class Range:
    """Inclusive bounds; None leaves that side open."""

    low: Any = None
    high: Any = None


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
    runtime: Range = Range()
    vote_average: Range = Range()
    vote_count: Range = Range()
    release_date: Range = Range()  # datetime.date bounds
    genres_any: Sequence[str] = ()  # with genre_keys (all of them): at least one of these
    keywords: Terms = Terms()  # folded names
    companies: Terms = Terms()  # folded names
    countries: Terms = Terms()  # PlaceNames
    cast: Terms = Terms()  # person ids
    crew: Terms = Terms()  # person ids
    crew_job: str | None = None  # only crew credits with this job count (exact, e.g. "Director")
    order: OrderField = "popularity"
    descending: bool = True


def _conditions(q: MovieQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.title_key is not None:
        where.append(col(Movie.title_key) == q.title_key)
    where += _terms(Terms(all=q.genre_keys, any=q.genres_any), _named(MovieGenre, MovieGenre.genre_id, Genre))
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
    for stored, bounds in ((Movie.runtime, q.runtime), (Movie.vote_average, q.vote_average), (Movie.vote_count, q.vote_count),
                           (Movie.release_date, q.release_date)):
        where += _within(col(stored), bounds)
    where += _terms(q.keywords, _named(MovieKeyword, MovieKeyword.keyword_id, Keyword))
    where += _terms(q.companies, _named(MovieCompany, MovieCompany.company_id, Company))
    where += _terms(q.countries, _in_countries)
    where += _terms(q.cast, lambda ids: select(col(Cast.movie_id)).where(col(Cast.person_id).in_(_values(ids))))
    job = [col(Crew.job) == q.crew_job] if q.crew_job is not None else []
    where += _terms(q.crew, lambda ids: select(col(Crew.movie_id)).where(col(Crew.person_id).in_(_values(ids)), *job))
    return where


Members = Callable[[Sequence[Any]], Select[Any]]  # the ids of the movies linked to any of some terms


def _terms(terms: Terms, members: Members) -> list[ColumnElement[bool]]:
    """One index-backed `id IN (...)` per `all` term, and one for all the `any` terms together."""
    where: list[ColumnElement[bool]] = [col(Movie.id).in_(members([term])) for term in terms.all]
    if terms.any:
        where.append(col(Movie.id).in_(members(terms.any)))
    return where


def _named(link: Any, link_id: Any, named: type[Genre] | type[Keyword] | type[Company]) -> Members:
    """Movies linked through `link` to an entity whose folded name is one of the terms: a join, which
    SQLite drives from the names through the link's index (an `IN` of ids made it scan the link table)."""
    return lambda keys: select(col(link.movie_id)).join(named, col(named.id) == link_id).where(col(named.name_key).in_(_values(keys)))


def _values(items: Sequence[Any]) -> Select[Any]:
    """The items as a one-column subquery over one bound JSON array (no expanding IN list)."""
    return select(column("value")).select_from(func.json_each(keys_param(items)))


def _in_countries(names: Sequence[PlaceName]) -> Select[Any]:
    codes = [place_codes(Country, name) for name in names]
    return select(col(MovieCountry.movie_id)).where(col(MovieCountry.country_id).in_(codes[0].union(*codes[1:])))


def _within(column: Any, bounds: Range) -> list[ColumnElement[bool]]:
    # NULL (unknown) is never within a range: a comparison with NULL is not true.
    return ([column >= bounds.low] if bounds.low is not None else []) + ([column <= bounds.high] if bounds.high is not None else [])


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


def page_sql(q: MovieQuery, offset: int, limit: int) -> SQL:
    return compile_per_request(_ordered(select(Movie).where(*_conditions(q)).offset(offset).limit(limit), q))


async def select_movie_page(db: Database, q: MovieQuery, offset: int, limit: int) -> list[MovieRow]:
    return await db.fetch(page_sql(q, offset, limit))


async def select_movie_ids(db: Database, q: MovieQuery) -> list[int]:
    """Every movie id the query matches, in no particular order."""
    return [row.id for row in await db.fetch(compile_per_request(select(col(Movie.id)).where(*_conditions(q))))]


def count_sql(q: MovieQuery) -> SQL:
    """The count of the movies `q` matches (tests/loaders/test_movie_plans.py reads its plan)."""
    return compile_per_request(select(func.count().label("n")).select_from(Movie).where(*_conditions(q)))


async def count_movies(db: Database, q: MovieQuery) -> int:
    return int((await db.fetch(count_sql(q)))[0].n)


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
# How many votes make a movie "known": its relevance is multiplied by 1 + votes / (votes + VOTES_HALF),
# 1 for an unknown movie, 1.5 at VOTES_HALF votes, at most 2. The factor is bounded so a much better text
# match still wins (bm25 of a one-word title over a five-word one is well above 2), while among close
# matches the well-known movie comes first ("star": Star Wars, 6,778 votes, before Stargate, 942).
VOTES_HALF = 1_000
_VOTES = func.coalesce(col(Movie.vote_count), 0)
# FTS5's rank is bm25 negated (lower is better), so the blended score is too.
SEARCH_SCORE = _MATCHES.c.rank * (1.0 + _VOTES / (_VOTES + float(VOTES_HALF)))
_SEARCH = compile_sql(
    select(Movie)
    .join(_MATCHES, _MATCHES.c.id == Movie.id)
    .order_by(SEARCH_SCORE, col(Movie.popularity).desc(), col(Movie.id))
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_SEARCH_COUNT = compile_sql(select(func.count().label("n")).select_from(_MATCHES))


async def search_movies(db: Database, query: str, offset: int, limit: int) -> tuple[list[MovieRow], int]:
    """Movies matching `query` (see fts_query), best first: bm25 relevance blended with vote count
    (SEARCH_SCORE), then popularity."""
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
