"""The rows the loaders hand out, by name and type.

At run time a row is a namedtuple of its statement's columns (`loaders/_common.py`); these
Protocols say which columns a kind of row has, so every `from_row` and loader signature is typed
instead of `Any`. tests/loaders/test_rows.py checks each against the tables and statements.
"""

from __future__ import annotations

from typing import Protocol


class MovieRow(Protocol):
    """Every column of `movie`."""

    id: int
    imdb_id: str | None
    title: str
    title_key: str
    original_title: str | None
    original_language: str | None
    overview: str | None
    tagline: str | None
    release_date: str | None  # ISO date text, as SQLite stores it
    year: int | None
    runtime: float | None
    budget: int | None
    revenue: int | None
    popularity: float | None
    vote_average: float | None
    vote_count: int | None
    status: str | None
    adult: int  # SQLite's 0 or 1
    video: int
    homepage: str | None
    poster_path: str | None
    collection_id: int | None


class CastCreditRow(MovieRow, Protocol):
    """A movie a person played in, with the role."""

    person_id: int
    character: str | None
    order: int


class CrewCreditRow(MovieRow, Protocol):
    """A movie a person worked on, with the job."""

    person_id: int
    job: str
    department: str | None


class PersonRow(Protocol):
    """Every column of `person` (a director is one too)."""

    id: int
    name: str
    name_key: str
    gender: int | None
    profile_path: str | None


class CreditedPersonRow(Protocol):
    """The person columns a cast or crew row carries."""

    person_id: int
    name: str
    gender: int | None
    profile_path: str | None


class CastRow(CreditedPersonRow, Protocol):
    movie_id: int
    character: str | None
    order: int


class CrewRow(CreditedPersonRow, Protocol):
    movie_id: int
    job: str
    department: str | None


class RatingRow(Protocol):
    user_id: int
    movie_id: int
    rating: float
    timestamp: int  # unix seconds


class NamedRow(Protocol):
    """What every entity table has: an id column of its own name, a name and its folded key."""

    name: str
    name_key: str


class GenreRow(NamedRow, Protocol):
    id: int


class CompanyRow(NamedRow, Protocol):
    id: int


class KeywordRow(NamedRow, Protocol):
    id: int


class CollectionRow(NamedRow, Protocol):
    id: int
    poster_path: str | None
    backdrop_path: str | None


class CountryRow(NamedRow, Protocol):
    iso_3166_1: str


class LanguageRow(NamedRow, Protocol):
    iso_639_1: str
    native_name: str | None
