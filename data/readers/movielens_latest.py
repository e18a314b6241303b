"""Reader for MovieLens latest small (GroupLens, 2018): ratings.csv, movies.csv and links.csv.

Its ratings.csv and links.csv have the layout of The Movies Dataset's ratings_small.csv and
links.csv (the same movieId numbering), so those readers are reused; new here are movies.csv and
links.csv's imdbId column, which the ml-100k title bridge goes through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from data.errors import IngestError
from data.readers._common import FileReport, find_file, parse_int, read_csv_rows
from data.readers.movielens_100k import split_title_year
from data.readers.movies_dataset import read_links, read_ratings

__all__ = ["LatestMovie", "read_links", "read_movies", "read_ratings", "required"]

NO_GENRES = "(no genres listed)"


@dataclass(frozen=True, slots=True)
class LatestMovie:
    """A movies.csv row; `title` without the year, as MovieLens writes it ("Usual Suspects, The")."""

    id: int
    title: str
    year: int | None
    genres: tuple[str, ...]


def required(directory: Path, name: str) -> Path:
    """`name` (or `name`.gz) in an unpacked MovieLens release, or an IngestError saying what is missing."""
    path = find_file(directory, name) if directory.is_dir() else None
    if path is None:
        raise IngestError(f"{directory} has no {name}; is it the unpacked MovieLens release (ml-latest-small, ml-1m, ml-20m, ...)?")
    return path


def read_movies(path: Path, report: FileReport) -> Iterator[LatestMovie]:
    """movies.csv: movieId, "Title (Year)" (a few have no year) and "|"-separated genres."""
    for row in read_csv_rows(path, report):
        movie_id = parse_int(row["movieId"])
        title, year = split_title_year(row["title"])
        if movie_id is None:
            report.reject("bad movieId")
        elif not title:
            report.reject("missing title")
        else:
            genres = row["genres"]
            yield LatestMovie(movie_id, title, year, tuple(genres.split("|")) if genres and genres != NO_GENRES else ())
