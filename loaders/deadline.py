"""The statements run for the request being served, so that they can all be stopped at once.

A context variable, not an argument: DataLoaders run their batches in tasks of their own, which
inherit the context of the request that scheduled them, so their statements are found too.
"""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar


class RequestWork:
    """The SQL statements running for one request; `stop` interrupts them and refuses new ones."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds  # the request's deadline, for the error message
        self.stopped = False
        self._running: set[sqlite3.Connection] = set()

    def started(self, connection: sqlite3.Connection) -> None:
        self._running.add(connection)

    def finished(self, connection: sqlite3.Connection) -> None:
        self._running.discard(connection)

    def stop(self) -> None:
        self.stopped = True
        for connection in self._running:
            connection.interrupt()  # the statement stops at its next step and raises "interrupted"


current: ContextVar[RequestWork | None] = ContextVar("moviegraph_request_work", default=None)
