"""The model artifact on disk: float32 .npy arrays and a JSON manifest, published atomically.

`save` writes a fresh hidden directory beside the target, checks it loads, then swaps a symlink
at the target over to it with one `os.replace`: a reader sees the old artifact or the new one,
never half of one, and a failed training run leaves the old one serving. The previous directory
is kept (a server may be loading it at that moment); older ones are removed. The item-item part
is three more arrays, csr rows of at most k weights per movie (never a dense n x n matrix).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from data.errors import ArtifactError
from data.files import fsync_directory
from ml.item_item import Neighbours
from ml.model import FORMAT_VERSION, Model
from ml.rating_head import HeadParams, RatingHead
from ml.types import IdArray

MANIFEST = "manifest.json"
# file stem -> (dtype, rows: "movies" or "users", has a vector dimension)
_ARRAYS = {
    "movie_ids": (np.int64, "movies", False),
    "item_vectors": (np.float32, "movies", True),
    "item_biases": (np.float32, "movies", False),
    "popularity": (np.float32, "movies", False),
    "head_item_bias": (np.float32, "movies", False),
    "user_ids": (np.int64, "users", False),
    "user_vectors": (np.float32, "users", True),
    "head_user_bias": (np.float32, "users", False),
    "head_user_weights": (np.float32, "users", True),
}
_NEIGHBOURS = ("neighbour_indptr", "neighbour_targets", "neighbour_weights")  # csr of ml.item_item.Neighbours
_RETRAIN = "run `moviegraph train` to rebuild it"


def _arrays(model: Model) -> dict[str, np.ndarray]:
    return {
        "movie_ids": model.movie_ids, "item_vectors": model.item_vectors, "item_biases": model.item_biases,
        "popularity": model.popularity, "head_item_bias": model.head.item_bias, "user_ids": model.user_ids,
        "user_vectors": model.user_vectors, "head_user_bias": model.head.user_bias,
        "head_user_weights": model.head.user_weights,
    }


def _neighbour_arrays(model: Model) -> dict[str, np.ndarray]:
    neighbours = model.neighbours or Neighbours.empty(len(model.movie_ids))
    return dict(zip(_NEIGHBOURS, (neighbours.indptr.astype(np.int64), neighbours.targets.astype(np.int32),
                                  neighbours.weights.astype(np.float32)), strict=True))


def save(model: Model, target: Path) -> Path:
    """Publishes `model` at `target` (a symlink to the directory written); returns that directory."""
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        for stem, array in _arrays(model).items():
            dtype = _ARRAYS[stem][0]
            np.save(build / f"{stem}.npy", np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
        for stem, array in _neighbour_arrays(model).items():
            np.save(build / f"{stem}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (build / MANIFEST).write_text(json.dumps(model.manifest, indent=2, sort_keys=True))
        for path in build.iterdir():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        load(build)
        _publish(build, target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build


def _publish(build: Path, target: Path) -> None:
    previous = target.resolve() if target.is_symlink() else None
    if target.exists() and not target.is_symlink():
        # A plain directory (copied in by hand) cannot be replaced atomically: move it aside first.
        aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        os.replace(target, aside / "previous")
        previous = aside
    link = target.with_name(f".{target.name}.{os.getpid()}.link")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(build.name, link)
    os.replace(link, target)
    fsync_directory(target.parent)
    for old in target.parent.glob(f".{target.name}-*"):
        if old.resolve() not in (build.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


def load(path: Path) -> Model:
    """The model at `path`, checked: format version, dtypes, shapes, finite values, unique ids."""
    if not (path / MANIFEST).is_file():
        raise ArtifactError(f"no model artifact at {path}; run `moviegraph train`")
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text())
        version = manifest["version"]
        if version != FORMAT_VERSION:
            raise ArtifactError(f"{path} holds artifact format {version}, this moviegraph reads {FORMAT_VERSION}; {_RETRAIN}")
        arrays = {stem: np.load(path / f"{stem}.npy", allow_pickle=False) for stem in (*_ARRAYS, *_NEIGHBOURS)}
        blend_weight = float(manifest.get("blend", {}).get("weight", 0.0))
        head_params = HeadParams(**manifest["parameters"]["head"])
        mu = float(manifest["rating_head"]["mu"])
        counts = manifest["counts"]
        rows = {"movies": int(counts["movies"]), "users": int(counts["users"])}
        dim = int(manifest["parameters"]["components"])
    except ArtifactError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{path} is not a readable model artifact ({type(exc).__name__}: {exc}); {_RETRAIN}") from None
    for stem, (dtype, kind, has_dim) in _ARRAYS.items():
        array = arrays[stem]
        shape = (rows[kind], dim) if has_dim else (rows[kind],)
        if array.dtype != dtype or array.shape != shape:
            raise ArtifactError(f"{path}/{stem}.npy is {array.dtype} {array.shape}, expected {np.dtype(dtype)} {shape}; {_RETRAIN}")
        if dtype == np.float32 and not np.isfinite(array).all():
            raise ArtifactError(f"{path}/{stem}.npy has non-finite values; the training diverged, {_RETRAIN} (a lower learning rate may help)")
    neighbours = _neighbours(path, arrays, rows["movies"])
    if not math.isfinite(blend_weight) or blend_weight < 0:
        raise ArtifactError(f"{path}: the blend weight is {blend_weight}; {_RETRAIN}")
    if not math.isfinite(mu):
        raise ArtifactError(f"{path}: the rating head's mean rating is {mu}; {_RETRAIN}")
    for stem in ("movie_ids", "user_ids"):
        if len(np.unique(arrays[stem])) != len(arrays[stem]):
            raise ArtifactError(f"{path}/{stem}.npy repeats ids; {_RETRAIN}")
    head = RatingHead(mu, arrays["head_item_bias"], arrays["head_user_bias"], arrays["head_user_weights"], head_params)
    return Model(
        movie_ids=arrays["movie_ids"], user_ids=arrays["user_ids"], item_vectors=arrays["item_vectors"],
        item_biases=arrays["item_biases"], user_vectors=arrays["user_vectors"], popularity=arrays["popularity"],
        head=head, manifest=manifest, neighbours=neighbours, blend_weight=blend_weight,
    )


def _neighbours(path: Path, arrays: dict[str, np.ndarray], n_movies: int) -> Neighbours:
    """The item-item part, checked as a csr of movie rows: ordered offsets, targets in range, finite weights."""
    indptr, targets, weights = (arrays[stem] for stem in _NEIGHBOURS)
    if indptr.dtype != np.int64 or targets.dtype != np.int32 or weights.dtype != np.float32:
        raise ArtifactError(f"{path}: the item-item arrays are {indptr.dtype}, {targets.dtype}, {weights.dtype}, "
                            f"expected int64, int32, float32; {_RETRAIN}")
    well_formed = (
        indptr.shape == (n_movies + 1,) and targets.ndim == weights.ndim == 1 and len(targets) == len(weights)
        and indptr[0] == 0 and indptr[-1] == len(targets) and bool((np.diff(indptr) >= 0).all())
        and bool(((targets >= 0) & (targets < n_movies)).all())
    )
    if not well_formed:
        raise ArtifactError(f"{path}: the item-item arrays do not form {n_movies:,} movie rows; {_RETRAIN}")
    if not np.isfinite(weights).all():
        raise ArtifactError(f"{path}/neighbour_weights.npy has non-finite values; {_RETRAIN}")
    return Neighbours(indptr, targets, weights)


def check_catalogue(model: Model, catalogue_ids: IdArray) -> None:
    """Raises ArtifactError unless the model knows exactly the catalogue's movies."""
    known, wanted = np.sort(model.movie_ids), np.sort(np.asarray(catalogue_ids, dtype=np.int64))
    if len(known) != len(wanted):
        raise ArtifactError(f"artifact knows {len(known):,} movies, DB has {len(wanted):,}; run `moviegraph train`")
    differing = np.setdiff1d(wanted, known)
    if len(differing):
        raise ArtifactError(
            f"artifact and DB differ in {len(differing):,} movie ids (e.g. DB movie {differing[0]}); run `moviegraph train`"
        )
