"""The MovieGroup interface: what companies, directors, collections, genres, countries and
languages have in common — a set of movies and how successful they were."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from loaders import EntityLoaders
from loaders.entities import Stats
from schema.context import Info
from schema.inputs import MovieOrder
from schema.pagination import MAX_PAGE, page_window
from schema.scalars import BigInt, big_int

if TYPE_CHECKING:
    from schema.movie import Movie

LazyMovie = Annotated["Movie", strawberry.lazy("schema.movie")]


@strawberry.interface(description="Something that groups movies, with the success figures of its movies.")
class MovieGroup:
    # Which `Loaders` attribute serves this kind of group, and this group's key there.
    _kind: strawberry.Private[str]
    _key: strawberry.Private[Any]

    def _loaders(self, info: Info) -> EntityLoaders[Any, Any]:
        loaders: EntityLoaders[Any, Any] = getattr(info.context.loaders, self._kind)
        return loaders

    async def _stats(self, info: Info) -> Stats:
        return await self._loaders(info).stats.load(self._key)

    @strawberry.field(description="Number of movies in the catalogue.")
    async def movie_count(self, info: Info) -> int:
        return (await self._stats(info)).movie_count

    @strawberry.field(description="Sum of the known revenues in dollars (movies with unknown revenue are left out).")
    async def total_revenue(self, info: Info) -> BigInt | None:
        return big_int((await self._stats(info)).total_revenue)

    @strawberry.field(description="Sum of the known budgets in dollars.")
    async def total_budget(self, info: Info) -> BigInt | None:
        return big_int((await self._stats(info)).total_budget)

    @strawberry.field(description="Mean revenue in dollars over the movies whose revenue is known.")
    async def average_revenue(self, info: Info) -> float | None:
        return (await self._stats(info)).average_revenue

    @strawberry.field(
        description="Mean of revenue / budget over the movies where both are known; null when there are none."
    )
    async def average_return(self, info: Info) -> float | None:
        return (await self._stats(info)).average_return

    @strawberry.field(description=f"Its movies, at most `first` (up to {MAX_PAGE}); each kind of group has a natural default order.")
    async def movies(self, info: Info, first: int = MAX_PAGE, order_by: MovieOrder | None = None) -> list[LazyMovie]:
        from schema.movie import Movie

        page_window(first, None)
        loaders = self._loaders(info)
        order, descending = order_by.as_pair() if order_by else loaders.entity.movie_order
        rows = await loaders.movies.load((self._key, first, order, descending))
        return [Movie.from_row(row) for row in rows]
