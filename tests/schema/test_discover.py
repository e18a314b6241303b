"""TMDB-style discover on `movies(filter:, orderBy:)`, people search, image URLs and search ranking,
on the real-rows catalogue, each expected value computed from the raw files with csv and
ast.literal_eval (tests/raw.py), never through the ingest or the loaders."""

from __future__ import annotations

import ast
import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests import raw
from tests.schema.conftest import Gql, post

TOM_HANKS, TIM_ALLEN, TARANTINO = 31, 12898, 138
BASE = "https://image.tmdb.org/t/p/"
PAGE = "query($f: MovieFilter, $o: MovieOrder) { movies(filter: $f, orderBy: $o, first: 100) { totalCount edges { node { tmdbId } } } }"


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "movies-dataset"


def _plain(text: str) -> str:
    """Casefolded, accents dropped: written here again rather than imported from data.text."""
    return " ".join("".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold().split())


def _number(movie: dict[str, Any], column: str) -> float | None:
    return float(movie[column]) if movie[column] else None


def _runtime(movie: dict[str, Any]) -> float | None:
    return _number(movie, "runtime") or None  # 0 is TMDB's "unknown"


@cache
def _keywords(folder: Path) -> dict[int, set[str]]:
    return {int(row["id"]): {k["name"].lower() for k in ast.literal_eval(row["keywords"])} for row in raw.rows(folder / "keywords.csv")}


def _page(gql: Gql, flt: dict[str, Any], order: dict[str, str] | None = None) -> tuple[int, list[int]]:
    data = gql(PAGE, f=flt, o=order)["movies"]
    return data["totalCount"], [int(edge["node"]["tmdbId"]) for edge in data["edges"]]


def _check(gql: Gql, flt: dict[str, Any], expected: set[int], at_least: int = 2) -> None:
    total, ids = _page(gql, flt)
    assert total == len(expected) >= at_least, (flt, total, len(expected))
    assert set(ids) == expected if total <= 100 else set(ids) <= expected


def _cast_of(folder: Path, person: int) -> set[int]:
    return {movie for movie, (cast, _) in raw.credits(folder).items() if any(c["id"] == person for c in cast)}


def test_cast_filter_finds_tom_hanks_movies(gql: Gql, folder: Path) -> None:
    hanks, allen = _cast_of(folder, TOM_HANKS), _cast_of(folder, TIM_ALLEN)
    assert hanks == {13, 568, 862}  # Forrest Gump, Apollo 13, Toy Story: the raw rows' credits
    _check(gql, {"cast": [str(TOM_HANKS)]}, hanks)
    _check(gql, {"cast": [str(TOM_HANKS), str(TIM_ALLEN)]}, hanks & allen, at_least=1)
    _check(gql, {"castAny": [str(TOM_HANKS), str(TIM_ALLEN)]}, hanks | allen)


def test_crew_filter_by_job(gql: Gql, folder: Path) -> None:
    credits = raw.credits(folder).items()
    directed = {movie for movie, (_, crew) in credits if any(c["id"] == TARANTINO and c["job"] == "Director" for c in crew)}
    any_job = {movie for movie, (_, crew) in credits if any(c["id"] == TARANTINO for c in crew)}
    assert directed < any_job  # he wrote and acted in more than he directed here
    _check(gql, {"crew": [str(TARANTINO)], "crewJob": "Director"}, directed, at_least=1)
    _check(gql, {"crewAny": [str(TARANTINO)]}, any_job)


def test_keywords_all_and_any(gql: Gql, folder: Path) -> None:
    catalogue, keywords = raw.movies(folder), _keywords(folder)
    tagged = {movie: keywords.get(movie, set()) for movie in catalogue}
    _check(gql, {"keywords": ["Toy", "jealousy"]}, {m for m, k in tagged.items() if {"toy", "jealousy"} <= k}, at_least=1)
    _check(gql, {"keywordsAny": ["toy", "dinosaur"]}, {m for m, k in tagged.items() if k & {"toy", "dinosaur"}})


