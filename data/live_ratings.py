"""Live ratings in and out of a catalogue: the CSV of `moviegraph ratings export|import` and the
carry-over of `moviegraph ingest --keep-ratings`.

Live ratings are the current ratings of every user the API has changed (a user stamped in
`ratingchange`): for them the catalogue, not the raw files, holds the truth, deletions included,
so a carry-over replaces such a user's ratings from the source with their stored ones. Movies are
keyed by catalogue movie id (the TMDB id `Movie.tmdbId` reports), which every ingest keeps, and users by
catalogue user id (what `rateMovie(user:)` takes).

The CSV is `user,movie,rating,timestamp` (unix seconds). An import checks every row (ids, the
star scale, a known movie, one rating per user and movie), counts the rejected ones by reason and
stores the others in one transaction, stamping their users as the API's writer does, so a
running server folds them in at its next request.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ClauseElement, bindparam, delete, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import col

from data.domain import MAX_ID, is_stars, parse_id
from data.errors import BadInput, IngestError
from data.files import fsync_directory
from data.readers._common import FileReport
from data.tables import RATING_CHANGES_PRESENT, IngestInfo, Movie, Rating, RatingChange, User

HEADER = ("user", "movie", "rating", "timestamp")
# An import is read whole before its one transaction: these bound its memory and the time it
# holds the catalogue's write lock (a million rows take a few seconds).
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_IMPORT_ROWS = 1_000_000
STAMP_STEP = 1e-6  # seconds: the least a change stamp exceeds the one before (representable near 2e9)
BUSY_TIMEOUT_SECONDS = 5.0  # wait out a server's write (the API's writer waits as long for ours)

_DIALECT = sqlite_dialect.dialect(paramstyle="named")


def _sql(statement: ClauseElement) -> str:
    return str(statement.compile(dialect=_DIALECT))


_STAMPED_RATINGS = _sql(
    select(col(Rating.user_id), col(Rating.movie_id), col(Rating.rating), col(Rating.timestamp))
    .join(RatingChange, col(RatingChange.user_id) == col(Rating.user_id))
    .order_by(col(Rating.user_id), col(Rating.movie_id))
)
_ALL_RATINGS = _sql(
    select(col(Rating.user_id), col(Rating.movie_id), col(Rating.rating), col(Rating.timestamp))
    .order_by(col(Rating.user_id), col(Rating.movie_id))
)
_STAMPS = _sql(select(col(RatingChange.user_id), col(RatingChange.changed_at)))
_NEWEST_STAMP = _sql(select(func.max(RatingChange.changed_at)))
_MOVIE_IDS = _sql(select(col(Movie.id)))
_RATINGS_SOURCE = _sql(select(col(IngestInfo.value)).where(col(IngestInfo.key) == bindparam("key")))
_ADD_USER = _sql(insert(User).values(id=bindparam("user")).on_conflict_do_nothing())
_DROP_USER_RATINGS = _sql(delete(Rating).where(col(Rating.user_id) == bindparam("user")))
_rating = insert(Rating).values(user_id=bindparam("user"), movie_id=bindparam("movie"), rating=bindparam("rating"),
                                timestamp=bindparam("timestamp"))
_UPSERT_RATING = _sql(_rating.on_conflict_do_update(
    index_elements=["user_id", "movie_id"], set_={"rating": _rating.excluded.rating, "timestamp": _rating.excluded.timestamp}))
_stamp = insert(RatingChange).values(user_id=bindparam("user"), changed_at=bindparam("changed_at"))
_STAMP = _sql(_stamp.on_conflict_do_update(index_elements=["user_id"], set_={"changed_at": _stamp.excluded.changed_at}))


def next_stamp(newest: float | None, now: float) -> float:
    """A change stamp: now, but never at or below the newest one (a clock stepped back), so stamps
    follow commit order and a training snapshot's newest stamp says exactly which changes it holds."""
    return max(now, (newest or 0.0) + STAMP_STEP)


