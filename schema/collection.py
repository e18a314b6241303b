from __future__ import annotations

import strawberry

from loaders.rows import CollectionRow
from schema import images
from schema.context import Info
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(description="A collection (franchise), e.g. Toy Story Collection; movies in release order.")
class Collection(MovieGroup, Node):
    tmdb_id: int = strawberry.field(description="TMDB collection id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Collection name.")
    poster_path: str | None = strawberry.field(description="TMDB image path of the poster.")
    backdrop_path: str | None = strawberry.field(description="TMDB image path of the backdrop.")

    @strawberry.field(description=f"The poster's URL in `size`; {images.URL_HELP}")
    def poster_url(self, info: Info, size: images.PosterSizeArg = images.PosterSize.W500) -> str | None:
        return images.url(info, size, self.poster_path)

    @strawberry.field(description=f"The backdrop's URL in `size`; {images.URL_HELP}")
    def backdrop_url(self, info: Info, size: images.BackdropSizeArg = images.BackdropSize.W780) -> str | None:
        return images.url(info, size, self.backdrop_path)

    @classmethod
    def from_row(cls, row: CollectionRow) -> Collection:
        return cls(
            _kind="collection",
            _key=row.id, id=global_id("Collection", row.id),
            tmdb_id=row.id,
            name=row.name,
            poster_path=row.poster_path,
            backdrop_path=row.backdrop_path,
        )
