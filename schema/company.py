from __future__ import annotations

import strawberry

from loaders.rows import CompanyRow
from schema.movie_group import MovieGroup


@strawberry.type(description="A production company; its movies come most popular first unless ordered otherwise.")
class Company(MovieGroup):
    id: strawberry.ID = strawberry.field(description="TMDB company id.")
    name: str = strawberry.field(description="Company name.")

    @classmethod
    def from_row(cls, row: CompanyRow) -> Company:
        return cls(_kind="company", _key=row.id, id=strawberry.ID(str(row.id)), name=row.name)
