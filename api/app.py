"""The Starlette application factory: routes, and the database opened in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api import graphiql, request_log, rest
from api.authentication import Authenticate, Authenticator
from api.body_reader import BodyReader
from api.cors import cors_middleware
from api.deadline import Deadline
from api.graphql_app import CostRateLimit, HttpOptions, MoviegraphGraphQL, RecordOperation
from api.graphql_http import CacheScope
from api.hosts import AllowedHosts
from api.http_caching import catalogue_version
from api.limits import BodySizeLimit, RateLimit, TokenBuckets
from api.memory import ReturnMemory
from api.metrics import Metrics
from api.persisted_queries import PersistedQueries, read_registered
from api.response_cache import ResponseCache
from api.settings import Settings
from data.errors import DatabaseUnavailable, SettingsError, WritesUnavailable
from data.images import check_image_base
from data.quotas import write_quotas
from loaders._common import Database
from loaders.rating_writer import RatingWriter
from loaders.runtime import Runtime, Unavailable
from loaders.stats import longest_lists_of, table_counts
from ml.model_holder import ModelHolder
from schema import Extension, MoviegraphSchema, build_schema
from schema.cost import LongestLists
from schema.possible_types import possible_types_json

logger = logging.getLogger(__name__)

# What clients (and the public /ready) are told of a part that could not be opened: what to do,
# never a path or an exception's text; the log has those.
NO_CATALOGUE = ("the server has no readable catalogue (its log says why); build one with `moviegraph ingest` "
                "(or `moviegraph serve`, which ingests the embedded sample), then restart the server")
NO_WRITER = "the server cannot write to its catalogue (its log says why); make the catalogue's folder writable and restart the server"


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> RedirectResponse:
    """A first visitor (the start-up lines name / too) lands in GraphiQL."""
    return RedirectResponse("/graphql", status_code=307)


async def ready(request: Request) -> JSONResponse:
    """Readiness: the catalogue database answers; with its table counts."""
    runtime = Runtime.of(request)
    try:
        counts = await table_counts(runtime.require_database())
    except DatabaseUnavailable as exc:
        return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
    except sqlite3.Error:
        logger.exception("database check failed")
        return JSONResponse({"status": "unavailable", "reason": "the catalogue database does not answer"}, status_code=503)
    return JSONResponse({"status": "ok", "counts": counts, "model": runtime.models.problem or "serving"})


async def _open_writer(db_path: Path) -> RatingWriter | Unavailable:
    """The live-ratings writer, or why there is none: a read-only catalogue still serves reads."""
    try:
        return await RatingWriter.open(db_path)
    except WritesUnavailable as exc:
        logger.error("%s; serving read-only: rating mutations answer WRITES_UNAVAILABLE", exc)
        return Unavailable(NO_WRITER)


def _possible_types(schema: MoviegraphSchema) -> Callable[[Request], Awaitable[Response]]:
    """Apollo's `possibleTypes` (schema/possible_types.py). Served with introspection off too: it
    names only the types every answer's `__typename` already shows."""
    body = possible_types_json(schema._schema)

    async def endpoint(request: Request) -> Response:
        return Response(body, media_type="application/json", headers={"Cache-Control": "public, max-age=3600"})

    return endpoint


def _middleware(settings: Settings, metrics: Metrics, authenticator: Authenticator, buckets: TokenBuckets | None) -> list[Middleware]:
    """Outermost first: the log sees every answer, refusals included; a foreign Host is refused
    before anything else; CORS headers reach a browser on a 401, 429 or 413 too, and a preflight is
    answered before the limits count it; the identity is known before the rate limit, which keys on
    it; the body is bounded in size before it is read in time; the deadline starts once the body
    has arrived (a slow body is the body timeout's)."""
    stack = [Middleware(request_log.RequestLog, metrics=metrics),
             Middleware(ReturnMemory),
             Middleware(AllowedHosts, hosts=settings.allowed_hosts or ("*",))]
    stack.append(cors_middleware(settings.cors_origins, settings.cors_credentials))
    stack.append(Middleware(Authenticate, authenticator=authenticator))
    if buckets is not None:
        stack.append(Middleware(RateLimit, buckets=buckets, on_refused=metrics.rate_limited.inc))
    stack.append(Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes))
    stack.append(Middleware(BodyReader, timeout=settings.body_timeout))
    stack.append(Middleware(Deadline, seconds=settings.deadline_seconds))
    return stack


