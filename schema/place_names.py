"""Turning what a person typed for a country or language ("MX", "Mexico", "fr", "French") into
an ISO code and a folded name; pycountry knows the English names and their variants.

pycountry's own `lookup` scans all 7,900 ISO 639-3 languages for a name it has no index of
(1,000 unknown names: 9.9 s), so every name and code of the places that have a two-letter code
is read once into one dict.
"""

from __future__ import annotations

import functools
from typing import Any

import pycountry

from data.text import fold
from loaders.movies import PlaceName


@functools.cache
def _codes(database: pycountry.db.Database[Any]) -> dict[str, str]:
    """Folded name or code (any field pycountry's lookup matches) -> ISO alpha-2 code."""
    codes: dict[str, str] = {}
    for place in database:
        code = getattr(place, "alpha_2", None)
        if code is None:
            continue  # a language without an ISO 639-1 code has no catalogue movies
        for value in place._fields.values():
            if isinstance(value, str):
                codes.setdefault(fold(value), code)
    return codes


def country(text: str) -> PlaceName:
    key = fold(text)
    return text.upper() if len(text) == 2 else _codes(pycountry.countries).get(key), key


def language(text: str) -> PlaceName:
    key = fold(text)
    return text.lower() if len(text) == 2 else _codes(pycountry.languages).get(key), key
