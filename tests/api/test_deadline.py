"""The per-request deadline: a request still running at it is answered 503 TIMEOUT, and none of
its SQL runs on after the answer, the statements of its DataLoader-style side tasks included."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api.deadline import Deadline
from loaders._common import Database
from tests.loaders.test_database import MOVIES, SLOW


def _app(db_path: Path, seconds: float) -> Deadline:
    """One read connection. POST /graphql runs SLOW in a task of its own, as a DataLoader batch
    runs (the request's cancellation misses it), while the request itself waits for SQL (`db`:
    queued behind the side task's statement, or running first) or for something else (`sleep`)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = await Database.open(db_path, readers=1)
        yield
        await app.state.db.close()

    async def slow(request: Request) -> JSONResponse:
        db = request.app.state.db
        side = asyncio.get_running_loop().create_task(db.fetch(SLOW))
        if request.query_params["wait"] == "db":
            await db.fetch(SLOW)  # takes the connection before the side task starts
        else:
            await asyncio.sleep(60)
        await side
        return JSONResponse({"finished": True})

    async def movies(request: Request) -> JSONResponse:
        return JSONResponse({"movies": (await request.app.state.db.fetch(MOVIES))[0].c})

    return Deadline(Starlette(routes=[Route("/graphql", slow, methods=["POST"]), Route("/movies", movies)], lifespan=lifespan), seconds=seconds)


@pytest.mark.parametrize("wait", ["db", "sleep"])
def test_a_request_past_its_deadline_is_answered_timeout_and_its_sql_stopped(sample_db: Path, wait: str) -> None:
    with TestClient(_app(sample_db, seconds=0.5)) as client:
        started = time.perf_counter()
        response = client.post(f"/graphql?wait={wait}")
        elapsed = time.perf_counter() - started
        assert response.status_code == 503
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "TIMEOUT", "deadlineSeconds": 0.5}
        assert "0.5 s deadline" in error["message"]
        assert 0.5 <= elapsed < 2
        # The one connection is free: no statement of that request (each counts for tens of
        # seconds) runs on, or starts, after its answer.
        started = time.perf_counter()
        assert client.get("/movies").json() == {"movies": 474}
        assert time.perf_counter() - started < 0.4
