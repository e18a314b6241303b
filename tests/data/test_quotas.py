"""Fixed-window quotas on a fake clock: the limit per window, the wait until the next, bounded memory."""

from __future__ import annotations

import pytest

from data.errors import QuotaExceeded
from data.quotas import WindowQuota, charge


def test_a_quota_allows_its_limit_per_window_then_says_how_long_to_wait() -> None:
    now = [120.0]  # two minutes into the epoch: the start of a minute window
    quota = WindowQuota(3, 60, clock=lambda: now[0])
    for _ in range(3):
        assert quota.wait("u") == 0
        quota.count("u")
    now[0] = 135.0
    assert quota.wait("u") == 45
    assert quota.wait("v") == 0  # other keys have their own count
    now[0] = 180.0  # the next window
    assert quota.wait("u") == 0


def test_charge_counts_against_every_quota_or_none() -> None:
    now = [0.0]
    minute, day = WindowQuota(2, 60, clock=lambda: now[0]), WindowQuota(3, 86_400, clock=lambda: now[0])
    quotas = [(minute, "ratings a minute"), (day, "ratings a day")]
    charge(quotas, "u")
    charge(quotas, "u")
    with pytest.raises(QuotaExceeded, match="2 ratings a minute; retry in 60 s") as refusal:
        charge(quotas, "u")
    assert refusal.value.retry_after == 60
    now[0] = 60.0
    charge(quotas, "u")  # the day's third
    now[0] = 120.0
    with pytest.raises(QuotaExceeded, match="3 ratings a day") as refusal:
        charge(quotas, "u")
    assert refusal.value.retry_after == 86_400 - 120


def test_idle_keys_are_dropped_and_memory_is_bounded() -> None:
    now = [0.0]
    quota = WindowQuota(1, 60, max_keys=100, clock=lambda: now[0])
    for key in range(1_000):
        quota.count(key)
    assert len(quota._counts) == 100
    now[0] = 60.0
    quota.count("late")
    assert list(quota._counts) == ["late"]


def test_a_zero_limit_is_no_quota() -> None:
    quota = WindowQuota(0, 60)
    for _ in range(1_000):
        quota.count("u")
    assert quota.wait("u") == 0