def test_genres_companies_countries_all_and_any(gql: Gql, folder: Path) -> None:
    movies = raw.movies(folder).items()

    def names(movie: dict[str, Any], column: str, key: str = "name") -> set[str]:
        return {item[key] for item in movie[column] or ()}

    _check(gql, {"genresAny": ["Western", "documentary"]}, {m for m, r in movies if names(r, "genres") & {"Western", "Documentary"}})
    both = {m for m, r in movies if {"Animation", "Family"} <= names(r, "genres") and names(r, "genres") & {"Fantasy", "Music"}}
    _check(gql, {"genres": ["Animation", "Family"], "genresAny": ["Fantasy", "Music"]}, both)
    _check(gql, {"countries": ["FR", "Italy"]},
           {m for m, r in movies if {"FR", "IT"} <= names(r, "production_countries", "iso_3166_1")})
    _check(gql, {"countriesAny": ["Japan", "KR"]}, {m for m, r in movies if names(r, "production_countries", "iso_3166_1") & {"JP", "KR"}})
    pixar_disney = {"Pixar Animation Studios", "Walt Disney Pictures"}
    _check(gql, {"companies": sorted(pixar_disney)}, {m for m, r in movies if pixar_disney <= names(r, "production_companies")})
    _check(gql, {"companiesAny": sorted(pixar_disney)}, {m for m, r in movies if pixar_disney & names(r, "production_companies")})


def test_ranges(gql: Gql, folder: Path) -> None:
    movies = raw.movies(folder).items()

    def within(value: float | None, low: float, high: float) -> bool:
        return value is not None and low <= value <= high

    _check(gql, {"minRuntime": 90, "maxRuntime": 95}, {m for m, r in movies if within(_runtime(r), 90, 95)})
    _check(gql, {"minVoteAverage": 8.2, "maxVoteAverage": 8.5}, {m for m, r in movies if within(_number(r, "vote_average"), 8.2, 8.5)})
    _check(gql, {"minVoteCount": 3000, "maxVoteCount": 4000}, {m for m, r in movies if within(_number(r, "vote_count"), 3000, 4000)})
    _check(gql, {"releasedFrom": "1995-12-01", "releasedTo": "1995-12-31"},
           {m for m, r in movies if "1995-12-01" <= r["release_date"] <= "1995-12-31"})


@pytest.mark.parametrize(("field", "column"), [
    ("POPULARITY", "popularity"), ("REVENUE", "revenue"), ("RELEASE_DATE", "release_date"),
    ("VOTE_AVERAGE", "vote_average"), ("VOTE_COUNT", "vote_count"), ("TITLE", "title"),
])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_each_sort_in_both_directions(gql: Gql, folder: Path, field: str, column: str, direction: str) -> None:
    """Unknown values last either way; ties by id, in the sort's direction. On the Animation genre (a page of ~100)."""
    rows = {m: r for m, r in raw.movies(folder).items() if "Animation" in {g["name"] for g in r["genres"]}}

    def value(movie: dict[str, Any]) -> Any:
        if column == "title":
            return _plain(movie["title"])
        if column == "release_date":
            return movie["release_date"] or None
        if column == "revenue":
            return raw.amount(movie, "revenue")
        return _number(movie, column)

    known = sorted((m for m in rows if value(rows[m]) is not None), key=lambda m: (value(rows[m]), m), reverse=direction == "DESC")
    expected = known + sorted((m for m in rows if value(rows[m]) is None), reverse=direction == "DESC")
    total, ids = _page(gql, {"genres": ["Animation"]}, {"field": field, "direction": direction})
    assert total == len(rows) > 50
    assert ids == expected[:100]


def test_people_search_is_accent_and_case_insensitive_prefix_ranked_by_movie_count(gql: Gql, folder: Path) -> None:
    movies: defaultdict[int, set[int]] = defaultdict(set)
    names: dict[int, str] = {}
    for movie, (cast, crew) in raw.credits(folder).items():
        for person in [*cast, *crew]:
            movies[person["id"]].add(movie)
            names.setdefault(person["id"], person["name"])
    query = "query($n: String!) { people(name: $n, first: 100) { totalCount edges { node { tmdbId name movieCount } } } }"
    for typed in ("JOSE ZUN", "luis guzman", "krzysztof kies", "tom h"):
        matching = [p for p in names if _plain(names[p]).startswith(_plain(typed))]
        expected = sorted(matching, key=lambda p: (-len(movies[p]), _plain(names[p]), p))
        data = gql(query, n=typed)["people"]
        assert data["totalCount"] == len(expected) >= 1, typed
        assert [int(e["node"]["tmdbId"]) for e in data["edges"]] == expected
        assert [e["node"]["movieCount"] for e in data["edges"]] == [len(movies[p]) for p in expected]
    found = gql(query, n="jose zuñ")["people"]["edges"][0]["node"]
    assert found["name"] == "José Zúñiga" and found["movieCount"] == 3


