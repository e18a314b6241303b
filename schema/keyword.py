from __future__ import annotations

import strawberry
from strawberry import relay

from loaders.rows import KeywordRow


@strawberry.type(description="A TMDB keyword tagging a movie's content, e.g. \"toy comes to life\".")
class Keyword(relay.Node):
    tmdb_id: int = strawberry.field(description="TMDB keyword id (the plain number; `id` is the global Relay id).")
    name: str = strawberry.field(description="The keyword.")
    _key: relay.NodeID[int]

    @classmethod
    def from_row(cls, row: KeywordRow) -> Keyword:
        return cls(tmdb_id=row.id, name=row.name, _key=row.id)
