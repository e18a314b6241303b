"""The MovieReference interface: an answer about one catalogue movie (a credit, a score)."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Annotated

import strawberry

from data.errors import NotFound
from loaders.rows import MovieRow
from schema.context import Info
from schema.lookahead import selected

if TYPE_CHECKING:
    from schema.movie import Movie

LazyMovie = Annotated["Movie", strawberry.lazy("schema.movie")]


@strawberry.interface(description="Something said about one catalogue movie.")
class MovieReference:
    _movie_id: strawberry.Private[int]

    @strawberry.field(description="The movie.", graphql_type=LazyMovie)
    def movie(self, info: Info) -> Movie | Awaitable[Movie]:
        # At once where the request loaded it already (load_movies): no await per list item.
        return info.context.loaders.movie.now_or_later(self._movie_id, self._movie)

    def _movie(self, row: MovieRow | None) -> Movie:
        from schema.movie import Movie  # schema.movie imports this module's users

        if row is None:  # a rating row outliving its movie (SQLite leaves the foreign key unchecked)
            raise NotFound("movie ids", [str(self._movie_id)])
        return Movie.from_row(row)


async def load_movies(info: Info, references: Sequence[MovieReference]) -> None:
    """Loads the movies of `references` (a list field's answer) in one batch when the query asks
    for their `movie`, and what it asks of those movies (Movie.load_relations), so that the list
    completes without an await per item."""
    from schema.movie import RELATIONS, Movie

    fields = selected(info, "movie")
    if references and fields:
        try:
            rows = await info.context.loaders.movie.load_many([reference._movie_id for reference in references])
        except Exception:  # noqa: BLE001 - left for each `movie` to report in its place, as without this
            return
        if any(field.name.value in RELATIONS for field in fields):
            await Movie.load_relations(info, [Movie.from_row(row) for row in rows if row is not None], fields)
