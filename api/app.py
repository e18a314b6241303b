"""The Starlette application factory: routes, and the database opened in the lifespan."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api import graphiql
from api.graphql_app import MoviegraphGraphQL
from api.settings import Settings
from loaders._common import Database
from loaders.stats import table_counts
from schema import schema

logger = logging.getLogger(__name__)


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """Readiness: the catalogue database answers; with its table counts."""
    try:
        counts = await table_counts(request.app.state.db)
    except sqlite3.Error:
        logger.exception("database check failed")
        return JSONResponse({"status": "unavailable", "reason": "the catalogue database does not answer"}, status_code=503)
    return JSONResponse({"status": "ok", "counts": counts})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = await Database.open(settings.db_path)
        try:
            yield
        finally:
            await app.state.db.close()

    graphql = MoviegraphGraphQL(schema)
    routes = [
        Route("/health", health),
        Route("/ready", ready),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        *graphiql.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    return app
