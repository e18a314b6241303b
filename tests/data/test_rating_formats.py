"""The ratings files of The Movies Dataset and the MovieLens releases, read by the block reader and
ingested: on the real files where ../shared/data has them (ratings_small, ml-latest-small), and on
small files each test writes in a release's exact format (ml-1m, ml-10m, ml-20m and later, the full
ratings.csv). Expected rows are computed here with the csv module and plain dicts."""

from __future__ import annotations

import csv
import gzip
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from data.errors import IngestError
from data.ingest import RatingsSource, ingest
from data.readers import movielens_dat as dat
from data.readers import movies_dataset as md
from data.readers._common import FileReport
from data.readers.ratings_columns import read_columns
from tests.conftest import SAMPLE

Rating = tuple[int, int, float, int]
# movieId -> TMDB id of four sample movies (the sample's links.csv), and a title only movies.dat gives.
LINKED = {1: 862, 2: 8844, 6: 949, 7: 11860}
JUMANJI = 8844  # "Jumanji (1995)": the one sample movie of that title and year


def _fast(path: Path, **options: object) -> tuple[list[Rating], FileReport]:
    report = FileReport(path.name)
    rows: list[Rating] = []
    for block in read_columns(path, report, **options):  # type: ignore[arg-type]
        rows += zip(block.users.tolist(), block.items.tolist(), block.ratings.tolist(), block.stamps.tolist(), strict=True)
    return rows, report


def _plain(path: Path) -> list[Rating]:
    with open(path, newline="") as handle:
        return [(int(r["userId"]), int(r["movieId"]), float(r["rating"]), int(r["timestamp"])) for r in csv.DictReader(handle)]


def _db_ratings(db: Path) -> dict[tuple[int, int], tuple[float, int]]:
    with closing(sqlite3.connect(db)) as conn:
        return {(u, m): (r, t) for u, m, r, t in conn.execute("SELECT user_id, movie_id, rating, timestamp FROM rating")}


def _facts(db: Path) -> dict[str, str]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT key, value FROM ingestinfo"))


def _sample_copy(folder: Path) -> Path:
    """The shipped sample as a movies-dataset directory the test may add files to."""
    target = folder / "movies-dataset"
    shutil.copytree(SAMPLE, target)
    return target


# --- the block reader on real files -----------------------------------------------------------------


@pytest.mark.parametrize("relative", ["movies-dataset/ratings_small.csv", "ml-latest-small/ratings.csv"])
def test_block_reader_reads_real_ratings_as_the_row_reader_does(shared_data: Path, relative: str) -> None:
    path = shared_data / relative
    if not path.is_file():
        pytest.skip(f"../shared/data has no {relative}")
    rows, report = _fast(path)
    slow_report = FileReport(path.name)
    assert rows == list(md.read_ratings(path, slow_report)) == _plain(path)
    assert (report.read, dict(report.rejected)) == (slow_report.read, {}) == (len(rows), {})


