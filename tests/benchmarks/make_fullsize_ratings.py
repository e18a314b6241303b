"""Build a full-size ratings.csv (The Movies Dataset's: 26,024,289 ratings by 270,896 users) from
ratings_small.csv's real distributions, in the real file's format.

Each replica user takes a real user of ratings_small as its template (drawn uniformly): its
number of ratings is the template's, scaled so the rows add up to `rows` (at least 1, at most
MAX_PER_USER), and each rating is one of the template's (rating, timestamp) pairs drawn at
random, so the star scale per user, the spread of activity and the 1995-2016 timestamps are the
real ones. Movies are drawn by popularity over the movieIds of a links.csv (the source's, or a
full-size catalogue replica's, whose copied movies have fresh movieIds above the real ones) whose
movie the movies_metadata.csv beside it holds, as the real file's almost all are: a
movie of ratings_small weighs its rating count, the others (which the real 26M file also rates)
half a rating, so every catalogue movie can be rated. A user rates a
movie once; draws that repeat one are drawn again. Rows come sorted by userId, then movieId, as
in the real file, written as `userId,movieId,rating,timestamp` with ratings like "4.0".
"""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt

FULL_ROWS = 26_024_289
FULL_USERS = 270_896
MAX_PER_USER = 9_000  # the real file's busiest user has ~9k ratings on the 45k movies it knows
_CHUNK = 1_000_000
Int64Array = npt.NDArray[np.int64]


def _read_small(path: Path) -> tuple[Int64Array, npt.NDArray[np.float64], Int64Array, Int64Array]:
    """ratings_small.csv as (user, rating, timestamp, movieId) columns sorted by user."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    table = np.array(rows, dtype=np.float64)
    order = np.argsort(table[:, 0], kind="stable")
    table = table[order]
    return table[:, 0].astype(np.int64), table[:, 2], table[:, 3].astype(np.int64), table[:, 1].astype(np.int64)


def _catalogue_movie_ids(links: Path) -> Int64Array:
    """The movieIds of `links` whose tmdbId is a movie of the movies_metadata.csv beside it (all of
    them if there is none): the real file rates movies its catalogue holds, and a catalogue replica
    holds only some of the real links' movies."""
    with links.open(newline="", encoding="utf-8") as handle:
        rows = [(row[0], row[2]) for row in list(csv.reader(handle))[1:]]
    metadata = links.with_name("movies_metadata.csv")
    if metadata.is_file():
        with metadata.open(newline="", encoding="utf-8") as handle:
            held = {row["id"] for row in csv.DictReader(handle)}
        rows = [(movie, tmdb) for movie, tmdb in rows if tmdb in held]
    return np.unique(np.array([int(movie) for movie, _ in rows], dtype=np.int64))


def _movie_weights(links: Path, small_movies: Int64Array) -> tuple[Int64Array, npt.NDArray[np.float64]]:
    movie_ids = _catalogue_movie_ids(links)
    counts = np.zeros(len(movie_ids))
    rows = np.searchsorted(movie_ids, small_movies)
    known = (rows < len(movie_ids)) & (movie_ids[np.minimum(rows, len(movie_ids) - 1)] == small_movies)
    np.add.at(counts, rows[known], 1.0)
    weights = np.where(counts > 0, counts, 0.5)
    return movie_ids, weights / weights.sum()


def _user_counts(template_sizes: Int64Array, rows: int) -> Int64Array:
    """Per-user row counts proportional to the templates' that sum to exactly `rows`."""
    scaled: Int64Array = np.clip(np.rint(template_sizes * rows / template_sizes.sum()), 1, MAX_PER_USER).astype(np.int64)
    rng = np.random.default_rng(1)
    while (gap := rows - int(scaled.sum())) != 0:
        room = np.flatnonzero(scaled < MAX_PER_USER) if gap > 0 else np.flatnonzero(scaled > 1)
        picked = rng.choice(room, size=min(abs(gap), len(room)), replace=False)
        scaled[picked] += 1 if gap > 0 else -1
    return scaled


