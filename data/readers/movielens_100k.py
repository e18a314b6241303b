"""Reader for MovieLens 100K (GroupLens, 1998): u.data ratings, u.item movies, u.user demographics.

The release is read as a directory or as the official zip (files under a top folder `ml-100k/`)
without unpacking it. Its item ids are its own numbering, unrelated to the movieIds of links.csv.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from data.errors import IngestError
from data.readers._common import FileReport

# The 19 genre flags of u.item, in the order u.genre numbers them.
GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)
# Month abbreviations of u.item dates ("01-Jan-1995"), spelled out so parsing ignores the locale.
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
)}
# "Title (1995)", tolerating the odd few: "(1995) (V)", "(1986) ", and ml-latest's "(2006–2007)".
_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{4})?\)\s*(?:\(\w+\))?\s*$")
_ITEM_FIELDS = 5 + len(GENRES)


@dataclass(frozen=True, slots=True)
class Item:
    """A u.item movie; `title` without the year, as MovieLens writes it ("Usual Suspects, The")."""

    id: int
    title: str
    year: int | None
    release_date: dt.date | None
    imdb_url: str | None
    genres: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class User:
    id: int
    age: int
    gender: str
    occupation: str
    zip_code: str


def split_title_year(text: str) -> tuple[str, int | None]:
    """ "Toy Story (1995)" -> ("Toy Story", 1995); a title without a year comes back whole."""
    match = _TITLE_YEAR.match(text)
    if match is None:
        return text.strip(), None
    return match["title"], int(match["year"])


@contextlib.contextmanager
def _open(location: Path, name: str) -> Iterator[TextIO]:
    # latin-1 is u.item's encoding; the other files are ASCII, which it reads the same.
    if location.is_dir():
        path = location / name
        if not path.is_file():
            raise IngestError(f"{location} has no {name}; is it MovieLens 100K (ml-100k)?")
        with open(path, encoding="latin-1", newline="") as handle:
            yield handle
        return
    if not location.is_file():
        raise IngestError(f"{location} does not exist; give the ml-100k directory, its zip or a URL")
    try:
        archive = zipfile.ZipFile(location)
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(f"cannot open {location} as MovieLens 100K: {exc}; give its directory or the official zip") from None
    with archive:
        # The official zip nests everything under ml-100k/; accept any folder, the shallowest first.
        members = sorted((m for m in archive.namelist() if m.rsplit("/", 1)[-1] == name), key=lambda m: m.count("/"))
        if not members:
            raise IngestError(f"{location} has no {name}; is it the MovieLens 100K zip (ml-100k.zip)?")
        with io.TextIOWrapper(archive.open(members[0]), encoding="latin-1", newline="") as handle:
            yield handle


def _fields(location: Path, name: str, separator: str, width: int, report: FileReport) -> Iterator[list[str]]:
    with _open(location, name) as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                continue
            report.read += 1
            fields = line.split(separator)
            if len(fields) != width:
                report.reject("wrong number of fields")
                continue
            yield fields


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def read_ratings(location: Path, report: FileReport, name: str = "u.data") -> Iterator[tuple[int, int, float, int]]:
    """u.data, or an official split such as `name="u1.base"`: (user id, item id, rating, timestamp), whole stars 1-5."""
    for user_text, item_text, rating_text, stamp_text in _fields(location, name, "\t", 4, report):
        user, item, rating, stamp = _int(user_text), _int(item_text), _int(rating_text), _int(stamp_text)
        if user is None or item is None or stamp is None:
            report.reject("bad id or timestamp")
        elif rating is None or not 1 <= rating <= 5:
            report.reject("rating not a whole star 1..5")
        else:
            yield user, item, float(rating), stamp


def _date(text: str) -> dt.date | None:
    """ "01-Jan-1995" -> a date; raises ValueError on anything else but an empty field."""
    if not text:
        return None
    day, month, year = text.split("-")
    return dt.date(int(year), _MONTHS[month], int(day))


def read_items(location: Path, report: FileReport) -> Iterator[Item]:
    """u.item: one Item per well-formed row; the year comes from the title, else the release date."""
    for fields in _fields(location, "u.item", "|", _ITEM_FIELDS, report):
        item_id, flags = _int(fields[0]), fields[5:]
        title, year = split_title_year(fields[1])
        if item_id is None:
            report.reject("bad item id")
            continue
        if not title:
            report.reject("missing title")
            continue
        if any(flag not in ("0", "1") for flag in flags):
            report.reject("bad genre flag")
            continue
        try:
            release_date = _date(fields[2])
        except (ValueError, KeyError):
            report.reject("bad release date")
            continue
        yield Item(
            id=item_id,
            title=title,
            # The title's year is the film's; the release date is often a later (video) release.
            year=year if year is not None else (release_date.year if release_date else None),
            release_date=release_date,
            imdb_url=fields[4] or None,
            genres=tuple(genre for genre, flag in zip(GENRES, flags, strict=True) if flag == "1"),
        )


def read_users(location: Path, report: FileReport) -> Iterator[User]:
    """u.user: id, age, gender (M/F), occupation and zip code (some are Canadian, e.g. "T8H1N")."""
    for id_text, age_text, gender, occupation, zip_code in _fields(location, "u.user", "|", 5, report):
        user_id, age = _int(id_text), _int(age_text)
        if user_id is None:
            report.reject("bad user id")
        elif age is None:
            report.reject("bad age")
        elif gender not in ("M", "F"):
            report.reject("bad gender")
        else:
            yield User(user_id, age, gender, occupation, zip_code)
