"""The rules both doors (GraphQL and REST) and the layers below share: ids, the star scale, the
bounds on a request's items. Defined once here, at the bottom, so no layer reaches up for them."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Literal

from data.errors import BadInput

MAX_ID = 2**63 - 1  # SQLite's INTEGER
MAX_ID_DIGITS = len(str(MAX_ID))

# MovieLens' scale: a given rating is STARS_MIN to STARS_MAX in steps of STARS_STEP (ml-100k uses
# whole stars); a prediction is RATING_MIN to STARS_MAX, as the rating head clips it.
STARS_MIN, STARS_MAX, STARS_STEP = 0.5, 5.0, 0.5
RATING_MIN, RATING_MAX = 1.0, STARS_MAX
# A predicted rating as answered: GraphQL to what a star display shows (4.44, not the float32
# 4.4381537437438965), the REST route to the old predictor's documented 3 decimals (3.527).
SHOWN_RATING_DECIMALS, REST_RATING_DECIMALS = 2, 3

# The id spaces of MovieLens movies: every release numbers them by movieId but ml-100k, whose item
# ids are its own. The REST route takes the ids of the space the catalogue's ratings came in.
IdSpace = Literal["movielens", "ml-100k"]
ID_SPACE_NAMES: dict[IdSpace, str] = {
    "movielens": "MovieLens movieIds (links.csv numbering, as this catalogue's ratings)",
    "ml-100k": "MovieLens 100K item ids (u.item numbering, as this catalogue's ratings)",
}

MAX_ITEMS = 1_000  # movies per predicted-ratings request or likes per recommend
# The default bound on a GraphQL query's estimated objects (schema/cost.py): above the heaviest
# page the benchmarks and README ask for (100 movies with their groups, directors and 5 cast each:
# 5,001 on the real rows), below 100 movies with 100 cast each (20,201). Here, not in schema/, because the settings
# default to it and must not import the schema (tests/api/test_imports.py).
MAX_QUERY_COST = 10_000


# Relay global ids (schema/node.py): base64 of "<GraphQL type>:<source id>", as strawberry.relay
# writes them. Which types' global ids an argument taking this kind of id accepts: a Director is
# the Person of the same TMDB id, so either names them.
GLOBAL_ID_TYPES: dict[str, tuple[str, ...]] = {
    "movie": ("Movie",),
    "user": ("User",),
    "person": ("Person", "Director"),
    "director": ("Director", "Person"),
    "company": ("Company",),
    "collection": ("Collection",),
    "genre": ("Genre",),
    "keyword": ("Keyword",),
}
MAX_GLOBAL_ID_CHARS = 100  # the longest type name and a local id of MAX_ID_DIGITS, base64, with room


def encode_global_id(type_name: str, local_id: object) -> str:
    return base64.b64encode(f"{type_name}:{local_id}".encode()).decode()


def decode_global_id(value: object) -> tuple[str, str] | None:
    """(type name, source id) of a global id; None for anything that is not one."""
    text = str(value)
    if len(text) > MAX_GLOBAL_ID_CHARS:
        return None
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, colon, local = decoded.partition(":")
    return (type_name, local) if colon and type_name.isidentifier() and local else None


def _shown(value: object) -> str:
    text = str(value)
    return repr(value) if len(text) <= 40 else f"{text[:40]!r}... ({len(text):,} characters)"


def parse_id(value: object, kind: str) -> int:
    """A client's id of a `kind` (a GraphQL ID, a URL segment) as an int: the plain source number
    (a positive integer below 2^63) or the global id of a type GLOBAL_ID_TYPES allows; else BadInput."""
    text = str(value)
    if not _is_number(text):
        decoded = decode_global_id(text)
        if decoded is None or not _is_number(decoded[1]):
            accepted = " or ".join(GLOBAL_ID_TYPES.get(kind, ()))
            also = f", or the global id of a {accepted}" if accepted else ""
            raise BadInput(f"{kind} id must be a positive integer below 2^63{also}, not {_shown(value)}")
        type_name, text = decoded
        if type_name not in GLOBAL_ID_TYPES.get(kind, ()):
            raise BadInput(f"{kind} id: {_shown(value)} is the global id of a {type_name}, not of a {kind}")
    return int(text)


def _is_number(text: str) -> bool:
    # isascii: str.isdigit also accepts other scripts' digits ("١٢"). The length first: int() of
    # over 4,300 digits raises (Python's guard against quadratic conversion), of fewer it is slow.
    return len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit() and int(text) <= MAX_ID


def is_stars(value: float) -> bool:
    """True for a rating on the star scale: STARS_MIN to STARS_MAX in STARS_STEP steps."""
    return math.isfinite(value) and STARS_MIN <= value <= STARS_MAX and (value / STARS_STEP).is_integer()


def parse_stars(value: float) -> float:
    if not is_stars(value):
        raise BadInput(f"rating must be {STARS_MIN:g} to {STARS_MAX:g} stars in steps of {STARS_STEP:g}, not {value!r}")
    return float(value)


def check_item_count(count: int) -> None:
    """The bound on items per request, GraphQL and REST alike."""
    if count > MAX_ITEMS:
        raise BadInput(f"at most {MAX_ITEMS} items at once, not {count}")
