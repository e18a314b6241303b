"""`moviegraph` command line: one function per command; expected errors exit 1 with `Type: message`."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from api.settings import Settings
from data.errors import MoviegraphError
from data.ingest import RATINGS_SOURCES, IngestResult, ingest


def _print_ingest(result: IngestResult) -> None:
    for report in result.reports:
        print(report.summary())
    for key, value in sorted(result.facts.items()):
        if "link" in key:
            print(f"{key}: {value}")
    print(result.summary())


def ingest_command(args: argparse.Namespace, settings: Settings) -> None:
    result = ingest(
        movies_dataset=args.movies_dataset,
        db_path=args.db or settings.db_path,
        ratings=args.ratings,
        movielens=args.movielens,
        show_progress=not args.quiet,
    )
    _print_ingest(result)


def serve_command(args: argparse.Namespace, settings: Settings) -> None:
    overrides = {"db_path": args.db, "host": args.host, "port": args.port, "workers": args.workers}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    settings.validate()
    if not settings.db_path.exists():
        print(f"no catalogue at {settings.db_path}: ingesting the embedded sample first")
        _print_ingest(ingest(movies_dataset=settings.sample_dir, db_path=settings.db_path))
    # Worker processes rebuild their settings from the environment, so pass the overrides on.
    os.environ.update(settings.as_environ())
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moviegraph", description="Movie catalogue and recommender GraphQL API")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest_parser = commands.add_parser("ingest", help="build the SQLite catalogue from raw data")
    ingest_parser.add_argument("--movies-dataset", type=Path, required=True, metavar="DIR",
                               help="The Movies Dataset directory (movies_metadata.csv, credits.csv, ...)")
    ingest_parser.add_argument("--ratings", choices=RATINGS_SOURCES, default="ratings-small",
                               help="ratings source (default: ratings-small from the movies dataset)")
    ingest_parser.add_argument("--movielens", metavar="PATH|URL",
                               help="MovieLens directory, zip or URL for --ratings ml-100k / ml-latest-small")
    ingest_parser.add_argument("--db", type=Path, help="database file (default: $MOVIEGRAPH_DB_PATH)")
    ingest_parser.add_argument("--quiet", action="store_true", help="no progress bars")
    ingest_parser.set_defaults(run=ingest_command)

    serve_parser = commands.add_parser("serve", help="run the API (ingests the embedded sample if there is no database)")
    serve_parser.add_argument("--host")
    serve_parser.add_argument("--port", type=int)
    serve_parser.add_argument("--workers", type=int)
    serve_parser.add_argument("--db", type=Path, help="database file (default: $MOVIEGRAPH_DB_PATH)")
    serve_parser.set_defaults(run=serve_command)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.run(args, Settings.from_environ())
    except MoviegraphError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
