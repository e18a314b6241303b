"""The item-item models against slow references, and the blend as trained, saved and served."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from ml import artifact, item_item
from ml.baselines import EASE_LAMBDAS, ItemItem
from ml.blending import BlendParams, choose
from ml.evaluation import precision_at_k
from ml.interactions import holdout
from ml.scoring import Scorer
from ml.training import TrainingResult, TrainingSet, train
from tests.ml.conftest import TINY


def _interactions(seed: int = 0, users: int = 60, movies: int = 25) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random((users, movies)) < rng.random(movies) * 0.5).astype(np.float32)
    dense[:, -2:] = 0  # two movies nobody rated
    return sp.csr_matrix(dense)


def test_ease_solves_each_column_as_a_ridge_regression_without_itself() -> None:
    x, lam = _interactions(), 7.0
    weights = item_item.ease(x, lam).toarray()
    dense = x.toarray().astype(np.float64)
    # Alternative implementation: column j regresses x_j on the other columns (Steck 2019, eq. 1).
    for j in range(dense.shape[1]):
        others = [i for i in range(dense.shape[1]) if i != j]
        a = dense[:, others]
        expected = np.linalg.solve(a.T @ a + lam * np.eye(len(others)), a.T @ dense[:, j])
        assert np.allclose(weights[others, j], expected, atol=1e-4), j
        assert weights[j, j] == 0
    assert not weights[-2:].any() and not weights[:, -2:].any()


def test_ease_with_k_keeps_the_k_largest_positive_weights_of_each_column() -> None:
    x = _interactions(1)
    full, kept = item_item.ease(x, 5.0).toarray(), item_item.ease(x, 5.0, k=4).toarray()
    for j in range(full.shape[1]):
        expected = sorted(v for v in full[:, j] if v > 0)[-4:]
        assert sorted(v for v in kept[:, j] if v != 0) == pytest.approx(expected, abs=1e-6)


def test_cosine_knn_matches_brute_force_cosine_top_k(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_item, "_BLOCK_CELLS", 50)  # several blocks of columns
    x, k = _interactions(2), 3
    dense = x.toarray().astype(np.float64)
    norms = np.linalg.norm(dense, axis=0)
    cosine = np.divide(dense.T @ dense, np.outer(norms, norms), out=np.zeros((25, 25)), where=np.outer(norms, norms) > 0)
    np.fill_diagonal(cosine, 0)
    weights = item_item.cosine_knn(x, k).toarray()
    for j in range(25):
        expected = sorted(v for v in cosine[:, j] if v > 0)[-k:]
        assert sorted(v for v in weights[:, j] if v != 0) == pytest.approx(expected, abs=1e-5)


def test_the_strongest_weights_of_a_larger_knn_are_the_smaller_knn() -> None:
    x = _interactions(2)
    larger, smaller = item_item.cosine_knn(x, 6), item_item.cosine_knn(x, 3).toarray()
    cut = item_item.strongest(larger, 3).toarray()
    for j in range(x.shape[1]):  # by value: movies of equal weight may trade places
        assert sorted(cut[:, j][cut[:, j] != 0]) == pytest.approx(sorted(smaller[:, j][smaller[:, j] != 0]), abs=1e-6)
    assert (np.count_nonzero(cut, axis=0) <= 3).all() and np.count_nonzero(cut) < larger.nnz


def test_neighbour_scores_sum_the_rated_rows() -> None:
    matrix = item_item.ease(_interactions(3), 4.0, k=5)
    neighbours = item_item.Neighbours.from_matrix(matrix)
    rated = np.array([0, 4, 7, 12], dtype=np.int64)
    assert np.allclose(neighbours.scores(rated), matrix.toarray()[rated].sum(axis=0), atol=1e-6)
    assert not neighbours.scores(np.array([23, 24], dtype=np.int64)).any()  # unrated movies have no rows


def test_blend_standardises_each_row() -> None:
    base = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], dtype=np.float32)
    other = np.array([[30.0, 10.0, 20.0], [0.0, 1.0, 2.0]], dtype=np.float32)
    blended = item_item.blend(base, other, 0.5)
    z = np.array([-1, 0, 1]) * np.sqrt(1.5)
    assert np.allclose(blended[0], z + 0.5 * np.array([1, -1, 0]) * np.sqrt(1.5), atol=1e-5)
    assert np.allclose(blended[1], 0.5 * z, atol=1e-5)  # a constant row contributes nothing


def test_the_ease_baseline_takes_the_lambda_best_on_validation() -> None:
    x = _interactions(4, users=120, movies=30)
    chosen = ItemItem.ease(x, seed=3)
    fit, held = holdout(x, 0.1, 3)
    scores = [precision_at_k(ItemItem(fit, item_item.ease(fit, lam), lam), held, fit).mean() for lam in EASE_LAMBDAS]
    assert chosen.setting == EASE_LAMBDAS[int(np.argmax(scores))]
    assert np.allclose(chosen.ranking_scores(np.arange(5)), (x[:5] @ item_item.ease(x, chosen.setting)).toarray(), atol=1e-5)


def test_the_knn_blend_tries_each_size_up_to_what_the_artifact_keeps() -> None:
    fit, held = holdout(_interactions(5, users=120, movies=30), 0.2, 5)
    base = ItemItem(fit, item_item.ease(fit, 3.0), 3.0)
    params = BlendParams(kind="knn", knn_sizes=(3, 6, 50), neighbours=6, weights=(1.0,), max_users=1_000)
    chosen = choose(base, fit, held, params, k=5, seed=0)
    assert set(chosen.validation) == {"3 x 1", "6 x 1"}  # 50 is cut to the 6 kept: tried once
    largest = item_item.BlendedRanker(base, fit, item_item.cosine_knn(fit, 6), 1.0)
    assert chosen.validation["6 x 1"] == round(float(precision_at_k(largest, held, fit, k=5).mean()), 4)


@pytest.fixture(scope="module")
def blended(sample_set: TrainingSet) -> TrainingResult:
    """Trained with the blend forced on (one weight to choose from)."""
    return train(sample_set, dataclasses.replace(TINY, blend=BlendParams(weights=(0.6,))), show_progress=False)


def test_training_blends_and_the_artifact_keeps_the_sparse_part(blended: TrainingResult, tmp_path: Path) -> None:
    model = blended.model
    assert model.blends and model.blend_weight == 0.6 and model.manifest["blend"]["kind"] == "ease"
    assert model.neighbours is not None
    counts = np.diff(model.neighbours.indptr)
    assert len(model.neighbours) == counts.sum() and np.bincount(model.neighbours.targets).max() <= BlendParams().neighbours
    artifact.save(model, tmp_path / "model")
    loaded = artifact.load(tmp_path / "model")
    assert loaded.blends and loaded.blend_weight == 0.6


def test_the_served_ranking_is_the_evaluated_one(blended: TrainingResult, sample_set: TrainingSet, tmp_path: Path) -> None:
    """Scorer.recommend with a user's rated movies ranks as Model.ranker over the training history."""
    model = blended.model
    artifact.save(model, tmp_path / "model")
    scorer = Scorer(artifact.load(tmp_path / "model"))
    history = sample_set.ratings.matrix(model.users, model.movies, binary=True)
    evaluated = model.ranker(history)
    for row in range(0, len(model.user_ids), max(1, len(model.user_ids) // 10)):
        rated = frozenset(int(m) for m in model.movie_ids[history[row].indices])
        user = dataclasses.replace(scorer.user(int(model.user_ids[row])), rated=rated)
        served = [item.movie_id for item in scorer.recommend(user, 10, exclude=rated).items]
        scores = evaluated.ranking_scores(np.array([row]))[0]
        scores[history[row].indices] = -np.inf
        assert served == [int(m) for m in model.movie_ids[np.argsort(-scores, kind="stable")[:10]]], row


def test_a_new_rating_moves_the_item_item_part_at_once(blended: TrainingResult) -> None:
    """A folded-in user's ranking adds the neighbours of the movies they just rated."""
    model = blended.model
    scorer = Scorer(model)
    assert model.neighbours is not None
    source = int(np.argmax(np.diff(model.neighbours.indptr)))  # a movie with neighbours
    pairs = [(int(model.movie_ids[source]), 5.0)]
    user = scorer.user(10**9, pairs)
    affinity = model.head.affinity(user.params, model.unit_vectors)
    expected = item_item.blend(affinity, model.neighbours.scores(np.array([source])), model.blend_weight)
    expected[source] = -np.inf
    served = [item.movie_id for item in scorer.recommend(user, 5, exclude=user.rated).items]
    assert served == [int(m) for m in model.movie_ids[np.argsort(-expected, kind="stable")[:5]]]
    without = dataclasses.replace(user, rated=frozenset())
    assert [item.movie_id for item in scorer.recommend(without, 5, exclude=user.rated).items] != served
