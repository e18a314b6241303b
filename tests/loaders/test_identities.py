"""The subject -> user id table: made on first sight, the same id ever after (a restart, a second
worker, a re-ingest of the catalogue beside it), ids far above the datasets' users."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from data.errors import QuotaExceeded
from loaders.identities import FIRST_SUBJECT_USER, IdentityStore


def rows(path: Path) -> list[tuple[str, str, int]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT issuer, subject, user_id FROM subject_user ORDER BY user_id").fetchall()


async def test_subjects_get_new_ids_once_and_keep_them_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "identities.sqlite3"
    store = await IdentityStore.open(path)
    first = await store.user_id("https://id/", "auth0|a")
    second = await store.user_id("https://id/", "auth0|b")
    again = await store.user_id("https://id/", "auth0|a")
    other_issuer = await store.user_id("https://other/", "auth0|a")  # subjects are unique per issuer only
    await store.close()
    assert (first, second, again, other_issuer) == (FIRST_SUBJECT_USER, FIRST_SUBJECT_USER + 1, FIRST_SUBJECT_USER, FIRST_SUBJECT_USER + 2)
    restarted = await IdentityStore.open(path)
    assert await restarted.user_id("https://id/", "auth0|b") == FIRST_SUBJECT_USER + 1
    await restarted.close()
    assert rows(path) == [("https://id/", "auth0|a", FIRST_SUBJECT_USER), ("https://id/", "auth0|b", FIRST_SUBJECT_USER + 1),
                          ("https://other/", "auth0|a", FIRST_SUBJECT_USER + 2)]


async def test_two_workers_seeing_new_subjects_at_once_never_share_an_id(tmp_path: Path) -> None:
    path = tmp_path / "identities.sqlite3"
    stores = [await IdentityStore.open(path) for _ in range(2)]
    subjects = [f"user-{n}" for n in range(30)]
    found = await asyncio.gather(*(stores[n % 2].user_id("iss", subject) for n, subject in enumerate(subjects * 2)))
    for store in stores:
        await store.close()
    by_subject = dict(zip(subjects * 2, found, strict=True))
    assert all(by_subject[s] == found[n] for n, s in enumerate(subjects * 2))  # both workers agree
    assert sorted(by_subject.values()) == list(range(FIRST_SUBJECT_USER, FIRST_SUBJECT_USER + 30))
    assert len(rows(path)) == 30


async def test_a_refused_creation_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "identities.sqlite3"
    store = await IdentityStore.open(path)

    def refuse() -> None:
        raise QuotaExceeded("over the quota", 60)

    with pytest.raises(QuotaExceeded):
        await store.user_id("iss", "new", refuse)
    known = await store.user_id("iss", "known")
    assert await store.user_id("iss", "known", refuse) == known  # known subjects are not new users
    await store.close()
    assert [subject for _, subject, _ in rows(path)] == ["known"]
