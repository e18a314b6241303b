import math

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from ml.evaluation import auc_score, ndcg_at_k, precision_at_k, rating_errors, recall_at_k
from ml.types import FloatArray, IndexArray

N_USERS, N_ITEMS = 40, 30


class FixedScores:
    def __init__(self, scores: npt.NDArray[np.float64]) -> None:
        self.scores: FloatArray = scores.astype(np.float32)

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        return self.scores[user_rows]

    def predict(self, user_rows: IndexArray, item_rows: IndexArray) -> FloatArray:
        return self.scores[user_rows, item_rows]


# (scores, test interactions, train interactions)
Case = tuple[FixedScores, sp.csr_matrix, sp.csr_matrix]


@pytest.fixture
def case() -> Case:
    """Random scores and disjoint random train/test interactions; a few users have no test rows."""
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(N_USERS, N_ITEMS))
    draw = rng.random((N_USERS, N_ITEMS))
    train = sp.csr_matrix((draw < 0.3).astype(np.float32))
    in_test = (draw >= 0.3) & (draw < 0.45)
    in_test[:3] = False
    test = sp.csr_matrix(in_test.astype(np.float32))
    return FixedScores(scores), test, train


# Alternative test implementation: one user at a time, plain Python over sorted candidates.
def reference(model: FixedScores, test: sp.csr_matrix, train: sp.csr_matrix | None, k: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"precision": [], "recall": [], "ndcg": [], "auc": []}
    for user in range(test.shape[0]):
        positives = set(test[user].indices)
        if not positives:
            continue
        seen = set(train[user].indices) if train is not None else set()
        candidates = [i for i in range(test.shape[1]) if i not in seen]
        ranked = sorted(candidates, key=lambda i: -model.scores[user, i])
        top = ranked[:k]
        hits = [1 if i in positives else 0 for i in top]
        out["precision"].append(sum(hits) / k)
        out["recall"].append(sum(hits) / len(positives))
        dcg = sum(h / math.log2(rank + 2) for rank, h in enumerate(hits))
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(positives))))
        out["ndcg"].append(dcg / ideal)
        negatives = [i for i in candidates if i not in positives]
        wins = sum(
            1.0 if model.scores[user, p] > model.scores[user, n] else 0.5 if model.scores[user, p] == model.scores[user, n] else 0.0
            for p in positives for n in negatives
        )
        out["auc"].append(wins / (len(positives) * len(negatives)))
    return out


@pytest.mark.parametrize("k", [1, 5, 10])
@pytest.mark.parametrize("with_train", [True, False])
def test_ranking_metrics_match_the_slow_reference(case: Case, k: int, with_train: bool) -> None:
    model, test, train = case
    train_or_none = train if with_train else None
    expected = reference(model, test, train_or_none, k)
    assert np.allclose(precision_at_k(model, test, train_or_none, k=k), expected["precision"])
    assert np.allclose(recall_at_k(model, test, train_or_none, k=k), expected["recall"])
    assert np.allclose(ndcg_at_k(model, test, train_or_none, k=k), expected["ndcg"])
    assert np.allclose(auc_score(model, test, train_or_none, k=k), expected["auc"])


def test_metrics_return_one_value_per_user_with_test_interactions(case: Case) -> None:
    model, test, train = case
    assert precision_at_k(model, test, train).shape == (N_USERS - 3,)


def test_auc_counts_ties_as_half() -> None:
    model = FixedScores(np.zeros((1, 4)))
    test = sp.csr_matrix(np.array([[1, 0, 0, 0]], dtype=np.float32))
    assert auc_score(model, test)[0] == pytest.approx(0.5)


def test_overlapping_train_and_test_are_refused(case: Case) -> None:
    model, test, train = case
    leaky = sp.csr_matrix(train + test)
    for metric in (precision_at_k, recall_at_k, ndcg_at_k, auc_score, rating_errors):
        with pytest.raises(ValueError, match=r"share [\d,]+ interactions; check your data split"):
            metric(model, test, leaky)


def test_rating_errors_are_prediction_minus_actual_in_csr_order() -> None:
    scores = np.array([[3.0, 4.0], [2.5, 1.0]])
    test = sp.csr_matrix(np.array([[4.0, 0.0], [2.0, 3.0]], dtype=np.float32))
    errors = rating_errors(FixedScores(scores), test)
    assert np.allclose(errors, [3.0 - 4.0, 2.5 - 2.0, 1.0 - 3.0])
