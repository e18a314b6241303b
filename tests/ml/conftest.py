"""A small model trained on the shipped sample: few components and epochs, one thread (repeatable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml import datasets
from ml.features import FeatureParams
from ml.training import TrainingParams, TrainingResult, TrainingSet, train

TINY = TrainingParams(components=8, max_epochs=3, patience=1, threads=1, features=FeatureParams())


@pytest.fixture(scope="session")
def sample_set(sample_db: Path) -> TrainingSet:
    return datasets.from_catalogue(sample_db, TINY.features)


@pytest.fixture(scope="session")
def trained(sample_set: TrainingSet) -> TrainingResult:
    return train(sample_set, TINY, show_progress=False)