def test_block_reader_reads_gzip_and_small_blocks_alike(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_data / "movies-dataset" / "ratings_small.csv"
    if not path.is_file():
        pytest.skip("../shared/data has no ratings_small.csv")
    packed = tmp_path / "ratings.csv.gz"
    with open(path, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    # Blocks of 64 KB: lines cut at every block edge must come back whole.
    monkeypatch.setattr("data.readers.ratings_columns.BLOCK_BYTES", 1 << 16)
    assert _fast(packed)[0] == _plain(path)
    assert len(_fast(packed)[0]) == 100_004


def test_block_reader_rejects_messy_rows_with_their_reasons(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(
        "userId,movieId,rating,timestamp\n"
        "1,10,4.0,1000\n"
        "1,11,4.5,1001,extra\n"  # wrong number of columns
        "1,12,five,1002\n"  # not a rating
        "x,13,3.0,1003\n"  # not an id
        "1,14,5.5,1004\n"  # off the scale
        "1,15,3.25,1005\n"  # not a half star
        "1,16.5,3.0,1006\n"  # not an integer id
        "\n"
        "2,10,0.5,1007\n"
    )
    rows, report = _fast(path)
    assert rows == [(1, 10, 4.0, 1000), (2, 10, 0.5, 1007)]
    assert report.read == 8
    assert dict(report.rejected) == {"wrong number of columns": 1, "rating not in 0.5..5 by 0.5": 3, "bad id or timestamp": 2}


def test_block_reader_refuses_a_file_without_the_ratings_header(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("movieId,userId,rating,timestamp\n1,10,4.0,1000\n")
    with pytest.raises(IngestError, match="header"):
        _fast(path)


# --- ml-1m and ml-10m: "::"-separated ---------------------------------------------------------------


def _write_dat_release(folder: Path, ratings: list[str], *, encoding: str) -> None:
    folder.mkdir(parents=True)
    movies = ["1::Toy Story (1995)::Animation|Children's|Comedy", "2::Jumanji (1995)::Adventure|Children's|Fantasy",
              "6::Heat (1995)::Action|Crime|Thriller", "900001::Jumanji (1995)::Adventure",
              "800000::Café Inexistant (1901)::Drama", "bad line"]
    (folder / "movies.dat").write_bytes(("\n".join(movies) + "\n").encode(encoding))
    (folder / "ratings.dat").write_text("\n".join(ratings) + "\n")


def test_movies_dat_reads_latin1_and_utf8(tmp_path: Path) -> None:
    for encoding in ("latin-1", "utf-8"):
        folder = tmp_path / encoding
        _write_dat_release(folder, [], encoding=encoding)
        report = FileReport("movies.dat")
        movies = list(dat.read_movies(folder / "movies.dat", report))
        assert [(m.id, m.title, m.year) for m in movies][3:] == [(900001, "Jumanji", 1995), (800000, "Café Inexistant", 1901)]
        assert movies[0].genres == ("Animation", "Children's", "Comedy")
        assert (report.read, dict(report.rejected)) == (6, {"wrong number of fields": 1})


@pytest.mark.parametrize(("source", "directory", "stars", "encoding"), [
    ("ml-1m", "ml-1m", ("5", "3", "4", "2"), "latin-1"),
    ("ml-10m", "ml-10M100K", ("4.5", "3", "3.5", "0.5"), "utf-8"),
])
def test_dat_release_links_by_movieid_then_title(
    tmp_path: Path, source: RatingsSource, directory: str, stars: tuple[str, ...], encoding: str
) -> None:
    movies_dataset = _sample_copy(tmp_path)
    ratings = [
        f"1::1::{stars[0]}::978300760",
        f"1::2::{stars[1]}::978300100",  # Jumanji by movieId ...
        f"1::900001::{stars[2]}::978300200",  # ... and by title, newer: this one stays
        f"2::6::{stars[3]}::978300300",
        "2::800000::4::978300400",  # not in the catalogue
        "3::7::6::978300500",  # off the scale
    ]
    _write_dat_release(tmp_path / directory, ratings, encoding=encoding)
    db = tmp_path / "c.sqlite3"
    # Found by its official directory name beside the movies dataset.
    result = ingest(movies_dataset=movies_dataset, db_path=db, ratings=source, show_progress=False)
    assert _db_ratings(db) == {
        (1, 862): (float(stars[0]), 978300760), (1, JUMANJI): (float(stars[2]), 978300200), (2, 949): (float(stars[3]), 978300300),
    }
    reports = {r.name: r for r in result.reports}
    movies_report, ratings_report = reports[f"{source}/movies.dat"], reports[f"{source}/ratings.dat"]
    assert (movies_report.read, movies_report.loaded, dict(movies_report.rejected)) == (
        6, 4, {"wrong number of fields": 1, "movie not in the catalogue": 1}
    )
    assert (ratings_report.read, ratings_report.loaded, dict(ratings_report.rejected)) == (
        6, 3, {"movie not in the catalogue": 1, "rating not in 0.5..5 by 0.5": 1, "duplicate rating": 1}
    )
    facts = _facts(db)
    assert facts["ratings_id_space"] == "movielens"
    assert (facts[f"{source}_movies_linked"], facts[f"{source}_movies_linked_by_title"]) == ("4", "1")
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT movie_id FROM movielenslink WHERE movielens_id = 900001").fetchone() == (JUMANJI,)
        assert sorted(u for (u,) in conn.execute("SELECT id FROM user")) == [1, 2]


# --- ml-20m and later, and the full ratings.csv: CSV with a header -----------------------------------


def test_csv_release_maps_through_its_own_links(tmp_path: Path) -> None:
    movies_dataset = _sample_copy(tmp_path)
    release = tmp_path / "ml-25m"
    release.mkdir()
    # The release's links.csv (movieId,imdbId,tmdbId) decides: 6 names Sabrina's TMDB id here.
    (release / "links.csv").write_text("movieId,imdbId,tmdbId\n1,0114709,862\n2,0113497,8844\n6,0113277,11860\n9,0000009,\n")
    ratings = "userId,movieId,rating,timestamp\n1,1,4.0,1147880044\n1,6,3.5,1147868817\n2,2,0.5,1147868828\n2,9,5.0,1\n"
    with gzip.open(release / "ratings.csv.gz", "wt") as handle:
        handle.write(ratings)
    db = tmp_path / "c.sqlite3"
    result = ingest(movies_dataset=movies_dataset, db_path=db, ratings="ml-25m", movielens=str(release), show_progress=False)
    assert _db_ratings(db) == {(1, 862): (4.0, 1147880044), (1, 11860): (3.5, 1147868817), (2, 8844): (0.5, 1147868828)}
    reports = {r.name: r for r in result.reports}
    assert dict(reports["ml-25m/links.csv"].rejected) == {"no tmdbId": 1}
    assert (reports["ml-25m/ratings.csv.gz"].loaded, dict(reports["ml-25m/ratings.csv.gz"].rejected)) == (3, {"movie not in the catalogue": 1})
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT movie_id FROM movielenslink WHERE movielens_id = 6").fetchone() == (11860,)


def test_missing_release_directory_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="ml-32m"):
        ingest(movies_dataset=_sample_copy(tmp_path), db_path=tmp_path / "c.sqlite3", ratings="ml-32m", show_progress=False)


def test_full_ratings_source_reads_ratings_csv_of_the_movies_dataset(shared_data: Path, tmp_path: Path) -> None:
    """`--ratings ratings` on ratings_small.csv's rows under the full file's name gives the ratings-small catalogue."""
    real = shared_data / "movies-dataset"
    if not (real / "ratings_small.csv").is_file():
        pytest.skip("../shared/data has no movies-dataset")
    folder = tmp_path / "movies-dataset"
    folder.mkdir()
    for path in real.iterdir():
        (folder / path.name).symlink_to(path)
    with open(real / "ratings_small.csv", "rb") as source, gzip.open(folder / "ratings.csv.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    full = ingest(movies_dataset=folder, db_path=tmp_path / "full.sqlite3", ratings="ratings", show_progress=False)
    small = ingest(movies_dataset=real, db_path=tmp_path / "small.sqlite3", show_progress=False)
    assert _db_ratings(tmp_path / "full.sqlite3") == _db_ratings(tmp_path / "small.sqlite3")
    # Independently: ratings_small's rows whose movieId links.csv maps to a loaded movie, the newest per pair.
    with open(real / "links.csv", newline="") as handle:
        links = {int(r["movieId"]): int(r["tmdbId"]) for r in csv.DictReader(handle) if r["tmdbId"]}
    with closing(sqlite3.connect(tmp_path / "full.sqlite3")) as conn:
        movie_ids = {m for (m,) in conn.execute("SELECT id FROM movie")}
    expected: dict[tuple[int, int], tuple[float, int]] = {}
    for user, item, rating, stamp in _plain(real / "ratings_small.csv"):
        movie = links.get(item, 0)
        if movie in movie_ids and ((user, movie) not in expected or stamp > expected[(user, movie)][1]):
            expected[(user, movie)] = (rating, stamp)
    assert _db_ratings(tmp_path / "full.sqlite3") == expected
    report = next(r for r in full.reports if r.name == "ratings.csv.gz")
    assert report.read == 100_004 and report.loaded == len(expected) == small.counts["rating"]
    assert int(np.sum(list(report.rejected.values()))) == 100_004 - len(expected)
