"""Build a full-size Movies Dataset, in the original files' exact formats, by replicating real rows.

Copy 0 is the source movies_metadata.csv unchanged (cut to `movies` rows if longer); copies 1, 2, ...
repeat its well-formed integer-id rows with id + k * OFFSET (OFFSET a power of ten above every real
id) and a fresh imdb_id 'tt9NNNNNN', so the source's duplicate ids recur in proportion. Seeded
overwrites in the copies bring the extra copies of an id up to the original's 30, and when the
source has no shifted rows, 3 are made as in the original: a movie broken into two records inside
its unquoted overview, the second record 9 columns left so its `id` is the release date.
Credits and keywords rows follow the movie rows in order, movie i taking the text of real row
i mod n under its id; the 475 real credits rows are richer than average, so credits.csv comes out
larger than the original's 190 MB. links.csv is the real file plus fresh MovieLens ids for the
copies' movies; links_small.csv and ratings_small.csv are copied unchanged.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

ORIGINAL_MOVIES = 45_466
EXTRA_ID_COPIES = 30  # rows minus distinct ids in the original movies_metadata.csv
SHIFTED_MOVIES = 3
_INT = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An overview csv writes unquoted, split before its last word as the original's broken rows are.
_SPLITTABLE = re.compile(r'([^,"\r\n]*[^,"\s])( [^,"\r\n]*[^,"\s])')


@dataclass(frozen=True)
class FullsizeCounts:
    movies: int  # records in movies_metadata.csv, the shifted halves counted apart as pandas does
    loadable_movies: int  # distinct integer ids: the movies an ingest should load
    credits: int
    cast: int
    crew: int
    keywords: int
    credits_bytes: int


@contextmanager
def _atomic(path: Path) -> Iterator[TextIO]:
    """Write `path` through a hidden sibling that replaces it only once complete."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as f:
            yield f
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        header, *rows = csv.reader(f)
    return header, rows


def _copy(src: Path, out: Path) -> None:
    with src.open(newline="", encoding="utf-8") as f, _atomic(out) as g:
        shutil.copyfileobj(f, g)


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


def _int_id(row: list[str], id_col: int) -> str | None:
    return row[id_col] if len(row) > id_col and _INT.fullmatch(row[id_col]) else None


def _replicate_movies(
    header: list[str], rows: list[list[str]], movies: int, rng: random.Random
) -> tuple[list[list[str]], int]:
    """The replica's movie records and the id offset of copy 1."""
    id_col, imdb_col = header.index("id"), header.index("imdb_id")
    overview_col, date_col = header.index("overview"), header.index("release_date")
    good = [r for r in rows if len(r) == len(header) and _int_id(r, id_col)]
    offset = 10 ** len(str(max(int(r[id_col]) for r in good)))
    has_shifted = any(len(r) > id_col and _DATE.fullmatch(r[id_col]) for r in rows)
    whole_copy = movies - SHIFTED_MOVIES >= len(rows) + len(good)
    n_shift = SHIFTED_MOVIES if whole_copy and not has_shifted else 0
    base = movies - n_shift
    out = rows[:base]
    imdb: dict[str, str] = {}
    k = 0
    while len(out) < base:
        k += 1
        for r in good[: base - len(out)]:
            new_id = str(int(r[id_col]) + k * offset)
            fresh = imdb.setdefault(new_id, f"tt9{len(imdb):06d}") if r[imdb_col] else ""
            out.append([*r[:id_col], new_id, fresh, *r[imdb_col + 1 :]])

    seen = Counter(i for r in out if (i := _int_id(r, id_col)))
    single = [p for p in range(len(rows), len(out)) if seen[out[p][id_col]] == 1]
    shiftable = {
        p: m.groups()
        for p in single
        if out[p][date_col] and (m := _SPLITTABLE.fullmatch(out[p][overview_col]))
    }
    shifted = {p: shiftable[p] for p in rng.sample(sorted(shiftable), n_shift)}
    extra = max(0, EXTRA_ID_COPIES - (seen.total() - len(seen))) if single else 0
    pairs = rng.sample([p for p in single if p not in shifted], 2 * extra)
    for target, source in zip(pairs[::2], pairs[1::2], strict=True):
        out[target] = out[source]

    result: list[list[str]] = []
    for p, r in enumerate(out):
        if p in shifted:
            head, tail = shifted[p]
            result += [[*r[:overview_col], head], [tail, *r[overview_col + 1 :]]]
        else:
            result.append(r)
    return result, offset