def test_filmography_by_job(gql: Gql, folder: Path) -> None:
    query = """query($id: ID!) { person(id: $id) { castCredits { movie { tmdbId } }
      crewCredits(job: "Director") { job movie { tmdbId } } all: crewCredits { job } } }"""
    person = gql(query, id=str(TARANTINO))["person"]
    credits = raw.credits(folder).items()
    directed = {movie for movie, (_, crew) in credits if any(c["id"] == TARANTINO and c["job"] == "Director" for c in crew)}
    assert {int(c["movie"]["tmdbId"]) for c in person["crewCredits"]} == directed
    assert {c["job"] for c in person["crewCredits"]} == {"Director"}
    jobs = {c["job"] for _, (_, crew) in credits for c in crew if c["id"] == TARANTINO}
    assert {c["job"] for c in person["all"]} == jobs and len(jobs) > 1
    assert {int(c["movie"]["tmdbId"]) for c in person["castCredits"]} == _cast_of(folder, TARANTINO)


def test_image_urls(gql: Gql, folder: Path) -> None:
    movies = raw.movies(folder)
    without = min(m for m, r in movies.items() if not r["poster_path"])
    query = """query($id: ID!, $none: ID!) {
      movie(id: $id) { posterUrl small: posterUrl(size: W92) original: posterUrl(size: ORIGINAL)
        collection { posterUrl(size: W185) backdropUrl(size: W1280) } cast(first: 1) { person { profileUrl(size: H632) } } }
      none: movie(id: $none) { posterUrl } }"""
    data = gql(query, id="862", none=str(without))
    poster, collection = movies[862]["poster_path"], movies[862]["belongs_to_collection"]
    profile = raw.credits(folder)[862][0][0]["profile_path"]
    assert data["movie"]["posterUrl"] == f"{BASE}w500{poster}"
    assert (data["movie"]["small"], data["movie"]["original"]) == (f"{BASE}w92{poster}", f"{BASE}original{poster}")
    assert data["movie"]["collection"] == {"posterUrl": f"{BASE}w185{collection['poster_path']}",
                                           "backdropUrl": f"{BASE}w1280{collection['backdrop_path']}"}
    assert data["movie"]["cast"][0]["person"]["profileUrl"] == f"{BASE}h632{profile}"
    assert data["none"] == {"posterUrl": None}


@pytest.mark.parametrize(("text", "first", "before"), [("star", "Star Wars", "Stargate"), ("matrix", "The Matrix", None),
                                                       ("toy", "Toy Story", "Toys"), ("alien", "Alien", "Aliens")])
def test_search_ranks_relevance_blended_with_votes(gql: Gql, text: str, first: str, before: str | None) -> None:
    query = "query($t: String!) { search(text: $t, first: 20) { edges { node { title } } } }"
    titles = [edge["node"]["title"] for edge in gql(query, t=text)["search"]["edges"]]
    assert titles[0] == first
    if before is not None:
        assert before in titles[1:]


@pytest.mark.parametrize(("flt", "says"), [
    ({"castAny": [str(i) for i in range(1, 27)]}, "castAny: at most 25"),
    ({"keywords": [f"k{i}" for i in range(25)], "keywordsAny": [f"k{i}" for i in range(25)], "genres": ["Drama"]}, "limit is 50"),
    ({"minRuntime": 120, "maxRuntime": 90}, "minRuntime 120.0 is above maxRuntime 90.0"),
    ({"releasedFrom": "2000-01-01", "releasedTo": "1999-12-31"}, "releasedFrom 2000-01-01 is above"),
    ({"minVoteCount": 10, "maxVoteCount": 9}, "minVoteCount 10 is above maxVoteCount 9"),
    ({"cast": ["tom hanks"]}, "person id must be a positive integer"),
    ({"crew": ["138"], "crewJob": "x" * 300}, "crewJob is 300 characters long"),
    ({"crewJob": "Director"}, "crewJob narrows crew or crewAny"),
])
def test_filter_bounds_are_bad_user_input(client: TestClient, flt: dict[str, Any], says: str) -> None:
    body = post(client, PAGE, {"f": flt})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert says in body["errors"][0]["message"]


def test_unknown_names_and_people_in_a_filter_that_matched_nothing_are_not_found(client: TestClient) -> None:
    body = post(client, PAGE, {"f": {"keywordsAny": ["toy", "no such keyword"], "castAny": ["999999999"], "countries": ["Atlantis"]}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    message = body["errors"][0]["message"]
    assert "'no such keyword'" in message and "'999999999'" in message and "'Atlantis'" in message and "'toy'" not in message


@pytest.mark.parametrize("name", ["", "  ", "x" * 300])
def test_people_search_needs_a_bounded_name(client: TestClient, name: str) -> None:
    body = post(client, "query($n: String!) { people(name: $n) { totalCount } }", {"n": name})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
