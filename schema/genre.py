from __future__ import annotations

import strawberry

from loaders.rows import GenreRow
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(description="A TMDB genre; movies most popular first.")
class Genre(MovieGroup, Node):
    tmdb_id: int = strawberry.field(description="TMDB genre id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Genre name, e.g. Animation.")

    @classmethod
    def from_row(cls, row: GenreRow) -> Genre:
        return cls(_kind="genre", _key=row.id, id=global_id("Genre", row.id), tmdb_id=row.id, name=row.name)
