"""The model the server scores with, swapped for a newer artifact without a restart (the runtime holds one).

`moviegraph train` publishes an artifact by pointing the model path at a new directory in one
rename. The holder notices (the resolved path or the manifest's mtime changed), loads and checks
the new artifact off the event loop, and swaps the reference in one assignment: a request sees the
old model or the new one, never a mix. An artifact that fails its checks is refused and logged;
the old model keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from data.errors import ArtifactError, DatabaseUnavailable
from ml.scoring import Scorer

logger = logging.getLogger(__name__)

# What clients and /ready are told: what to do, no path (the log has it, and why an artifact was refused).
NO_ARTIFACT = "no model artifact yet; run `moviegraph train`"
REFUSED = ("refused the newest model artifact (damaged, or not of this catalogue: the server log says why); "
           "run `moviegraph train` to publish a good one")

Stamp = tuple[str, float]  # (resolved artifact path, manifest mtime)


class ModelHolder:
    def __init__(self, model_dir: Path, db_path: Path) -> None:
        self.model_dir = model_dir
        self.db_path = db_path
        self.scorer: Scorer | None = None
        self.problem: str | None = None  # why there is no (newer) model, for /ready and errors
        self._stamp: Stamp | None = None

    def _current_stamp(self) -> Stamp | None:
        try:
            return os.path.realpath(self.model_dir), (self.model_dir / "manifest.json").stat().st_mtime
        except OSError:
            return None

    async def refresh(self) -> bool:
        """Loads the artifact if it changed since the last look; True when a new model was swapped in."""
        stamp = self._current_stamp()
        if stamp is None:
            if self.scorer is None and self.problem is None:
                logger.warning("no model artifact at %s; recommendations answer MODEL_UNAVAILABLE until one is trained", self.model_dir)
            if self.scorer is None:
                self.problem = NO_ARTIFACT
            return False
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            scorer = await asyncio.to_thread(Scorer.load, self.model_dir, db_path=self.db_path)
        except (ArtifactError, DatabaseUnavailable) as exc:  # a model is checked against the catalogue
            self.problem = REFUSED
            serving = "the previous model keeps serving" if self.scorer else "no model is serving"
            logger.error("refused the artifact at %s: %s; %s", stamp[0], exc, serving)
            return False
        self.scorer, self.problem = scorer, None
        logger.info("serving model version %s from %s", scorer.model_info.version, stamp[0])
        return True

    async def watch(self, interval: float) -> None:
        """Refreshes every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # the watcher must outlive any one bad artifact
                logger.exception("checking for a new model failed")
