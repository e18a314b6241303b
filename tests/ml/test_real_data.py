"""Reduced real-data checks (marker `slow`); `moviegraph evaluate` runs the full protocol."""

from pathlib import Path

import numpy as np
import pytest

from data.ingest import ingest
from ml.baselines import BiasBaseline
from ml.datasets import MovieLens100k
from ml.evaluation import rating_errors
from ml.training import TrainingParams, train

pytestmark = pytest.mark.slow


def test_rating_head_beats_the_bias_baseline_on_ml100k_u1(shared_data: Path, tmp_path: Path) -> None:
    params = TrainingParams()
    db = tmp_path / "catalogue.sqlite3"
    ingest(movies_dataset=shared_data / "movies-dataset", db_path=db, show_progress=False)
    ml = MovieLens100k.read(shared_data / "ml-100k", params.features, db)
    assert ml.linked_items > 1_500
    train_ratings, test_ratings = ml.ratings("u1.base"), ml.ratings("u1.test")
    assert (len(train_ratings), len(test_ratings)) == (80_000, 20_000)
    model = train(ml.training_set(train_ratings), params, show_progress=False).model
    train_matrix, test_matrix = train_ratings.matrix(model.users, model.movies), test_ratings.matrix(model.users, model.movies)
    rmse = float(np.sqrt(np.mean(rating_errors(model, test_matrix, train_matrix) ** 2)))
    baseline = float(np.sqrt(np.mean(rating_errors(BiasBaseline.fit(train_matrix, params.head), test_matrix, train_matrix) ** 2)))
    # u1 measured 0.897 against 0.955 for the bias baseline (moviegraph evaluate).
    assert rmse <= 0.905 and rmse < baseline - 0.04



def test_u1_through_the_served_path_agrees_with_the_raw_files(shared_data: Path, tmp_path: Path) -> None:
    """`evaluate`'s served-path check: u1 ingested, trained, loaded and scored as the API does."""
    from ml import served

    params = TrainingParams()
    db = tmp_path / "catalogue.sqlite3"
    ingest(movies_dataset=shared_data / "movies-dataset", db_path=db, show_progress=False)
    ml = MovieLens100k.read(shared_data / "ml-100k", params.features, db)
    train_ratings, test_ratings = ml.ratings("u1.base"), ml.ratings("u1.test")
    raw_model = train(ml.training_set(train_ratings), params, show_progress=False).model
    errors = rating_errors(raw_model, test_ratings.matrix(raw_model.users, raw_model.movies), train_ratings.matrix(raw_model.users, raw_model.movies))
    raw_rmse = float(np.sqrt(np.mean(errors.astype(np.float64) ** 2)))
    results = served.served_u1(ml, raw_model, shared_data / "movies-dataset", params, tmp_path / "scratch")
    # Every u1.test rating of a linked item is asked for; the others are the 404s of the route.
    with open(shared_data / "ml-100k" / "u1.test") as handle:
        items = [int(line.split("\t")[1]) for line in handle]
    assert results["test_ratings"] == len(items) == 20_000
    assert results["test_ratings_served"] + results["test_ratings_unlinked"] == 20_000
    assert results["test_ratings_unlinked"] < 100
    assert abs(results["served_rmse"] - raw_rmse) <= served.AGREEMENT
