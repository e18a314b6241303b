import json
from pathlib import Path

import numpy as np

from ml import report
from ml.experiments import CURVE_K, RATING_SPLITS, TARGETS, Evaluation


def _evaluation() -> Evaluation:
    accuracy = {"rmse": 0.9, "mae": 0.7}
    ranking = {"precision_at_10": 0.27, "recall_at_10": 0.27, "ndcg_at_10": 0.3, "auc": 0.94}
    results = {
        "data": {"ml_100k_items": 1682, "ml_100k_items_linked_to_catalogue": 1562},
        "rating": {"splits": {s: {m: accuracy for m in ("model", "global_mean", "bias_baseline")} for s in RATING_SPLITS},
                   "mean": {m: accuracy for m in ("model", "global_mean", "bias_baseline")}},
        "served_u1": {"served_rmse": 0.9012, "raw_rmse": 0.9, "raw_rmse_same_pairs": 0.8998, "test_ratings": 20000,
                      "test_ratings_served": 19946, "test_ratings_unlinked": 54},
        "ranking_ml100k": {**{m: ranking for m in ("hybrid", "collaborative", "ease", "item_knn", "popularity")},
                           "settings": {"ease": 500.0, "item_knn": 100.0}},
        "ranking_ratings_small": {**{m: ranking for m in ("hybrid", "collaborative", "popularity")}, "ratings": {"train": 8, "test": 2}},
        "spread": {"ranking_ml100k": {"ease": {"precision_at_10": 0.002}}, "rating": {"mean": {"model": {"rmse": 0.001}}}},
        "seeds": {"ranking_ml100k": [42, 43, 44], "rating": [42, 43, 44]},
        "cold_start": {"hybrid": {"auc": 0.75}, "collaborative": {"auc": 0.5}, "held_out": {"movies": 420, "ratings": 7000, "users": 600}},
        "training": {"ml-100k u1": {"best_epoch": 12, "seconds": 30.0}},
        "targets": [{"metric": path, "target": f"{op} {t}", "value": 0.7, "met": True} for path, op, t, _ in TARGETS],
        "seconds": 100.0,
    }
    actual = np.repeat(np.arange(1, 6, dtype=np.float32), 10)
    return Evaluation(results, (actual, actual + 0.1), {"hybrid": [0.3] * len(CURVE_K)}, {"ml-100k u1": [0.1, 0.12, 0.11]})


def test_the_report_has_json_markdown_and_three_png_plots(tmp_path: Path) -> None:
    paths = report.write(_evaluation(), tmp_path / "out")
    assert [p.name for p in paths] == ["evaluation.json", "evaluation.md", *report.PLOTS]
    assert json.loads(paths[0].read_text())["cold_start"]["hybrid"]["auc"] == 0.75
    markdown = paths[1].read_text()
    assert "| cold_start.hybrid.auc | >= 0.8 | 0.7 | yes |" in markdown
    assert "| **mean** | **0.9 ± 0.001 / 0.7** |" in markdown
    assert "| ease | 0.27 ± 0.002 | 0.27 | 0.3 | 0.94 |" in markdown
    assert "ranking_ml100k: 42, 43, 44" in markdown
    assert "RMSE 0.9012 on 19,946 of 20,000 test ratings (54 of unlinked items cannot be asked for); the raw files' 0.9 on all, 0.8998" in markdown
    for plot in paths[2:]:
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
