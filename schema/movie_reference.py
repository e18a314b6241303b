"""The MovieReference interface: an answer about one catalogue movie (a credit, a score)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from data.errors import NotFound
from schema.context import Info

if TYPE_CHECKING:
    from schema.movie import Movie

LazyMovie = Annotated["Movie", strawberry.lazy("schema.movie")]


@strawberry.interface(description="Something said about one catalogue movie.")
class MovieReference:
    _movie_id: strawberry.Private[int]

    @strawberry.field(description="The movie.")
    async def movie(self, info: Info) -> LazyMovie:
        from schema.movie import Movie  # schema.movie imports this module's users

        row = await info.context.loaders.movie.load(self._movie_id)
        if row is None:  # a rating row outliving its movie (SQLite leaves the foreign key unchecked)
            raise NotFound("movie ids", [str(self._movie_id)])
        return Movie.from_row(row)
