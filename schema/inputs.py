"""Input types: the movie filter and orderings."""

from __future__ import annotations

from enum import Enum
from typing import cast

import strawberry

from data.errors import BadInput
from data.text import fold
from loaders.movies import MovieQuery, OrderField
from schema import place_names
from schema.input_limits import check_names, check_text


@strawberry.enum(description="What to order movies by.")
class MovieOrderField(Enum):
    POPULARITY = strawberry.enum_value("popularity", description="TMDB popularity score (2017).")
    REVENUE = strawberry.enum_value("revenue", description="Worldwide box-office revenue.")
    RELEASE_DATE = strawberry.enum_value("release_date", description="First release date.")
    VOTE_AVERAGE = strawberry.enum_value("vote_average", description="TMDB mean vote.")
    TITLE = strawberry.enum_value("title", description="Title, case- and accent-insensitively.")


@strawberry.enum(description="Sort direction; unknown values always come last.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Smallest (earliest, A) first.")
    DESC = strawberry.enum_value("desc", description="Largest (latest, Z) first.")


@strawberry.input(description="An ordering of movies; ties are broken by id, so pages are stable.")
class MovieOrder:
    field: MovieOrderField = strawberry.field(default=MovieOrderField.POPULARITY, description="The value to order by.")
    direction: SortDirection = strawberry.field(default=SortDirection.DESC, description="Ascending or descending.")

    def as_pair(self) -> tuple[OrderField, bool]:
        # strawberry.enum_value's members hold their plain values at run time.
        return cast(OrderField, self.field.value), self.direction is SortDirection.DESC


@strawberry.input(
    description="Conditions a movie must meet (all of them). Names are matched case- and accent-insensitively."
)
class MovieFilter:
    title: str | None = strawberry.field(default=None, description="Exact title, e.g. \"toy story\"; every movie of that title matches.")
    genres: list[str] | None = strawberry.field(default=None, description="Genre names; a movie must have all of them.")
    year_from: int | None = strawberry.field(default=None, description="Released in this year or later.")
    year_to: int | None = strawberry.field(default=None, description="Released in this year or earlier.")
    original_language: str | None = strawberry.field(default=None, description="ISO 639-1 code or English name: \"fr\" or \"French\".")
    country: str | None = strawberry.field(default=None, description="Production country, ISO 3166-1 code or English name: \"MX\" or \"Mexico\".")
    company: str | None = strawberry.field(default=None, description="Production company name.")
    director: str | None = strawberry.field(default=None, description="Director name, e.g. \"alfonso cuaron\".")
    collection: str | None = strawberry.field(default=None, description="Collection (franchise) name.")
    min_vote_count: int | None = strawberry.field(default=None, description="At least this many TMDB votes.")
    min_vote_average: float | None = strawberry.field(default=None, description="A TMDB vote average of at least this (0-10).")

    def named(self) -> list[tuple[str, str]]:
        """(kind, name) of each entity the filter names, for schema.lookup.report_unknown_names."""
        single = [("company", self.company), ("director", self.director), ("collection", self.collection),
                  ("country", self.country), ("language", self.original_language)]
        return [(kind, name) for kind, name in single if name is not None] + [("genre", name) for name in self.genres or ()]

    def to_query(self, order: MovieOrder | None) -> MovieQuery:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise BadInput(f"yearFrom {self.year_from} is after yearTo {self.year_to}")
        field, descending = (order or MovieOrder()).as_pair()
        return MovieQuery(
            title_key=_folded(self.title, "title"),
            genre_keys=[fold(genre) for genre in check_names(self.genres, "genres")],
            year_from=self.year_from,
            year_to=self.year_to,
            languages=[place_names.language(check_text(self.original_language, "originalLanguage"))] if self.original_language else [],
            country=place_names.country(check_text(self.country, "country")) if self.country else None,
            company_key=_folded(self.company, "company"),
            director_key=_folded(self.director, "director"),
            collection_key=_folded(self.collection, "collection"),
            min_vote_count=self.min_vote_count,
            min_vote_average=self.min_vote_average,
            order=field,
            descending=descending,
        )


def _folded(text: str | None, what: str) -> str | None:
    return fold(check_text(text, what)) if text is not None else None