async def _open_database(db_path: Path, readers: int) -> Database | Unavailable:
    """The catalogue, or why there is none, so /health and GraphiQL still answer."""
    try:
        return await Database.open(db_path, readers)
    except DatabaseUnavailable as exc:
        logger.error("%s; then restart the server; serving without a catalogue: queries answer DATABASE_UNAVAILABLE, /ready 503", exc)
        return Unavailable(NO_CATALOGUE)


def _persisted_queries(settings: Settings) -> PersistedQueries:
    registered = read_registered(settings.persisted_queries_path())
    if settings.persisted_queries == "only" and not registered:
        raise SettingsError(f"MOVIEGRAPH_PERSISTED_QUERIES=only runs registered queries only, and {settings.persisted_queries_path()} "
                            "registers none: run `moviegraph queries register FILE.graphql...` first")
    return PersistedQueries(settings.persisted_queries, registered, settings.persisted_query_max_entries, settings.persisted_query_max_bytes)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()
    authenticator = Authenticator.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        models = ModelHolder(settings.model_store(), settings.db_path)
        # A model store that cannot be reached stops the start before anything is opened, its message naming the setting.
        await asyncio.to_thread(models.store.published)
        # The writer first: it adds the live-ratings table to an older catalogue, which the reader looks for.
        writer = await _open_writer(settings.db_path)
        await authenticator.start()
        database = await _open_database(settings.db_path, settings.db_readers)
        app.state.catalogue_version = catalogue_version(settings.db_path)  # the file just opened (api/http_caching.py)
        runtime = Runtime(database=database, writer=writer, models=models,
                          # Per user and process; with authentication off, the `user` a request names is anyone's to write.
                          write_quotas=write_quotas(settings.writes_per_minute, settings.writes_per_day) if settings.auth == "jwt" else (),
                          image_base=check_image_base(settings.tmdb_image_base))
        app.state.runtime = runtime
        if isinstance(runtime.database, Database):  # no catalogue: no query returns objects to bound
            longest.update(await longest_lists_of(runtime.database))
        await runtime.models.refresh()
        watcher = asyncio.create_task(runtime.models.watch(settings.model_poll_seconds))
        # The start-up objects (modules, the schema) live as long as the process: out of the
        # collector's reach, a full collection no longer walks them mid-request (load benchmark p99
        # 235 -> 126 ms, p50 unchanged). Collect first, so no garbage is frozen with them.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            watcher.cancel()
            await authenticator.close()
            await runtime.close()

    request_log.configure(settings.log_level)
    cache = ResponseCache(settings.response_cache_bytes, settings.cache_max_age)
    metrics = Metrics(cache)
    longest = LongestLists()  # the query cost's list lengths, read from the catalogue in the lifespan
    buckets = TokenBuckets(settings.rate_limit, settings.rate_burst) if settings.rate_limit else None
    extensions: list[Extension] = [RecordOperation, CacheScope]
    costs = None
    if settings.rate_limit and settings.rate_cost:
        # A client may spend one query of the maximum cost at once.
        costs = TokenBuckets(settings.rate_cost, settings.max_query_cost)
        extensions.append(lambda: CostRateLimit(costs, longest))
    schema = build_schema(introspection=settings.introspection, max_cost=settings.max_query_cost, longest_lists=longest,
                          extensions=extensions, max_batch=settings.max_batch)
    graphql = MoviegraphGraphQL(schema, HttpOptions(_persisted_queries(settings), buckets, settings.max_batch, settings.cache_max_age,
                                                   cache, costs))
    routes = [
        Route("/", home),
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics.endpoint),
        Route("/graphql", graphql),  # any method: the view answers the others 405 as a GraphQL error
        Route("/graphql/possible-types.json", _possible_types(schema)),
        *rest.routes,
        *graphiql.routes(),
    ]
    app = Starlette(routes=routes, middleware=_middleware(settings, metrics, authenticator, buckets), lifespan=lifespan,
                    exception_handlers=rest.exception_handlers)
    app.state.settings = settings
    app.state.response_cache = cache
    return app
