from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, TypeVar

import strawberry
from graphql import FieldNode

from loaders.rows import CastRow, CrewRow, MovieRow
from schema import images, recommender_fields
from schema.collection import Collection
from schema.company import Company
from schema.context import Info
from schema.country import Country
from schema.director import Director
from schema.genre import Genre
from schema.keyword import Keyword
from schema.language import Language
from schema.lookahead import arguments, selected
from schema.node import Node, global_id
from schema.pagination import MAX_PAGE, Connection, Count, page_window
from schema.person import CastCredit, CrewCredit, Person
from schema.recommendation import SimilarMovie
from schema.scalars import BigInt, big_int

R = TypeVar("R")
T = TypeVar("T")

CAST_FIRST = 10  # cast members when `first` is not given
# GraphQL field -> the Loaders attribute whose by_movie loads it.
_BY_MOVIE = {"genres": "genre", "companies": "company", "countries": "country", "spokenLanguages": "spoken_language",
             "directors": "director", "keywords": "keyword"}
# Every field Movie.load_relations loads.
RELATIONS = frozenset({*_BY_MOVIE, "collection", "originalLanguage", "cast", "crew"})


def _each(convert: Callable[[R], T]) -> Callable[[Sequence[R]], list[T]]:
    return lambda rows: [convert(row) for row in rows]


def _optional(convert: Callable[[R], T]) -> Callable[[R | None], T | None]:
    return lambda row: convert(row) if row is not None else None


def _page_size(first: object) -> bool:
    """Whether `first` is a page size the field accepts (the field itself reports one it does not)."""
    return isinstance(first, int) and 0 <= first <= MAX_PAGE


