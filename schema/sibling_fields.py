"""A failed field's siblings settle before the failure propagates, so none of their coroutines is
left unawaited.

graphql-core 3.3's `gather_with_cancel` cancels the pending siblings of a field that failed. A
sibling whose task had not started yet is cancelled before its first step, so the coroutines it was
handed (its resolver's, its subfields') are never awaited: each warns "coroutine ... was never
awaited" when collected, and where the collection runs inside a namedtuple's `__new__` (whose
builtins have no `__import__`) the warning itself fails with a traceback, some 70 in 10,000 fuzzed
documents (tests/fuzz/test_document_fuzz.py). Waiting for the siblings instead is what graphql-core
3.2 and graphql-js do; their work stays bounded by the query cost and the request's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from graphql.execution import executor


async def gather_settled(*awaitables: Awaitable[Any]) -> list[Any]:
    """Every awaitable's result, in order, once all have settled; the first failure, if any."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


# graphql-core looks the function up in its executor module at each call (execute_fields, list
# completion, gather_async_work); there is no setting or subclass hook for it.
executor.gather_with_cancel = gather_settled  # type: ignore[attr-defined]
