from __future__ import annotations

import strawberry

from loaders.rows import GenreRow
from schema.movie_group import MovieGroup


@strawberry.type(description="A TMDB genre; movies most popular first.")
class Genre(MovieGroup):
    id: strawberry.ID = strawberry.field(description="TMDB genre id.")
    name: str = strawberry.field(description="Genre name, e.g. Animation.")

    @classmethod
    def from_row(cls, row: GenreRow) -> Genre:
        return cls(_kind="genre", _key=row.id, id=strawberry.ID(str(row.id)), name=row.name)
