"""Readers for The Movies Dataset (Kaggle, 2017): movies_metadata, credits, keywords, links, ratings.

Each reader yields parsed rows and rejects bad ones with a reason in its `FileReport`; which movie
ids exist is the ingest's business, not the readers'.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.domain import is_stars
from data.readers._common import FileReport, parse_int, read_csv_rows
from data.readers._literals import MalformedLiteral, RecordList

GENRES = RecordList([("id", "int"), ("name", "str")])
COMPANIES = RecordList([("name", "str"), ("id", "int")])
COUNTRIES = RecordList([("iso_3166_1", "str"), ("name", "str")])
LANGUAGES = RecordList([("iso_639_1", "str"), ("name", "str")])
COLLECTION = RecordList(
    [("id", "int"), ("name", "str"), ("poster_path", "str?"), ("backdrop_path", "str?")]
)
KEYWORDS = RecordList([("id", "int"), ("name", "str")])
CAST = RecordList(
    [
        ("cast_id", "skip"),
        ("character", "str?"),
        ("credit_id", "skip"),
        ("gender", "int?"),
        ("id", "int"),
        ("name", "str"),
        ("order", "int"),
        ("profile_path", "str?"),
    ]
)
CREW = RecordList(
    [
        ("credit_id", "skip"),
        ("department", "str?"),
        ("gender", "int?"),
        ("id", "int"),
        ("job", "str"),
        ("name", "str"),
        ("profile_path", "str?"),
    ]
)

# (character, gender, person id, name, order, profile_path)
CastEntry = tuple[str | None, int | None, int, str, int, str | None]
# (department, gender, person id, job, name, profile_path)
CrewEntry = tuple[str | None, int | None, int, str, str, str | None]


@dataclass(slots=True)
class MovieRow:
    """One movies_metadata row: the movie's own columns and its related entities."""

    movie: dict[str, Any]
    collection: tuple[int, str, str | None, str | None] | None
    genres: list[tuple[int, str]]
    companies: list[tuple[str, int]]
    countries: list[tuple[str, str]]
    languages: list[tuple[str, str]]


@dataclass(slots=True)
class CreditsRow:
    movie_id: int
    cast: list[CastEntry]
    crew: list[CrewEntry]


class BadRow(ValueError):
    """A row that cannot be loaded; the message is the rejection reason."""


def _text(value: str) -> str | None:
    return value if value.strip() else None


def _movie_id(text: str) -> int:
    # Shifted rows of the original file carry a date ("1997-08-20") where the id should be.
    if not text.isdigit() or int(text) == 0:
        raise BadRow("id is not a positive integer")
    return int(text)


def _amount(row: dict[str, str], column: str) -> int | None:
    """Budget or revenue in dollars; 0 means unknown in the source."""
    if not row[column].strip():
        return None
    value = parse_int(row[column])
    if value is None or value < 0:
        raise BadRow(f"bad {column}")
    return value or None


def _float(row: dict[str, str], column: str) -> float | None:
    if not row[column].strip():
        return None
    try:
        value = float(row[column])
    except ValueError:
        raise BadRow(f"bad {column}") from None
    if not math.isfinite(value) or value < 0:
        raise BadRow(f"bad {column}")
    return value


def _date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRow("bad release_date") from None


def _flag(text: str, column: str) -> bool:
    if text not in ("True", "False"):
        raise BadRow(f"bad {column}")
    return text == "True"


def _literal(parser: RecordList, row: dict[str, str], column: str) -> list[Any]:
    try:
        return parser.parse(row[column])
    except MalformedLiteral:
        raise BadRow(f"malformed {column}") from None


def _parse_movie(row: dict[str, str]) -> MovieRow:
    movie_id = _movie_id(row["id"])
    title = row["title"].strip()
    if not title:
        raise BadRow("missing title")
    release_date = _date(row["release_date"])
    runtime = _float(row, "runtime")
    vote_count = _float(row, "vote_count")
    collections = _literal(COLLECTION, row, "belongs_to_collection")
    movie = {
        "id": movie_id,
        "imdb_id": _text(row["imdb_id"]),
        "title": title,
        "original_title": _text(row["original_title"]),
        "original_language": _text(row["original_language"]),
        "overview": _text(row["overview"]),
        "tagline": _text(row["tagline"]),
        "release_date": release_date,
        "year": release_date.year if release_date else None,
        "runtime": runtime or None,  # 0 is TMDB's "unknown"
        "budget": _amount(row, "budget"),
        "revenue": _amount(row, "revenue"),
        "popularity": _float(row, "popularity"),
        "vote_average": _float(row, "vote_average"),
        "vote_count": int(vote_count) if vote_count is not None else None,
        "status": _text(row["status"]),
        "adult": _flag(row["adult"], "adult"),
        "video": _flag(row["video"], "video") if row["video"] else False,
        "homepage": _text(row["homepage"]),
        "poster_path": _text(row["poster_path"]),
        "collection_id": collections[0][0] if collections else None,
    }
    return MovieRow(
        movie=movie,
        collection=collections[0] if collections else None,
        genres=_literal(GENRES, row, "genres"),
        companies=_literal(COMPANIES, row, "production_companies"),
        countries=_literal(COUNTRIES, row, "production_countries"),
        languages=_literal(LANGUAGES, row, "spoken_languages"),
    )


def read_movies(path: Path, report: FileReport) -> Iterator[MovieRow]:
    """movies_metadata.csv: one MovieRow per well-formed row (duplicates are the ingest's call)."""
    for row in read_csv_rows(path, report):
        try:
            yield _parse_movie(row)
        except BadRow as exc:
            report.reject(str(exc))


def read_credits(path: Path, report: FileReport) -> Iterator[CreditsRow]:
    """credits.csv: cast and crew of a movie."""
    for row in read_csv_rows(path, report):
        try:
            yield CreditsRow(
                movie_id=_movie_id(row["id"]),
                cast=_literal(CAST, row, "cast"),
                crew=_literal(CREW, row, "crew"),
            )
        except BadRow as exc:
            report.reject(str(exc))


def read_keywords(path: Path, report: FileReport) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    """keywords.csv: (movie id, [(keyword id, name)])."""
    for row in read_csv_rows(path, report):
        try:
            yield _movie_id(row["id"]), _literal(KEYWORDS, row, "keywords")
        except BadRow as exc:
            report.reject(str(exc))


def read_links(path: Path, report: FileReport, column: str = "tmdbId") -> Iterator[tuple[int, int]]:
    """links.csv / links_small.csv: (MovieLens movieId, TMDB id), or with column="imdbId" the IMDb
    number (114709 for tt0114709); rows without one are rejected."""
    for row in read_csv_rows(path, report):
        movielens_id, other_id = parse_int(row["movieId"]), parse_int(row[column])
        if movielens_id is None:
            report.reject("bad movieId")
        elif other_id is None or other_id <= 0:
            report.reject(f"no {column}")
        else:
            yield movielens_id, other_id


def read_ratings(path: Path, report: FileReport) -> Iterator[tuple[int, int, float, int]]:
    """MovieLens ratings.csv layout: (userId, movieId, rating, timestamp)."""
    for row in read_csv_rows(path, report):
        user, movie, stamp = parse_int(row["userId"]), parse_int(row["movieId"]), parse_int(row["timestamp"])
        try:
            rating = float(row["rating"])
        except ValueError:
            rating = math.nan
        if user is None or movie is None or stamp is None:
            report.reject("bad id or timestamp")
        elif not is_stars(rating):
            report.reject("rating not in 0.5..5 by 0.5")
        else:
            yield user, movie, rating, stamp