@strawberry.type(description="A movie of the TMDB catalogue. Amounts are US dollars; unknown values are null.")
class Movie(Node):
    tmdb_id: int = strawberry.field(description="TMDB movie id (the plain number; `id` is the global Relay id).")
    imdb_id: str | None = strawberry.field(description="IMDb id, e.g. tt0114709.")
    title: str = strawberry.field(description="Title (English release title where TMDB has one).")
    original_title: str | None = strawberry.field(description="Title in the original language.")
    overview: str | None = strawberry.field(description="Plot summary.")
    tagline: str | None = strawberry.field(description="Tagline.")
    release_date: dt.date | None = strawberry.field(description="First release date.")
    year: int | None = strawberry.field(description="Year of release.")
    runtime: float | None = strawberry.field(description="Running time in minutes.")
    budget: BigInt | None = strawberry.field(description="Budget; null when unknown (0 in TMDB).")
    revenue: BigInt | None = strawberry.field(description="Worldwide box-office revenue; null when unknown (0 in TMDB).")
    popularity: float | None = strawberry.field(description="TMDB popularity score (2017).")
    vote_average: float | None = strawberry.field(description="TMDB mean vote, 0-10.")
    vote_count: int | None = strawberry.field(description="Number of TMDB votes.")
    status: str | None = strawberry.field(description="Release status, e.g. Released, Post Production.")
    adult: bool = strawberry.field(description="Adult content.")
    homepage: str | None = strawberry.field(description="Official site.")
    poster_path: str | None = strawberry.field(description="TMDB image path of the poster.")
    _key: strawberry.Private[int]
    _collection_id: strawberry.Private[int | None]
    _original_language: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: MovieRow) -> Movie:
        return cls(
            id=global_id("Movie", row.id),
            tmdb_id=row.id,
            imdb_id=row.imdb_id,
            title=row.title,
            original_title=row.original_title,
            overview=row.overview,
            tagline=row.tagline,
            release_date=dt.date.fromisoformat(row.release_date) if row.release_date else None,
            year=row.year,
            runtime=row.runtime,
            budget=big_int(row.budget),
            revenue=big_int(row.revenue),
            popularity=row.popularity,
            vote_average=row.vote_average,
            vote_count=row.vote_count,
            status=row.status,
            adult=bool(row.adult),
            homepage=row.homepage,
            poster_path=row.poster_path,
            _key=row.id,
            _collection_id=row.collection_id,
            _original_language=row.original_language,
        )

    @strawberry.field(description=f"The poster's URL in `size`; {images.URL_HELP}")
    def poster_url(self, info: Info, size: images.PosterSizeArg = images.PosterSize.W500) -> str | None:
        return images.url(info, size, self.poster_path)

    @strawberry.field(
        description="revenue / budget (2.0 = earned twice its budget); null when either is unknown. "
        "TMDB has a few budgets entered in millions, so extreme ratios deserve a second look."
    )
    def return_ratio(self) -> float | None:
        return self.revenue / self.budget if self.revenue and self.budget else None

    @strawberry.field(
        description="MovieLens movieId (the numbering of links.csv, ratings_small and ml-latest), where "
        "the links map one to this movie; the lowest where they map several."
    )
    async def movielens_id(self, info: Info) -> int | None:
        return await info.context.loaders.movielens_id.load(self._key)

    @strawberry.field(
        name="ml100kId",
        description="MovieLens 100K item id (u.item numbering), on a catalogue whose ratings came from "
        "ml-100k and where the ingest linked an item to this movie (the lowest where it linked two); "
        "null otherwise. The REST route /predicted-ratings takes these ids on such a catalogue.",
    )
    async def ml100k_id(self, info: Info) -> int | None:
        return await info.context.loaders.ml100k_id.load(self._key)

    # The relations below answer at once where `load_relations` loaded them for the whole list.
    @strawberry.field(description="The language the movie was originally made in.", graphql_type=Language | None)
    def original_language(self, info: Info) -> Language | Awaitable[Language | None] | None:
        if self._original_language is None:
            return None
        return info.context.loaders.language.by_id.now_or_later(self._original_language, _optional(Language.from_row))

    @strawberry.field(description="The collection (franchise) the movie belongs to.", graphql_type=Collection | None)
    def collection(self, info: Info) -> Collection | Awaitable[Collection | None] | None:
        if self._collection_id is None:
            return None
        return info.context.loaders.collection.by_id.now_or_later(self._collection_id, _optional(Collection.from_row))

    @strawberry.field(description="Genres, by name.", graphql_type=list[Genre])
    def genres(self, info: Info) -> list[Genre] | Awaitable[list[Genre]]:
        return info.context.loaders.genre.by_movie.now_or_later(self._key, _each(Genre.from_row))

    @strawberry.field(description="Production companies, by name.", graphql_type=list[Company])
    def companies(self, info: Info) -> list[Company] | Awaitable[list[Company]]:
        return info.context.loaders.company.by_movie.now_or_later(self._key, _each(Company.from_row))

    @strawberry.field(description="Production countries, by name.", graphql_type=list[Country])
    def countries(self, info: Info) -> list[Country] | Awaitable[list[Country]]:
        return info.context.loaders.country.by_movie.now_or_later(self._key, _each(Country.from_row))

    @strawberry.field(description="Languages spoken in the movie, by name.", graphql_type=list[Language])
    def spoken_languages(self, info: Info) -> list[Language] | Awaitable[list[Language]]:
        return info.context.loaders.spoken_language.by_movie.now_or_later(self._key, _each(Language.from_row))

    @strawberry.field(description="Directors, by name.", graphql_type=list[Director])
    def directors(self, info: Info) -> list[Director] | Awaitable[list[Director]]:
        return info.context.loaders.director.by_movie.now_or_later(self._key, _each(Director.from_row))

    @strawberry.field(description=f"Cast in billing order, at most `first` (up to {MAX_PAGE}).", graphql_type=list[CastCredit])
    def cast(self, info: Info, first: Count = CAST_FIRST) -> list[CastCredit] | Awaitable[list[CastCredit]]:
        page_window(first, None)
        return info.context.loaders.cast.now_or_later((self._key, first), self._cast)

    def _cast(self, rows: list[CastRow]) -> list[CastCredit]:
        return [CastCredit(person=Person.from_credit(r), character=r.character, order=r.order, _movie_id=self._key) for r in rows]

    @strawberry.field(
        description=f"Crew by department and job, at most `first` (up to {MAX_PAGE}); `job` (exact, e.g. \"Screenplay\") keeps only that job.",
        graphql_type=list[CrewCredit],
    )
    def crew(
        self, info: Info, job: Annotated[str | None, strawberry.argument(description="Keep only this job (exact, e.g. \"Screenplay\").")] = None,
        first: Count = MAX_PAGE,
    ) -> list[CrewCredit] | Awaitable[list[CrewCredit]]:
        page_window(first, None)
        return info.context.loaders.crew.now_or_later((self._key, job, first), self._crew)

    def _crew(self, rows: list[CrewRow]) -> list[CrewCredit]:
        return [CrewCredit(person=Person.from_credit(r), job=r.job, department=r.department, _movie_id=self._key) for r in rows]

    @strawberry.field(description="TMDB keywords, by name.", graphql_type=list[Keyword])
    def keywords(self, info: Info) -> list[Keyword] | Awaitable[list[Keyword]]:
        return info.context.loaders.keyword.by_movie.now_or_later(self._key, _each(Keyword.from_row))

    @classmethod
    async def load_relations(cls, info: Info, movies: Sequence[Movie], fields: Sequence[FieldNode]) -> None:
        """Loads for all of `movies` at once, one batch per relation, the relations that `fields`
        (what the query selects of each movie: schema.lookahead) name, so that those fields answer
        without an await per movie. A field whose arguments differ from what was loaded (or that
        refuses them) loads, or fails, for itself."""
        if not movies:
            return
        loaders = info.context.loaders
        keys = [movie._key for movie in movies]
        loads: list[Awaitable[object]] = []
        for field in fields:
            name = field.name.value
            if name in _BY_MOVIE:
                loads.append(getattr(loaders, _BY_MOVIE[name]).by_movie.load_many(keys))
            elif name == "collection":
                loads.append(loaders.collection.by_id.load_many({m._collection_id for m in movies if m._collection_id is not None}))
            elif name == "originalLanguage":
                loads.append(loaders.language.by_id.load_many({m._original_language for m in movies if m._original_language is not None}))
            elif name in ("cast", "crew") and (given := arguments(info, "Movie", field)) is not None and _page_size(given.get("first")):
                if name == "cast":
                    loads.append(loaders.cast.load_many([(key, given["first"]) for key in keys]))
                else:
                    loads.append(loaders.crew.load_many([(key, given.get("job"), given["first"]) for key in keys]))
        # A failed load is left for its fields to report, each in its place, as without this.
        await asyncio.gather(*loads, return_exceptions=True)

    @strawberry.field(description=f"The movies most like this one by the recommender's item vectors, at most `first` (up to {MAX_PAGE}).")
    async def similar(self, info: Info, first: Count = 10) -> list[SimilarMovie]:
        return await recommender_fields.similar(info, self._key, first)


async def page_with_relations(info: Info, page: Connection[Movie]) -> Connection[Movie]:
    """`page` (the field being resolved), with what the query asks of its movies loaded for all of them at once."""
    await Movie.load_relations(info, [edge.node for edge in page.edges], selected(info, "edges", "node"))
    return page
