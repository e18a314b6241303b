from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from loaders.rows import MovieRow
from schema import images, recommender_fields
from schema.collection import Collection
from schema.company import Company
from schema.context import Info
from schema.country import Country
from schema.director import Director
from schema.genre import Genre
from schema.keyword import Keyword
from schema.language import Language
from schema.node import Node, global_id
from schema.pagination import MAX_PAGE, Count, page_window
from schema.person import CastCredit, CrewCredit, Person
from schema.recommendation import SimilarMovie
from schema.scalars import BigInt, big_int


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

    @strawberry.field(description="The language the movie was originally made in.")
    async def original_language(self, info: Info) -> Language | None:
        if self._original_language is None:
            return None
        row = await info.context.loaders.language.by_id.load(self._original_language)
        return Language.from_row(row) if row else None

    @strawberry.field(description="The collection (franchise) the movie belongs to.")
    async def collection(self, info: Info) -> Collection | None:
        if self._collection_id is None:
            return None
        row = await info.context.loaders.collection.by_id.load(self._collection_id)
        return Collection.from_row(row) if row else None

    @strawberry.field(description="Genres, by name.")
    async def genres(self, info: Info) -> list[Genre]:
        return [Genre.from_row(row) for row in await info.context.loaders.genre.by_movie.load(self._key)]

    @strawberry.field(description="Production companies, by name.")
    async def companies(self, info: Info) -> list[Company]:
        return [Company.from_row(row) for row in await info.context.loaders.company.by_movie.load(self._key)]

    @strawberry.field(description="Production countries, by name.")
    async def countries(self, info: Info) -> list[Country]:
        return [Country.from_row(row) for row in await info.context.loaders.country.by_movie.load(self._key)]

    @strawberry.field(description="Languages spoken in the movie, by name.")
    async def spoken_languages(self, info: Info) -> list[Language]:
        return [Language.from_row(row) for row in await info.context.loaders.spoken_language.by_movie.load(self._key)]

    @strawberry.field(description="Directors, by name.")
    async def directors(self, info: Info) -> list[Director]:
        return [Director.from_row(row) for row in await info.context.loaders.director.by_movie.load(self._key)]

    @strawberry.field(description=f"Cast in billing order, at most `first` (up to {MAX_PAGE}).")
    async def cast(self, info: Info, first: Count = 10) -> list[CastCredit]:
        page_window(first, None)
        rows = await info.context.loaders.cast.load((self._key, first))
        return [CastCredit(person=Person.from_credit(r), character=r.character, order=r.order, _movie_id=self._key) for r in rows]

    @strawberry.field(
        description=f"Crew by department and job, at most `first` (up to {MAX_PAGE}); `job` (exact, e.g. \"Screenplay\") keeps only that job."
    )
    async def crew(
        self, info: Info, job: Annotated[str | None, strawberry.argument(description="Keep only this job (exact, e.g. \"Screenplay\").")] = None,
        first: Count = MAX_PAGE,
    ) -> list[CrewCredit]:
        page_window(first, None)
        rows = await info.context.loaders.crew.load((self._key, job, first))
        return [CrewCredit(person=Person.from_credit(r), job=r.job, department=r.department, _movie_id=self._key) for r in rows]

    @strawberry.field(description="TMDB keywords, by name.")
    async def keywords(self, info: Info) -> list[Keyword]:
        return [Keyword.from_row(row) for row in await info.context.loaders.keyword.by_movie.load(self._key)]

    @strawberry.field(description=f"The movies most like this one by the recommender's item vectors, at most `first` (up to {MAX_PAGE}).")
    async def similar(self, info: Info, first: Count = 10) -> list[SimilarMovie]:
        return await recommender_fields.similar(info, self._key, first)
