import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from data.errors import BadInput, NotFound
from ml import artifact
from ml.model import FORMAT_VERSION
from ml.scoring import Scorer
from ml.training import TrainingResult, TrainingSet


@pytest.fixture(scope="module")
def scorer(tmp_path_factory: pytest.TempPathFactory, trained: TrainingResult, sample_db: Path) -> Scorer:
    model_dir = tmp_path_factory.mktemp("scoring") / "model"
    artifact.save(trained.model, model_dir)
    return Scorer.load(model_dir, db_path=sample_db)


def _user(sample_set: TrainingSet, nth: int = 0) -> int:
    return int(np.unique(sample_set.ratings.user_ids)[nth])


# Alternative test implementation: float64 scores of every movie, argsort, filter, cut.
def reference_recommend(trained: TrainingResult, user_id: int, k: int, exclude: set[int], allowed: np.ndarray | None) -> list[int]:
    model = trained.model
    row = int(np.flatnonzero(model.user_ids == user_id)[0])
    scores = model.item_vectors.astype(np.float64) @ model.user_vectors[row].astype(np.float64) + model.item_biases
    ranked = [int(model.movie_ids[i]) for i in np.argsort(-scores, kind="stable")]
    keep = set(model.movie_ids[allowed].tolist()) if allowed is not None else set(model.movie_ids.tolist())
    return [m for m in ranked if m not in exclude and m in keep][:k]


@pytest.mark.parametrize("nth", [0, 7, 100])
def test_recommend_matches_a_full_argsort(scorer: Scorer, trained: TrainingResult, sample_set: TrainingSet, nth: int) -> None:
    user = _user(sample_set, nth)
    rng = np.random.default_rng(nth)
    allowed = rng.random(len(scorer.movie_ids)) < 0.6
    exclude = set(rng.choice(scorer.movie_ids, 50).tolist()) | {123456789}
    for k, ex, mask in ((10, set(), None), (25, exclude, None), (10, exclude, allowed)):
        result = scorer.recommend(scorer.user(user), k, exclude=ex, allowed=mask)
        assert result.personalized
        assert [r.movie_id for r in result.items] == reference_recommend(trained, user, k, ex, mask)
        assert all(a.score >= b.score for a, b in itertools.pairwise(result.items))
        ratings = scorer.predict_ratings(scorer.user(user), [r.movie_id for r in result.items])
        assert np.allclose([r.predicted_rating for r in result.items], ratings)


def test_recommend_returns_fewer_when_few_movies_are_allowed(scorer: Scorer, sample_set: TrainingSet) -> None:
    allowed = np.zeros(len(scorer.movie_ids), dtype=bool)
    allowed[[3, 9]] = True
    result = scorer.recommend(scorer.user(_user(sample_set)), 10, allowed=allowed)
    assert sorted(r.movie_id for r in result.items) == sorted(scorer.movie_ids[[3, 9]].tolist())


def test_an_unknown_user_gets_the_most_rated_movies(scorer: Scorer, trained: TrainingResult, sample_set: TrainingSet) -> None:
    result = scorer.recommend(scorer.user(-1), 5)
    assert not result.personalized
    counts = Counter(sample_set.ratings.movie_ids.tolist())
    assert [r.score for r in result.items] == sorted(counts.values(), reverse=True)[:5]
    assert all(counts[r.movie_id] == r.score for r in result.items)
    head, rows = trained.model.head, [int(np.flatnonzero(trained.model.movie_ids == r.movie_id)[0]) for r in result.items]
    assert np.allclose([r.predicted_rating for r in result.items], np.clip(head.mu + head.item_bias[rows], 1, 5))


def test_predict_ratings_follow_the_order_asked_and_the_head_formula(scorer: Scorer, trained: TrainingResult, sample_set: TrainingSet) -> None:
    model, user = trained.model, _user(sample_set, 3)
    movie_ids = [int(m) for m in model.movie_ids[[40, 2, 300, 2]]]
    ratings = scorer.predict_ratings(scorer.user(user), movie_ids)
    u, rows = int(np.flatnonzero(model.user_ids == user)[0]), [40, 2, 300, 2]
    unit = model.item_vectors[rows] / np.linalg.norm(model.item_vectors[rows], axis=1, keepdims=True)
    expected = model.head.mu + model.head.user_bias[u] + model.head.item_bias[rows] + unit @ model.head.user_weights[u]
    assert ratings.dtype == np.float32 and ratings.shape == (4,)
    assert np.allclose(ratings, np.clip(expected, 1, 5), atol=1e-5)
    assert ratings[1] == ratings[3]


def test_unknown_movies_raise_not_found_listing_them(scorer: Scorer, sample_set: TrainingSet) -> None:
    known = int(scorer.movie_ids[0])
    with pytest.raises(NotFound, match="unknown movie ids: 999999991, 999999992") as info:
        scorer.predict_ratings(scorer.user(_user(sample_set)), [999999991, known, 999999992, 999999991])
    assert info.value.ids == ["999999991", "999999992"]
    with pytest.raises(NotFound):
        scorer.similar(999999991)