def make_fullsize(src: Path, out: Path, movies: int = ORIGINAL_MOVIES, seed: int = 0) -> FullsizeCounts:
    """Write the replica into `out` (created if missing) and count what it holds."""
    out.mkdir(parents=True, exist_ok=True)
    header, rows = _read(src / "movies_metadata.csv")
    records, offset = _replicate_movies(header, rows, movies, random.Random(seed))
    with _atomic(out / "movies_metadata.csv") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(records)
    id_col, imdb_col = header.index("id"), header.index("imdb_id")
    ids = [movie_id for movie_id in (_int_id(r, id_col) for r in records) if movie_id]

    credits_header, credits = _read(src / "credits.csv")
    prefixes = [_csv_line([cast, crew, ""]) for cast, crew, _ in credits]  # "cast,crew," awaiting the id
    with _atomic(out / "credits.csv") as f:
        f.write(_csv_line(credits_header) + "\n")
        for i, movie_id in enumerate(ids):
            f.write(f"{prefixes[i % len(prefixes)]}{movie_id}\n")
    rounds, rest = divmod(len(ids), len(credits))
    uses = [rounds + (j < rest) for j in range(len(credits))]
    cast = sum(u * len(ast.literal_eval(r[0])) for u, r in zip(uses, credits, strict=True) if u)
    crew = sum(u * len(ast.literal_eval(r[1])) for u, r in zip(uses, credits, strict=True) if u)

    keywords_header, keywords = _read(src / "keywords.csv")
    with _atomic(out / "keywords.csv") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(keywords_header)
        writer.writerows([movie_id, keywords[i % len(keywords)][1]] for i, movie_id in enumerate(ids))

    _, links = _read(src / "links.csv")
    next_movielens = max(int(r[0]) for r in links) + 1
    linked: set[str] = set()
    with (src / "links.csv").open(newline="", encoding="utf-8") as f, _atomic(out / "links.csv") as g:
        shutil.copyfileobj(f, g)
        writer = csv.writer(g, lineterminator="\r\n")
        for r in records:  # copies' movies without an imdb_id get no link, as MovieLens could not match them
            replica_id = _int_id(r, id_col)
            if replica_id and int(replica_id) >= offset and r[imdb_col] and replica_id not in linked:
                linked.add(replica_id)
                writer.writerow([next_movielens, r[imdb_col].removeprefix("tt"), replica_id])
                next_movielens += 1
    for name in ("links_small.csv", "ratings_small.csv"):
        _copy(src / name, out / name)

    return FullsizeCounts(
        movies=len(records),
        loadable_movies=len(set(ids)),
        credits=len(ids),
        cast=cast,
        crew=crew,
        keywords=len(ids),
        credits_bytes=(out / "credits.csv").stat().st_size,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a full-size Movies Dataset replica.")
    parser.add_argument("src", type=Path, help="directory with the real movies-dataset files")
    parser.add_argument("out", type=Path, help="directory to write the replica into")
    parser.add_argument("--movies", type=int, default=ORIGINAL_MOVIES, help="movies_metadata.csv rows")
    parser.add_argument("--seed", type=int, default=0, help="seeds the added duplicate and shifted rows")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = make_fullsize(args.src, args.out, args.movies, args.seed)
    for name, value in asdict(counts).items():
        print(f"{name}: {value:,}")
    print(f"seconds: {time.perf_counter() - start:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
