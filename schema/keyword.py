from __future__ import annotations

import strawberry

from loaders.rows import KeywordRow
from schema.node import Node, global_id


@strawberry.type(description="A TMDB keyword tagging a movie's content, e.g. \"toy comes to life\".")
class Keyword(Node):
    tmdb_id: int = strawberry.field(description="TMDB keyword id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="The keyword.")

    @classmethod
    def from_row(cls, row: KeywordRow) -> Keyword:
        return cls(id=global_id("Keyword", row.id), tmdb_id=row.id, name=row.name)
