from __future__ import annotations

import strawberry

from loaders.rows import PersonRow
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(description="A person credited as Director on at least one movie; movies in release order.")
class Director(MovieGroup, Node):
    tmdb_id: int = strawberry.field(description="TMDB person id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Name as credited.")
    profile_path: str | None = strawberry.field(description="TMDB image path of the portrait.")

    @classmethod
    def from_row(cls, row: PersonRow) -> Director:
        return cls(_kind="director", _key=row.id, id=global_id("Director", row.id), tmdb_id=row.id, name=row.name, profile_path=row.profile_path)
