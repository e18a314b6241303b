import numpy as np

from ml.ids import IdIndex
from ml.interactions import Ratings, cap_per_user, split_cold_movies, split_per_user


def _ratings() -> Ratings:
    rng = np.random.default_rng(1)
    rows = [(user, movie, float(rng.integers(1, 6))) for user in range(1, 21) for movie in range(100, 100 + 3 * user)]
    return Ratings.from_rows(rows)


def _pairs(ratings: Ratings) -> set[tuple[int, int]]:
    return set(zip(ratings.user_ids.tolist(), ratings.movie_ids.tolist(), strict=True))


def test_per_user_split_holds_out_the_rounded_share_of_each_user() -> None:
    ratings = _ratings()
    train, test = split_per_user(ratings, 0.2, seed=4)
    assert _pairs(train).isdisjoint(_pairs(test)) and _pairs(train) | _pairs(test) == _pairs(ratings)
    for user in range(1, 21):
        n = 3 * user
        assert (test.user_ids == user).sum() == min(round(n * 0.2), n - 1)
    again, _ = split_per_user(ratings, 0.2, seed=4)
    assert _pairs(again) == _pairs(train)


def test_cold_split_moves_every_rating_of_the_held_out_movies() -> None:
    ratings = _ratings()
    train, test, cold = split_cold_movies(ratings, 0.1, seed=2)
    assert len(cold) == round(len(np.unique(ratings.movie_ids)) * 0.1)
    assert set(test.movie_ids.tolist()) == set(cold.tolist())
    assert not np.isin(train.movie_ids, cold).any()
    assert len(train) + len(test) == len(ratings)


def test_matrix_follows_the_index_orders() -> None:
    ratings = Ratings.from_rows([(7, 300, 4.0), (5, 100, 2.5)])
    matrix = ratings.matrix(IdIndex([5, 7]), IdIndex([300, 100, 200]))
    assert matrix.toarray().tolist() == [[0, 2.5, 0], [4.0, 0, 0]]
    assert ratings.matrix(IdIndex([5, 7]), IdIndex([300, 100, 200]), binary=True).sum() == 2


def test_id_index_finds_rows_and_flags_unknown_ids() -> None:
    index = IdIndex([30, 10, 20])
    assert index.rows([20, 99, 30]).tolist() == [2, -1, 0]
    assert index.row(10) == 1 and index.row(11) is None


def test_cap_per_user_keeps_at_most_the_cap_of_each_user_and_every_user() -> None:
    users = np.repeat(np.arange(1, 6, dtype=np.int64), [1, 3, 10, 50, 200])
    ratings = Ratings(users, np.arange(len(users), dtype=np.int64), np.ones(len(users), dtype=np.float32))
    capped = cap_per_user(ratings, 10, seed=3)
    assert dict(zip(*np.unique(capped.user_ids, return_counts=True), strict=True)) == {1: 1, 2: 3, 3: 10, 4: 10, 5: 10}
    # The kept ratings are the user's own, and the same seed keeps the same ones.
    assert set(capped.movie_ids[capped.user_ids == 4].tolist()) <= set(range(14, 64))
    assert np.array_equal(cap_per_user(ratings, 10, seed=3).movie_ids, capped.movie_ids)
    assert cap_per_user(ratings, None, seed=3) is ratings


def test_concatenate_joins_ratings_in_order() -> None:
    parts = [Ratings.from_rows([(1, 10, 4.0), (2, 11, 3.5)]), Ratings.from_rows([(3, 12, 1.0)])]
    joined = Ratings.concatenate(parts)
    assert joined.user_ids.tolist() == [1, 2, 3] and joined.movie_ids.tolist() == [10, 11, 12]
    assert joined.values.tolist() == [4.0, 3.5, 1.0] and len(Ratings.concatenate([])) == 0
