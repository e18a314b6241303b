from __future__ import annotations

import strawberry

from loaders.rows import LanguageRow
from schema.movie_group import MovieGroup
from schema.node import Node, global_id


@strawberry.type(
    description="A language; its movies (and movieCount) are those originally in it, most popular first."
)
class Language(MovieGroup, Node):
    code: str = strawberry.field(description="ISO 639-1 code, e.g. fr (TMDB also uses cn for Cantonese, xx for none).")
    name: str = strawberry.field(description="English name, e.g. French.")
    native_name: str | None = strawberry.field(description="Name in the language itself, as TMDB gives it.")

    @classmethod
    def from_row(cls, row: LanguageRow) -> Language:
        return cls(_kind="language", _key=row.iso_639_1, id=global_id("Language", row.iso_639_1), code=row.iso_639_1, name=row.name,
                   native_name=row.native_name)
