"""The Starlette application factory: routes, and the engine opened in the lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api import graphiql
from api.database import open_engine
from api.graphql_app import MoviegraphGraphQL
from api.settings import Settings
from loaders.stats import table_counts
from schema import schema

logger = logging.getLogger(__name__)


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> JSONResponse:
    """Readiness: the catalogue database answers; with its table counts."""
    try:
        counts = await table_counts(request.app.state.engine)
    except SQLAlchemyError:
        logger.exception("database check failed")
        return JSONResponse({"status": "unavailable", "reason": "the catalogue database does not answer"}, status_code=503)
    return JSONResponse({"status": "ok", "counts": counts})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.engine = open_engine(settings.db_path)
        try:
            yield
        finally:
            await app.state.engine.dispose()

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
