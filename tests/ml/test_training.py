import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from data.errors import TrainingError
from ml import catalogue
from ml.blending import BlendParams
from ml.interactions import Ratings
from ml.training import TrainingResult, TrainingSet, train, validation_split
from tests.ml.conftest import TINY


def test_every_catalogue_movie_gets_a_finite_vector(sample_set: TrainingSet, trained: TrainingResult) -> None:
    model = trained.model
    assert model.item_vectors.shape == (len(sample_set.movie_ids), TINY.components)
    assert model.item_vectors.dtype == np.float32 and np.isfinite(model.item_vectors).all()
    counts = model.manifest["counts"]
    assert (counts["movies"], counts["ratings"]) == (474, 14_246)
    assert counts["rated_movies"] == len(np.unique(sample_set.ratings.movie_ids))
    assert 1 <= trained.best_epoch <= len(trained.validation_curve) <= TINY.max_epochs


def _cold_world() -> TrainingSet:
    """Movies 1-6 are rated; 7 (genre:x + director:1), 8 (the same), 9 (genre:x), 10 (director:1)
    and 11 (no tokens) are not."""
    rng = np.random.default_rng(0)
    rows = [(user, movie, float(rng.integers(1, 6))) for user in range(1, 31) for movie in range(1, 7) if rng.random() < 0.7]
    tokens = [["genre:x"], ["genre:x", "director:1"], ["director:1"], ["genre:y"], ["genre:y"], []]
    tokens += [["genre:x", "director:1"], ["director:1", "genre:x"], ["genre:x"], ["director:1"], []]
    return TrainingSet(Ratings.from_rows(rows), np.arange(1, 12), tokens, np.arange(1, 31), [[] for _ in range(30)])


def test_movies_without_ratings_get_vectors_from_their_content_features_alone() -> None:
    model = train(_cold_world(), dataclasses.replace(TINY, validation_fraction=0.2), show_progress=False).model
    vectors, biases = model.item_vectors, model.item_biases
    row = {int(movie_id): i for i, movie_id in enumerate(model.movie_ids)}
    assert np.array_equal(vectors[row[7]], vectors[row[8]])
    # Row 7 weighs genre:x and director:1 a half each; rows 9 and 10 hold one of them at weight 1.
    assert np.allclose(vectors[row[7]], (vectors[row[9]] + vectors[row[10]]) / 2, atol=1e-6)
    assert np.allclose(biases[row[7]], (biases[row[9]] + biases[row[10]]) / 2, atol=1e-6)
    assert np.abs(vectors[row[9]]).sum() > 0
    assert not vectors[row[11]].any() and biases[row[11]] == 0
    assert model.popularity[[row[m] for m in (7, 8, 9, 10, 11)]].sum() == 0


def test_bad_parameters_and_empty_ratings_are_refused(sample_set: TrainingSet) -> None:
    with pytest.raises(TrainingError, match="components must be at least 1"):
        dataclasses.replace(TINY, components=0)
    empty = dataclasses.replace(sample_set, ratings=Ratings.from_rows([]))
    with pytest.raises(TrainingError, match="no ratings"):
        train(empty, TINY, show_progress=False)


def test_capped_training_keeps_every_user_and_counts_the_ratings_it_trained_on(sample_set: TrainingSet) -> None:
    _, counts = np.unique(sample_set.ratings.user_ids, return_counts=True)
    cap = 20
    result = train(sample_set, dataclasses.replace(TINY, max_ratings_per_user=cap, validation_users=5), show_progress=False)
    manifest_counts = result.model.manifest["counts"]
    assert manifest_counts["ratings"] == len(sample_set.ratings)
    assert manifest_counts["ratings_trained"] == int(np.minimum(counts, cap).sum()) < len(sample_set.ratings)
    # Every rated user still has a fitted head and a vector; popularity counts every rating.
    assert np.isfinite(result.model.user_vectors).all() and len(result.model.user_ids) == len(sample_set.user_ids)
    assert result.model.popularity.sum() == len(sample_set.ratings)
    with pytest.raises(TrainingError, match="max_ratings_per_user must be at least 1"):
        dataclasses.replace(TINY, max_ratings_per_user=0)


def test_catalogue_ratings_are_read_in_fetches(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with closing(sqlite3.connect(sample_db)) as conn:
        expected = sorted(conn.execute("SELECT user_id, movie_id, rating FROM rating"))
        monkeypatch.setattr(catalogue, "_FETCH", 7)
        read = catalogue.ratings(conn)
    assert sorted(zip(read.user_ids.tolist(), read.movie_ids.tolist(), read.values.tolist(), strict=True)) == expected


def test_a_validation_sample_of_users_holds_out_only_their_ratings(sample_set: TrainingSet) -> None:
    params = dataclasses.replace(TINY, validation_users=5)
    fit, held = validation_split(sample_set.ratings, params)
    assert len(np.unique(held.user_ids)) == 5
    everything = sorted(zip(sample_set.ratings.user_ids.tolist(), sample_set.ratings.movie_ids.tolist(), strict=True))
    split = sorted(zip([*fit.user_ids.tolist(), *held.user_ids.tolist()], [*fit.movie_ids.tolist(), *held.movie_ids.tolist()], strict=True))
    assert split == everything
    for user in np.unique(held.user_ids):  # a tenth of each chosen user's ratings, rounded
        assert (held.user_ids == user).sum() == round(0.1 * (sample_set.ratings.user_ids == user).sum())


def test_the_best_epoch_is_served_without_a_retrain_when_it_saw_almost_every_rating(sample_set: TrainingSet) -> None:
    blended = BlendParams(weights=(0.6,))
    sampled = train(sample_set, dataclasses.replace(TINY, validation_users=5, blend=blended), show_progress=False).model
    assert sampled.manifest["metrics"]["retrained"] is False
    assert sampled.neighbours is not None and len(sampled.neighbours) > 0  # the part chosen beside the best epoch
    everyone = train(sample_set, TINY, show_progress=False).model  # every user holds out a tenth: retrained on all
    assert everyone.manifest["metrics"]["retrained"] is True
