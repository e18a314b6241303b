"""Writes an evaluation as evaluation.json, evaluation.md and three PNG plots (matplotlib, Agg)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI

import matplotlib.pyplot as plt
import numpy as np

from ml.experiments import CURVE_K, RATING_SPLITS, Evaluation

PLOTS = ("precision_at_k.png", "predicted_vs_actual.png", "validation_curve.png")


def write(evaluation: Evaluation, out_dir: Path) -> list[Path]:
    """The files written, JSON and Markdown first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "evaluation.json", out_dir / "evaluation.md", *(out_dir / name for name in PLOTS)]
    paths[0].write_text(json.dumps(evaluation.results, indent=2) + "\n")
    paths[1].write_text(markdown(evaluation.results))
    _precision_plot(evaluation, paths[2])
    _rating_plot(evaluation, paths[3])
    _validation_plot(evaluation, paths[4])
    return paths


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _with_spread(value: Any, spread: Any) -> str:
    """A mean with its standard deviation over the seeds, when it has one."""
    return f"{value} ± {spread}" if isinstance(spread, int | float) else str(value)


def _get(tree: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def markdown(results: dict[str, Any]) -> str:
    spread = results.get("spread", {})
    seeds = "; ".join(f"{key}: {', '.join(map(str, done))}" for key, done in results.get("seeds", {}).items())
    lines = ["# moviegraph evaluation", "", (f"Seeds per experiment ({seeds}): each figure is the mean over them "
             "± the standard deviation (population); pure collaborative LightFM and the served-path check run on the first seed."), ""]
    lines += ["## Targets", ""]
    lines += _table(["metric", "target", "value", "met"],
                    [[t["metric"], t["target"], t["value"], "yes" if t["met"] else "**no**"] for t in results["targets"]])
    if "rating" in results:
        rating = results["rating"]
        lines += ["", "## Rating accuracy: ml-100k official splits u1-u5 (RMSE / MAE)", ""]
        models = ("model", "bias_baseline", "global_mean")
        def cell(*keys: str) -> str:
            return " / ".join(_with_spread(_get(rating, *keys, m), _get(spread, "rating", *keys, m)) for m in ("rmse", "mae"))
        rows = [[split, *(cell("splits", split, m) for m in models)] for split in RATING_SPLITS]
        rows.append(["**mean**", *(f"**{cell('mean', m)}**" for m in models)])
        lines += _table(["split", *models], rows)
    if "served_u1" in results:
        served = results["served_u1"]
        lines += ["", (f"u1 through the served path (ingested, trained and scored as the API does, ml-100k ids; first seed): RMSE "
                       f"{served['served_rmse']} on {served['test_ratings_served']:,} of {served['test_ratings']:,} test ratings "
                       f"({served['test_ratings_unlinked']:,} of unlinked items cannot be asked for); the raw files' "
                       f"{served['raw_rmse']} on all, {served['raw_rmse_same_pairs']} on the same ratings.")]
    for key, title in (("ranking_ml100k", "Ranking: ml-100k ua.base / ua.test"),
                       ("ranking_ratings_small", "Ranking: ratings_small, 80/20 per user")):
        if key not in results:
            continue
        lines += ["", f"## {title} (training movies excluded)", ""]
        metrics = ("precision_at_10", "recall_at_10", "ndcg_at_10", "auc")
        names = [name for name in results[key] if isinstance(results[key][name], dict) and "auc" in results[key][name]]
        lines += _table(["model", *metrics], [[name, *(_with_spread(results[key][name][m], _get(spread, key, name, m)) for m in metrics)]
                                               for name in names])
        settings = results[key].get("settings", {})
        lines += ["", (f"hybrid: the model as served (LightFM blended with its item-item part); EASE lambda {settings.get('ease')}, "
                       f"item-kNN k {settings.get('item_knn')} (means of the values chosen on each seed's validation split).")]
    if "cold_start" in results:
        cold = results["cold_start"]
        lines += ["", "## Cold start: 10% of rated movies held out of training, ranked among themselves", "",
                  f"{cold['held_out']['movies']:,} movies, {cold['held_out']['ratings']:,} ratings of {cold['held_out']['users']:,} users.", ""]
        lines += _table(["model", "auc"], [[name, _with_spread(cold[name]["auc"], _get(spread, "cold_start", name, "auc"))]
                                           for name in ("hybrid", "collaborative")])
    lines += ["", "## Training runs (first seed)", ""]
    lines += _table(["run", "best epoch", "seconds", "item-item part"],
                    [[name, r["best_epoch"], r["seconds"], r.get("blend", "")] for name, r in results.get("training", {}).items()])
    data = results["data"]
    lines += ["", (f"ml-100k items linked to the catalogue: {data['ml_100k_items_linked_to_catalogue']:,} of {data['ml_100k_items']:,}; "
                   f"the rest use u.item's genres and year. Total time {results['seconds']} s."), ""]
    lines += ["Plots: " + ", ".join(f"[{name}]({name})" for name in PLOTS), ""]
    return "\n".join(lines)


def _precision_plot(evaluation: Evaluation, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, curve in evaluation.precision_curves.items():
        axes.plot(CURVE_K, curve, marker="o", markersize=3, label=name)
    axes.set(xlabel="k", ylabel="precision@k", title="ml-100k ua.test: precision@k", xticks=CURVE_K[::2])
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _rating_plot(evaluation: Evaluation, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(6, 4))
    if evaluation.rating_pairs is not None:  # None when the rating experiment did not run
        actual, predicted = evaluation.rating_pairs
        stars = np.unique(actual)
        axes.boxplot([predicted[actual == s] for s in stars], positions=stars, widths=0.5, showfliers=False)
    axes.plot([1, 5], [1, 5], linestyle="--", color="grey", label="perfect")
    axes.set(xlabel="actual rating", ylabel="predicted rating", title="ml-100k u1.test: predicted vs actual", ylim=(0.8, 5.2))
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _validation_plot(evaluation: Evaluation, path: Path) -> None:
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.set_prop_cycle(color=[plt.get_cmap("tab20")(i) for i in range(20)])  # one colour per run: there are 11
    for name, curve in evaluation.validation_curves.items():
        axes.plot(range(1, len(curve) + 1), curve, label=name)
    axes.set(xlabel="epoch", ylabel="validation precision@10", title="Early stopping: validation curve per epoch")
    axes.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
