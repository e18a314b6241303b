from __future__ import annotations

import strawberry

from loaders.rows import KeywordRow


@strawberry.type(description="A TMDB keyword tagging a movie's content, e.g. \"toy comes to life\".")
class Keyword:
    id: strawberry.ID = strawberry.field(description="TMDB keyword id.")
    name: str = strawberry.field(description="The keyword.")

    @classmethod
    def from_row(cls, row: KeywordRow) -> Keyword:
        return cls(id=strawberry.ID(str(row.id)), name=row.name)
