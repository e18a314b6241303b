"""Turns on the event loop (loaders/turns.py, schema/fair_turns.py): while the costliest
admissible query runs in the app, the loop still comes round within tens of milliseconds, so a
probe or a small query is not held up behind it (without turns, one iteration completed all of a
batch's fields: up to about 200 ms here)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from api.app import create_app
from api.settings import Settings

# 100 movies with 48 cast members each: cost 9,801, under the default maximum of 10,000.
COSTLY = json.dumps({"query": "{ movies(first: 100) { edges { node { title cast(first: 48) { character person { name } } } } } }"})


async def test_a_large_answer_leaves_the_loop_turns_for_others(sample_db: Path, tmp_path: Path) -> None:
    app = create_app(Settings(db_path=sample_db, model_dir=tmp_path / "no-model", rate_limit=0))
    stalls = []
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        # Warm-up: the first query compiles its statements and fills Strawberry's caches.
        await client.post("/graphql", content=COSTLY, headers={"content-type": "application/json"})
        for _ in range(5):
            gaps: list[float] = []

            async def ticker(gaps: list[float] = gaps) -> None:
                last = time.perf_counter()
                while True:
                    await asyncio.sleep(0.001)
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

            ticking = asyncio.create_task(ticker())
            await asyncio.sleep(0.01)
            response = await client.post("/graphql", content=COSTLY, headers={"content-type": "application/json"})
            ticking.cancel()
            body = response.json()
            assert "errors" not in body and len(body["data"]["movies"]["edges"]) == 100
            assert body["extensions"]["cost"]["requested"] == 9_801
            stalls.append(max(gaps))
    print(f"\nlongest event-loop stall during a cost-9,801 query, 5 runs: {', '.join(f'{1000 * s:.0f}' for s in stalls)} ms")
    assert max(stalls) < 0.1
