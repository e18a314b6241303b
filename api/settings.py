"""Settings, read once from `MOVIEGRAPH_*` environment variables; nothing else reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from data.errors import MoviegraphError

PREFIX = "MOVIEGRAPH_"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


class SettingsError(MoviegraphError):
    """An environment variable has a value moviegraph cannot use."""


@dataclass(frozen=True)
class Settings:
    db_path: Path = Path("var/moviegraph.sqlite3")
    model_dir: Path = Path("var/model")
    model_poll_seconds: float = 2.0  # how often the server looks for a newly trained model
    sample_dir: Path = SAMPLE_DIR
    # A folder with a prebuilt moviegraph.sqlite3 and model (the image's) that a first `serve` copies
    # instead of ingesting sample_dir and training; "" for none. A str, as None has no env parsing.
    seed_dir: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings from `MOVIEGRAPH_DB_PATH`, `MOVIEGRAPH_PORT`, ...; unset ones keep their default."""
        values: dict[str, object] = {}
        for name, default in cls().__dict__.items():
            raw = environ.get(PREFIX + name.upper())
            if raw is None:
                continue
            try:
                values[name] = type(default)(raw)
            except ValueError:
                raise SettingsError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}") from None
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError(f"port {self.port} is not in 1..65535")
        if self.model_poll_seconds <= 0:
            raise SettingsError(f"model_poll_seconds must be positive, not {self.model_poll_seconds}")
        if self.workers < 1:
            raise SettingsError(f"workers must be at least 1, not {self.workers}")

    def as_environ(self) -> dict[str, str]:
        """The same settings as environment variables, for worker processes uvicorn spawns."""
        return {PREFIX + name.upper(): str(value) for name, value in self.__dict__.items()}
