"""Properties of rateMovie and deleteRating with any ids and any floats: a valid rating (0.5-5.0 in
half stars, a positive integer user, a catalogue movie) is stored exactly, read back with sqlite3;
anything else is refused with BAD_USER_INPUT or NOT_FOUND and stores nothing; rating then deleting
leaves the table as it was; deleting a rating that is not there answers false (an unknown movie:
NOT_FOUND, as for rateMovie). On a copy of the sample catalogue, through the whole app in-process."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.fuzz.conftest import EXAMPLES, Answer, ask, budget
from tests.fuzz.ids import any_ids, unknown_ids, worst_kind

RATE = (
    "mutation($user: ID!, $movie: ID!, $rating: Float!) "
    "{ rateMovie(user: $user, movie: $movie, rating: $rating) { user { userId } rating ratedAt movie { tmdbId } } }"
)
DELETE = "mutation($user: ID!, $movie: ID!) { deleteRating(user: $user, movie: $movie) }"

STARS = st.integers(1, 10).map(lambda halves: halves / 2)
RATINGS = st.one_of(
    STARS,
    st.sampled_from([0.0, -0.0, 0.25, 0.4999999, 2.25, 5.000001, 5.5, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf]),
    st.floats(),
    st.integers(-3, 8),  # JSON integers: GraphQL's Float takes them
)


def is_star_rating(value: float) -> bool:
    return math.isfinite(value) and 0.5 <= value <= 5.0 and float(value * 2).is_integer()


@dataclass(frozen=True)
class Snapshot:
    ratings: dict[tuple[int, int], float]  # (user, movie) -> stars
    users: set[int]

    @classmethod
    def read(cls, db_path: Path) -> Snapshot:
        with contextlib.closing(sqlite3.connect(db_path)) as db:
            ratings = {(user, movie): stars for user, movie, stars in db.execute("SELECT user_id, movie_id, rating FROM rating")}
            return cls(ratings, {user for (user,) in db.execute("SELECT id FROM user")})

    def without(self, user: int, movie: int) -> Snapshot:
        return Snapshot({key: stars for key, stars in self.ratings.items() if key != (user, movie)}, self.users)


@dataclass(frozen=True)
class Catalogue:
    movies: set[int]
    users: set[int]  # users with ratings


@pytest.fixture(scope="module")
def catalogue(app_db: Path) -> Catalogue:
    snapshot = Snapshot.read(app_db)
    with contextlib.closing(sqlite3.connect(app_db)) as db:
        movies = {movie for (movie,) in db.execute("SELECT id FROM movie")}
    return Catalogue(movies, {user for user, _ in snapshot.ratings})


def expected_refusals(user: str, movie: str, catalogue: Catalogue) -> set[str]:
    """The error codes the contract allows for these ids; none when it requires the request to be carried out.
    Borderline ids may be refused too (see tests/fuzz/ids.py)."""
    kind = worst_kind([user, movie])
    if kind == "malformed":
        return {"BAD_USER_INPUT"}
    return {"NOT_FOUND"} if kind == "canonical" and int(movie) not in catalogue.movies else set()


def assert_refused(answer: Answer, allowed: set[str], before: Snapshot, after: Snapshot) -> None:
    assert answer.data is None and answer.codes and answer.codes <= allowed, answer.errors
    assert after == before, "a refused request changed the ratings"


@pytest.mark.parametrize("examples", EXAMPLES)
def test_rate_movie_stores_valid_ratings_exactly_and_refuses_the_rest(
    client: TestClient, app_db: Path, catalogue: Catalogue, examples: int
) -> None:
    @budget(examples)
    @given(user=any_ids(catalogue.users), movie=any_ids(catalogue.movies), rating=RATINGS)
    def stores_or_refuses(user: str, movie: str, rating: float) -> None:
        before, started = Snapshot.read(app_db), time.time()
        answer = ask(client, RATE, user=user, movie=movie, rating=rating)
        after = Snapshot.read(app_db)
        refusals = expected_refusals(user, movie, catalogue) | (set() if is_star_rating(rating) else {"BAD_USER_INPUT"})
        if refusals or (worst_kind([user, movie]) == "borderline" and answer.errors):
            assert_refused(answer, refusals or {"BAD_USER_INPUT", "NOT_FOUND"}, before, after)
            return
        assert not answer.errors, answer.errors
        user_id, movie_id = int(user), int(movie)
        stored = answer.data["rateMovie"]
        assert (stored["user"]["userId"], stored["movie"]["tmdbId"], stored["rating"]) == (user_id, movie_id, float(rating))
        rated_at = dt.datetime.fromisoformat(stored["ratedAt"]).timestamp()
        assert math.floor(started) <= rated_at <= time.time()
        assert after == Snapshot({**before.ratings, (user_id, movie_id): float(rating)}, before.users | {user_id})

    stores_or_refuses()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_rate_then_delete_leaves_the_ratings_as_they_were(
    client: TestClient, app_db: Path, catalogue: Catalogue, examples: int
) -> None:
    @budget(examples)
    @given(user=st.one_of(st.sampled_from(sorted(catalogue.users)), unknown_ids(catalogue.users).map(int)),
           movie=st.sampled_from(sorted(catalogue.movies)), rating=STARS)
    def restores(user: int, movie: int, rating: float) -> None:
        before = Snapshot.read(app_db)
        assert not ask(client, RATE, user=str(user), movie=str(movie), rating=rating).errors
        assert ask(client, DELETE, user=str(user), movie=str(movie)).data == {"deleteRating": True}
        # The pair's earlier rating, if it had one, is gone too; a new user's row stays.
        expected = Snapshot(before.without(user, movie).ratings, before.users | {user})
        assert Snapshot.read(app_db) == expected
        assert ask(client, DELETE, user=str(user), movie=str(movie)).data == {"deleteRating": False}
        assert Snapshot.read(app_db) == expected

    restores()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_delete_rating_removes_only_an_existing_rating_and_refuses_bad_ids(
    client: TestClient, app_db: Path, catalogue: Catalogue, examples: int
) -> None:
    @budget(examples)
    @given(user=any_ids(catalogue.users), movie=any_ids(catalogue.movies))
    def deletes_or_refuses(user: str, movie: str) -> None:
        before = Snapshot.read(app_db)
        answer = ask(client, DELETE, user=user, movie=movie)
        after = Snapshot.read(app_db)
        refusals = expected_refusals(user, movie, catalogue)
        if refusals or (worst_kind([user, movie]) == "borderline" and answer.errors):
            assert_refused(answer, refusals or {"BAD_USER_INPUT", "NOT_FOUND"}, before, after)
            return
        key = (int(user), int(movie))
        assert answer.data == {"deleteRating": key in before.ratings}, answer.errors
        assert after == before.without(*key)

    deletes_or_refuses()
