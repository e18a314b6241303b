"""Ingest: raw Movies Dataset (+ a MovieLens ratings source) -> one SQLite catalogue, atomically.

Rows are streamed file by file; a bad row is counted under its reason and skipped, never fatal.
Movies come first because every later file is checked against the set of loaded movie ids.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar, get_args

import pycountry
from sqlalchemy import func, select

from data import live_ratings, longest_lists, movielens_sources, progress
from data.credits_shard import build_credits_shard, copy_credits_shard
from data.database import BulkWriter, atomic_database, columns, remove_database_files
from data.errors import IngestError
from data.movie_groups import GROUP_STATS_FILL
from data.rating_rows import write_ratings
from data.readers import movies_dataset as md
from data.readers._common import FileReport, find_file
from data.readers.ratings_columns import RatingColumns, read_columns
from data.tables import MOVIE_FTS_DDL, MOVIE_FTS_FILL, PERSON_MOVIES_FILL, RATINGS_ID_SPACE, Rating
from data.text import fold

RatingsSource = Literal[
    "ratings-small", "ratings", "ml-latest-small", "ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m", "ml-latest"
]
RATINGS_SOURCES: tuple[RatingsSource, ...] = get_args(RatingsSource)
_BATCH = 20_000
T = TypeVar("T")
TupleT = TypeVar("TupleT", bound=tuple[object, ...])


@dataclass
class IngestResult:
    db_path: Path
    reports: list[FileReport]
    counts: dict[str, int]
    seconds: float
    facts: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        movies, ratings = self.counts.get("movie", 0), self.counts.get("rating", 0)
        return f"ingested {movies:,} movies and {ratings:,} ratings into {self.db_path} in {self.seconds:.1f} s"


def _progress(rows: Iterable[T], label: str, show: bool) -> Iterator[T]:
    yield from progress.bar(rows, desc=label, show=show, unit=" rows", mininterval=0.5)


# TMDB's own codes outside ISO 639-1.
_TMDB_LANGUAGES = {"cn": "Cantonese", "xx": "No Language"}


def _language_name(code: str, tmdb_name: str) -> str:
    # TMDB gives the native name ("Français"); people type the English one ("French").
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else _TMDB_LANGUAGES.get(code, tmdb_name or code)


class _Catalogue:
    """The ingest's state: entities seen so far, keyed by id, written once at the end."""

    def __init__(self, writer: BulkWriter, show_progress: bool) -> None:
        self.writer = writer
        self.show = show_progress
        self.movie_ids: set[int] = set()
        self.collections: dict[int, tuple[int, str, str | None, str | None]] = {}  # id: (id, name, poster, backdrop)
        self.genres: dict[int, str] = {}
        self.companies: dict[int, str] = {}
        self.countries: dict[str, str] = {}
        self.languages: dict[str, str] = {}
        self.keywords: dict[int, str] = {}
        self.movielens_links: dict[int, int] = {}  # stored as movielenslink at the end
        self.counts: dict[str, int] = {}

    def add(self, table: str, rows: list[TupleT], names: list[str] | None = None) -> None:
        """Writes `rows` (tuples in the order of `names`, default every column) and empties the list."""
        self.writer.insert(table, rows, names)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        rows.clear()

    def load_movies(self, path: Path) -> FileReport:
        report = FileReport(path.name)
        movie_columns = columns("movie")
        movies: list[tuple[object, ...]] = []
        links: dict[str, list[tuple[object, ...]]] = {
            "moviegenre": [], "moviecompany": [], "moviecountry": [], "movielanguage": []
        }
        for row in _progress(md.read_movies(path, report), path.name, self.show):
            movie = row.movie
            if movie["id"] in self.movie_ids:
                report.reject("duplicate id")
                continue
            self.movie_ids.add(movie["id"])
            movie["title_key"] = fold(movie["title"])
            if movie["release_date"] is not None:
                movie["release_date"] = movie["release_date"].isoformat()
            movies.append(tuple(movie[name] for name in movie_columns))
            if row.collection:
                self.collections.setdefault(row.collection[0], row.collection)
            for genre_id, name in row.genres:
                self.genres.setdefault(genre_id, name)
            for name, company_id in row.companies:
                self.companies.setdefault(company_id, name)
            for code, name in row.countries:
                self.countries.setdefault(code, name)
            for code, name in row.languages:
                self.languages.setdefault(code, name)
            if movie["original_language"]:
                self.languages.setdefault(movie["original_language"], "")
            # A set: the source sometimes lists one genre or company twice for a movie.
            links["moviegenre"] += {(movie["id"], g) for g, _ in row.genres}
            links["moviecompany"] += {(movie["id"], c) for _, c in row.companies}
            links["moviecountry"] += {(movie["id"], c) for c, _ in row.countries}
            links["movielanguage"] += {(movie["id"], c) for c, _ in row.languages}
            report.loaded += 1
            if len(movies) >= _BATCH:
                self.add("movie", movies)
        self.add("movie", movies)
        for table, rows in links.items():
            self.add(table, rows)
        return report

    def load_keywords(self, path: Path) -> FileReport:
        report = FileReport(path.name)
        seen: set[int] = set()
        links: list[tuple[object, ...]] = []
        for movie_id, keywords in _progress(md.read_keywords(path, report), path.name, self.show):
            if movie_id not in self.movie_ids:
                report.reject("unknown movie")
                continue
            if movie_id in seen:
                report.reject("duplicate id")
                continue
            seen.add(movie_id)
            for keyword_id, name in keywords:
                self.keywords.setdefault(keyword_id, name)
            links += {(movie_id, keyword_id) for keyword_id, _ in keywords}
            report.loaded += 1
        self.add("moviekeyword", links)
        return report

    def map_links(self, path: Path, report: FileReport) -> dict[int, int]:
        """MovieLens movieId -> catalogue movie id, for the movies the catalogue has."""
        mapping: dict[int, int] = {}
        for movielens_id, tmdb_id in md.read_links(path, report):
            if movielens_id in mapping:
                report.reject("duplicate movieId")
            elif tmdb_id not in self.movie_ids:
                report.reject("unknown movie")
            else:
                mapping[movielens_id] = tmdb_id
                report.loaded += 1
        return mapping

    def load_links(self, path: Path) -> tuple[FileReport, dict[int, int]]:
        """The movies dataset's links, stored (with a ratings source's own) as the movies' MovieLens ids."""
        report = FileReport(path.name)
        mapping = self.map_links(path, report)
        self.movielens_links |= mapping
        return report, mapping

    def load_ratings(self, blocks: Iterable[RatingColumns], report: FileReport, to_movie: dict[int, int]) -> FileReport:
        """Ratings keyed by a source item id, mapped to catalogue movies through `to_movie`; the
        users too, unless a source's own user file came first."""
        written = write_ratings(self.writer, _progress(blocks, report.name, self.show), report, to_movie,
                                add_users="user" not in self.counts)
        self.counts["user"] = self.counts.get("user", 0) + written.users
        self.counts["rating"] = self.counts.get("rating", 0) + written.ratings
        return report

    def write_entities(self) -> None:
        self.add("collection", [(c[0], c[1], fold(c[1]), c[2], c[3]) for c in self.collections.values()])
        self.add("genre", [(i, n, fold(n)) for i, n in self.genres.items()])
        self.add("company", [(i, n, fold(n)) for i, n in self.companies.items()])
        self.add("country", [(c, n, fold(n)) for c, n in self.countries.items()])
        languages = []
        for code, native in self.languages.items():
            name = _language_name(code, native)
            languages.append((code, name, fold(name), native or None))
        self.add("language", languages)
        self.add("keyword", [(i, n, fold(n)) for i, n in self.keywords.items()])
        self.add("movielenslink", list(self.movielens_links.items()), ["movielens_id", "movie_id"])


