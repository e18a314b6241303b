"""The experiments of `moviegraph evaluate`, each with its baselines trained and scored in the same run.

Every experiment runs once per seed (`seeds`: LightFM trains Hogwild!, and the seed also draws the
validation split, the ratings_small split and the cold movies); the results hold the mean over the
seeds, `spread` the standard deviation of each figure and `per_seed` every seed's own. Targets
compare the model's mean with the best baseline's mean in the same run.

- rating accuracy on ml-100k's official u1-u5 splits: the model, the global mean, the bias baseline;
  and u1 once more (first seed) through the served path (`ml.served`: ingested, trained, loaded and scored as
  the API does, ids as the REST route takes them), whose RMSE must agree with the raw-file one;
- ranking on ml-100k ua.base/ua.test (every test rating relevant, training movies excluded) and on
  ratings_small split 80/20 per user: the hybrid as served (LightFM blended with its item-item
  part), its LightFM part alone, pure collaborative LightFM, EASE, cosine item-kNN, popularity;
  EASE's lambda and the kNN's k are tuned on a validation split carved from the training split;
- item cold start on ratings_small: 10% of the rated movies lose all their ratings to test; the
  held-out movies are ranked among themselves, where collaborative filtering has nothing to go on.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from data.ingest import ingest
from ml import datasets, served
from ml.baselines import BiasBaseline, GlobalMean, ItemItem, Popularity
from ml.evaluation import Ranker, auc_score, ndcg_at_k, precision_at_k, rating_errors, recall_at_k
from ml.interactions import Ratings, split_cold_movies, split_per_user
from ml.model import Model
from ml.training import TrainingParams, TrainingResult, TrainingSet, train
from ml.types import FloatArray, IndexArray

RATING_SPLITS = ("u1", "u2", "u3", "u4", "u5")
CURVE_K = tuple(range(1, 21))
SEEDS = (42, 43, 44)
EXPERIMENTS = ("ranking_ml100k", "ranking_ratings_small", "cold_start", "rating", "served")
ORDER = EXPERIMENTS[:4]  # what runs, in this order: "served" rides on the first seed of "rating"
BASELINES = ("collaborative", "ease", "item_knn", "popularity")  # ranking; the best of them is the bar
# Targets of issue #12: (result path, comparison, threshold). A threshold that is a path is that
# figure in the same run, a factor times the best of the ranking baselines: "best:<experiment>.<metric>".
TARGETS: tuple[tuple[str, str, float | str, float], ...] = (
    ("rating.mean.model.rmse", "<=", 0.885, 1.0),
    ("ranking_ml100k.hybrid.precision_at_10", ">=", "best:ranking_ml100k.precision_at_10", 1.05),
    ("ranking_ml100k.hybrid.auc", ">=", 0.94, 1.0),
    ("ranking_ratings_small.hybrid.ndcg_at_10", ">", "best:ranking_ratings_small.ndcg_at_10", 1.0),
    ("cold_start.hybrid.auc", ">=", 0.80, 1.0),
    ("served_u1.difference", "<=", served.AGREEMENT, 1.0),
)


@dataclass(frozen=True)
class Sources:
    ml_100k: Path
    movies_dataset: Path
    db_path: Path | None = None  # a catalogue of movies_dataset with ratings_small; built if None


@dataclass
class Evaluation:
    """`results` is the JSON report; the rest feeds the plots."""

    results: dict[str, Any] = field(default_factory=dict)
    rating_pairs: tuple[FloatArray, FloatArray] | None = None  # (actual, predicted) on u1.test
    precision_curves: dict[str, list[float]] = field(default_factory=dict)  # ua: p@1..20 per model
    validation_curves: dict[str, list[float]] = field(default_factory=dict)  # per training run


@dataclass(frozen=True)
class _Columns:
    """A ranker restricted to some movies (columns): the cold-start candidates."""

    ranker: Ranker
    columns: IndexArray

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        return self.ranker.ranking_scores(user_rows)[:, self.columns]


def _collaborative(params: TrainingParams) -> TrainingParams:
    """Pure collaborative LightFM: no content or demographic features, and no item-item part."""
    features = dataclasses.replace(params.features, content_weight=0.0, demographic_weight=0.0)
    return dataclasses.replace(params, features=features, blend=dataclasses.replace(params.blend, kind="none"))


def _ranking(ranker: Ranker, test: sp.csr_matrix, train: sp.csr_matrix, k: int = 10) -> dict[str, float]:
    metrics: dict[str, Callable[..., FloatArray]] = {
        f"precision_at_{k}": precision_at_k, f"recall_at_{k}": recall_at_k, f"ndcg_at_{k}": ndcg_at_k, "auc": auc_score,
    }
    return {name: round(float(metric(ranker, test, train, k=k).mean()), 4) for name, metric in metrics.items()}


def _accuracy(errors: FloatArray) -> dict[str, float]:
    return {"rmse": round(float(np.sqrt(np.mean(errors.astype(np.float64) ** 2))), 4), "mae": round(float(np.mean(np.abs(errors))), 4)}


class _Run:
    """One seed's run: its results, and the plots' data from the first seed."""

    def __init__(self, params: TrainingParams, show_progress: bool, evaluation: Evaluation, *, first: bool) -> None:
        self.params, self.show, self.evaluation, self.first = params, show_progress, evaluation, first
        self.results: dict[str, Any] = {}

    def train(self, name: str, data: TrainingSet, params: TrainingParams | None = None) -> Model:
        result: TrainingResult = train(data, params or self.params, show_progress=self.show)
        if self.first:
            self.evaluation.validation_curves[name] = result.validation_curve
        blend = result.model.manifest["blend"]
        self.results.setdefault("training", {})[name] = {
            "best_epoch": result.best_epoch, "seconds": round(result.seconds, 1),
            "blend": f"{blend['kind']} {blend['setting']:g}, weight {blend['weight']:g}",
        }
        self.log(f"{name}: trained in {result.seconds:.1f} s (best epoch {result.best_epoch}; item-item {blend['kind']} "
                 f"{blend['setting']:g} at weight {blend['weight']:g})")
        return result.model

    def log(self, line: str) -> None:
        if self.show:
            tqdm.write(line)


def evaluate(
    sources: Sources, params: TrainingParams, *, seeds: tuple[int, ...] = SEEDS, experiments: tuple[str, ...] = EXPERIMENTS,
    show_progress: bool = True, checkpoint: Callable[[Evaluation], object] | None = None,
) -> Evaluation:
    """Every experiment of `experiments` once per seed, an experiment's seeds one after another;
    `checkpoint` gets the results so far after each (a stopped run leaves what it finished)."""
    unknown = set(experiments) - set(EXPERIMENTS)
    if unknown or not seeds:
        raise ValueError(f"experiments are some of {', '.join(EXPERIMENTS)} (not {', '.join(sorted(unknown))}), and at least one seed")
    started = time.perf_counter()
    evaluation = Evaluation()
    runs = [_Run(dataclasses.replace(params, seed=seed), show_progress, evaluation, first=number == 0) for number, seed in enumerate(seeds)]
    with tempfile.TemporaryDirectory(prefix="moviegraph-evaluate-") as scratch:
        db_path = sources.db_path
        if db_path is None:
            db_path = Path(scratch) / "catalogue.sqlite3"
            ingest(movies_dataset=sources.movies_dataset, db_path=db_path, show_progress=False)
        ml = datasets.MovieLens100k.read(sources.ml_100k, params.features, db_path)
        catalogue_set = datasets.from_catalogue(db_path, params.features)
        steps: dict[str, Callable[[_Run], object]] = {
            "ranking_ml100k": lambda run: _ranking_ml100k(run, ml),
            "ranking_ratings_small": lambda run: _ranking_catalogue(run, catalogue_set),
            "cold_start": lambda run: _cold_start(run, catalogue_set),
            "rating": lambda run: _rating_accuracy(run, ml),
        }
        for experiment in (name for name in ORDER if name in experiments):
            for run in runs:
                run.log(f"{experiment}, seed {run.params.seed}")
                u1_model = steps[experiment](run)
                if experiment == "rating" and run.first and "served" in experiments:
                    assert isinstance(u1_model, Model)
                    _served_u1(run, ml, u1_model, sources.movies_dataset, Path(scratch))
                _summarise(evaluation, runs, sources, ml, db_path, params, started)
                if checkpoint is not None:
                    checkpoint(evaluation)
    return evaluation


def _summarise(
    evaluation: Evaluation, runs: list[_Run], sources: Sources, ml: datasets.MovieLens100k, db_path: Path,
    params: TrainingParams, started: float,
) -> None:
    """The results of what has run: means over seeds at the top, `spread` and `per_seed` beside them."""
    results = evaluation.results
    results.clear()
    keys = list(dict.fromkeys(key for run in runs for key in run.results if key not in ("training", "served_u1")))
    results["spread"], results["seeds"] = {}, {}
    for key in keys:
        done = [run.results[key] for run in runs if key in run.results]
        results[key], results["spread"][key] = _mean(done), _spread(done)
        results["seeds"][key] = [run.params.seed for run in runs if key in run.results]
    for key in ("training", "served_u1"):
        if key in runs[0].results:
            results[key] = runs[0].results[key]
    results["per_seed"] = {str(run.params.seed): run.results for run in runs}
    results["data"] = {
        "ml_100k": str(sources.ml_100k), "catalogue": str(sources.movies_dataset if sources.db_path is None else db_path),
        "ml_100k_items": len(ml.item_ids), "ml_100k_items_linked_to_catalogue": ml.linked_items,
    }
    results["targets"] = [target for spec in TARGETS if (target := _target(results, *spec)) is not None]
    results["parameters"] = dataclasses.asdict(params)
    results["seconds"] = round(time.perf_counter() - started, 1)


def _mean(values: list[Any]) -> Any:
    """The mean over seeds of every number in alike results (a name missing from a seed is left
    out of its mean: pure collaborative runs on the first seed only); lists element by element."""
    first = values[0]
    if isinstance(first, dict):
        return {name: _mean([value[name] for value in values if name in value]) for name in first}
    if isinstance(first, list):
        return [_mean(list(column)) for column in zip(*values, strict=True)]
    if isinstance(first, bool) or not isinstance(first, int | float):
        return first
    return round(float(np.mean(values)), 4)


def _spread(values: list[Any]) -> Any:
    """The standard deviation over seeds (population, ddof 0) of every number; lists, and figures
    of a single seed (which have no spread), dropped."""
    first = values[0]
    if isinstance(first, dict):
        spreads = {name: _spread([value[name] for value in values if name in value]) for name in first}
        return {name: spread for name, spread in spreads.items() if spread is not None}
    if isinstance(first, bool) or not isinstance(first, int | float) or len(values) < 2:
        return None
    return round(float(np.std(values)), 4)


def _target(results: dict[str, Any], path: str, op: str, threshold: float | str, factor: float) -> dict[str, Any] | None:
    """The target row, or None when its experiment did not run."""
    try:
        value = _lookup(results, path)
        if isinstance(threshold, str):
            experiment, metric = threshold.removeprefix("best:").split(".")
            name, best = max(((name, results[experiment][name][metric]) for name in BASELINES), key=lambda pair: pair[1])
            bar = round(float(best) * factor, 4)
            label = f"{op} {bar} ({factor:g} x {name} {best})" if factor != 1 else f"{op} {bar} ({name})"
        else:
            bar, label = threshold, f"{op} {threshold}"
    except KeyError:
        return None
    met = {"<=": value <= bar, ">=": value >= bar, ">": value > bar}[op]
    return {"metric": path, "target": label, "value": value, "met": met}


def _lookup(results: dict[str, Any], path: str) -> float:
    value: Any = results
    for key in path.split("."):
        value = value[key]
    return float(value)


def _rating_accuracy(run: _Run, ml: datasets.MovieLens100k) -> Model:
    """u1-u5 accuracy into the results; returns the u1 model."""
    per_split: dict[str, dict[str, dict[str, float]]] = {}
    models: dict[str, Model] = {}
    for split in RATING_SPLITS:
        train_ratings, test_ratings = ml.ratings(f"{split}.base"), ml.ratings(f"{split}.test")
        model = models[split] = run.train(f"ml-100k {split}", ml.training_set(train_ratings))
        train_matrix = train_ratings.matrix(model.users, model.movies)
        test_matrix = test_ratings.matrix(model.users, model.movies)
        errors = rating_errors(model, test_matrix, train_matrix)
        per_split[split] = {
            "model": _accuracy(errors),
            "global_mean": _accuracy(rating_errors(GlobalMean.fit(train_matrix), test_matrix, train_matrix)),
            "bias_baseline": _accuracy(rating_errors(BiasBaseline.fit(train_matrix, run.params.head), test_matrix, train_matrix)),
        }
        if run.first and run.evaluation.rating_pairs is None:
            actual = test_matrix.tocoo().data
            run.evaluation.rating_pairs = (actual, errors + actual)
        run.log(f"ml-100k {split}: RMSE {per_split[split]['model']['rmse']} (bias baseline {per_split[split]['bias_baseline']['rmse']})")
    mean = {
        name: {metric: round(float(np.mean([per_split[s][name][metric] for s in RATING_SPLITS])), 4) for metric in ("rmse", "mae")}
        for name in ("model", "global_mean", "bias_baseline")
    }
    run.results["rating"] = {"splits": per_split, "mean": mean}
    return models[RATING_SPLITS[0]]


def _served_u1(run: _Run, ml: datasets.MovieLens100k, raw_model: Model, movies_dataset: Path, scratch: Path) -> None:
    results = served.served_u1(ml, raw_model, movies_dataset, run.params, scratch)
    raw_rmse = run.results["rating"]["splits"]["u1"]["model"]["rmse"]
    results["raw_rmse"] = raw_rmse
    results["difference"] = round(abs(results["served_rmse"] - raw_rmse), 4)
    run.results["served_u1"] = results
    run.log(f"ml-100k u1 served path: RMSE {results['served_rmse']} on {results['test_ratings_served']:,} ratings "
            f"(raw files {raw_rmse}, {results['raw_rmse_same_pairs']} on the same ratings)")


_Compared = tuple[dict[str, Any], dict[str, Ranker], sp.csr_matrix, sp.csr_matrix]


def _compare(run: _Run, name: str, data: TrainingSet, train_ratings: Ratings, test_ratings: Ratings) -> _Compared:
    """The ranking metrics of the model as served and of every baseline, trained on `train_ratings`
    (`data` with those ratings) and scored on `test_ratings`; with the rankers and both matrices."""
    split = dataclasses.replace(data, ratings=train_ratings)
    hybrid = run.train(f"{name} hybrid", split)
    train_matrix = train_ratings.matrix(hybrid.users, hybrid.movies, binary=True)
    test_matrix = test_ratings.matrix(hybrid.users, hybrid.movies, binary=True)
    rankers: dict[str, Ranker] = {
        "hybrid": hybrid.ranker(train_matrix), "hybrid_lightfm_part": hybrid,
        "ease": ItemItem.ease(train_matrix, run.params.seed), "item_knn": ItemItem.knn(train_matrix, run.params.seed),
        "popularity": Popularity.fit(train_matrix),
    }
    if run.first:  # the weakest strong baseline, and a training as long as the model's: one seed
        rankers["collaborative"] = run.train(f"{name} collaborative", split, _collaborative(run.params)).ranker(train_matrix)
    results: dict[str, Any] = {label: _ranking(ranker, test_matrix, train_matrix) for label, ranker in rankers.items()}
    results["settings"] = {label: rankers[label].setting for label in ("ease", "item_knn")}  # type: ignore[attr-defined]
    run.log(f"{name}: " + ", ".join(f"{label} p@10 {results[label]['precision_at_10']} ndcg@10 {results[label]['ndcg_at_10']}"
                                    for label in rankers))
    return results, rankers, train_matrix, test_matrix


def _ranking_ml100k(run: _Run, ml: datasets.MovieLens100k) -> None:
    train_ratings, test_ratings = ml.ratings("ua.base"), ml.ratings("ua.test")
    results, rankers, train_matrix, test_matrix = _compare(run, "ml-100k ua", ml.training_set(train_ratings), train_ratings, test_ratings)
    for name in ("hybrid", "ease", "item_knn", "popularity"):
        curve = [round(float(precision_at_k(rankers[name], test_matrix, train_matrix, k=k).mean()), 4) for k in CURVE_K]
        if run.first:
            run.evaluation.precision_curves[name] = curve
        results[name]["precision_at_k_1_to_20"] = curve
    run.results["ranking_ml100k"] = results


def _ranking_catalogue(run: _Run, data: TrainingSet) -> None:
    train_ratings, test_ratings = split_per_user(data.ratings, 0.2, run.params.seed)
    results, *_ = _compare(run, "ratings_small 80/20", data, train_ratings, test_ratings)
    results["ratings"] = {"train": len(train_ratings), "test": len(test_ratings)}
    run.results["ranking_ratings_small"] = results


def _cold_start(run: _Run, data: TrainingSet) -> None:
    train_ratings, test_ratings, cold = split_cold_movies(data.ratings, 0.1, run.params.seed)
    split = dataclasses.replace(data, ratings=train_ratings)
    hybrid = run.train("cold start hybrid", split)
    columns = hybrid.movies.rows(cold)
    history = train_ratings.matrix(hybrid.users, hybrid.movies, binary=True)
    train_matrix = history[:, columns]
    test_matrix = test_ratings.matrix(hybrid.users, hybrid.movies, binary=True)[:, columns]
    models = {"hybrid": hybrid}
    if run.first:
        models["collaborative"] = run.train("cold start collaborative", split, _collaborative(run.params))
    results: dict[str, Any] = {
        name: {"auc": round(float(auc_score(_Columns(model.ranker(history), columns), test_matrix, train_matrix).mean()), 4)}
        for name, model in models.items()
    }
    results["held_out"] = {"movies": len(cold), "ratings": len(test_ratings), "users": int(np.unique(test_ratings.user_ids).size)}
    run.results["cold_start"] = results
    run.log("cold start: " + ", ".join(f"{name} AUC {results[name]['auc']}" for name in models))
