"""The MovieReference interface: an answer about one catalogue movie (a credit, a score)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry

from data.errors import NotFound
from loaders.rows import MovieRow
from schema.context import Info
from schema.lookahead import selects

if TYPE_CHECKING:
    from schema.movie import Movie

LazyMovie = Annotated["Movie", strawberry.lazy("schema.movie")]


@strawberry.interface(description="Something said about one catalogue movie.")
class MovieReference:
    _movie_id: strawberry.Private[int]

    @strawberry.field(description="The movie.", graphql_type=LazyMovie)
    def movie(self, info: Info) -> Movie | Awaitable[Movie]:
        # Synchronous where the request loaded the movie already (load_movies): no await per list item.
        loaded = info.context.loaders.movie.settled(self._movie_id)
        return self._movie(loaded.result()) if loaded is not None else self._load_movie(info)

    async def _load_movie(self, info: Info) -> Movie:
        return self._movie(await info.context.loaders.movie.load(self._movie_id))

    def _movie(self, row: MovieRow | None) -> Movie:
        from schema.movie import Movie  # schema.movie imports this module's users

        if row is None:  # a rating row outliving its movie (SQLite leaves the foreign key unchecked)
            raise NotFound("movie ids", [str(self._movie_id)])
        return Movie.from_row(row)


async def load_movies(info: Info, references: Sequence[MovieReference]) -> None:
    """Loads the movies of `references` (a list field's answer) in one batch when the query asks
    for their `movie`, so that the list completes without an await per item."""
    if references and selects(info, "movie"):
        await info.context.loaders.movie.load_many([reference._movie_id for reference in references])
