"""Live ratings survive a re-ingest (`ingest --keep-ratings`) and travel as CSV (`ratings
export|import`): what is stored is read back with sqlite3 and through the API."""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.settings import Settings
from data import live_ratings
from data.errors import IngestError
from data.live_ratings import LiveRatings, StoredRating
from tests.conftest import SAMPLE, copy_catalogue
from tests.schema.conftest import post

NEW_USER = 7000001
DATASET_USER = 48  # a ratings_small user of the sample, with 17 ratings (Jumanji among them)
GONE = 8844  # Jumanji: left out of the second ingest's movies_metadata.csv
RATE = "mutation($user: ID!, $movie: ID!, $rating: Float!) { rateMovie(user: $user, movie: $movie, rating: $rating) { rating } }"
DELETE = "mutation($user: ID!, $movie: ID!) { deleteRating(user: $user, movie: $movie) }"
RATINGS = "query($user: ID!) { ratings(user: $user, first: 100) { totalCount edges { node { rating movie { title } } } } }"


def _rows(db: Path, user: int) -> dict[int, tuple[float, int]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT movie_id, rating, timestamp FROM rating WHERE user_id = ?", (user,))
        return {movie: (rating, stamp) for movie, rating, stamp in rows}


def _stamps(db: Path) -> dict[int, float]:
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("SELECT user_id, changed_at FROM ratingchange").fetchall())


def _titles(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("SELECT id, title FROM movie").fetchall())


def _ok(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    body = post(client, query, variables)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Any]:
    clients: list[TestClient] = []

    def open_client(db: Path) -> TestClient:
        client = TestClient(create_app(Settings(db_path=db, model_dir=tmp_path / "no-model")))
        clients.append(client.__enter__())
        return client

    yield open_client
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def catalogue(sample_db: Path, tmp_path: Path) -> Path:
    return copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")


