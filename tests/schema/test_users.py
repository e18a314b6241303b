"""The operators' `users` list and a user's rating count, on the sample catalogue with
authentication off (who may ask: tests/api/test_access.py). Expected values come from sqlite3."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from data.domain import encode_global_id
from tests.schema.conftest import post

USERS = """query($order: UserOrder!, $first: Int!, $after: String) {
  users(orderBy: $order, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { userId ratingCount } } } }"""


@pytest.fixture(scope="module")
def client(sample_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        yield client


@pytest.fixture(scope="module")
def counts(sample_db: Path) -> dict[int, int]:
    """Every user of the `user` table with their stored ratings (0 for none)."""
    with sqlite3.connect(sample_db) as db:
        users = {user: 0 for (user,) in db.execute("SELECT id FROM user")}
        users.update(db.execute("SELECT user_id, count(*) FROM rating GROUP BY user_id").fetchall())
    return users


def _page(client: TestClient, order: str, first: int, after: str | None = None) -> dict[str, Any]:
    body = post(client, USERS, {"order": order, "first": first, "after": after})
    assert "errors" not in body, body["errors"]
    page: dict[str, Any] = body["data"]["users"]
    return page


def _walk(client: TestClient, order: str) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    after = None
    while True:
        page = _page(client, order, 100, after)
        seen += [(int(edge["node"]["userId"]), edge["node"]["ratingCount"]) for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def test_users_page_through_every_user_by_id(client: TestClient, counts: dict[int, int]) -> None:
    assert _page(client, "ID", 5)["totalCount"] == len(counts) > 100
    assert _walk(client, "ID") == sorted(counts.items())


def test_users_by_rating_count_most_first_ties_by_id(client: TestClient, counts: dict[int, int]) -> None:
    assert _walk(client, "RATING_COUNT") == sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def test_users_are_bounded(client: TestClient) -> None:
    body = post(client, USERS, {"order": "ID", "first": 101})
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]


def test_a_rating_leads_to_its_user(client: TestClient, counts: dict[int, int]) -> None:
    query = "query($user: ID!) { user(id: $user) { ratingCount ratings(first: 2) { edges { node { user { userId ratingCount } } } } } }"
    user = max(counts, key=lambda u: counts[u])
    body = post(client, query, {"user": str(user)})
    assert "errors" not in body, body["errors"]
    found = body["data"]["user"]
    assert found["ratingCount"] == counts[user]
    assert [edge["node"]["user"] for edge in found["ratings"]["edges"]] == [{"userId": user, "ratingCount": counts[user]}] * 2
    body = post(client, "{ user(id: 987654321) { ratingCount } }")
    assert body["data"]["user"]["ratingCount"] == 0


def test_users_page_backwards_with_global_ids(client: TestClient, counts: dict[int, int]) -> None:
    query = """query($before: String) { users(last: 3, before: $before) {
      pageInfo { hasPreviousPage startCursor } edges { node { id userId } } } }"""
    body = post(client, query, {"before": None})
    assert "errors" not in body, body["errors"]
    page = body["data"]["users"]
    last = sorted(counts)[-3:]
    assert [edge["node"] for edge in page["edges"]] == [{"id": encode_global_id("User", user), "userId": user} for user in last]
    assert page["pageInfo"]["hasPreviousPage"]
    body = post(client, query, {"before": page["pageInfo"]["startCursor"]})
    assert [edge["node"]["userId"] for edge in body["data"]["users"]["edges"]] == sorted(counts)[-6:-3]
    body = post(client, "query($id: ID!) { node(id: $id) { ... on User { userId } } }", {"id": encode_global_id("User", last[0])})
    assert body["data"]["node"] == {"userId": last[0]}
