"""The rules both doors (GraphQL and REST) and the layers below share: ids, the star scale, the
bounds on a request's items. Defined once here, at the bottom, so no layer reaches up for them."""

from __future__ import annotations

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


def parse_id(value: object, kind: str) -> int:
    """A client's id (a GraphQL ID, a URL segment) as an int; BadInput unless a positive integer below 2^63."""
    text = str(value)
    # isascii: str.isdigit also accepts other scripts' digits ("١٢"). The length first: int() of
    # over 4,300 digits raises (Python's guard against quadratic conversion), of fewer it is slow.
    if not (len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit() and int(text) <= MAX_ID):
        shown = repr(value) if len(text) <= 40 else f"{text[:40]!r}... ({len(text):,} characters)"
        raise BadInput(f"{kind} id must be a positive integer below 2^63, not {shown}")
    return int(text)


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
