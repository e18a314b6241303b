"""Schemathesis in GraphQL mode against a live `moviegraph serve`: queries and mutations generated
from the server's own introspection, for every root field, both well-typed (positive) and
deliberately ill-typed (negative). Whatever is sent, the answer is never a 5xx and the server
logs no traceback. Refusals (a 4xx, or a GraphQL error such as a limit) are fine.

The default run sends a small batch of each kind; `-m slow` sends at least 1,000."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import APIOperation, GenerationMode, Response
from schemathesis.core.result import Ok

from tests.fuzz.conftest import LiveServer

# Loopback traffic must not go through a proxy set in the environment.
NO_PROXY = {"http": None, "https": None}
MAX_ROUNDS = 5
Operation = APIOperation[Any, Any, Any, Any]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)  # each answer's error codes, or "data"

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    def add(self, response: Response) -> None:
        self.statuses[response.status_code] += 1
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = (body.get("errors") or []) if isinstance(body, dict) else [{"extensions": {"code": "not a GraphQL answer"}}]
        for code in {(error.get("extensions") or {}).get("code", "no code") for error in errors} or {"data"}:
            self.codes[code] += 1


def send_generated(operation: Operation, mode: GenerationMode, examples: int, session: requests.Session, tally: Tally) -> None:
    """Up to `examples` requests made by Hypothesis for one operation (fewer if it runs out of new ones)."""

    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: schemathesis.Case[Any]) -> None:
        response = case.call(session=session)
        tally.add(response)
        assert response.status_code < 500, f"{operation.label} {mode.value}: {response.status_code} {response.text[:500]}"

    send()


def fuzz(server: LiveServer, total: int) -> Tally:
    """Sends at least `total` generated requests, spread evenly over every operation and both modes."""
    schema = schemathesis.graphql.from_url(server.url, proxies=NO_PROXY)
    operations = [result.ok() if isinstance(result, Ok) else pytest.fail(str(result.err())) for result in schema.get_all_operations()]
    targets = [(operation, mode) for operation in operations for mode in GenerationMode]
    tally = Tally()
    with requests.Session() as session:
        session.trust_env = False
        # Rounds, because an operation with few arguments can run out of new queries before its share.
        for _ in range(MAX_ROUNDS):
            missing = total - tally.sent
            if missing <= 0:
                break
            for operation, mode in targets:
                send_generated(operation, mode, math.ceil(missing / len(targets)), session, tally)
    return tally


@pytest.mark.parametrize("total", [pytest.param(120, id="smoke"), pytest.param(1_000, id="1000", marks=pytest.mark.slow)])
def test_generated_queries_never_get_a_server_error(live_server: LiveServer, total: int) -> None:
    tally = fuzz(live_server, total)
    sent = tally.sent
    print(f"\nschemathesis: {sent} generated requests; HTTP statuses {dict(sorted(tally.statuses.items()))};"
          f" answers by error code {dict(tally.codes.most_common())}")
    assert sent >= total
    assert not [status for status in tally.statuses if status >= 500]
    assert "INTERNAL_SERVER_ERROR" not in tally.codes
    assert live_server.tracebacks() == []
