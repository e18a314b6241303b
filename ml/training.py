"""Training: LightFM (WARP, adagrad) on content + identity features, early stopping, an item-item
part blended into the ranking (`ml.blending`), rating head.

Early stopping holds out a random share of the ratings of each user (of at most
`validation_users` of them), trains epoch by epoch while precision@k on them improves (at most
`patience` epochs without a gain), then retrains on all the ratings for the best number of epochs,
so the served model does not lose the held-out data; a held-out share under `RETRAIN_ABOVE` is
not worth that second run, and the best epoch is served with the item-item part chosen beside it.
The same held-out ratings choose the item-item part and its blend weight against the LightFM of
the best epoch.
LightFM trains Hogwild! on `threads` threads: with more than one, runs with the same seed differ
slightly; `threads=1` makes them repeatable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from lightfm import LightFM

from data import progress
from data.errors import TrainingError
from ml.blending import BlendParams, choose
from ml.evaluation import precision_at_k
from ml.features import FeatureParams, Features, feature_matrix, vocabulary
from ml.ids import IdIndex
from ml.interactions import Ratings, cap_per_user, split_per_user
from ml.model import FORMAT_VERSION, Model
from ml.rating_head import HeadParams, fit_head, unit_rows
from ml.types import FloatArray, IdArray, IndexArray

# The best epoch of the validation run is served as it is when it saw all but this share of the
# ratings (a sample of users held some out); otherwise it is retrained on all of them, which costs
# its epochs again: 270k users' ratings in 5,000 users' validation slice leave out 0.2%.
RETRAIN_ABOVE = 0.01


@dataclass(frozen=True)
class TrainingSet:
    """Ratings plus every movie and user the model must know; tokens align with the ids."""

    ratings: Ratings
    movie_ids: IdArray
    movie_tokens: list[list[str]]
    user_ids: IdArray
    user_tokens: list[list[str]]
    ratings_as_of: float = 0.0  # the newest live-rating stamp in the ratings (0: none, or not from a catalogue)


@dataclass(frozen=True)
class TrainingParams:
    components: int = 64
    max_epochs: int = 40
    learning_rate: float = 0.05
    regularisation: float = 1e-5  # LightFM item_alpha and user_alpha
    max_sampled: int = 20  # WARP's negatives tried per positive
    patience: int = 6  # validation precision is noisy: 3 stopped ml-100k runs a few epochs short
    validation_fraction: float = 0.1
    validation_k: int = 10
    # The held-out slice scored after each epoch: that many users' held-out ratings (all users when
    # fewer). Scoring every one of 270k users against 45k movies would cost more than the epoch.
    validation_users: int = 5_000
    # At most this many of each user's ratings are trained on (None: all); see `cap_per_user`.
    max_ratings_per_user: int | None = None
    seed: int = 42
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    features: FeatureParams = FeatureParams()
    head: HeadParams = HeadParams()
    blend: BlendParams = BlendParams()

    def __post_init__(self) -> None:
        for name in ("components", "max_epochs", "patience", "validation_k", "threads", "validation_users"):
            if getattr(self, name) < 1:
                raise TrainingError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_ratings_per_user is not None and self.max_ratings_per_user < 1:
            raise TrainingError(f"max_ratings_per_user must be at least 1, not {self.max_ratings_per_user}")
        if self.learning_rate <= 0 or self.regularisation < 0:
            raise TrainingError("learning_rate must be positive and regularisation not negative")


@dataclass(frozen=True)
class TrainingResult:
    model: Model
    validation_curve: list[float]  # precision@k on the held-out ratings after each epoch
    best_epoch: int
    seconds: float


@dataclass(frozen=True)
class _Representations:
    """LightFM's vectors mid-training, ranked as `Model.ranking_scores` ranks them."""

    users: FloatArray
    items: FloatArray
    biases: FloatArray

    def ranking_scores(self, user_rows: IndexArray) -> FloatArray:
        return self.users[user_rows] @ self.items.T + self.biases


def _lightfm(params: TrainingParams) -> LightFM:
    return LightFM(
        no_components=params.components, loss="warp", learning_schedule="adagrad",
        learning_rate=params.learning_rate, item_alpha=params.regularisation, user_alpha=params.regularisation,
        max_sampled=params.max_sampled, random_state=params.seed,
    )


def _representations(model: LightFM, items: Features, users: Features) -> _Representations:
    item_biases, item_vectors = model.get_item_representations(items.matrix)
    _, user_vectors = model.get_user_representations(users.matrix)
    return _Representations(user_vectors.astype(np.float32), item_vectors.astype(np.float32), item_biases.astype(np.float32))


def fingerprint(data: TrainingSet) -> str:
    """sha256 of the ids and ratings a model was trained on (order-independent)."""
    digest = hashlib.sha256()
    order = np.lexsort((data.ratings.movie_ids, data.ratings.user_ids))
    for array in (np.sort(data.movie_ids), np.sort(data.user_ids), data.ratings.user_ids[order],
                  data.ratings.movie_ids[order], data.ratings.values[order]):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def validation_split(ratings: Ratings, params: TrainingParams) -> tuple[Ratings, Ratings]:
    """(fit, held out): a `validation_fraction` of the ratings of at most `validation_users` users
    (a seeded choice) held out, every other rating fitted."""
    fit_part, held_out = split_per_user(ratings, params.validation_fraction, params.seed)
    held_users = np.unique(held_out.user_ids)
    if len(held_users) <= params.validation_users:
        return fit_part, held_out
    chosen = np.isin(held_out.user_ids, np.random.default_rng(params.seed).choice(held_users, size=params.validation_users, replace=False))
    return Ratings.concatenate([fit_part, held_out.where(~chosen)]), held_out.where(chosen)


