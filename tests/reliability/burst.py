"""A burst of `rateMovie` calls from several client threads over HTTP, with what each answer said.

A write counts as acknowledged only when the server answered 200 with no errors and echoed the
rating sent: that is the promise a client relies on (the rating is on disk).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx

RATE = ("mutation($user: ID!, $movie: ID!, $rating: Float!) "
        "{ rateMovie(user: $user, movie: $movie, rating: $rating) { user { userId } rating movie { tmdbId } } }")


class Write(NamedTuple):
    user: int
    movie: int
    rating: float


def plan(movies: list[int], first_user: int, users: int) -> list[Write]:
    """Every (user, movie) pair of `users` new users and `movies`, once each, with varied half stars.
    Consecutive writes go to different users, so clients taking every n-th one share users."""
    pairs = [(first_user + u, movie) for movie in movies for u in range(users)]
    return [Write(user, movie, 0.5 * (1 + (7 * i) % 10)) for i, (user, movie) in enumerate(pairs)]


@dataclass
class Outcome:
    acknowledged: dict[tuple[int, int], float] = field(default_factory=dict)  # (user, movie) -> stars echoed
    # Sent, but the connection broke before an answer: stored or not, the client cannot know.
    unanswered: dict[tuple[int, int], float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # answers that were not an acknowledgement
    answered_at: list[float] = field(default_factory=list)  # monotonic time of each acknowledgement
    latencies: list[float] = field(default_factory=list)  # seconds per acknowledged write
    seconds: float = 0.0  # first send to last answer

    def summary(self) -> str:
        ms = sorted(1000 * s for s in self.latencies) or [0.0]
        rate = len(self.acknowledged) / self.seconds if self.seconds else 0.0
        return (f"{len(self.acknowledged):,} acknowledged, {len(self.failures)} failed, {len(self.unanswered)} unanswered "
                f"in {self.seconds:.1f} s ({rate:.0f} writes/s); latency p50 {statistics.median(ms):.1f} ms, "
                f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms")


class Burst:
    """`clients` threads, client c sending writes[c::clients] one after another on a kept-alive
    connection, each write with `headers(user)` (the user's own token). `pace(i)` runs before each
    client's i-th write. A client stops at its first broken connection (the server is gone), so a
    burst survives the server being killed."""

    def __init__(self, url: str, writes: list[Write], clients: int, pace: Callable[[int], None] | None = None,
                 headers: Callable[[int], dict[str, str]] = lambda user: {}) -> None:
        self.url = url
        self._headers = headers
        self.outcome = Outcome()
        self._lock = threading.Lock()
        self._pace = pace
        self._threads = [threading.Thread(target=self._client, args=(writes[c::clients],)) for c in range(clients)]

    def start(self) -> Burst:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> Outcome:
        for thread in self._threads:
            thread.join()
        self.outcome.seconds = max(self.outcome.answered_at, default=self.started) - self.started
        return self.outcome

    def run(self) -> Outcome:
        return self.start().join()

    def acknowledged_count(self) -> int:
        return len(self.outcome.acknowledged)

    def _client(self, writes: list[Write]) -> None:
        # trust_env=False: a proxy from the environment must not see loopback traffic.
        with httpx.Client(trust_env=False, timeout=60) as client:
            for i, write in enumerate(writes):
                if self._pace:
                    self._pace(i)
                sent = time.monotonic()
                try:
                    variables = write._asdict() | {"user": str(write.user), "movie": str(write.movie)}
                    response = client.post(self.url, json={"query": RATE, "variables": variables}, headers=self._headers(write.user))
                except httpx.TransportError:
                    with self._lock:
                        self.outcome.unanswered[write.user, write.movie] = write.rating
                    return
                self._record(write, response, sent)

    def _record(self, write: Write, response: httpx.Response, sent: float) -> None:
        expected = {"rateMovie": {"user": {"userId": write.user}, "rating": write.rating, "movie": {"tmdbId": write.movie}}}
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {"errors": None}
        now = time.monotonic()
        with self._lock:
            if response.status_code == 200 and "errors" not in body and body["data"] == expected:
                self.outcome.acknowledged[write.user, write.movie] = write.rating
                self.outcome.answered_at.append(now)
                self.outcome.latencies.append(now - sent)
            else:
                self.outcome.failures.append(f"{write}: {response.status_code} {response.text[:300]}")
