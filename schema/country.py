from __future__ import annotations

import strawberry

from loaders.rows import CountryRow
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(description="A production country; its movies are those produced there, most popular first.")
class Country(MovieGroup, Node):
    code: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. MX.")
    name: str = strawberry.field(description="English name as TMDB gives it.")

    @classmethod
    def from_row(cls, row: CountryRow) -> Country:
        return cls(_kind="country", _key=row.iso_3166_1, id=global_id("Country", row.iso_3166_1), code=row.iso_3166_1, name=row.name)
