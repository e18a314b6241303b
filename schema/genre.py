from __future__ import annotations

import strawberry
from strawberry import relay

from loaders.rows import GenreRow
from schema.movie_group import MovieGroup


@strawberry.type(description="A TMDB genre; movies most popular first.")
class Genre(MovieGroup, relay.Node):
    tmdb_id: int = strawberry.field(description="TMDB genre id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Genre name, e.g. Animation.")

    @classmethod
    def from_row(cls, row: GenreRow) -> Genre:
        return cls(_kind="genre", _key=row.id, tmdb_id=row.id, name=row.name)
