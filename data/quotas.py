"""Quotas per identity: at most `limit` events per key in each window of `window_seconds`.

Fixed windows aligned to the clock (a minute, a day, an hour), counted in memory per server
process: simple, O(1) per event, and the count a user is told to wait out is exact. Keys idle
for a whole window are the same as absent and are dropped, and `max_keys` bounds memory under a
flood of new keys (dropping a count early only forgives its key a little).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from data.errors import QuotaExceeded


class WindowQuota:
    def __init__(self, limit: int, window_seconds: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit = limit  # 0: no quota
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._counts: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()  # key -> (window number, count)

    def wait(self, key: Hashable) -> int:
        """0 when `key` may have one more event now, else whole seconds until its window ends."""
        if not self.limit:
            return 0
        window = self._window()
        seen, count = self._counts.get(key, (window, 0))
        if seen == window and count >= self.limit:
            return max(1, math.ceil((window + 1) * self.window_seconds - self.clock()))
        return 0

    def count(self, key: Hashable) -> None:
        """Counts one event of `key` (after `wait` said 0)."""
        if not self.limit:
            return
        window = self._window()
        seen, count = self._counts.pop(key, (window, 0))
        self._counts[key] = (window, count + 1 if seen == window else 1)
        while self._counts:
            oldest, (oldest_window, _) = next(iter(self._counts.items()))
            if oldest_window == window and len(self._counts) <= self.max_keys:
                break
            del self._counts[oldest]

    def _window(self) -> int:
        return int(self.clock() // self.window_seconds)


Quotas = Sequence[tuple[WindowQuota, str]]  # each quota with what it counts, for the refusal's message


def charge(quotas: Quotas, key: Hashable) -> None:
    """Counts one event of `key` against every quota, or none of them: QuotaExceeded, naming the
    quota (e.g. "60 ratings a minute"), when any is used up."""
    for quota, what in quotas:
        wait = quota.wait(key)
        if wait:
            raise QuotaExceeded(f"over the quota of {quota.limit:,} {what}", wait)
    for quota, _ in quotas:
        quota.count(key)


def write_quotas(per_minute: int, per_day: int) -> Quotas:
    """A user's rating writes (rate or delete) a minute and a day."""
    return [(WindowQuota(per_minute, 60), "rating writes a minute"), (WindowQuota(per_day, 86_400), "rating writes a day")]
