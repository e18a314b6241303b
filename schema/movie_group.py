"""The MovieGroup interface: what companies, directors, collections, genres, countries and
languages have in common — a set of movies and how successful they were."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from loaders import EntityLoaders
from loaders.entities import Stats
from loaders.rows import MovieRow
from schema.context import Info
from schema.inputs import MovieOrder
from schema.pagination import MAX_PAGE, PAGE_HELP, After, Before, Connection, First100, Last, PageArgs, paginate
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

    @strawberry.field(description=f"Its movies, each kind of group in its natural order unless `orderBy` says otherwise. {PAGE_HELP}")
    async def movies(
        self, info: Info, first: First100 = None, after: After = None, last: Last = None, before: Before = None,
        order_by: Annotated[MovieOrder | None, strawberry.argument(description="The order; the group's natural one by default.")] = None,
    ) -> Connection[LazyMovie]:
        from schema.movie import Movie, page_with_relations

        loaders = self._loaders(info)
        order, descending = order_by.as_pair() if order_by else loaders.entity.movie_order

        async def fetch(offset: int, limit: int) -> tuple[list[MovieRow], int]:
            rows = await loaders.movies.load((self._key, offset, limit, order, descending)) if limit else []
            return rows, (await self._stats(info)).movie_count

        return await page_with_relations(info, await paginate(PageArgs(MAX_PAGE, first, after, last, before), fetch, Movie.from_row))
