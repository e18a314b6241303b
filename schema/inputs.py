"""Input types: the movie filter and orderings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import TypeVar, cast

import strawberry

from data.domain import parse_id
from data.errors import BadInput
from data.text import fold
from loaders.movies import MovieQuery, OrderField, PlaceName, Range, Terms
from schema import place_names
from schema.input_limits import MAX_FILTER_TERMS, MAX_NAMES, check_count, check_names, check_text


@strawberry.enum(description="What to order movies by.")
class MovieOrderField(Enum):
    POPULARITY = strawberry.enum_value("popularity", description="TMDB popularity score.")
    REVENUE = strawberry.enum_value("revenue", description="Worldwide box-office revenue.")
    RELEASE_DATE = strawberry.enum_value("release_date", description="First release date.")
    VOTE_AVERAGE = strawberry.enum_value("vote_average", description="TMDB mean vote.")
    VOTE_COUNT = strawberry.enum_value("vote_count", description="Number of TMDB votes.")
    TITLE = strawberry.enum_value("title", description="Title, case- and accent-insensitively.")


@strawberry.enum(description="Sort direction; unknown values always come last.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Smallest (or A, or oldest) first.")
    DESC = strawberry.enum_value("desc", description="Largest (or Z, or newest) first.")


@strawberry.input(description="An ordering of movies; ties are broken by id, so pages are stable.")
class MovieOrder:
    field: MovieOrderField = strawberry.field(default=MovieOrderField.POPULARITY, description="The value to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.DESC, description="Ascending or descending.")

    def as_pair(self) -> tuple[OrderField, bool]:
        # strawberry.enum_value leaves the plain value on the member at run time.
        return cast(OrderField, self.field.value), self.direction is SortDirection.DESC


ALL_HELP = "a movie must have every one (TMDB's `,`)"
ANY_HELP = "a movie must have at least one (TMDB's `|`)"
PERSON_IDS = "Person ids: global ids or plain TMDB numbers (`tmdbId` of `people(name:)`)"


@strawberry.input(
    description="Conditions a movie must meet (all of them). Names are matched case- and accent-insensitively. "
    "Each list pair is TMDB discover's AND/OR: `genres` every one, `genresAny` at least one; both together ask for "
    f"every one of the first and one of the second. At most {MAX_NAMES} names or ids in a list, {MAX_FILTER_TERMS} in the whole filter. "
    "Ranges are inclusive; a movie whose value is unknown is outside every range."
)
class MovieFilter:
    title: str | None = strawberry.field(default=None, description="Exact title, e.g. \"toy story\"; every movie of that title matches.")
    genres: list[str] | None = strawberry.field(default=None, description=f"Genre names; {ALL_HELP}.")
    genres_any: list[str] | None = strawberry.field(default=None, description=f"Genre names; {ANY_HELP}.")
    keywords: list[str] | None = strawberry.field(default=None, description=f"TMDB keywords, e.g. \"toy\"; {ALL_HELP}.")
    keywords_any: list[str] | None = strawberry.field(default=None, description=f"TMDB keywords; {ANY_HELP}.")
    companies: list[str] | None = strawberry.field(default=None, description=f"Production company names; {ALL_HELP}.")
    companies_any: list[str] | None = strawberry.field(default=None, description=f"Production company names; {ANY_HELP}.")
    countries: list[str] | None = strawberry.field(default=None, description=f"Production countries (ISO code or English name); {ALL_HELP}.")
    countries_any: list[str] | None = strawberry.field(default=None, description=f"Production countries; {ANY_HELP}.")
    cast: list[strawberry.ID] | None = strawberry.field(default=None, description=f"{PERSON_IDS} in the cast; {ALL_HELP}.")
    cast_any: list[strawberry.ID] | None = strawberry.field(default=None, description=f"{PERSON_IDS} in the cast; {ANY_HELP}.")
    crew: list[strawberry.ID] | None = strawberry.field(default=None, description=f"{PERSON_IDS} in the crew; {ALL_HELP}.")
    crew_any: list[strawberry.ID] | None = strawberry.field(default=None, description=f"{PERSON_IDS} in the crew; {ANY_HELP}.")
    crew_job: str | None = strawberry.field(
        default=None, description="With `crew`/`crewAny`: only credits with this job count (exact, e.g. \"Screenplay\")."
    )
    year_from: int | None = strawberry.field(default=None, description="Released in this year or later.")
    year_to: int | None = strawberry.field(default=None, description="Released in this year or earlier.")
    released_from: dt.date | None = strawberry.field(default=None, description="First released on this date or later.")
    released_to: dt.date | None = strawberry.field(default=None, description="First released on this date or earlier.")
    min_runtime: float | None = strawberry.field(default=None, description="Running time of at least this many minutes.")
    max_runtime: float | None = strawberry.field(default=None, description="Running time of at most this many minutes.")
    original_language: str | None = strawberry.field(default=None, description="ISO 639-1 code or English name: \"fr\" or \"French\".")
    country: str | None = strawberry.field(default=None, description="Production country, ISO 3166-1 code or English name: \"MX\" or \"Mexico\".")
    company: str | None = strawberry.field(default=None, description="Production company name.")
    director: str | None = strawberry.field(default=None, description="Director name, e.g. \"alfonso cuaron\".")
    collection: str | None = strawberry.field(default=None, description="Collection (franchise) name.")
    min_vote_count: int | None = strawberry.field(default=None, description="At least this many TMDB votes.")
    max_vote_count: int | None = strawberry.field(default=None, description="At most this many TMDB votes.")
    min_vote_average: float | None = strawberry.field(default=None, description="A TMDB vote average of at least this (0-10).")
    max_vote_average: float | None = strawberry.field(default=None, description="A TMDB vote average of at most this (0-10).")

    def named(self) -> list[tuple[str, str]]:
        """(kind, name) of each entity the filter names, for schema.lookup.report_unknown_names."""
        single = [("company", self.company), ("director", self.director), ("collection", self.collection),
                  ("country", self.country), ("language", self.original_language)]
        lists = [("genre", self.genres), ("genre", self.genres_any), ("keyword", self.keywords), ("keyword", self.keywords_any),
                 ("company", self.companies), ("company", self.companies_any), ("country", self.countries),
                 ("country", self.countries_any)]
        return [(kind, name) for kind, name in single if name is not None] + [(kind, name) for kind, names in lists for name in names or ()]

    def people(self) -> list[str]:
        """The person ids of `cast`, `castAny`, `crew` and `crewAny`, each once."""
        return sorted({str(person) for ids in (self.cast, self.cast_any, self.crew, self.crew_any) for person in ids or ()})

    def to_query(self, order: MovieOrder | None) -> MovieQuery:
        self._check_size()
        field, descending = (order or MovieOrder()).as_pair()
        return MovieQuery(
            title_key=_folded(self.title, "title"),
            genre_keys=_keys(self.genres, "genres"),
            genres_any=_keys(self.genres_any, "genresAny"),
            keywords=Terms(_keys(self.keywords, "keywords"), _keys(self.keywords_any, "keywordsAny")),
            companies=Terms(_keys(self.companies, "companies"), _keys(self.companies_any, "companiesAny")),
            countries=Terms(_countries(self.countries, "countries"), _countries(self.countries_any, "countriesAny")),
            cast=Terms(_people(self.cast, "cast"), _people(self.cast_any, "castAny")),
            crew=Terms(_people(self.crew, "crew"), _people(self.crew_any, "crewAny")),
            crew_job=check_text(self.crew_job, "crewJob") if self.crew_job is not None else None,
            year_from=self.year_from,
            year_to=self.year_to,
            release_date=_range(self.released_from, self.released_to, "releasedFrom", "releasedTo", dt.date.isoformat),
            runtime=_range(self.min_runtime, self.max_runtime, "minRuntime", "maxRuntime"),
            vote_count=_range(self.min_vote_count, self.max_vote_count, "minVoteCount", "maxVoteCount"),
            vote_average=_range(self.min_vote_average, self.max_vote_average, "minVoteAverage", "maxVoteAverage"),
            languages=[place_names.language(check_text(self.original_language, "originalLanguage"))] if self.original_language else [],
            country=place_names.country(check_text(self.country, "country")) if self.country else None,
            company_key=_folded(self.company, "company"),
            director_key=_folded(self.director, "director"),
            collection_key=_folded(self.collection, "collection"),
            order=field,
            descending=descending,
        )

    def _check_size(self) -> None:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise BadInput(f"yearFrom {self.year_from} is after yearTo {self.year_to}")
        if self.crew_job is not None and not (self.crew or self.crew_any):
            raise BadInput("crewJob narrows crew or crewAny: give one of them too")
        lists = {"genres": self.genres, "genresAny": self.genres_any, "keywords": self.keywords, "keywordsAny": self.keywords_any,
                 "companies": self.companies, "companiesAny": self.companies_any, "countries": self.countries,
                 "countriesAny": self.countries_any, "cast": self.cast, "castAny": self.cast_any, "crew": self.crew, "crewAny": self.crew_any}
        terms = sum(len(check_count(items, name)) for name, items in lists.items())
        if terms > MAX_FILTER_TERMS:
            raise BadInput(f"the filter lists {terms:,} names and ids; the limit is {MAX_FILTER_TERMS}")


Bound = TypeVar("Bound", int, float, dt.date)


def _range(low: Bound | None, high: Bound | None, low_name: str, high_name: str,
           stored: Callable[[Bound], object] = lambda value: value) -> Range:
    """The bounds as the catalogue stores them (dates as ISO text); BadInput when low > high."""
    if low is not None and high is not None and low > high:
        raise BadInput(f"{low_name} {low} is above {high_name} {high}")
    return Range(stored(low) if low is not None else None, stored(high) if high is not None else None)


def _keys(names: list[str] | None, what: str) -> list[str]:
    return [fold(name) for name in check_names(names, what)]


def _countries(names: list[str] | None, what: str) -> list[PlaceName]:
    return [place_names.country(name) for name in check_names(names, what)]


def _people(ids: list[strawberry.ID] | None, what: str) -> list[int]:
    return [parse_id(person, "person") for person in check_count(ids, what)]


def _folded(text: str | None, what: str) -> str | None:
    return fold(check_text(text, what)) if text is not None else None