def _distinct_movies(users: Int64Array, movie_ids: Int64Array, p: npt.NDArray[np.float64],
                     rng: np.random.Generator) -> Int64Array:
    """A movie per row, no movie twice for one user (`users` sorted): repeats are drawn again,
    each round checking only the users that had one."""
    movies = rng.choice(len(movie_ids), size=len(users), p=p)
    active = np.arange(len(users))
    while len(active):
        order = np.lexsort((movies[active], users[active]))
        ranked = active[order]
        repeat = (users[ranked[1:]] == users[ranked[:-1]]) & (movies[ranked[1:]] == movies[ranked[:-1]])
        again = ranked[1:][repeat]
        movies[again] = rng.choice(len(movie_ids), size=len(again), p=p)
        active = np.flatnonzero(np.isin(users, np.unique(users[again]))) if len(again) else again
    picked: Int64Array = movie_ids[movies]
    return picked


def _write(handle: TextIO, users: Int64Array, movies: Int64Array, stars: npt.NDArray[np.float64], stamps: Int64Array) -> None:
    handle.write("userId,movieId,rating,timestamp\n")
    for start in range(0, len(users), _CHUNK):
        end = start + _CHUNK
        lines = zip(users[start:end].tolist(), movies[start:end].tolist(), stars[start:end].tolist(), stamps[start:end].tolist(), strict=True)
        handle.write("".join(f"{u},{m},{r:.1f},{s}\n" for u, m, r, s in lines))


def make_fullsize_ratings(src: Path, out: Path, *, rows: int = FULL_ROWS, users: int = FULL_USERS,
                          seed: int = 0, compress: bool = False, links: Path | None = None) -> Path:
    """Writes `out`/ratings.csv (or ratings.csv.gz) from `src`'s ratings_small.csv over the movieIds of
    `links` (default `src`/links.csv); returns its path."""
    rng = np.random.default_rng(seed)
    small_users, small_stars, small_stamps, small_movies = _read_small(src / "ratings_small.csv")
    starts = np.flatnonzero(np.r_[True, small_users[1:] != small_users[:-1]])
    sizes = np.diff(np.r_[starts, len(small_users)])
    templates = rng.integers(0, len(starts), size=users)
    counts = _user_counts(sizes[templates], rows)
    row_users = np.repeat(np.arange(1, users + 1, dtype=np.int64), counts)
    row_templates = np.repeat(templates, counts)
    picks = starts[row_templates] + (rng.random(len(row_users)) * sizes[row_templates]).astype(np.int64)
    movie_ids, p = _movie_weights(links or src / "links.csv", small_movies)
    movies = _distinct_movies(row_users, movie_ids, p, rng)
    order = np.lexsort((movies, row_users))
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("ratings.csv.gz" if compress else "ratings.csv")
    partial = path.with_name(f".{path.name}.tmp")
    with (gzip.open(partial, "wt", compresslevel=1, encoding="utf-8", newline="") if compress
          else partial.open("w", encoding="utf-8", newline="")) as handle:
        _write(handle, row_users[order], movies[order], small_stars[picks][order], small_stamps[picks][order])
    partial.replace(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a full-size ratings.csv replica from ratings_small.csv.")
    parser.add_argument("src", type=Path, help="directory with the real movies-dataset files (ratings_small.csv, links.csv)")
    parser.add_argument("out", type=Path, help="directory to write ratings.csv into (outside the repository: ~700 MB)")
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help=f"ratings (default {FULL_ROWS:,})")
    parser.add_argument("--users", type=int, default=FULL_USERS, help=f"users (default {FULL_USERS:,})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gzip", action="store_true", help="write ratings.csv.gz")
    parser.add_argument("--links", type=Path, help="the links.csv whose movieIds are rated (default: src's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = make_fullsize_ratings(args.src, args.out, rows=args.rows, users=args.users, seed=args.seed, compress=args.gzip, links=args.links)
    print(f"{path}: {args.rows:,} ratings by {args.users:,} users, {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