@dataclass(frozen=True)
class StoredRating:
    user: int
    movie: int
    rating: float
    timestamp: int

    def params(self) -> dict[str, Any]:
        return {"user": self.user, "movie": self.movie, "rating": self.rating, "timestamp": self.timestamp}


@dataclass(frozen=True)
class LiveRatings:
    """What a catalogue holds of the API's users: their ratings and change stamps."""

    ratings: tuple[StoredRating, ...]
    stamps: dict[int, float]
    ratings_source: str | None  # ingestinfo's: user ids mean something only within one source

    @classmethod
    def none(cls) -> LiveRatings:
        return cls((), {}, None)


def _connect(db_path: Path, *, writable: bool) -> sqlite3.Connection:
    if not db_path.is_file():
        raise IngestError(f"no catalogue at {db_path}; build one with `moviegraph ingest` (or --db PATH)")
    mode = "rw" if writable else "ro"
    return sqlite3.connect(f"{db_path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None,
                           timeout=BUSY_TIMEOUT_SECONDS)


def _has_stamps(connection: sqlite3.Connection) -> bool:
    # A catalogue built before live ratings existed has no `ratingchange` table, hence no live ratings.
    return connection.execute(RATING_CHANGES_PRESENT).fetchone() is not None


def _read(connection: sqlite3.Connection) -> LiveRatings:
    if not _has_stamps(connection):
        return LiveRatings.none()
    ratings = tuple(StoredRating(*row) for row in connection.execute(_STAMPED_RATINGS))
    stamps = dict(connection.execute(_STAMPS).fetchall())
    source = connection.execute(_RATINGS_SOURCE, {"key": "ratings_source"}).fetchone()
    return LiveRatings(ratings, stamps, source[0] if source else None)


@contextlib.contextmanager
def held(db_path: Path) -> Iterator[LiveRatings]:
    """The catalogue's live ratings, with its write lock held until the block ends: a re-ingest
    keeps it across its rename, so no rating acknowledged in between is left in the old file
    (the API's writer waits, then refuses, and after the rename refuses until a restart)."""
    if not db_path.is_file():
        yield LiveRatings.none()
        return
    with contextlib.closing(_connect(db_path, writable=True)) as connection:
        try:
            connection.execute("BEGIN IMMEDIATE")
            live = _read(connection)
        except sqlite3.Error as exc:
            raise IngestError(f"cannot read the live ratings of {db_path} to carry them over ({exc}); "
                              "retry when its writers are idle, or ingest without --keep-ratings") from None
        try:
            yield live
        finally:
            # The rename has removed the old file's -wal and -shm by now; closing drops the lock either way.
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")


def carry_over(connection: sqlite3.Connection, live: LiveRatings, movie_ids: set[int], ratings_source: str) -> FileReport:
    """Writes `live` into a catalogue being built (inside its open transaction): each live user's
    ratings replace the source's, those of movies no longer in the catalogue are counted apart."""
    report = FileReport("live ratings")
    if live.stamps and live.ratings_source not in (None, ratings_source):
        raise IngestError(f"--keep-ratings: the catalogue's ratings came from {live.ratings_source}, this ingest's from "
                          f"{ratings_source}, and user ids differ between them; export the ratings you need "
                          "(`moviegraph ratings export`) and ingest without --keep-ratings")
    users = [{"user": user} for user in sorted(live.stamps)]
    connection.executemany(_ADD_USER, users)
    connection.executemany(_DROP_USER_RATINGS, users)
    kept = []
    for rating in live.ratings:
        report.read += 1
        if rating.movie in movie_ids:
            kept.append(rating.params())
        else:
            report.reject("movie not in the catalogue")
    connection.executemany(_UPSERT_RATING, kept)
    connection.executemany(_STAMP, [{"user": user, "changed_at": stamp} for user, stamp in live.stamps.items()])
    report.loaded = len(kept)
    return report


@contextlib.contextmanager
def _catalogue_errors(db_path: Path) -> Iterator[None]:
    # A file that is not a catalogue, a read-only folder, a full disk: said in one line, not a traceback.
    try:
        yield
    except sqlite3.Error as exc:
        raise IngestError(f"cannot use the catalogue at {db_path}: {exc}") from None


