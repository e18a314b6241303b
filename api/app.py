"""The Starlette application factory: routes, and the engine opened in the lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.database import open_engine, session_factory
from api.settings import Settings
from loaders.stats import table_counts


async def health(request: Request) -> JSONResponse:
    async with request.app.state.sessions() as session:
        counts = await table_counts(session)
    return JSONResponse({"status": "ok", "counts": counts})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = open_engine(settings.db_path)
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = Starlette(routes=[Route("/health", health)], lifespan=lifespan)
    app.state.settings = settings
    return app
