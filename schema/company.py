from __future__ import annotations

import strawberry
from strawberry import relay

from loaders.rows import CompanyRow
from schema.movie_group import MovieGroup


@strawberry.type(description="A production company; its movies come most popular first unless ordered otherwise.")
class Company(MovieGroup, relay.Node):
    tmdb_id: int = strawberry.field(description="TMDB company id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="Company name.")

    @classmethod
    def from_row(cls, row: CompanyRow) -> Company:
        return cls(_kind="company", _key=row.id, tmdb_id=row.id, name=row.name)
