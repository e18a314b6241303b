"""Persisted queries (Apollo's protocol): the automatic store and its bounds, the hash check, the
modes, and the allow-list CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api import cli
from api.app import create_app
from api.persisted_queries import PersistedQueries, PersistedQueryProblem
from api.settings import Settings
from data.errors import SettingsError

QUERY = "query Movie($id: ID!) { movie(id: $id) { title } }"
# What Apollo Client sends for QUERY: graphql-js's print, with the __typename its cache adds (by hand).
APOLLO_SENDS = "query Movie($id: ID!) {\n  movie(id: $id) {\n    title\n    __typename\n  }\n}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _persisted(text: str, *, with_query: bool) -> dict[str, object]:
    body: dict[str, object] = {"variables": {"id": "862"}, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": _sha(text)}}}
    return {**body, "query": text} if with_query else body


def _code(answer: dict[str, object]) -> object:
    return answer["errors"][0]["extensions"]["code"]  # type: ignore[index]


def _client(sample_db: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(db_path=sample_db, **settings)))  # type: ignore[arg-type]


def test_the_store_keeps_its_bounds_under_a_flood_of_hashes() -> None:
    store = PersistedQueries("auto", {}, max_entries=100, max_bytes=10_000)
    for number in range(5_000):
        text = f"{{ movie(id: {number}) {{ title }} }}"
        store.remember(_sha(text), text)
    assert len(store) == 100 and store.bytes <= 10_000
    newest = "{ movie(id: 4999) { title } }"
    assert store.resolve(None, {"persistedQuery": {"version": 1, "sha256Hash": _sha(newest)}}) == (newest, None)
    with pytest.raises(PersistedQueryProblem) as oldest:
        store.resolve(None, {"persistedQuery": {"version": 1, "sha256Hash": _sha("{ movie(id: 0) { title } }")}})
    assert oldest.value.code == "PERSISTED_QUERY_NOT_FOUND"
    large = "{ __typename }" + " " * 20_000  # over the byte bound: not kept, nothing else dropped
    store.remember(_sha(large), large)
    assert len(store) == 100


def test_automatic_persisted_queries_register_once_validated(sample_db: Path) -> None:
    with _client(sample_db) as client:
        miss = client.post("/graphql", json=_persisted(QUERY, with_query=False)).json()
        register = client.post("/graphql", json=_persisted(QUERY, with_query=True)).json()
        hit = client.post("/graphql", json=_persisted(QUERY, with_query=False)).json()
        by_get = client.get("/graphql", params={"variables": json.dumps({"id": "862"}),
                                                "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": _sha(QUERY)}})},
                            headers={"accept": "*/*"})  # not GraphiQL's page, though */* and no `query`
    assert (_code(miss), miss["errors"][0]["message"]) == ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
    assert register["data"] == hit["data"] == by_get.json()["data"] == {"movie": {"title": "Toy Story"}}


@pytest.mark.parametrize(("body", "code"), [
    ({"query": QUERY, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": _sha("{ __typename }")}}}, "PERSISTED_QUERY_HASH_MISMATCH"),
    ({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": _sha(QUERY)}}}, "BAD_REQUEST"),
    ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": _sha(QUERY).upper()}}}, "BAD_REQUEST"),
    ({"extensions": {"persistedQuery": "yes"}}, "BAD_REQUEST"),
])
def test_a_wrong_or_malformed_hash_is_refused_and_nothing_is_kept(sample_db: Path, body: dict[str, object], code: str) -> None:
    with _client(sample_db) as client:
        refused = client.post("/graphql", json=body, headers={"accept": "application/graphql-response+json"})
        after = client.post("/graphql", json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": _sha("{ __typename }")}}}).json()
    assert refused.status_code == 400 and _code(refused.json()) == code and "data" not in refused.json()
    assert _code(after) == "PERSISTED_QUERY_NOT_FOUND"


def test_a_query_that_does_not_validate_is_not_kept(sample_db: Path) -> None:
    invalid = "{ movie(id: 862) { titel } }"
    with _client(sample_db) as client:
        first = client.post("/graphql", json=_persisted(invalid, with_query=True)).json()
        again = client.post("/graphql", json=_persisted(invalid, with_query=False)).json()
    assert _code(first) == "GRAPHQL_VALIDATION_FAILED" and _code(again) == "PERSISTED_QUERY_NOT_FOUND"


def test_off_answers_persisted_query_not_supported(sample_db: Path) -> None:
    with _client(sample_db, persisted_queries="off") as client:
        answer = client.post("/graphql", json=_persisted(QUERY, with_query=True)).json()
        plain = client.post("/graphql", json={"query": QUERY, "variables": {"id": "862"}}).json()
    assert (_code(answer), answer["errors"][0]["message"]) == ("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
    assert plain["data"] == {"movie": {"title": "Toy Story"}}


def test_only_runs_the_registered_queries(sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document, registry = tmp_path / "movie.graphql", tmp_path / "queries.json"
    document.write_text(QUERY + "\n")
    cli.main(["queries", "register", str(document), "--file", str(registry)])
    assert "2 new hash(es)" in capsys.readouterr().out
    with _client(sample_db, persisted_queries="only", persisted_queries_file=str(registry)) as client:
        apollo = client.post("/graphql", json=_persisted(APOLLO_SENDS, with_query=False)).json()
        as_text = client.post("/graphql", json={"query": APOLLO_SENDS, "variables": {"id": "862"}}).json()
        other_text = client.post("/graphql", json={"query": "{ __typename }"}).json()
        other_hash = client.post("/graphql", json=_persisted("{ __typename }", with_query=False)).json()
        other_both = client.post("/graphql", json=_persisted("{ __typename }", with_query=True)).json()
    assert apollo["data"] == as_text["data"] == {"movie": {"__typename": "Movie", "title": "Toy Story"}}
    # Not PERSISTED_QUERY_NOT_FOUND: the Apollo link would only resend a query that cannot run.
    assert {_code(other_text), _code(other_hash), _code(other_both)} == {"PERSISTED_QUERY_NOT_REGISTERED"}


def test_only_without_registered_queries_refuses_to_start(sample_db: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="moviegraph queries register"):
        create_app(Settings(db_path=sample_db, persisted_queries="only", persisted_queries_file=str(tmp_path / "none.json")))


@pytest.mark.parametrize(("text", "message"), [("{ movie(id: 862) { title }", "is not a GraphQL document"),
                                                ("{ movie(id: 862) { titel } }", "does not validate")])
def test_register_refuses_a_document_that_cannot_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    document = tmp_path / "bad.graphql"
    document.write_text(text)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["queries", "register", str(document), "--file", str(tmp_path / "queries.json")])
    assert exit_.value.code == 1 and message in capsys.readouterr().err and not (tmp_path / "queries.json").exists()


def test_a_persisted_mutation_by_get_is_405_and_does_not_run(sample_db: Path, tmp_path: Path) -> None:
    mutation = 'mutation Forget { deleteRating(movie: "862", user: "1") }'
    document, registry = tmp_path / "forget.graphql", tmp_path / "queries.json"
    document.write_text(mutation)
    cli.main(["queries", "register", str(document), "--file", str(registry)])
    digest = json.loads(registry.read_text())  # {hash: text}; a mutation's selections have no set to add __typename to
    (sent_hash,) = digest
    params = {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sent_hash}})}
    with _client(sample_db, persisted_queries="only", persisted_queries_file=str(registry)) as client:
        answer = client.get("/graphql", params=params, headers={"accept": "application/graphql-response+json"})
    assert answer.status_code == 405 and answer.headers["allow"] == "POST" and _code(answer.json()) == "METHOD_NOT_ALLOWED"
    assert answer.headers["cache-control"] == "private, no-store"
