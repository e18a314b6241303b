"""The block `moviegraph serve` prints once before it listens: where to go, and what it serves."""

from __future__ import annotations

import json
from pathlib import Path

from api.settings import Settings
from data.errors import DatabaseUnavailable
from loaders.stats import file_counts
from ml.artifact import MANIFEST


def _base_url(host: str, port: int) -> str:
    # A wildcard bind is reached on loopback from the same machine; an IPv6 literal needs brackets.
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def _catalogue(db_path: Path) -> str:
    try:
        counts = file_counts(db_path)
    except DatabaseUnavailable as exc:
        return f"none ({exc})"
    return (f"{counts['movies']:,} movies, {counts['people']:,} people, {counts['users']:,} users, "
            f"{counts['ratings']:,} ratings ({db_path})")


def _model(model_dir: Path) -> str:
    # The manifest only: the server loads and checks the arrays itself, and /ready says if it refused them.
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text())
        counts = manifest["counts"]
        return (f"{model_dir.resolve().name} (format {manifest['version']}), trained {manifest['created_at']} "
                f"on {counts['ratings']:,} ratings of {counts['users']:,} users ({model_dir})")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"none readable at {model_dir} ({type(exc).__name__}); run `moviegraph train`"


def _stored(uri: str) -> str:
    # The server downloads the version the store's pointer names once it starts; /ready says which serves.
    return f"the version {uri} points to (downloaded at start; /ready says which serves)"


def banner(settings: Settings) -> str:
    base = _base_url(settings.host, settings.port)
    return "\n".join([
        "moviegraph is starting:",
        f"  GraphiQL   {base}/graphql   (open it in a browser; {base}/ leads there too)",
        f"  health     {base}/health   readiness {base}/ready   metrics {base}/metrics",
        f"  catalogue  {_catalogue(settings.db_path)}",
        f"  model      {_model(settings.model_dir) if not settings.model_on_object_storage else _stored(settings.model_uri)}",
    ])