def _validation_curve(
    ratings: Ratings, movies: IdIndex, users: IdIndex, item_features: Features, user_features: Features,
    params: TrainingParams, show_progress: bool,
) -> tuple[list[float], _Representations, sp.csr_matrix, sp.csr_matrix]:
    """precision@k on held-out ratings after each epoch, until `patience` epochs bring no gain;
    with the best epoch's representations and the (fit, held-out) binary matrices."""
    fit_part, held_out = validation_split(ratings, params)
    fit_matrix, held_matrix = fit_part.matrix(users, movies, binary=True), held_out.matrix(users, movies, binary=True)
    lightfm, curve, best = _lightfm(params), [], None
    with progress.counter(desc="training (validation)", show=show_progress, total=params.max_epochs, unit=" epoch") as bar:
        for epoch in range(1, params.max_epochs + 1):
            started = time.perf_counter()
            lightfm.fit_partial(fit_matrix, user_features.matrix, item_features.matrix, num_threads=params.threads)
            ranker = _representations(lightfm, item_features, user_features)
            curve.append(float(precision_at_k(ranker, held_matrix, fit_matrix, k=params.validation_k).mean()))
            progress.note(f"epoch {epoch}: validation precision@{params.validation_k} {curve[-1]:.4f} "
                          f"({time.perf_counter() - started:.1f} s)", show=show_progress)
            if best is None or curve[-1] > max(curve[:-1]):
                best = ranker
            bar.update()
            bar.set_postfix({f"p@{params.validation_k}": f"{curve[-1]:.4f}"})
            if len(curve) - 1 - int(np.argmax(curve)) >= params.patience:
                break
    assert best is not None, "max_epochs is at least 1"
    return curve, best, fit_matrix, held_matrix


def _retrain(
    epochs: int, interactions: sp.csr_matrix, item_features: Features, user_features: Features, params: TrainingParams, show_progress: bool,
) -> _Representations:
    lightfm = _lightfm(params)
    for _ in progress.bar(range(epochs), desc="training", show=show_progress, unit=" epoch"):
        lightfm.fit_partial(interactions, user_features.matrix, item_features.matrix, num_threads=params.threads)
    return _representations(lightfm, item_features, user_features)


def train(data: TrainingSet, params: TrainingParams, *, show_progress: bool = True) -> TrainingResult:
    """A Model over every movie in `data.movie_ids`; a movie without ratings is scored from its tokens."""
    if len(data.movie_tokens) != len(data.movie_ids) or len(data.user_tokens) != len(data.user_ids):
        raise ValueError("movie_tokens and user_tokens must align with movie_ids and user_ids")
    if not len(data.ratings):
        raise TrainingError("there are no ratings to train on")
    started = time.perf_counter()
    movies, users = IdIndex(data.movie_ids), IdIndex(data.user_ids)
    trained = cap_per_user(data.ratings, params.max_ratings_per_user, params.seed)
    user_rows, movie_rows = trained.indices(users, movies)
    rated = np.bincount(movie_rows, minlength=len(movies)) > 0
    features = params.features
    item_features = feature_matrix(rated, data.movie_tokens, features.content_weight, vocabulary(data.movie_tokens, features))
    user_features = feature_matrix(
        np.ones(len(users), dtype=bool), data.user_tokens, features.demographic_weight, vocabulary(data.user_tokens, features)
    )
    curve, best, fit_matrix, held_matrix = _validation_curve(trained, movies, users, item_features, user_features, params, show_progress)
    best_epoch = int(np.argmax(curve)) + 1
    blend = choose(best, fit_matrix, held_matrix, params.blend, params.validation_k, params.seed)

    all_matrix = trained.matrix(users, movies, binary=True)
    retrained = held_matrix.nnz > RETRAIN_ABOVE * all_matrix.nnz
    final = _retrain(best_epoch, all_matrix, item_features, user_features, params, show_progress) if retrained else best
    neighbours = blend.fit(all_matrix, params.blend) if retrained else blend.fitted
    head = fit_head(user_rows, movie_rows, trained.values, unit_rows(final.items), len(users), params.head)
    seconds = time.perf_counter() - started
    manifest: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint(data),
        "ratings_as_of": data.ratings_as_of,
        "parameters": dataclasses.asdict(params),
        "metrics": {
            f"validation_precision_at_{params.validation_k}": max(curve),
            f"validation_precision_at_{params.validation_k}_blended": max(blend.validation.values(), default=max(curve)),
            "best_epoch": best_epoch,
            "retrained": retrained,
            "training_seconds": round(seconds, 2),
        },
        "rating_head": {"mu": head.mu},
        "blend": {"kind": blend.kind, "setting": blend.setting, "weight": blend.weight, "validation": blend.validation},
        "validation_curve": curve,
        "counts": {
            "movies": len(movies), "users": len(users), "ratings": len(data.ratings), "ratings_trained": len(trained),
            "rated_movies": int(rated.sum()),
            "movie_features": len(item_features.vocabulary), "user_features": len(user_features.vocabulary),
        },
    }
    model = Model(
        movie_ids=movies.ids, user_ids=users.ids, item_vectors=final.items, item_biases=final.biases,
        user_vectors=final.users, popularity=np.bincount(movies.rows(data.ratings.movie_ids), minlength=len(movies)).astype(np.float32),
        head=head, manifest=manifest, neighbours=neighbours, blend_weight=blend.weight,
    )
    return TrainingResult(model, curve, best_epoch, seconds)
