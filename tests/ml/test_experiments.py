"""How `evaluate` folds its seeds into one report and sets its bars against the baselines."""

import numpy as np

from ml import experiments


def test_seeds_are_averaged_with_their_spread_and_a_single_seed_has_none() -> None:
    seeds = [{"hybrid": {"p": 0.27, "curve": [0.3, 0.2]}, "collaborative": {"p": 0.25}, "name": "ua"},
             {"hybrid": {"p": 0.28, "curve": [0.5, 0.4]}, "name": "ua"},
             {"hybrid": {"p": 0.29, "curve": [0.4, 0.3]}, "name": "ua"}]
    mean = experiments._mean(seeds)
    assert mean == {"hybrid": {"p": 0.28, "curve": [0.4, 0.3]}, "collaborative": {"p": 0.25}, "name": "ua"}
    spread = experiments._spread(seeds)
    assert spread == {"hybrid": {"p": round(float(np.std([0.27, 0.28, 0.29])), 4)}, "collaborative": {}}


def test_a_relative_target_is_a_factor_of_the_best_baseline_of_the_same_run() -> None:
    ranking = {"hybrid": {"precision_at_10": 0.28}, "collaborative": {"precision_at_10": 0.25},
               "ease": {"precision_at_10": 0.27}, "item_knn": {"precision_at_10": 0.22}, "popularity": {"precision_at_10": 0.12}}
    target = experiments._target({"ranking_ml100k": ranking}, "ranking_ml100k.hybrid.precision_at_10", ">=",
                                 "best:ranking_ml100k.precision_at_10", 1.05)
    assert target == {"metric": "ranking_ml100k.hybrid.precision_at_10", "target": ">= 0.2835 (1.05 x ease 0.27)",
                      "value": 0.28, "met": False}
    assert experiments._target({}, "rating.mean.model.rmse", "<=", 0.885, 1.0) is None  # the experiment did not run
