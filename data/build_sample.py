"""Builds data/sample/: the real movies that have credits in ../shared/data, in the original formats.

Run `python -m data.build_sample ../shared/data/movies-dataset`. Rows are copied unchanged
(re-quoted the way pandas wrote the originals); files are gzipped with a fixed timestamp so a
re-run gives identical bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from data.readers._common import open_text

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"


def _rows(path: Path) -> Iterator[list[str]]:
    with open_text(path) as handle:
        yield from csv.reader(handle)


def _write(target: Path, rows: Iterator[list[str]], keep: Callable[[list[str]], bool]) -> int:
    """Writes the header and the kept rows gzipped; returns the number of data rows kept."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(next(rows))
    kept = 0
    for row in rows:
        if keep(row):
            writer.writerow(row)
            kept += 1
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(buffer.getvalue().encode("utf-8"))
    return kept


def build_sample(source: Path, target: Path = SAMPLE_DIR) -> dict[str, int]:
    """Writes the sample files into `target`; returns rows kept per file."""
    target.mkdir(parents=True, exist_ok=True)
    metadata_ids = {row[5] for row in _rows(source / "movies_metadata.csv")}
    movie_ids = {row[2] for row in _rows(source / "credits.csv")} & metadata_ids
    seen: set[str] = set()

    def first_metadata_row(row: list[str]) -> bool:
        # The original repeats a few ids; the sample keeps one row per movie.
        if row[5] in movie_ids and row[5] not in seen:
            seen.add(row[5])
            return True
        return False

    links = {row[0]: row[2] for row in list(_rows(source / "links.csv"))[1:]}
    movielens_ids = {ml for ml, tmdb in links.items() if tmdb in movie_ids}
    return {
        "movies_metadata.csv": _write(target / "movies_metadata.csv.gz", _rows(source / "movies_metadata.csv"), first_metadata_row),
        "credits.csv": _write(target / "credits.csv.gz", _rows(source / "credits.csv"), lambda r: r[2] in movie_ids),
        "keywords.csv": _write(target / "keywords.csv.gz", _rows(source / "keywords.csv"), lambda r: r[0] in movie_ids),
        "links.csv": _write(target / "links.csv.gz", _rows(source / "links.csv"), lambda r: r[0] in movielens_ids),
        "ratings_small.csv": _write(target / "ratings_small.csv.gz", _rows(source / "ratings_small.csv"), lambda r: r[1] in movielens_ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="The Movies Dataset directory (../shared/data/movies-dataset)")
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args()
    for name, kept in build_sample(args.source, args.out).items():
        print(f"{name}: {kept:,} rows")


if __name__ == "__main__":
    main()