# Alternative test implementation: cosine of every pair with the query, float64, full sort.
def test_similar_matches_a_full_cosine_sort(scorer: Scorer, trained: TrainingResult) -> None:
    vectors = trained.model.item_vectors.astype(np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    for row in (0, 17, 250):
        cosine = vectors @ vectors[row] / np.where(norms > 0, norms, 1) / norms[row]
        cosine[row] = -np.inf
        expected = [int(trained.model.movie_ids[i]) for i in np.argsort(-cosine, kind="stable")[:10]]
        result = scorer.similar(int(trained.model.movie_ids[row]), 10)
        assert [s.movie_id for s in result] == expected
        assert np.allclose([s.score for s in result], np.sort(cosine)[::-1][:10], atol=1e-5)


def test_similar_answers_for_every_catalogue_movie(scorer: Scorer, trained: TrainingResult) -> None:
    has_vector = np.abs(trained.model.item_vectors).sum(axis=1) > 0
    for movie_id, vector in zip(scorer.movie_ids.tolist(), has_vector, strict=True):
        assert len(scorer.similar(movie_id, 5)) == (5 if vector else 0)


def test_fold_in_reproduces_a_trained_user_and_serves_a_new_one(scorer: Scorer, trained: TrainingResult, sample_set: TrainingSet) -> None:
    user = _user(sample_set, 5)
    mine = sample_set.ratings.user_ids == user
    pairs = list(zip(sample_set.ratings.movie_ids[mine].tolist(), sample_set.ratings.values[mine].tolist(), strict=True))
    refolded = scorer.user(user, pairs)  # as if their ratings changed after training: re-solved
    some = scorer.movie_ids[:20].tolist()
    assert np.allclose(scorer.predict_ratings(refolded, some), scorer.predict_ratings(scorer.user(user), some), atol=1e-4)
    loved = int(scorer.movie_ids[0])
    fan = scorer.visitor([loved])  # one 5-star like
    assert scorer.predict_ratings(fan, [loved])[0] > scorer.predict_ratings(scorer.user(-1), [loved])[0]
    with pytest.raises(BadInput):
        scorer.fold_in([(loved, 7.0)])


def test_bad_arguments_are_refused(scorer: Scorer, sample_set: TrainingSet) -> None:
    with pytest.raises(BadInput, match="k must be at least 1"):
        scorer.recommend(scorer.user(_user(sample_set)), 0)
    with pytest.raises(BadInput, match="allowed must be a bool array"):
        scorer.recommend(scorer.user(_user(sample_set)), 5, allowed=np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="read-only"):
        scorer.movie_ids[0] = 1


def test_model_info_reports_version_time_and_metrics(scorer: Scorer, trained: TrainingResult) -> None:
    info = scorer.model_info
    assert info.version == FORMAT_VERSION and info.trained_at == trained.model.manifest["created_at"]
    assert info.metrics["best_epoch"] == trained.best_epoch


# Alternative test implementation: float64 cosines, one movie at a time, a plain sort.
def test_nearest_rated_matches_a_per_movie_sort(scorer: Scorer, trained: TrainingResult) -> None:
    model = trained.model
    unit = model.item_vectors.astype(np.float64)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(3)
    rated = rng.choice(model.movie_ids, 40, replace=False).tolist()
    targets = [*rng.choice(model.movie_ids, 12, replace=False).tolist(), rated[0], 424242424]
    got = scorer.nearest_rated(targets, [*rated, 424242425], 4)
    row = {int(m): i for i, m in enumerate(model.movie_ids)}
    for target, nearest in zip(targets, got, strict=True):
        if target not in row:
            assert nearest == []
            continue
        pulls = sorted(((-(unit[row[m]] @ unit[row[target]]), i, m) for i, m in enumerate(rated) if m != target))
        assert nearest == [m for pull, _, m in pulls if -pull > 1e-6][:4]
    assert rated[0] not in got[-2]  # a rated movie never explains itself


def test_similar_users_match_a_full_cosine_sort(scorer: Scorer, trained: TrainingResult) -> None:
    model = trained.model
    unit = model.user_vectors.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    user = int(model.user_ids[5])
    cosine = unit @ unit[5]
    order = [i for i in np.argsort(-cosine, kind="stable") if i != 5][:7]
    got = scorer.similar_users(user, 7)
    assert [s.user_id for s in got] == model.user_ids[order].tolist()
    assert [s.score for s in got] == pytest.approx(cosine[order].tolist(), abs=1e-5)
    assert scorer.similar_users(987654321, 3) == []
    with pytest.raises(BadInput):
        scorer.similar_users(user, 0)
