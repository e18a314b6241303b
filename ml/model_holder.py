"""The model the server scores with, swapped for a newer artifact without a restart (the runtime holds one).

`moviegraph train` publishes an artifact to the store (ml/artifact_store.py): a local folder's
symlink moves, or an object store's pointer. The holder notices a new version, has the store put it
in a local folder and loads and checks it off the event loop, then swaps the reference in one
assignment: a request sees the old model or the new one, never a mix. An artifact that fails its
checks is refused and logged; the old model keeps serving. A store that cannot be reached is tried
again with a growing delay, the old model serving meanwhile; at start-up it stops the server.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from data.errors import ArtifactError, ArtifactStoreUnavailable, DatabaseUnavailable
from ml.artifact_store import ArtifactStore, Version
from ml.scoring import Scorer

logger = logging.getLogger(__name__)

# What clients and /ready are told: what to do, no path (the log has it, and why an artifact was refused).
NO_ARTIFACT = "no model artifact yet; run `moviegraph train`"
REFUSED = ("refused the newest model artifact (damaged, or not of this catalogue: the server log says why); "
           "run `moviegraph train` to publish a good one")
STORE_UNAVAILABLE = "the model store cannot be reached (the server log says why); it is tried again"
MAX_BACKOFF_SECONDS = 60.0  # the longest wait between tries of a store that cannot be reached


class ModelHolder:
    def __init__(self, store: ArtifactStore, db_path: Path) -> None:
        self.store = store
        self.db_path = db_path
        self.scorer: Scorer | None = None
        self.problem: str | None = None  # why there is no (newer) model, for /ready and errors
        self._version: Version | None = None
        self.refusals = 0  # versions refused, for /metrics
        self.store_failures = 0  # looks at a store that could not be reached, for /metrics

    async def refresh(self) -> bool:
        """Loads the artifact if it changed since the last look; True when a new model was swapped in.
        Raises ArtifactStoreUnavailable when the store cannot be reached (nothing changes then)."""
        try:
            version = await asyncio.to_thread(self.store.published)
        except ArtifactStoreUnavailable:
            self._unreachable()
            raise
        if version is None:
            if self.scorer is None and self.problem is None:
                logger.warning("no model artifact at %s; recommendations answer MODEL_UNAVAILABLE until one is trained", self.store.location)
            if self.scorer is None:
                self.problem = NO_ARTIFACT
            return False
        if version == self._version:
            return False
        try:
            path = await asyncio.to_thread(self.store.fetch, version)
            scorer = await asyncio.to_thread(Scorer.load, path, db_path=self.db_path)
        except ArtifactStoreUnavailable:  # mid-download: the version is not to blame, try it again
            self._unreachable()
            raise
        except (ArtifactError, DatabaseUnavailable) as exc:  # a model is checked against the catalogue
            self._version = version  # refused once, not again at every poll
            self.refusals += 1
            self.problem = REFUSED
            serving = "the previous model keeps serving" if self.scorer else "no model is serving"
            logger.error("refused the artifact at %s (version %s): %s; %s", self.store.location, version[:200], exc, serving)
            return False
        self.scorer, self.problem, self._version = scorer, None, version
        logger.info("serving model version %s from %s (%s)", scorer.model_info.version, self.store.location, path)
        return True

    def _unreachable(self) -> None:
        self.store_failures += 1
        if self.scorer is None:
            self.problem = STORE_UNAVAILABLE

    async def watch(self, interval: float) -> None:
        """Refreshes every `interval` seconds until cancelled; while the store cannot be reached,
        every `interval` x 2, x 4, ... up to MAX_BACKOFF_SECONDS (or `interval`, if longer)."""
        failures = 0
        while True:
            await asyncio.sleep(retry_delay(interval, failures))
            try:
                await self.refresh()
                failures = 0
            except ArtifactStoreUnavailable as exc:
                failures += 1
                serving = "the current model keeps serving" if self.scorer else "no model is serving"
                logger.warning("%s; %s, next try in %.3g s", exc, serving, retry_delay(interval, failures))
            except Exception:  # the watcher must outlive any one bad artifact
                logger.exception("checking for a new model failed")


def retry_delay(interval: float, failures: int) -> float:
    """Seconds before the next look after `failures` failed tries in a row."""
    return min(interval * 2.0 ** min(failures, 16), max(interval, MAX_BACKOFF_SECONDS))
