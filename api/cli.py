"""`moviegraph` command line: one function per command; expected errors exit 1 with `Type: message`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import math
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import uvicorn

from api.hosts import served_hosts
from api.settings import Settings
from api.welcome import banner
from data import live_ratings
from data.errors import MoviegraphError, SettingsError
from data.ingest import RATINGS_SOURCES, IngestResult, ingest
from ml import artifact, datasets, experiments, report
from ml.artifact_store import ArtifactStore, LocalFolder
from ml.training import TrainingParams, train

MAX_SEEDS = 10  # evaluate --seeds: each one is a full run of every experiment
# The real data of tests and benchmarks (../shared/data beside the checkout), evaluate's default.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# What a seed folder (MOVIEGRAPH_SEED_DIR; `scripts/install.sh seed` builds one) holds.
SEED_DB = "moviegraph.sqlite3"
SEED_MODEL = "model"

N = TypeVar("N", int, float)


def _print_ingest(result: IngestResult) -> None:
    for file_report in result.reports:
        print(file_report.summary())
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
        keep_ratings=args.keep_ratings,
    )
    _print_ingest(result)


def ratings_export_command(args: argparse.Namespace, settings: Settings) -> None:
    db_path = args.db or settings.db_path
    count = live_ratings.export(db_path, args.out, everything=args.all)
    print(f"exported {count:,} {'' if args.all else 'live '}ratings from {db_path} to {args.out}")


def ratings_import_command(args: argparse.Namespace, settings: Settings) -> None:
    db_path = args.db or settings.db_path
    print(live_ratings.import_file(db_path, args.file).summary() + f"; stored in {db_path}")


def prepare_first_start(settings: Settings) -> None:
    """Creates a missing catalogue and model: copied from `seed_dir` if set, else ingested and trained."""
    store = settings.model_store()
    model_missing = store.published() is None  # a model store that cannot be reached ends the start here
    folders = {settings.db_path.parent} if not settings.db_path.exists() else set()
    if settings.model_on_object_storage:
        folders.add(settings.model_cache_dir)  # where the server will download versions
    elif model_missing:
        folders.add(settings.model_dir.parent)
    for folder in sorted(folders):
        _check_writable(folder)
    seed = Path(settings.seed_dir) if settings.seed_dir else None
    if not settings.db_path.exists():
        if seed:
            # The seed's model fits the seed's catalogue only: it comes along with it or not at all,
            # and is loaded (checked) before anything is copied.
            model = artifact.load(seed / SEED_MODEL) if model_missing else None
            print(f"no catalogue at {settings.db_path}: copying the prebuilt one from {seed}")
            _copy_catalogue(seed / SEED_DB, settings.db_path)
            if model:
                print(f"no model at {store.location}: publishing the prebuilt one from {seed}")
                store.publish(model)
                model_missing = False
        else:
            print(f"no catalogue at {settings.db_path}: ingesting the embedded sample first")
            _print_ingest(ingest(movies_dataset=settings.sample_dir, db_path=settings.db_path))
    if model_missing:
        print(f"no model at {store.location}: training one on {settings.db_path} first")
        _train(settings.db_path, store, TrainingParams(), quiet=False)


def _check_writable(folder: Path) -> None:
    # Tried rather than asked of os.access: an SELinux label on a bind mount or a root-squashing
    # NFS share only shows on a real write.
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise SettingsError(
            f"cannot write to {folder} ({exc.strerror or exc}), where a first start creates the catalogue and model: "
            f"make it writable for uid {os.getuid()}, or set MOVIEGRAPH_DB_PATH and MOVIEGRAPH_MODEL_DIR to a folder that is"
        ) from None


def _copy_catalogue(source: Path, target: Path) -> None:
    if not source.is_file():
        raise SettingsError(f"MOVIEGRAPH_SEED_DIR has no {source.name} ({source} is missing); unset it to ingest the sample instead")
    # SQLite's backup API gives a consistent copy whatever journal files lie beside the source;
    # a temporary name and a rename keep a failed copy from passing for a catalogue.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as reader, \
                contextlib.closing(sqlite3.connect(partial)) as writer:
            reader.backup(writer)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def serve_command(args: argparse.Namespace, settings: Settings) -> None:
    # --model-dir serves that local folder, whatever model store the environment names.
    model = {"model_dir": args.model_dir, "model_uri": ""} if args.model_dir else {}
    overrides = {"db_path": args.db, "host": args.host, "port": args.port, "workers": args.workers, **model}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    # Decided here, where the bind address is known: loopback names only for a loopback bind.
    settings = dataclasses.replace(settings, allowed_hosts=served_hosts(settings.allowed_hosts, settings.host))
    settings.validate()
    # Imported here: the authentication modules pull in PyJWT, which the other commands never need.
    from api.authentication import check_files, check_open_bind

    warning = check_open_bind(settings)  # refuses before a first start builds anything
    check_files(settings)
    prepare_first_start(settings)
    # Worker processes rebuild their settings from the environment, so pass the overrides on.
    os.environ.update(settings.as_environ())
    if warning:
        print(warning, file=sys.stderr)
    print(banner(settings), flush=True)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,  # api/request_log.py writes one line per request instead
        http="api.http_protocol:BoundedHttpToolsProtocol",  # httptools with head size, count and time limits
        timeout_graceful_shutdown=settings.shutdown_timeout,
        # A worker loading the catalogue and model on a busy host takes more than uvicorn's 5 s to answer its first ping.
        timeout_worker_healthcheck=30,
        # uvicorn trusts X-Forwarded-For from loopback unless told otherwise (FORWARDED_ALLOW_IPS):
        # a client on the same host would pick its own address, so only the listed proxies count.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=list(settings.forwarded_allow_ips),
    )


def _training_params(args: argparse.Namespace) -> TrainingParams:
    overrides = {"components": args.components, "max_epochs": args.epochs, "patience": args.patience, "learning_rate": args.learning_rate,
                 "regularisation": args.regularisation, "max_ratings_per_user": args.max_ratings_per_user,
                 "validation_users": args.validation_users}
    return TrainingParams(**{k: v for k, v in overrides.items() if v is not None})


def train_command(args: argparse.Namespace, settings: Settings) -> None:
    store = LocalFolder(args.model_dir) if args.model_dir else settings.model_store()
    store.published()  # an object store that cannot be reached fails now, not after the training
    _train(args.db or settings.db_path, store, _training_params(args), quiet=args.quiet)


def _train(db_path: Path, store: ArtifactStore, params: TrainingParams, *, quiet: bool) -> None:
    result = train(datasets.from_catalogue(db_path, params.features), params, show_progress=not quiet)
    published = store.publish(result.model)
    counts = result.model.manifest["counts"]
    print(f"trained on {counts['ratings']:,} ratings of {counts['users']:,} users: {counts['movies']:,} movie vectors "
          f"({counts['rated_movies']:,} rated) in {result.seconds:.1f} s, best epoch {result.best_epoch}, "
          f"validation precision@{params.validation_k} {max(result.validation_curve):.4f}; artifact {published}")


def evaluate_command(args: argparse.Namespace, settings: Settings) -> None:
    sources = experiments.Sources(ml_100k=args.ml_100k, movies_dataset=args.movies_dataset, db_path=args.db)
    chosen = tuple(args.experiments.split(",")) if args.experiments else experiments.EXPERIMENTS
    unknown = sorted(set(chosen) - set(experiments.EXPERIMENTS))
    if unknown:
        raise SettingsError(f"--experiments takes some of {','.join(experiments.EXPERIMENTS)}, not {','.join(unknown)}")
    if args.seeds > MAX_SEEDS:
        raise SettingsError(f"--seeds must be at most {MAX_SEEDS}, not {args.seeds}: each seed is a full run of every experiment")
    seeds = tuple(experiments.SEEDS[0] + i for i in range(args.seeds))
    evaluation = experiments.evaluate(sources, _training_params(args), seeds=seeds, experiments=chosen, show_progress=not args.quiet,
                                      checkpoint=lambda partial: report.write(partial, args.out))
    for path in report.write(evaluation, args.out):
        print(path)
    results = evaluation.results
    met = [t for t in results["targets"] if t["met"]]
    print(f"evaluated seeds {', '.join(map(str, seeds))} in {results['seconds']} s: {len(met)} of {len(results['targets'])} targets met"
          + "".join(f"; {t['metric']} {t['value']} ({t['target']})" for t in results["targets"]))


def _keys_file(args: argparse.Namespace, settings: Settings) -> Path:
    path = args.file or (Path(settings.api_keys_file) if settings.api_keys_file else None)
    if path is None:
        raise SettingsError("say which keys file: set MOVIEGRAPH_API_KEYS_FILE (as the server does) or pass --file")
    return path


def keys_create_command(args: argparse.Namespace, settings: Settings) -> None:
    from api import service_keys

    path = _keys_file(args, settings)
    key = service_keys.create(path, args.name)
    print(f"service key {args.name!r} added to {path}; it is shown once, store it now:", file=sys.stderr)
    print(key)


def keys_revoke_command(args: argparse.Namespace, settings: Settings) -> None:
    from api import service_keys

    path = _keys_file(args, settings)
    service_keys.revoke(path, args.name)
    print(f"service key {args.name!r} removed from {path}; a running server refuses it from its next request")


def queries_register_command(args: argparse.Namespace, settings: Settings) -> None:
    from graphql import GraphQLError, parse, validate

    from api import persisted_queries
    from schema import default_schema

    path = args.file or settings.persisted_queries_path()
    queries = persisted_queries.read_registered(path)
    new = 0
    for source in args.files:
        try:
            document = parse(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"cannot read {source}: {exc.strerror or exc}") from None
        except (GraphQLError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{source} is not a GraphQL document: {exc}") from None
        errors = validate(default_schema()._schema, document)
        if errors:
            raise SettingsError(f"{source} does not validate against the schema: {errors[0].message}")
        for text in persisted_queries.sent_forms(document):
            digest = persisted_queries.sha256(text)
            new += digest not in queries
            queries[digest] = text
    persisted_queries.write_registered(path, queries)
    print(f"registered {len(args.files)} document(s), {new} new hash(es), {len(queries)} in {path}; "
          "a server reads it when it starts")


def _add_training_options(parser: argparse.ArgumentParser) -> None:
    default = TrainingParams()
    parser.add_argument("--components", type=_number(int, "--components", least=1),
                        help=f"LightFM vector dimension (default: {default.components})")
    parser.add_argument("--epochs", type=_number(int, "--epochs", least=1),
                        help=f"most epochs; early stopping picks the best (default: {default.max_epochs})")
    parser.add_argument("--patience", type=_number(int, "--patience", least=1),
                        help=f"stop after this many epochs without a validation gain (default: {default.patience})")
    parser.add_argument("--learning-rate", type=_number(float, "--learning-rate", above=0.0),
                        help=f"adagrad learning rate (default: {default.learning_rate:g})")
    parser.add_argument("--regularisation", type=_number(float, "--regularisation", least=0.0),
                        help=f"LightFM item and user alpha (default: {default.regularisation:g})")
    parser.add_argument("--max-ratings-per-user", type=_number(int, "--max-ratings-per-user", least=1),
                        help="train on at most this many of each user's ratings, a seeded random choice (default: all)")
    parser.add_argument("--validation-users", type=_number(int, "--validation-users", least=1),
                        help=f"users whose held-out ratings early stopping scores after each epoch (default: {default.validation_users:,})")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def _number(kind: type[N], option: str, *, least: N | None = None, above: N | None = None) -> Callable[[str], N]:
    """An argparse type that refuses with a SettingsError (argparse lets it through to `main`),
    so a bad number ends like every other bad value: `Type: message`, exit 1. The training
    options' bounds are TrainingParams' own, checked here too so the message names the option typed."""
    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise SettingsError(f"{option} {text!r} is not a {'whole number' if kind is int else 'number'}") from None
        if not math.isfinite(value):  # float() reads "nan" and "inf", which no bound refuses
            raise SettingsError(f"{option} {text!r} is not a finite number")
        if least is not None and value < least:
            raise SettingsError(f"{option} must be at least {least:g}, not {text}")
        if above is not None and value <= above:
            raise SettingsError(f"{option} must be above {above:g}, not {text}")
        return value
    return parse


def _version() -> str:
    # Imported here: building the schema takes a moment no other command needs.
    from api.graphql_app import schema_hash

    return f"moviegraph {importlib.metadata.version('moviegraph')} (schema {schema_hash()})"


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the package version and the schema's hash, then exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None) -> None:
        print(_version())
        parser.exit()


def _defaults() -> Settings:
    """The settings the help shows as defaults; a bad MOVIEGRAPH_* value still lets --help print
    (the command itself then says what is wrong)."""
    try:
        return Settings.from_environ()
    except SettingsError:
        return Settings()


def build_parser() -> argparse.ArgumentParser:
    defaults = _defaults()
    db_help = f"catalogue database file (default: {defaults.db_path}, from MOVIEGRAPH_DB_PATH)"
    parser = argparse.ArgumentParser(prog="moviegraph", description="Movie catalogue and recommender GraphQL API")
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)

    ingest_parser = commands.add_parser("ingest", help="build the SQLite catalogue from raw data")
    ingest_parser.add_argument("--movies-dataset", type=Path, required=True, metavar="DIR",
                               help="The Movies Dataset directory (movies_metadata.csv, credits.csv, ...)")
    ingest_parser.add_argument("--ratings", choices=RATINGS_SOURCES, default="ratings-small",
                               help="ratings source (default: ratings-small from the movies dataset; `ratings` is its full "
                                    "ratings.csv; ml-* are MovieLens releases)")
    ingest_parser.add_argument("--movielens", metavar="PATH|URL",
                               help="the MovieLens release for --ratings ml-*: its unpacked directory (ml-100k also its "
                                    "zip or URL; default: a directory of the release's name beside --movies-dataset)")
    ingest_parser.add_argument("--db", type=Path, metavar="FILE", help=db_help)
    ingest_parser.add_argument("--keep-ratings", action="store_true",
                               help="carry the live ratings (those stored through the API) of the catalogue being replaced over, by movie id")
    ingest_parser.add_argument("--quiet", action="store_true", help="no progress output")
    ingest_parser.set_defaults(run=ingest_command)

    ratings_parser = commands.add_parser("ratings", help="export or import live ratings as CSV (user,movie,rating,timestamp)")
    ratings_commands = ratings_parser.add_subparsers(dest="ratings_command", required=True)
    export_parser = ratings_commands.add_parser("export", help="write the live ratings (those stored through the API) to a CSV file")
    export_parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="CSV file to write (replaced whole)")
    export_parser.add_argument("--all", action="store_true", help="every rating, the ratings source's too")
    export_parser.add_argument("--db", type=Path, metavar="FILE", help=db_help)
    export_parser.set_defaults(run=ratings_export_command)
    import_parser = ratings_commands.add_parser(
        "import", help=f"store the ratings of a CSV file in one transaction (at most {live_ratings.MAX_IMPORT_ROWS:,} rows)")
    import_parser.add_argument("file", type=Path, metavar="FILE", help="CSV with the header user,movie,rating,timestamp")
    import_parser.add_argument("--db", type=Path, metavar="FILE", help=db_help)
    import_parser.set_defaults(run=ratings_import_command)

    train_parser = commands.add_parser("train", help="train the recommender on the catalogue and publish its artifact")
    train_parser.add_argument("--db", type=Path, metavar="FILE", help=db_help)
    train_parser.add_argument("--model-dir", type=Path, metavar="DIR",
                              help=f"publish to this local folder (default: {defaults.model_location}, "
                              "from MOVIEGRAPH_MODEL_URI or MOVIEGRAPH_MODEL_DIR)")
    _add_training_options(train_parser)
    train_parser.set_defaults(run=train_command)

    evaluate_parser = commands.add_parser("evaluate", help="measure the model against baselines on real data")
    evaluate_parser.add_argument("--ml-100k", type=Path, default=SHARED_DATA / "ml-100k", metavar="DIR",
                                 help="MovieLens 100K directory with its official splits (default: %(default)s)")
    evaluate_parser.add_argument("--movies-dataset", type=Path, default=SHARED_DATA / "movies-dataset", metavar="DIR",
                                 help="The Movies Dataset directory, ingested into a temporary catalogue (default: %(default)s)")
    evaluate_parser.add_argument("--db", type=Path, help="use this catalogue (with ratings_small) instead of ingesting")
    evaluate_parser.add_argument("--out", type=Path, default=Path("var/evaluation"), metavar="DIR",
                                 help="report directory, rewritten after each seed (default: %(default)s)")
    evaluate_parser.add_argument("--seeds", type=_number(int, "--seeds", least=1), default=len(experiments.SEEDS),
                                 help=f"seeds 42, 43, ...: every experiment runs once per seed (default: %(default)s, at most {MAX_SEEDS})")
    evaluate_parser.add_argument("--experiments", metavar="LIST",
                                 help=f"comma-separated subset of {','.join(experiments.EXPERIMENTS)} (default: all)")
    _add_training_options(evaluate_parser)
    evaluate_parser.set_defaults(run=evaluate_command)

    keys_parser = commands.add_parser("keys", help="service keys for trusted backends (MOVIEGRAPH_API_KEYS_FILE)")
    keys_commands = keys_parser.add_subparsers(dest="keys_command", required=True)
    keys_file = defaults.api_keys_file or "none"
    for name, run, help_text in (("create", keys_create_command, "create a key: prints it once, stores its hash"),
                                 ("revoke", keys_revoke_command, "remove a key by name")):
        keys_command = keys_commands.add_parser(name, help=help_text)
        keys_command.add_argument("name", help="the backend the key is for (letters, digits, '.', '_', '-'); logged with its requests")
        keys_command.add_argument("--file", type=Path, help=f"keys file (default: {keys_file}, from MOVIEGRAPH_API_KEYS_FILE)")
        keys_command.set_defaults(run=run)

    queries_parser = commands.add_parser("queries", help="persisted queries (MOVIEGRAPH_PERSISTED_QUERIES=only runs only these)")
    queries_commands = queries_parser.add_subparsers(dest="queries_command", required=True)
    register = queries_commands.add_parser("register", help="validate .graphql documents and register the hashes clients send for them")
    register.add_argument("files", type=Path, nargs="+", metavar="FILE.graphql")
    register.add_argument("--file", type=Path, help="registered queries file (default: $MOVIEGRAPH_PERSISTED_QUERIES_FILE)")
    register.set_defaults(run=queries_register_command)

    serve_parser = commands.add_parser("serve", help="run the API (ingests the embedded sample if there is no database)",
                                       description="Serve the GraphQL API (GraphiQL at /graphql). With no catalogue, the "
                                       "embedded sample is ingested first; with no model, one is trained first.")
    serve_parser.add_argument("--host", metavar="ADDRESS",
                              help=f"address to listen on (default: {defaults.host}, from MOVIEGRAPH_HOST); "
                              "any other than loopback needs MOVIEGRAPH_AUTH")
    serve_parser.add_argument("--port", type=_number(int, "--port"), help=f"TCP port (default: {defaults.port}, from MOVIEGRAPH_PORT)")
    serve_parser.add_argument("--workers", type=_number(int, "--workers"),
                              help=f"uvicorn worker processes (default: {defaults.workers}, from MOVIEGRAPH_WORKERS)")
    serve_parser.add_argument("--db", type=Path, metavar="FILE", help=db_help)
    serve_parser.add_argument("--model-dir", type=Path, metavar="DIR",
                              help=f"serve the model in this local folder (default: {defaults.model_location}, "
                              "from MOVIEGRAPH_MODEL_URI or MOVIEGRAPH_MODEL_DIR)")
    serve_parser.set_defaults(run=serve_command)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.run(args, Settings.from_environ())
    except MoviegraphError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
