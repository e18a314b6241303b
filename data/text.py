"""Folding of text a person types, so "alfonso cuaron" matches "Alfonso Cuarón"."""

import unicodedata


def fold(text: str) -> str:
    """Casefold, strip accents and collapse whitespace; the key stored in `*_key` columns."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
