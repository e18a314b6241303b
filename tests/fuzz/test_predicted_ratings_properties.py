"""Property: predictedRatings(user, items) with any ids at all answers either the ratings the scorer
gives (one per item, 1-5 stars, in the order asked) or a BAD_USER_INPUT / NOT_FOUND error; never
an internal error. On the sample catalogue and model, through the whole app in-process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from ml.scoring import Scorer
from tests.fuzz.conftest import EXAMPLES, Answer, ask, budget
from tests.fuzz.ids import any_ids, worst_kind

QUERY = "query($user: ID!, $items: [ID!]!) { predictedRatings(user: $user, items: $items) { rating movie { tmdbId } } }"
MAX_ITEMS = 1_000  # the contract's bound on items per request


def check_ratings(answer: Answer, scorer: Scorer, user: str, items: list[str]) -> None:
    """The answer is the scorer's ratings of `items` for `user`, read as integers, in their order."""
    assert not answer.errors, answer.errors
    got = answer.data["predictedRatings"]
    assert [rating["movie"]["tmdbId"] for rating in got] == [int(item) for item in items]
    expected = scorer.predict_ratings(scorer.user(int(user)), [int(item) for item in items]).tolist()
    # Answered to 2 decimals (data/domain.py): within half a step of the scorer's, and on the step.
    assert [rating["rating"] for rating in got] == pytest.approx(expected, abs=0.005 + 1e-6)
    assert all(rating["rating"] == round(rating["rating"], 2) for rating in got)
    assert all(1 <= rating["rating"] <= 5 for rating in got)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_predicted_ratings_take_or_refuse_any_ids(client: TestClient, app_db: Path, sample_model: Path, examples: int) -> None:
    with sqlite3.connect(app_db) as db:
        movies = {movie for (movie,) in db.execute("SELECT id FROM movie")}
        users = sorted(user for (user,) in db.execute("SELECT DISTINCT user_id FROM rating"))
    scorer = Scorer.load(sample_model, db_path=app_db)
    known_movie = st.sampled_from(sorted(movies)).map(str)
    user_ids = st.one_of(st.sampled_from(users).map(str), any_ids(set(users)))
    item_lists = st.one_of(
        st.lists(known_movie, max_size=30),  # all valid, duplicates included
        st.lists(any_ids(movies), max_size=30),
        st.tuples(known_movie, st.sampled_from([MAX_ITEMS, MAX_ITEMS + 1])).map(lambda pair: [pair[0]] * pair[1]),
    )

    @budget(examples)
    @given(user=user_ids, items=item_lists)
    def answers_or_refuses(user: str, items: list[str]) -> None:
        answer = ask(client, QUERY, user=user, items=items)
        kind = worst_kind([user, *items])
        if len(items) > MAX_ITEMS or kind == "malformed":
            assert answer.codes == {"BAD_USER_INPUT"}, answer.errors
        elif kind == "canonical":
            unknown = {item for item in items if int(item) not in movies}
            if unknown:
                assert answer.codes == {"NOT_FOUND"} and set(answer.errors[0]["extensions"]["ids"]) == unknown
            else:
                check_ratings(answer, scorer, user, items)
        elif answer.errors:
            assert answer.codes <= {"BAD_USER_INPUT", "NOT_FOUND"}, answer.errors
        else:
            check_ratings(answer, scorer, user, items)

    answers_or_refuses()

