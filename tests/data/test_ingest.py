import csv
import hashlib
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from data import ingest as ingest_module
from data.errors import IngestError
from data.ingest import IngestResult, ingest
from tests import raw
from tests.conftest import SAMPLE


class RawCounts:
    """What the ingest must load, computed from the raw files with csv + ast.literal_eval."""

    def __init__(self, folder: Path) -> None:
        self.movies = raw.movies(folder)
        movies = self.movies.values()
        self.genre_links = sum(len({g["id"] for g in m["genres"]}) for m in movies)
        self.companies = len({c["id"] for m in movies for c in m["production_companies"]})
        self.collections = len({m["belongs_to_collection"]["id"] for m in movies if m["belongs_to_collection"]})
        credits = raw.credits(folder).values()
        self.cast = sum(len(cast) for cast, _ in credits)
        self.crew = sum(len(crew) for _, crew in credits)
        self.people = len({p["id"] for cast, crew in credits for p in cast + crew})
        links: dict[int, int] = {}
        for row in raw.rows(folder / "links.csv"):
            if row["tmdbId"] and int(row["tmdbId"]) in self.movies:
                links[int(row["movieId"])] = int(row["tmdbId"])
        rated = Counter((r["userId"], links[int(r["movieId"])]) for r in raw.rows(folder / "ratings_small.csv") if int(r["movieId"]) in links)
        self.ratings = len(rated)
        self.users = len({user for user, _ in rated})


@pytest.fixture(scope="module")
def real(real_catalogue: tuple[IngestResult, Path]) -> tuple[IngestResult, sqlite3.Connection]:
    result, path = real_catalogue
    return result, sqlite3.connect(path)


@pytest.fixture(scope="module")
def counts(shared_data: Path) -> RawCounts:
    return RawCounts(shared_data / "movies-dataset")


