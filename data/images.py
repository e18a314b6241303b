"""TMDB image URLs: a stored image path ("/rhIRbceoE9lR4veEXuwCC2wARtG.jpg") under the image
server's base and a size, as TMDB's /configuration API lists them for each kind of image."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from data.errors import SettingsError

DEFAULT_IMAGE_BASE = "https://image.tmdb.org/t/p/"
# TMDB's /configuration `images`: the sizes its server renders for each kind (w = width in pixels,
# h = height); "original" is the uploaded file.
POSTER_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")
BACKDROP_SIZES = ("w300", "w780", "w1280", "original")
PROFILE_SIZES = ("w45", "w185", "h632", "original")


def check_image_base(url: str) -> str:
    """The base as an absolute http(s) URL ending in "/"; SettingsError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or any(c.isspace() for c in url):
        raise SettingsError(f"MOVIEGRAPH_TMDB_IMAGE_BASE must be an http(s) URL like {DEFAULT_IMAGE_BASE}, not {url!r}")
    return url if url.endswith("/") else url + "/"


def image_url(base: str, size: str, path: str | None) -> str | None:
    """The URL of the image at `path` in `size`; None when there is no image (no path)."""
    if not path or not path.strip():
        return None
    return f"{base}{size}/{quote(path.strip().lstrip('/'))}"
