from __future__ import annotations

import strawberry

from loaders.rows import CompanyRow
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(description="A production company; its movies come most popular first unless ordered otherwise.")
class Company(MovieGroup, Node):
    tmdb_id: int = strawberry.field(description="TMDB company id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Company name.")

    @classmethod
    def from_row(cls, row: CompanyRow) -> Company:
        return cls(_kind="company", _key=row.id, id=global_id("Company", row.id), tmdb_id=row.id, name=row.name)
