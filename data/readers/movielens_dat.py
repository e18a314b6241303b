"""Reader for the "::"-separated MovieLens releases, ml-1m (2003) and ml-10m (2009): movies.dat.

Their ratings.dat (`UserID::MovieID::Rating::Timestamp`, whole stars in ml-1m, half stars in
ml-10m) is read by `ratings_columns.read_columns`. movies.dat is `MovieID::Title (Year)::Genres`,
latin-1 in ml-1m and UTF-8 in ml-10m: a line that is not UTF-8 is read as latin-1. Their movie ids
are MovieLens movieIds, the numbering of links.csv.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from data.readers._common import FileReport, parse_int
from data.readers.movielens_100k import split_title_year
from data.readers.movielens_latest import NO_GENRES, LatestMovie

SEPARATOR = "::"


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def read_movies(path: Path, report: FileReport) -> Iterator[LatestMovie]:
    """movies.dat: one LatestMovie per line of exactly 3 fields."""
    with open(path, "rb") as handle:
        for raw in handle:
            line = _decode(raw).rstrip("\r\n")
            if not line:
                continue
            report.read += 1
            fields = line.split(SEPARATOR)
            if len(fields) != 3:
                report.reject("wrong number of fields")
                continue
            movie_id = parse_int(fields[0])
            title, year = split_title_year(fields[1])
            if movie_id is None:
                report.reject("bad movieId")
            elif not title:
                report.reject("missing title")
            else:
                genres = fields[2]
                yield LatestMovie(movie_id, title, year, tuple(genres.split("|")) if genres and genres != NO_GENRES else ())