def export(db_path: Path, out: Path, *, everything: bool = False) -> int:
    """Writes the live ratings (every rating with `everything`) to `out` as CSV; returns the count.
    Written to a temporary file and renamed, so `out` is whole or untouched."""
    with _catalogue_errors(db_path), contextlib.closing(_connect(db_path, writable=False)) as connection:
        if everything:
            rows: Sequence[StoredRating] = [StoredRating(*row) for row in connection.execute(_ALL_RATINGS)]
        else:
            rows = _read(connection).ratings
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows((r.user, r.movie, repr(r.rating), r.timestamp) for r in rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
        fsync_directory(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    return len(rows)


def _parse_row(row: list[str], movie_ids: set[int]) -> StoredRating | str:
    """The row's rating, or the reason it is rejected."""
    if len(row) != len(HEADER):
        return "wrong number of columns"
    user_text, movie_text, rating_text, timestamp_text = (field.strip() for field in row)
    try:
        user, movie = parse_id(user_text, "user"), parse_id(movie_text, "movie")
    except BadInput:
        return "bad id"
    if movie not in movie_ids:
        return "movie not in the catalogue"
    try:
        rating = float(rating_text)
    except ValueError:
        return "bad rating"
    if not is_stars(rating):
        return "bad rating"
    if not (timestamp_text.isascii() and timestamp_text.isdigit() and len(timestamp_text) <= 19 and int(timestamp_text) <= MAX_ID):
        return "bad timestamp"
    return StoredRating(user, movie, rating, int(timestamp_text))


def _read_file(path: Path, movie_ids: set[int], report: FileReport) -> list[StoredRating]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_IMPORT_BYTES:
        raise IngestError(f"{path} has {size:,} bytes, over the import limit of {MAX_IMPORT_BYTES:,}; split it")
    rows: dict[tuple[int, int], StoredRating] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(name.strip() for name in header) != HEADER:
                raise IngestError(f"{path} must start with the header {','.join(HEADER)} (as `moviegraph ratings export` writes)")
            for row in reader:
                report.read += 1
                if report.read > MAX_IMPORT_ROWS:
                    raise IngestError(f"{path} has more than {MAX_IMPORT_ROWS:,} rows, the import limit; split it")
                parsed = _parse_row(row, movie_ids)
                if isinstance(parsed, str):
                    report.reject(parsed)
                elif (parsed.user, parsed.movie) in rows:
                    report.reject("duplicate rating")
                else:
                    rows[(parsed.user, parsed.movie)] = parsed
    except UnicodeDecodeError:
        raise IngestError(f"{path} is not UTF-8 text") from None
    except csv.Error as exc:
        raise IngestError(f"{path} is not CSV ({exc}, row {report.read})") from None
    return list(rows.values())


def import_file(db_path: Path, path: Path) -> FileReport:
    """Stores the valid rows of `path` (replacing a user's rating of the same movie) in one
    transaction; nothing is stored if the file is refused as a whole (header, size, encoding)."""
    report = FileReport(path.name)
    with _catalogue_errors(db_path), contextlib.closing(_connect(db_path, writable=True)) as connection:
        if not _has_stamps(connection):
            raise IngestError(f"{db_path} predates live ratings (no ratingchange table); start `moviegraph serve` on it once, "
                              "or ingest it again")
        movie_ids = {movie for (movie,) in connection.execute(_MOVIE_IDS)}
        ratings = _read_file(path, movie_ids, report)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise IngestError(f"cannot lock {db_path} to store ratings ({exc}); retry when its writers are idle") from None
        try:
            (newest,) = connection.execute(_NEWEST_STAMP).fetchone()
            stamp = next_stamp(newest, time.time())
            users = [{"user": user} for user in sorted({r.user for r in ratings})]
            connection.executemany(_ADD_USER, users)
            connection.executemany(_UPSERT_RATING, [r.params() for r in ratings])
            connection.executemany(_STAMP, [user | {"changed_at": stamp} for user in users])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    report.loaded = len(ratings)
    return report