@pytest.fixture
def sample_without_jumanji(tmp_path: Path) -> Path:
    """data/sample with Jumanji's movies_metadata row left out (its other rows stay, and are rejected as unknown)."""
    folder = tmp_path / "sample-without-jumanji"
    shutil.copytree(SAMPLE, folder)
    with gzip.open(SAMPLE / "movies_metadata.csv.gz", "rt", newline="", encoding="utf-8") as source:
        rows = list(csv.reader(source))
    id_column = rows[0].index("id")
    kept = [row for row in rows if row[id_column] != str(GONE)]
    assert len(kept) == len(rows) - 1
    with gzip.open(folder / "movies_metadata.csv.gz", "wt", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows(kept)
    return folder


def _rate_some(client: TestClient, db: Path) -> None:
    """A new user rates three movies, Jumanji among them; a dataset user deletes one rating and adds one."""
    for movie, rating in ((862, 4.5), (GONE, 3.0), (949, 2.5)):
        assert _ok(client, RATE, user=str(NEW_USER), movie=str(movie), rating=rating)["rateMovie"] == {"rating": rating}
    own = sorted(_rows(db, DATASET_USER))
    unrated = next(movie for movie in sorted(_titles(db)) if movie not in own)
    assert _ok(client, DELETE, user=str(DATASET_USER), movie=str(own[0]))["deleteRating"] is True
    assert _ok(client, RATE, user=str(DATASET_USER), movie=str(unrated), rating=5.0)["rateMovie"] == {"rating": 5.0}


def test_keep_ratings_carries_live_ratings_over_and_counts_the_gone_ones(
    catalogue: Path, sample_without_jumanji: Path, client_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _rate_some(client_for(catalogue), catalogue)
    before = {user: _rows(catalogue, user) for user in (NEW_USER, DATASET_USER)}
    stamps = _stamps(catalogue)
    assert set(stamps) == {NEW_USER, DATASET_USER} and len(before[NEW_USER]) == 3
    gone = sum(GONE in rows for rows in before.values())

    main(["ingest", "--movies-dataset", str(sample_without_jumanji), "--db", str(catalogue), "--keep-ratings", "--quiet"])
    live_read = sum(len(rows) for rows in before.values())
    assert (f"live ratings: {live_read:,} read, {live_read - gone:,} loaded, {gone:,} rejected ({gone:,} movie not in the catalogue)"
            in capsys.readouterr().out)

    # The same ratings, with their timestamps, but the gone movie's; the users' change stamps too.
    for user, rows in before.items():
        assert _rows(catalogue, user) == {movie: value for movie, value in rows.items() if movie != GONE}
    assert _stamps(catalogue) == stamps
    titles = _titles(catalogue)
    assert GONE not in titles
    client = client_for(catalogue)
    for user, rows in before.items():
        answer = _ok(client, RATINGS, user=str(user))["ratings"]
        assert answer["totalCount"] == len(rows) - (GONE in rows)
        shown = sorted((edge["node"]["movie"]["title"], edge["node"]["rating"]) for edge in answer["edges"])
        assert shown == sorted((titles[movie], rating) for movie, (rating, _) in rows.items() if movie != GONE)


def test_an_ingest_without_keep_ratings_drops_them(catalogue: Path, client_for: Any) -> None:
    _rate_some(client_for(catalogue), catalogue)
    main(["ingest", "--movies-dataset", str(SAMPLE), "--db", str(catalogue), "--quiet"])
    assert _rows(catalogue, NEW_USER) == {} and _stamps(catalogue) == {}


def test_export_then_import_round_trips_the_live_ratings(catalogue: Path, sample_db: Path, tmp_path: Path, client_for: Any) -> None:
    _rate_some(client_for(catalogue), catalogue)
    out = tmp_path / "out" / "ratings.csv"
    main(["ratings", "export", "--out", str(out), "--db", str(catalogue)])
    with out.open(newline="") as handle:
        exported = list(csv.reader(handle))
    assert exported[0] == ["user", "movie", "rating", "timestamp"]
    expected = sorted([str(user), str(movie), repr(rating), str(stamp)]
                      for user in (NEW_USER, DATASET_USER) for movie, (rating, stamp) in _rows(catalogue, user).items())
    assert sorted(exported[1:]) == expected

    fresh = copy_catalogue(sample_db, tmp_path / "fresh.sqlite3")
    dataset_before = _rows(fresh, DATASET_USER)
    report = live_ratings.import_file(fresh, out)
    assert (report.read, report.loaded, dict(report.rejected)) == (len(expected), len(expected), {})
    # Imported ratings replace the user's ratings of the same movies; their others stay.
    assert _rows(fresh, NEW_USER) == _rows(catalogue, NEW_USER)
    assert _rows(fresh, DATASET_USER) == dataset_before | _rows(catalogue, DATASET_USER)
    assert set(_stamps(fresh)) == {NEW_USER, DATASET_USER}


def test_export_all_writes_every_rating(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert live_ratings.export(sample_db, out) == 0
    assert live_ratings.export(sample_db, out, everything=True) == 14_246  # ratings_small.csv.gz's rows on the sample's movies
    with out.open() as handle:
        assert sum(1 for _ in handle) == 14_246 + 1


def test_import_rejects_bad_rows_by_reason_and_stores_the_others(
    catalogue: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(
        "user,movie,rating,timestamp\n"
        f"{NEW_USER},862,4.5,1700000000\n"
        f"{NEW_USER},863,4.0,1700000000\n"  # Toy Story 2 is not in the sample
        f"{NEW_USER},949,5.5,1700000000\n"
        f"{NEW_USER},949,good,1700000000\n"
        f"-1,949,3.0,1700000000\n"
        f"{NEW_USER},949,3.0,yesterday\n"
        f"{NEW_USER},862,1.0,1700000001\n"  # the same user and movie again
        f"{NEW_USER},949\n"
    )
    main(["ratings", "import", str(path), "--db", str(catalogue)])
    assert capsys.readouterr().out.splitlines() == [
        ("ratings.csv: 8 read, 1 loaded, 7 rejected (2 bad rating, 1 movie not in the catalogue, 1 bad id, 1 bad timestamp, "
         f"1 duplicate rating, 1 wrong number of columns); stored in {catalogue}")
    ]
    assert _rows(catalogue, NEW_USER) == {862: (4.5, 1_700_000_000)}
    assert set(_stamps(catalogue)) == {NEW_USER}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("movie,user,rating,timestamp\n1,862,4.0,0\n", "must start with the header user,movie,rating,timestamp"),
        ("", "must start with the header"),
        ("user,movie,rating,timestamp\n" + "7000001,862,4.0,0\n" * 3, "more than 2 rows, the import limit"),
        (b"user,movie,rating,timestamp\n7000001,862,4.0,0\n\xff\n", "is not UTF-8 text"),
    ],
)
def test_a_file_refused_whole_stores_nothing(
    catalogue: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    monkeypatch.setattr(live_ratings, "MAX_IMPORT_ROWS", 2)
    path = tmp_path / "ratings.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SystemExit) as exit_info:
        main(["ratings", "import", str(path), "--db", str(catalogue)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("IngestError: ") and message in err
    assert _rows(catalogue, NEW_USER) == {} and _stamps(catalogue) == {}


def test_keep_ratings_refuses_live_ratings_of_another_ratings_source(tmp_path: Path) -> None:
    live = LiveRatings((StoredRating(NEW_USER, 862, 4.0, 0),), {NEW_USER: 1.0}, "ml-100k")
    with sqlite3.connect(tmp_path / "x.sqlite3") as connection, pytest.raises(IngestError, match="user ids differ"):
        live_ratings.carry_over(connection, live, {862}, "ratings-small")


def _locked(connection: sqlite3.Connection) -> bool:
    """Whether `connection` is refused the write lock (within its 50 ms busy timeout)."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    connection.execute("ROLLBACK")
    return False


def test_the_old_catalogue_stays_locked_until_the_new_one_replaces_it(
    catalogue: Path, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rating written between reading the live ratings and the rename would be acknowledged into
    # the old file and lost: a connection opened before the ingest, as the API's writer is, must
    # find the old catalogue locked right up to the rename.
    _rate_some(client_for(catalogue), catalogue)
    at_rename: list[bool] = []
    real_replace = os.replace
    with contextlib.closing(sqlite3.connect(catalogue, timeout=0.05, isolation_level=None)) as writer:
        assert not _locked(writer)

        def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
            if Path(target) == catalogue:
                at_rename.append(_locked(writer))
            real_replace(source, target)

        monkeypatch.setattr("data.database.os.replace", replace)
        main(["ingest", "--movies-dataset", str(SAMPLE), "--db", str(catalogue), "--keep-ratings", "--quiet"])
        assert at_rename == [True]
        assert not _locked(writer)  # released once the new file is in place
    assert len(_rows(catalogue, NEW_USER)) == 3


def test_a_file_that_is_not_a_catalogue_is_said_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_a_catalogue = tmp_path / "notes.sqlite3"
    not_a_catalogue.write_text("not a database")
    for argv in (["ratings", "export", "--out", str(tmp_path / "r.csv")], ["ratings", "import", str(not_a_catalogue)]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--db", str(not_a_catalogue)])
        assert exit_info.value.code == 1
        assert capsys.readouterr().err.startswith(f"IngestError: cannot use the catalogue at {not_a_catalogue}: file is not a database")
    assert not (tmp_path / "r.csv").exists()