def _required(directory: Path, name: str) -> Path:
    path = find_file(directory, name)
    if path is None:
        raise IngestError(f"{directory} has no {name} (or {name}.gz); is it The Movies Dataset?")
    return path


def ingest(
    *,
    movies_dataset: Path,
    db_path: Path,
    ratings: RatingsSource = "ratings-small",
    movielens: str | None = None,
    show_progress: bool = True,
    keep_ratings: bool = False,
) -> IngestResult:
    """Builds the catalogue at `db_path`; the previous file stays in place if anything fails.
    `keep_ratings` carries the previous catalogue's live ratings over (data/live_ratings.py)."""
    if not movies_dataset.is_dir():
        raise IngestError(f"{movies_dataset} is not a directory")
    if ratings not in RATINGS_SOURCES:
        raise IngestError(f"unknown ratings source {ratings!r}; choose one of {', '.join(RATINGS_SOURCES)}")
    started = time.perf_counter()
    movies_path = _required(movies_dataset, "movies_metadata.csv")
    links_path = find_file(movies_dataset, "links.csv") or _required(movies_dataset, "links_small.csv")
    credits_path = find_file(movies_dataset, "credits.csv")
    keywords_path = find_file(movies_dataset, "keywords.csv")
    spawn = multiprocessing.get_context("spawn")
    # The outer stack ends after atomic_database's rename: the old catalogue's write lock, taken
    # for a carry-over, is held until the new file has replaced it.
    with contextlib.ExitStack() as lock, atomic_database(db_path) as temporary, ProcessPoolExecutor(1, mp_context=spawn) as pool:
        shard = temporary.with_name(temporary.name + ".credits")
        writer = BulkWriter(temporary)
        try:
            # credits.csv is parsed by a worker process while this one reads the other files.
            credits = pool.submit(build_credits_shard, credits_path, shard, show_progress) if credits_path else None
            catalogue = _Catalogue(writer, show_progress)
            reports = [catalogue.load_movies(movies_path)]
            if keywords_path is not None:
                reports.append(catalogue.load_keywords(keywords_path))
            links_report, movielens_to_movie = catalogue.load_links(links_path)
            reports.append(links_report)
            facts = _load_ratings(catalogue, ratings, movies_dataset, movielens, movielens_to_movie, reports)
            catalogue.write_entities()
            if credits is not None:
                shard_result = credits.result()
                catalogue.counts |= copy_credits_shard(writer, shard, shard_result, catalogue.movie_ids)
                reports.insert(1, shard_result.report)
            if keep_ratings:
                live = lock.enter_context(live_ratings.held(db_path))
                reports.append(live_ratings.carry_over(writer.conn, live, catalogue.movie_ids, ratings))
                catalogue.counts["rating"] = writer.measure(select(func.count().label("n")).select_from(Rating))["n"]
            facts |= {
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "movies_dataset": str(movies_dataset),
                "ratings_source": ratings,
                "files": json.dumps({r.name: {"read": r.read, "loaded": r.loaded, "rejected": dict(r.rejected)} for r in reports}),
                longest_lists.INGEST_INFO_KEY: json.dumps(writer.measure(longest_lists.MEASURED)),
            }
            writer.insert("ingestinfo", list(facts.items()))
            writer.finish([PERSON_MOVIES_FILL, *GROUP_STATS_FILL, MOVIE_FTS_DDL, MOVIE_FTS_FILL])
        except BaseException:
            writer.abort()
            pool.shutdown(cancel_futures=True)
            raise
        finally:
            remove_database_files(shard)
    return IngestResult(db_path, reports, catalogue.counts, time.perf_counter() - started, facts)


def _load_ratings(
    catalogue: _Catalogue,
    source: RatingsSource,
    movies_dataset: Path,
    movielens: str | None,
    movielens_to_movie: dict[int, int],
    reports: list[FileReport],
) -> dict[str, str]:
    """Loads the chosen ratings source; returns facts worth recording (e.g. the link rate)."""
    if source in ("ratings-small", "ratings"):
        # ratings_small.csv and the full ratings.csv of The Movies Dataset: its links.csv's movieIds.
        path = _required(movies_dataset, "ratings_small.csv" if source == "ratings-small" else "ratings.csv")
        report = FileReport(path.name)
        reports.append(catalogue.load_ratings(read_columns(path, report), report, movielens_to_movie))
        return {RATINGS_ID_SPACE: "movielens"}
    return movielens_sources.load(catalogue, source, movielens, reports, movies_dataset=movies_dataset,
                                  movielens_to_movie=movielens_to_movie)
