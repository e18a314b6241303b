"""Where model artifacts are published and found: a local folder, or S3-compatible object storage.

The model holder asks `published()` (cheap: one stat, or one small object) which version is
current, has a version it has not seen put in a local folder by `fetch`, and loads it from there;
`moviegraph train` calls `publish`. Both treat an artifact as the files `artifact.save` writes,
whatever they are, so a new component of the artifact needs no change here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from ml import artifact
from ml.model import Model

# Identifies one published artifact; only compared for equality.
Version = str


class ArtifactStore(Protocol):
    location: str  # for logs and messages

    def published(self) -> Version | None:
        """The current version, None when nothing is published; ArtifactStoreUnavailable when the store cannot say."""

    def fetch(self, version: Version) -> Path:
        """A local folder holding `version`, checked; ArtifactError when it is damaged or incomplete."""

    def publish(self, model: Model) -> str:
        """Publishes `model` as the new current version; returns where it went, for the CLI to print."""


class LocalFolder:
    """Today's store: `path` is a symlink that `artifact.save` repoints at each new version."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def published(self) -> Version | None:
        try:
            # The resolved folder changes with each `train`; the mtime catches a folder edited in place.
            return f"{os.path.realpath(self.path)}@{(self.path / artifact.MANIFEST).stat().st_mtime_ns}"
        except OSError:
            return None

    def fetch(self, version: Version) -> Path:
        return self.path

    def publish(self, model: Model) -> str:
        return f"{self.path} -> {artifact.save(model, self.path).name}"


def open_store(location: str, *, endpoint_url: str = "", cache_dir: Path) -> ArtifactStore:
    """The store at `location`: `s3://bucket/prefix` (downloads go to `cache_dir`) or a local folder."""
    if location.startswith("s3://"):
        from ml.s3_artifacts import S3Artifacts  # obstore is loaded only by those who use it

        return S3Artifacts(location, endpoint_url=endpoint_url, cache_dir=cache_dir)
    return LocalFolder(Path(location))
