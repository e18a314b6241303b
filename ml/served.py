"""The served-path check of `moviegraph evaluate`: ml-100k's u1 split scored the way the API serves it.

The raw-file experiment trains on u1.base read from the files and scores every u1.test rating.
Here u1.base goes through the product instead: `moviegraph ingest --ratings ml-100k` builds a
catalogue from it (links made by the ingest's linker, ratings merged where two items name one
movie), `train`'s code trains on that catalogue, the artifact is saved and loaded as the server
loads it, and each u1.test rating is asked for with the ids the REST route takes (ml-100k user and
item ids, translated through the links the ingest stored) and scored by the calls the route makes
(`Scorer.user`, `Scorer.predict_ratings`, rounded as it answers). u1.test ratings of items the ingest left
unlinked cannot be asked for (the route answers 404) and are counted apart.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from data.ingest import ingest
from data.ml100k_links import ML_LATEST_SMALL, find_bridge
from data.readers import movielens_100k as ml100k
from data.readers._common import FileReport
from ml import artifact, catalogue, datasets
from ml.model import Model
from ml.scoring import Scorer
from ml.training import TrainingParams, train

# The raw-file and the served RMSE of u1 must agree this closely (issue #12).
AGREEMENT = 0.005


def served_u1(
    ml: datasets.MovieLens100k, raw_model: Model, movies_dataset: Path, params: TrainingParams, scratch: Path
) -> dict[str, Any]:
    """RMSE of u1.test through the served path beside the raw-file model's, on all and on the same pairs."""
    db_path = _ingest_u1_base(ml.location, movies_dataset, scratch / "served")
    data = datasets.from_catalogue(db_path, params.features)
    result = train(data, params, show_progress=False)
    artifact.save(result.model, scratch / "served" / "model")
    scorer = Scorer.load(scratch / "served" / "model", db_path=db_path)
    with catalogue.connect(db_path) as conn:
        to_movie = catalogue.ml100k_links(conn)
    test = list(ml100k.read_ratings(ml.location, FileReport("u1.test"), name="u1.test"))
    asked: defaultdict[int, list[tuple[int, float]]] = defaultdict(list)
    for user, item, rating, _ in test:
        if item in to_movie:
            asked[user].append((item, rating))
    served: list[float] = []
    actual: list[float] = []
    raw: list[float] = []
    for user, pairs in asked.items():
        # As the route's recommender service scores a user with no live ratings since training.
        ratings = scorer.predict_ratings(scorer.user(user, None), [to_movie[item] for item, _ in pairs])
        served += [round(float(rating), 3) for rating in ratings]
        actual += [rating for _, rating in pairs]
        # The raw-file model on the same pairs, by its own ids (its users are all of u.user's).
        user_rows = raw_model.users.rows(np.full(len(pairs), user, dtype=np.int64))
        raw += raw_model.predict(user_rows, raw_model.movies.rows([item for item, _ in pairs])).tolist()
    truth = np.array(actual)
    return {
        "catalogue_ratings": len(data.ratings),
        "test_ratings": len(test),
        "test_ratings_served": len(actual),
        "test_ratings_unlinked": len(test) - len(actual),
        "served_rmse": _rmse(np.array(served) - truth),
        "raw_rmse_same_pairs": _rmse(np.array(raw) - truth),
        "agreement": AGREEMENT,
    }


def _rmse(errors: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    return round(float(np.sqrt(np.mean(errors**2))), 4)


def _ingest_u1_base(location: Path, movies_dataset: Path, folder: Path) -> Path:
    """A catalogue ingested from an ml-100k folder whose u.data is u1.base (u.item and u.user as
    released), with the raw-file experiment's bridge beside it so both link alike."""
    source = folder / "ml-100k"
    source.mkdir(parents=True)
    for name in ("u.item", "u.user"):
        shutil.copyfile(location / name, source / name)
    shutil.copyfile(location / "u1.base", source / "u.data")
    bridge = find_bridge([location.parent])
    if bridge is not None:
        (folder / ML_LATEST_SMALL).symlink_to(bridge.resolve(), target_is_directory=True)
    db_path = folder / "catalogue.sqlite3"
    ingest(movies_dataset=movies_dataset, db_path=db_path, ratings="ml-100k", movielens=str(source), show_progress=False)
    return db_path