def _count(db: sqlite3.Connection, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def test_counts_equal_counts_from_the_raw_files(real: tuple[IngestResult, sqlite3.Connection], counts: RawCounts) -> None:
    _, db = real
    assert _count(db, "SELECT count(*) FROM movie") == len(counts.movies) == 7020
    assert _count(db, "SELECT count(*) FROM moviegenre") == counts.genre_links
    assert _count(db, "SELECT count(*) FROM company") == counts.companies
    assert _count(db, "SELECT count(*) FROM collection") == counts.collections
    assert _count(db, 'SELECT count(*) FROM "cast"') == counts.cast
    assert _count(db, "SELECT count(*) FROM crew") == counts.crew
    assert _count(db, "SELECT count(*) FROM person") == counts.people
    assert _count(db, "SELECT count(*) FROM rating") == counts.ratings
    assert _count(db, 'SELECT count(*) FROM "user"') == counts.users


def test_every_row_is_accounted_for(real: tuple[IngestResult, sqlite3.Connection]) -> None:
    result, _ = real
    by_file = {report.name: report for report in result.reports}
    for report in result.reports:
        assert report.read == report.loaded + sum(report.rejected.values())
    assert by_file["movies_metadata.csv"].rejected == {"duplicate id": 1}
    assert by_file["credits.csv"].rejected == {"unknown movie": 1}  # 29952 has no metadata row
    assert by_file["ratings_small.csv"].read == 100_004


def test_toy_story_comes_out_right(real: tuple[IngestResult, sqlite3.Connection]) -> None:
    _, db = real
    title, runtime, released, collection = db.execute(
        "SELECT m.title, m.runtime, m.release_date, c.name FROM movie m JOIN collection c ON c.id = m.collection_id WHERE m.id = 862"
    ).fetchone()
    assert (title, runtime, released, collection) == ("Toy Story", 81.0, "1995-10-30", "Toy Story Collection")
    companies = db.execute("SELECT c.name FROM moviecompany mc JOIN company c ON c.id = mc.company_id WHERE mc.movie_id = 862").fetchall()
    assert companies == [("Pixar Animation Studios",)]
    directors = db.execute("SELECT p.name FROM crew JOIN person p ON p.id = crew.person_id WHERE movie_id = 862 AND job = 'Director'").fetchall()
    assert directors == [("John Lasseter",)]
    top_billed = db.execute(
        'SELECT p.name FROM "cast" c JOIN person p ON p.id = c.person_id WHERE movie_id = 862 ORDER BY "order" LIMIT 1'
    ).fetchone()
    assert top_billed == ("Tom Hanks",)
    assert db.execute("SELECT movielens_id FROM movielenslink WHERE movie_id = 862").fetchall() == [(1,)]


def test_unknown_budget_is_null_not_zero(real: tuple[IngestResult, sqlite3.Connection], counts: RawCounts) -> None:
    _, db = real
    zero_budget = sum(1 for m in counts.movies.values() if float(m["budget"]) == 0)
    assert _count(db, "SELECT count(*) FROM movie WHERE budget IS NULL") == zero_budget
    assert _count(db, "SELECT count(*) FROM movie WHERE budget = 0") == 0


def test_title_search_ignores_case_accents_and_takes_prefixes(real: tuple[IngestResult, sqlite3.Connection]) -> None:
    _, db = real
    found = {title for (title,) in db.execute("SELECT title FROM movie_fts WHERE movie_fts MATCH 'matri*'")}
    assert "The Matrix" in found
    accented = db.execute("SELECT title FROM movie WHERE title LIKE '%é%' LIMIT 1").fetchone()[0]
    plain = accented.replace("é", "E").upper().split()[0]
    assert accented in {t for (t,) in db.execute("SELECT title FROM movie_fts WHERE movie_fts MATCH ?", (f'"{plain}"',))}


def _crafted_dataset(source: Path, folder: Path) -> None:
    """A copy of three real movies plus one crafted bad row per rejection reason."""
    folder.mkdir()
    with open(source / "movies_metadata.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        good = [next(reader) for _ in range(3)]
    col = {name: i for i, name in enumerate(header)}

    def variant(**changes: str) -> list[str]:
        row = list(good[0])
        for name, value in changes.items():
            row[col[name]] = value
        return row

    shifted = good[1][:]
    shifted.insert(col["id"], "1997-08-20")
    shifted.pop()
    bad_rows = [
        shifted,  # id is a date, columns moved by one
        good[2],  # duplicate id
        variant(id="900001", genres="[{'id': 16, 'name': 'Anim"),  # malformed literal
        variant(id="900002", budget="lots"),
        variant(id="900003", title=""),
        variant(id="900004", release_date="1995-13-45"),
        variant(id="900005")[:-2],  # truncated row
    ]
    with open(folder / "movies_metadata.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *good, *bad_rows])
    for name in ("credits.csv", "keywords.csv", "links.csv", "ratings_small.csv"):
        shutil.copy(source / name, folder / name)
    with open(folder / "ratings_small.csv", "a", encoding="utf-8") as handle:
        handle.write("1,1,7.0,1260759144\n1,1,x,1\n")


def test_crafted_bad_rows_are_rejected_with_their_reason(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "crafted"
    _crafted_dataset(shared_data / "movies-dataset", folder)
    result = ingest(movies_dataset=folder, db_path=tmp_path / "db.sqlite3", show_progress=False)
    movies = result.reports[0]
    assert movies.loaded == 3
    assert movies.rejected == {
        "id is not a positive integer": 1,
        "duplicate id": 1,
        "malformed genres": 1,
        "bad budget": 1,
        "missing title": 1,
        "bad release_date": 1,
        "wrong number of columns": 1,
    }
    ratings = result.reports[-1]
    assert ratings.rejected["rating not in 0.5..5 by 0.5"] == 2


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_ingest_leaves_the_old_database_intact(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "catalogue.sqlite3"
    ingest(movies_dataset=SAMPLE, db_path=db, show_progress=False)
    before = _digest(db)

    def fail_half_way(self: object, path: Path) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest_module._Catalogue, "load_keywords", fail_half_way)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(movies_dataset=SAMPLE, db_path=db, show_progress=False)
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogue.sqlite3"]
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_missing_or_wrong_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not a directory"):
        ingest(movies_dataset=tmp_path / "nope", db_path=tmp_path / "db.sqlite3", show_progress=False)
    with pytest.raises(IngestError, match=r"no movies_metadata\.csv"):
        ingest(movies_dataset=tmp_path, db_path=tmp_path / "db.sqlite3", show_progress=False)
    assert not (tmp_path / "db.sqlite3").exists()
