"""Who may read and write whose ratings, through the real app with MOVIEGRAPH_AUTH=jwt on a copy
of the sample catalogue: every user-scoped field and both mutations, over GraphQL and REST,
anonymous, with each kind of bad token, as another user, as the user, and with a service key.
What is stored is read back with sqlite3, never through the API."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from starlette.testclient import TestClient

from api import service_keys
from api.app import create_app
from api.settings import Settings
from loaders.identities import FIRST_SUBJECT_USER
from tests.conftest import copy_catalogue
from tests.tokens import AUDIENCE, ISSUER, SECRET, JwksServer, RsaKey, claims, hmac_signed, hs256, unsigned

VICTIM = 564  # the sample's user with the most ratings (275)
MOVIE = "862"  # Toy Story
WRITES_PER_MINUTE = 5


class Operation(NamedTuple):
    name: str
    query: str  # GraphQL with a `$user` variable, or a REST path with {user}


# Every field and mutation that touches one user's data, each naming the user.
OPERATIONS = [
    Operation("ratings", "query($user: ID) { ratings(user: $user) { totalCount } }"),
    Operation("recommend", "query($user: ID) { recommend(user: $user, first: 3) { movie { tmdbId } } }"),
    Operation("predictedRatings", f'query($user: ID) {{ predictedRatings(user: $user, items: ["{MOVIE}"]) {{ rating }} }}'),
    Operation("user", "query($user: ID!) { user(id: $user) { id } }"),
    Operation("user.ratings", "query($user: ID!) { user(id: $user) { ratings { totalCount } } }"),
    Operation("user.recommendations", "query($user: ID!) { user(id: $user) { recommendations(first: 3) { movie { tmdbId } } } }"),
    Operation("user.ratingCount", "query($user: ID!) { user(id: $user) { ratingCount } }"),
    Operation("user.similarUsers", "query($user: ID!) { user(id: $user) { similarUsers(first: 2) { score } } }"),
    Operation("user.predictedRatings", f'query($user: ID!) {{ user(id: $user) {{ predictedRatings(items: ["{MOVIE}"]) {{ rating }} }} }}'),
    Operation("rateMovie", f'mutation($user: ID) {{ rateMovie(user: $user, movie: "{MOVIE}", rating: 0.5) {{ user {{ userId }} }} }}'),
    Operation("deleteRating", f'mutation($user: ID) {{ deleteRating(user: $user, movie: "{MOVIE}") }}'),
]
REST = "/predicted-ratings/{user}?items=1"  # MovieLens movie 1 is Toy Story


class App(NamedTuple):
    client: TestClient
    db: Path
    keys: Path


@pytest.fixture
def app(sample_db: Path, sample_model: Path, tmp_path: Path) -> Iterator[App]:
    db = copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")
    keys = tmp_path / "keys"
    service_keys.create(keys, "placeholder")
    settings = Settings(db_path=db, model_dir=sample_model, auth="jwt", jwt_secret=SECRET, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
                        jwt_numeric_subjects=True, api_keys_file=str(keys), writes_per_minute=WRITES_PER_MINUTE, rate_limit=0)
    with TestClient(create_app(settings)) as client:
        yield App(client, db, keys)


def ratings_of(db: Path, user: int) -> list[tuple[int, float, int]]:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT movie_id, rating, timestamp FROM rating WHERE user_id = ? ORDER BY movie_id", (user,)).fetchall()


def all_ratings(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM rating").fetchone()[0])


def graphql(client: TestClient, query: str, headers: dict[str, str] | None = None, **variables: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    body = response.json()
    body.pop("extensions", None)  # the query cost, checked elsewhere
    return response.status_code, body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


BAD_TOKENS = {
    "expired": hs256(claims("7", expires_in=-120)),
    "not-yet-valid": hs256(claims("7", nbf=int(time.time()) + 3600)),
    "wrong-issuer": hs256(claims("7", iss="https://evil.example/")),
    "wrong-audience": hs256(claims("7", aud="another-app")),
    "wrong-key": hs256(claims("7"), secret="another-secret-of-more-than-32-bytes!!"),
    "alg-none": unsigned(claims("7")),
    "hs256-with-a-public-key": hmac_signed(claims("7"), RsaKey("k").public_pem),
    "rs256-unknown-to-a-secret": RsaKey("k").sign(claims("7")),
    "missing-user-claim": hs256(claims(None)),
    "garbage": "not-a-token-at-all",
}


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_bad_token_is_401_on_every_user_field_and_stores_nothing(app: App, token: str) -> None:
    before = all_ratings(app.db)
    for operation in OPERATIONS:
        status, body = graphql(app.client, operation.query, bearer(token), user="7")
        assert (status, codes(body)) == (401, ["UNAUTHENTICATED"]), operation.name
        assert "data" not in body and token not in json.dumps(body)
    response = app.client.get(REST.format(user=7), headers=bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith('Bearer realm="moviegraph", error="invalid_token"')
    assert token not in response.text + response.headers["www-authenticate"]
    assert all_ratings(app.db) == before


def test_anonymous_callers_get_unauthenticated_for_user_fields_and_the_catalogue_for_the_rest(app: App) -> None:
    before = ratings_of(app.db, VICTIM)
    for operation in OPERATIONS:
        status, body = graphql(app.client, operation.query, user=str(VICTIM))
        assert (status, codes(body)) == (200, ["UNAUTHENTICATED"]), operation.name
        assert "Authorization: Bearer <token>" in body["errors"][0]["message"]
    status, body = graphql(app.client, "{ viewer { userId } }")
    assert codes(body) == ["UNAUTHENTICATED"]
    response = app.client.get(REST.format(user=VICTIM))
    assert response.status_code == 401 and response.json()["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith('Bearer realm="moviegraph", error_description=')
    assert ratings_of(app.db, VICTIM) == before
    status, body = graphql(app.client, f'{{ movie(id: "{MOVIE}") {{ title similar(first: 2) {{ movie {{ id }} }} }} '
                                       f'recommend(likes: ["{MOVIE}"], first: 2) {{ movie {{ id }} }} }}')
    assert (status, codes(body)) == (200, [])
    assert body["data"]["movie"]["title"] == "Toy Story" and len(body["data"]["recommend"]) == 2


@pytest.mark.parametrize("subject", ["8", "auth0|attacker"])
def test_every_user_field_as_another_user_is_forbidden_and_changes_nothing(app: App, subject: str) -> None:
    before = ratings_of(app.db, VICTIM)
    assert before  # the victim has ratings to steal or overwrite
    token = bearer(hs256(claims(subject)))
    for operation in OPERATIONS:
        status, body = graphql(app.client, operation.query, token, user=str(VICTIM))
        assert (status, codes(body)) == (200, ["FORBIDDEN"]), operation.name
        assert body["data"] is None
        assert "may only see or change your own" in body["errors"][0]["message"]
    response = app.client.get(REST.format(user=VICTIM), headers=token)
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert ratings_of(app.db, VICTIM) == before


def test_a_signed_in_user_reads_and_writes_their_own_ratings(app: App) -> None:
    token = bearer(hs256(claims("auth0|5f7c8e")))
    status, body = graphql(app.client, "{ viewer { userId } }", token)
    me = FIRST_SUBJECT_USER
    assert (status, body) == (200, {"data": {"viewer": {"userId": me}}})
    status, body = graphql(app.client, f'mutation {{ rateMovie(movie: "{MOVIE}", rating: 4.5) {{ user {{ userId }} rating }} }}', token)
    assert body == {"data": {"rateMovie": {"user": {"userId": me}, "rating": 4.5}}}
    rate = 'mutation($user: ID) { rateMovie(user: $user, movie: "8844", rating: 3) { user { userId } } }'
    status, body = graphql(app.client, rate, token, user=str(me))
    assert codes(body) == []  # naming oneself is allowed
    assert [(movie, stars) for movie, stars, _ in ratings_of(app.db, me)] == [(862, 4.5), (8844, 3.0)]
    status, body = graphql(app.client, "{ viewer { ratings { totalCount } recommendations(first: 3) { personalized } "
                                       f'predictedRatings(items: ["{MOVIE}"]) {{ rating }} }} ratings {{ totalCount }} }}', token)
    assert codes(body) == []
    assert body["data"]["viewer"]["ratings"]["totalCount"] == body["data"]["ratings"]["totalCount"] == 2
    assert len(body["data"]["viewer"]["recommendations"]) == 3
    status, body = graphql(app.client, f'mutation {{ deleteRating(movie: "{MOVIE}") }}', token)
    assert body == {"data": {"deleteRating": True}}
    assert [movie for movie, _, _ in ratings_of(app.db, me)] == [8844]


def test_a_dataset_user_signs_in_as_themselves_with_a_numeric_subject(app: App) -> None:
    _, body = graphql(app.client, "{ viewer { userId ratings { totalCount } } }", bearer(hs256(claims(str(VICTIM)))))
    assert body == {"data": {"viewer": {"userId": VICTIM, "ratings": {"totalCount": len(ratings_of(app.db, VICTIM))}}}}
    response = app.client.get(REST.format(user=VICTIM), headers=bearer(hs256(claims(str(VICTIM)))))
    assert response.status_code == 200 and len(response.json()["ratings"]) == 1


def test_a_service_key_acts_for_any_user(app: App) -> None:
    key = {"x-api-key": service_keys.create(app.keys, "tv-backend")}
    rate = f"mutation($user: ID) {{ rateMovie(user: $user, movie: \"{MOVIE}\", rating: 2) {{ user {{ userId }} }} }}"
    _, body = graphql(app.client, rate, key, user="9000001")
    assert body == {"data": {"rateMovie": {"user": {"userId": 9000001}}}}
    assert [(movie, stars) for movie, stars, _ in ratings_of(app.db, 9000001)] == [(862, 2.0)]
    _, body = graphql(app.client, "query($user: ID!) { user(id: $user) { ratings { totalCount } } }", key, user=str(VICTIM))
    assert body["data"]["user"]["ratings"]["totalCount"] == len(ratings_of(app.db, VICTIM))
    assert app.client.get(REST.format(user=VICTIM), headers=key).status_code == 200
    _, body = graphql(app.client, "{ ratings { totalCount } }", key)
    assert codes(body) == ["BAD_USER_INPUT"] and "give `user`" in body["errors"][0]["message"]


def test_the_user_list_is_for_service_keys_only(app: App) -> None:
    query = "{ users(first: 3) { totalCount edges { node { userId ratingCount } } } }"
    status, body = graphql(app.client, query)
    assert (status, codes(body), body["data"]) == (200, ["UNAUTHENTICATED"], None)
    status, body = graphql(app.client, query, bearer(hs256(claims(str(VICTIM)))))
    assert (status, codes(body), body["data"]) == (200, ["FORBIDDEN"], None)
    assert "operators" in body["errors"][0]["message"]
    _, body = graphql(app.client, query, {"x-api-key": service_keys.create(app.keys, "tv-backend")})
    with contextlib.closing(sqlite3.connect(f"{app.db.as_uri()}?mode=ro", uri=True)) as conn:
        users = [user for (user,) in conn.execute("SELECT id FROM user ORDER BY id LIMIT 3")]
        total = conn.execute("SELECT count(*) FROM user").fetchone()[0]
    assert body["data"]["users"]["totalCount"] == total
    assert [edge["node"] for edge in body["data"]["users"]["edges"]] == [{"userId": u, "ratingCount": len(ratings_of(app.db, u))} for u in users]


def test_a_signed_in_user_sees_who_is_similar_but_not_their_data(app: App) -> None:
    token = bearer(hs256(claims(str(VICTIM))))
    query = "{ viewer { similarUsers(first: 2) { score user { userId } } ratings(first: 1) { edges { node { user { userId ratingCount } } } } } }"
    _, body = graphql(app.client, query, token)
    assert codes(body) == []
    similar = [item["user"]["userId"] for item in body["data"]["viewer"]["similarUsers"]]
    assert len(similar) == 2 and VICTIM not in similar
    assert body["data"]["viewer"]["ratings"]["edges"][0]["node"]["user"] == {"userId": VICTIM, "ratingCount": len(ratings_of(app.db, VICTIM))}
    for field in ("ratingCount", "ratings { totalCount }", "recommendations(first: 1) { score }", "similarUsers(first: 1) { score }"):
        _, body = graphql(app.client, f"{{ viewer {{ similarUsers(first: 1) {{ user {{ {field} }} }} }} }}", token)
        assert codes(body) == ["FORBIDDEN"], field


def test_writes_over_the_users_quota_answer_429_and_store_nothing(app: App) -> None:
    token = bearer(hs256(claims("quota-user")))
    rate = 'mutation($movie: ID!) { rateMovie(movie: $movie, rating: 3) { user { userId } } }'
    with contextlib.closing(sqlite3.connect(app.db)) as conn:
        movies = [str(movie) for (movie,) in conn.execute("SELECT id FROM movie ORDER BY id LIMIT ?", (WRITES_PER_MINUTE + 1,))]
    for movie in movies[:WRITES_PER_MINUTE]:
        assert codes(graphql(app.client, rate, token, movie=movie)[1]) == []
    response = app.client.post("/graphql", json={"query": rate, "variables": {"movie": movies[-1]}}, headers=token)
    assert response.status_code == 429
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED" and f"{WRITES_PER_MINUTE} rating writes a minute" in error["message"]
    assert 1 <= int(response.headers["retry-after"]) <= 60 and error["extensions"]["retryAfter"] == int(response.headers["retry-after"])
    assert len(ratings_of(app.db, FIRST_SUBJECT_USER)) == WRITES_PER_MINUTE
    other = bearer(hs256(claims("another-user")))  # the quota is per user
    assert codes(graphql(app.client, rate, other, movie=movies[-1])[1]) == []


def test_the_request_log_names_the_identity_never_the_token(app: App, caplog: pytest.LogCaptureFixture) -> None:
    token = hs256(claims("logged-user"))
    key = service_keys.create(app.keys, "tv-backend")
    with caplog.at_level(logging.INFO, logger="moviegraph.requests"):
        graphql(app.client, "{ viewer { userId } }", bearer(token))
        graphql(app.client, "{ modelInfo { version } }", {"x-api-key": key})
        graphql(app.client, "{ modelInfo { version } }")
        graphql(app.client, "{ viewer { userId } }", bearer(BAD_TOKENS["expired"]))
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "moviegraph.requests"]
    assert [line["identity"] for line in lines] == [f"user:{FIRST_SUBJECT_USER}", "key:tv-backend", "anonymous", None]
    assert [line["status"] for line in lines] == [200, 200, 200, 401]
    text = caplog.text
    assert token not in text and key not in text and BAD_TOKENS["expired"] not in text


def test_rs256_tokens_from_a_jwks_on_loopback_through_the_app(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    provider = RsaKey("key-1")
    with JwksServer(provider).running() as jwks:
        settings = Settings(db_path=copy_catalogue(sample_db, tmp_path / "c.sqlite3"), model_dir=sample_model, auth="jwt",
                            jwks=jwks.url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwks_refetch_seconds=0)
        with TestClient(create_app(settings)) as client:
            assert graphql(client, "{ viewer { userId } }", bearer(provider.sign(claims("auth0|rs"))))[1] == \
                {"data": {"viewer": {"userId": FIRST_SUBJECT_USER}}}
            rotated = RsaKey("key-2")
            jwks.keys = [rotated]  # the provider rotated and withdrew the old key
            assert graphql(client, "{ viewer { userId } }", bearer(rotated.sign(claims("auth0|rs2"))))[1] == \
                {"data": {"viewer": {"userId": FIRST_SUBJECT_USER + 1}}}
            assert graphql(client, "{ viewer { userId } }", bearer(hs256(claims("auth0|rs"))))[0] == 401  # HS256 never, with a key set


def test_subjects_keep_their_user_ids_across_a_restart_and_a_re_ingest(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    db = copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")
    settings = Settings(db_path=db, model_dir=sample_model, auth="jwt", jwt_secret=SECRET, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    ids = []
    for _ in range(2):
        with TestClient(create_app(settings)) as client:
            ids.append([graphql(client, "{ viewer { userId } }", bearer(hs256(claims(subject))))[1]["data"]["viewer"]["userId"]
                        for subject in ("auth0|first", "auth0|second")])
        shutil.copyfile(sample_db, db)  # what a re-ingest does: a new catalogue file where the old one was
        for suffix in ("-wal", "-shm"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
    assert ids[0] == ids[1] == [FIRST_SUBJECT_USER, FIRST_SUBJECT_USER + 1]
    assert (tmp_path / "identities.sqlite3").is_file()


def test_the_rate_limit_keys_on_the_identity_when_there_is_one(sample_db: Path, sample_model: Path, tmp_path: Path) -> None:
    settings = Settings(db_path=copy_catalogue(sample_db, tmp_path / "c.sqlite3"), model_dir=sample_model, auth="jwt", jwt_secret=SECRET,
                        jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_numeric_subjects=True, rate_limit=0.01, rate_burst=2)
    query = "{ modelInfo { version } }"
    with TestClient(create_app(settings)) as client:  # every request comes from the one test client address
        statuses = {who: [client.post("/graphql", json={"query": query}, headers=headers).status_code for _ in range(3)]
                    for who, headers in (("user 1", bearer(hs256(claims("1")))), ("user 2", bearer(hs256(claims("2")))), ("anonymous", {}))}
    assert statuses == {"user 1": [200, 200, 429], "user 2": [200, 200, 429], "anonymous": [200, 200, 429]}
