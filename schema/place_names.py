"""Turning what a person typed for a country or language ("MX", "Mexico", "fr", "French") into
an ISO code and a folded name; pycountry knows the English names and their variants."""

from __future__ import annotations

from typing import TypeVar

import pycountry

from data.text import fold
from loaders.movies import PlaceName

D = TypeVar("D", bound=pycountry.db.Data)


def _lookup(database: pycountry.db.Database[D], text: str) -> str | None:
    try:
        return getattr(database.lookup(text), "alpha_2", None)
    except LookupError:
        return None


def country(text: str) -> PlaceName:
    code = text.upper() if len(text) == 2 else _lookup(pycountry.countries, text)
    return code, fold(text)


def language(text: str) -> PlaceName:
    code = text.lower() if len(text) == 2 else _lookup(pycountry.languages, text)
    return code, fold(text)
