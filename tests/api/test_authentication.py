"""The authentication middleware on a tiny app: what identity each kind of credential gives,
and the refusals (401 with WWW-Authenticate, 429 for too many new users), shaped for the route;
and the start-up refusal to serve open beyond loopback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api import service_keys
from api.authentication import Authenticate, Authenticator, check_open_bind, identity_of
from api.service_keys import ServiceKeys
from api.settings import Settings
from api.tokens import TokenRules, TokenVerifier
from data.errors import SettingsError
from data.quotas import WindowQuota
from loaders.identities import FIRST_SUBJECT_USER
from tests.tokens import AUDIENCE, ISSUER, SECRET, claims, hs256


async def whoami(request: Request) -> JSONResponse:
    identity = identity_of(request.scope)
    return JSONResponse({"identity": identity.label if identity else None})


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def client(tmp_path: Path, keys_file: Path) -> Iterator[TestClient]:
    service_keys.create(keys_file, "placeholder")
    verifier = TokenVerifier(TokenRules(frozenset({"HS256"}), issuer=ISSUER, audience=AUDIENCE), secret=SECRET)
    authenticator = Authenticator(open=False, verifier=verifier, service_keys=ServiceKeys(keys_file), numeric_subjects=True,
                                  new_users=WindowQuota(2, 3600), identity_path=tmp_path / "identities.sqlite3")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await authenticator.start()
        yield
        await authenticator.close()

    routes = [Route("/graphql", whoami, methods=["GET", "POST"]), Route("/predicted-ratings/{user}", whoami), Route("/health", whoami)]
    app = Starlette(routes=routes, middleware=[Middleware(Authenticate, authenticator=authenticator)], lifespan=lifespan)
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_no_credentials_is_anonymous(client: TestClient) -> None:
    assert client.get("/graphql").json() == {"identity": "anonymous"}


def test_a_token_is_its_mapped_user_and_a_numeric_subject_its_own_id(client: TestClient) -> None:
    assert client.get("/graphql", headers=bearer(hs256(claims("auth0|a")))).json() == {"identity": f"user:{FIRST_SUBJECT_USER}"}
    assert client.get("/graphql", headers=bearer(hs256(claims("auth0|a")))).json() == {"identity": f"user:{FIRST_SUBJECT_USER}"}
    assert client.get("/graphql", headers=bearer(hs256(claims("321")))).json() == {"identity": "user:321"}
    # Numbers as large as the ids given to subjects would collide with them: they go through the table.
    big = str(FIRST_SUBJECT_USER + 5)
    assert client.get("/graphql", headers=bearer(hs256(claims(big)))).json() == {"identity": f"user:{FIRST_SUBJECT_USER + 1}"}


def test_a_service_key_in_either_header(client: TestClient, keys_file: Path) -> None:
    key = service_keys.create(keys_file, "tv-backend")
    assert client.get("/graphql", headers={"x-api-key": key}).json() == {"identity": "key:tv-backend"}
    assert client.get("/graphql", headers=bearer(key)).json() == {"identity": "key:tv-backend"}


@pytest.mark.parametrize("headers", [
    pytest.param(bearer(hs256(claims(expires_in=-120))), id="expired"),
    pytest.param(bearer("garbage"), id="garbage"),
    pytest.param({"authorization": "Basic dXNlcjpwYXNz"}, id="basic"),
    pytest.param({"authorization": "Bearer"}, id="empty"),
    pytest.param({"x-api-key": "mgk_made-up"}, id="unknown-key"),
])
def test_credentials_that_do_not_verify_are_refused_with_401(client: TestClient, headers: dict[str, str]) -> None:
    graphql = client.post("/graphql", headers=headers, json={"query": "{ __typename }"})
    assert graphql.status_code == 401
    assert graphql.headers["www-authenticate"].startswith('Bearer realm="moviegraph", error="invalid_token"')
    (error,) = graphql.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    rest = client.get("/predicted-ratings/1?items=1", headers=headers)
    assert rest.status_code == 401 and rest.json()["code"] == "UNAUTHENTICATED"
    credential = next(iter(headers.values())).removeprefix("Bearer ")
    if len(credential) > 8:
        assert credential not in graphql.text + rest.text + graphql.headers["www-authenticate"]


def test_probes_need_no_credentials(client: TestClient) -> None:
    assert client.get("/health", headers=bearer("garbage")).status_code == 200


def test_new_users_per_address_are_bounded(client: TestClient, tmp_path: Path) -> None:
    for subject in ("new-1", "new-2"):
        assert client.get("/graphql", headers=bearer(hs256(claims(subject)))).status_code == 200
    refused = client.get("/graphql", headers=bearer(hs256(claims("new-3"))))
    assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert client.get("/graphql", headers=bearer(hs256(claims("new-1")))).status_code == 200  # known users still sign in
    assert client.get("/graphql", headers=bearer(hs256(claims("77")))).status_code == 200  # numeric subjects are not new rows


def test_unset_auth_runs_open_on_loopback_and_says_so() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        warning = check_open_bind(Settings(host=host))
        assert warning is not None and "MOVIEGRAPH_AUTH is unset: running open on loopback" in warning
    assert check_open_bind(Settings(host="0.0.0.0", auth="jwt", jwt_secret=SECRET)) is None
    assert "MOVIEGRAPH_AUTH=none" in str(check_open_bind(Settings(host="0.0.0.0", auth="none")))
    for host in ("0.0.0.0", "::", "192.0.2.1", "example.org"):
        with pytest.raises(SettingsError, match="MOVIEGRAPH_AUTH unset"):
            check_open_bind(Settings(host=host))


def test_serve_on_all_addresses_without_auth_exits_naming_the_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVIEGRAPH_")}
    env |= {"MOVIEGRAPH_HOST": "0.0.0.0", "MOVIEGRAPH_DB_PATH": str(tmp_path / "c.sqlite3"), "MOVIEGRAPH_MODEL_DIR": str(tmp_path / "m")}
    done = subprocess.run([str(Path(sys.executable).parent / "moviegraph"), "serve"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("SettingsError: refusing to serve on 0.0.0.0 with MOVIEGRAPH_AUTH unset")
    assert not (tmp_path / "c.sqlite3").exists()  # refused before building anything


@pytest.mark.parametrize(("environ", "says"), [
    ({"MOVIEGRAPH_AUTH": "yes"}, "must be jwt or none"),
    ({"MOVIEGRAPH_AUTH": "jwt"}, "needs MOVIEGRAPH_JWKS"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": "short"}, "at least 32 bytes"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": SECRET, "MOVIEGRAPH_JWKS": "k.json"}, "not both"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWKS": "k.json"}, "MOVIEGRAPH_JWT_ISSUER and MOVIEGRAPH_JWT_AUDIENCE"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": SECRET, "MOVIEGRAPH_JWT_ALGORITHMS": "RS256"}, "cannot be used with a shared secret"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWKS": "k.json", "MOVIEGRAPH_JWT_ISSUER": "i", "MOVIEGRAPH_JWT_AUDIENCE": "a",
      "MOVIEGRAPH_JWT_ALGORITHMS": "RS256,HS256"}, "HS256 cannot be used with a key set"),
    ({"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": SECRET, "MOVIEGRAPH_JWT_ALGORITHMS": "none"}, "none cannot be used"),
])
def test_auth_settings_that_cannot_work_stop_the_start(environ: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says) as refusal:
        Settings.from_environ(environ)
    assert SECRET not in str(refusal.value)


@pytest.mark.parametrize(("extra", "says"), [
    ({"MOVIEGRAPH_API_KEYS_FILE": "{tmp}/missing-keys"}, "KeysFileError: cannot read the service keys file"),
    ({"MOVIEGRAPH_JWKS": "{tmp}/missing.json"}, "KeySetError: cannot read the JWKS file"),
    ({"MOVIEGRAPH_JWKS": "{tmp}/empty.json"}, "KeySetError: the JWKS holds no public signing key with a kid"),
])
def test_serve_stops_on_a_keys_or_jwks_file_it_cannot_use(tmp_path: Path, extra: dict[str, str], says: str) -> None:
    (tmp_path / "empty.json").write_text('{"keys": []}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVIEGRAPH_")}
    env |= {"MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_ISSUER": ISSUER, "MOVIEGRAPH_JWT_AUDIENCE": AUDIENCE,
            "MOVIEGRAPH_DB_PATH": str(tmp_path / "c.sqlite3"), **{k: v.format(tmp=tmp_path) for k, v in extra.items()}}
    done = subprocess.run([str(Path(sys.executable).parent / "moviegraph"), "serve"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1 and done.stderr.startswith(says), done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "c.sqlite3").exists()


def test_the_secret_is_not_in_the_settings_repr() -> None:
    assert SECRET not in repr(Settings(auth="jwt", jwt_secret=SECRET))
