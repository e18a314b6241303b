"""Image sizes as GraphQL enums, and the URL of a stored TMDB image path at the serving image base."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from data.images import image_url
from schema.context import Info

SIZE_HELP = "Rendered size (w = width, h = height in pixels; ORIGINAL the uploaded file), as TMDB's image server offers it."
URL_HELP = "null when TMDB has no image. The base is the MOVIEGRAPH_TMDB_IMAGE_BASE setting (default https://image.tmdb.org/t/p/)."


@strawberry.enum(description=f"A poster size. {SIZE_HELP}")
class PosterSize(Enum):
    W92 = strawberry.enum_value("w92", description="92 pixels wide.")
    W154 = strawberry.enum_value("w154", description="154 pixels wide.")
    W185 = strawberry.enum_value("w185", description="185 pixels wide.")
    W342 = strawberry.enum_value("w342", description="342 pixels wide.")
    W500 = strawberry.enum_value("w500", description="500 pixels wide.")
    W780 = strawberry.enum_value("w780", description="780 pixels wide.")
    ORIGINAL = strawberry.enum_value("original", description="The uploaded file.")


@strawberry.enum(description=f"A backdrop size. {SIZE_HELP}")
class BackdropSize(Enum):
    W300 = strawberry.enum_value("w300", description="300 pixels wide.")
    W780 = strawberry.enum_value("w780", description="780 pixels wide.")
    W1280 = strawberry.enum_value("w1280", description="1280 pixels wide.")
    ORIGINAL = strawberry.enum_value("original", description="The uploaded file.")


@strawberry.enum(description=f"A portrait size. {SIZE_HELP}")
class ProfileSize(Enum):
    W45 = strawberry.enum_value("w45", description="45 pixels wide.")
    W185 = strawberry.enum_value("w185", description="185 pixels wide.")
    H632 = strawberry.enum_value("h632", description="632 pixels high.")
    ORIGINAL = strawberry.enum_value("original", description="The uploaded file.")


# The `size` arguments, described once (tests/schema/test_schema_file.py wants every argument described).
PosterSizeArg = Annotated[PosterSize, strawberry.argument(description="The poster's size; W500 by default.")]
BackdropSizeArg = Annotated[BackdropSize, strawberry.argument(description="The backdrop's size; W780 by default.")]
ProfileSizeArg = Annotated[ProfileSize, strawberry.argument(description="The portrait's size; W185 by default.")]


def url(info: Info, size: PosterSize | BackdropSize | ProfileSize, path: str | None) -> str | None:
    return image_url(info.context.runtime.image_base, size.value, path)
