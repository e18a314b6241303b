"""The old statistics API's questions and the catalogue's fields, answered over GraphQL on the real
rows and checked against values computed from the raw files (tests/raw.py)."""

from __future__ import annotations

from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from data.text import fold
from tests import raw
from tests.schema.conftest import Gql

MOVIE = """
query($id: ID!) { movie(id: $id) {
  title year runtime releaseDate budget revenue returnRatio imdbId movielensId
  originalLanguage { code name } collection { name }
  genres { name } companies { name } countries { code } spokenLanguages { code }
  directors { name } cast(first: 2) { order character person { name } } keywords { name }
} }
"""


@pytest.fixture(scope="module")
def folder(shared_data: Path) -> Path:
    return shared_data / "movies-dataset"


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


def test_toy_story(gql: Gql) -> None:
    movie = gql(MOVIE, id="862")["movie"]
    assert movie["title"] == "Toy Story" and movie["year"] == 1995 and movie["runtime"] == 81
    assert movie["releaseDate"] == "1995-10-30"
    assert movie["returnRatio"] == pytest.approx(373_554_033 / 30_000_000)
    assert (movie["imdbId"], movie["movielensId"]) == ("tt0114709", 1)
    assert movie["originalLanguage"] == {"code": "en", "name": "English"}
    assert movie["collection"]["name"] == "Toy Story Collection"
    assert _names(movie["genres"]) == ["Animation", "Comedy", "Family"]
    assert _names(movie["companies"]) == ["Pixar Animation Studios"]
    assert _names(movie["directors"]) == ["John Lasseter"]
    assert movie["cast"][0] == {"order": 0, "character": "Woody (voice)", "person": {"name": "Tom Hanks"}}
    assert "toy comes to life" in _names(movie["keywords"])


def test_unknown_budget_gives_null_return(gql: Gql, folder: Path) -> None:
    movie_id = next(i for i, m in raw.movies(folder).items() if raw.amount(m, "budget") is None and raw.amount(m, "revenue"))
    movie = gql(MOVIE, id=str(movie_id))["movie"]
    assert movie["budget"] is None and movie["revenue"] and movie["returnRatio"] is None


def test_missing_movie_is_null(gql: Gql) -> None:
    assert gql(MOVIE, id="999999999")["movie"] is None


def test_runtime_and_year_by_title_returns_every_namesake(gql: Gql, folder: Path) -> None:
    expected = sorted((m["release_date"][:4], float(m["runtime"])) for m in raw.movies(folder).values() if fold(m["title"]) == "hamlet")
    assert len(expected) > 1
    data = gql('{ movies(filter: {title: "HAMLET"}, first: 100) { totalCount edges { node { year runtime } } } }')["movies"]
    assert data["totalCount"] == len(expected)
    assert sorted((str(e["node"]["year"]), e["node"]["runtime"]) for e in data["edges"]) == expected


def test_collection_of_a_title_with_count_total_and_average_revenue(gql: Gql, folder: Path) -> None:
    members = [m for m in raw.movies(folder).values() if (m["belongs_to_collection"] or {}).get("name") == "Toy Story Collection"]
    revenues = [revenue for revenue in (raw.amount(m, "revenue") for m in members) if revenue]
    query = ('{ movies(filter: {title: "toy story"}) { edges { node { collection { movieCount totalRevenue averageRevenue '
             "movies { edges { node { title } } } } } } } }")
    collection = gql(query)["movies"]["edges"][0]["node"]["collection"]
    assert collection["movieCount"] == len(members)
    assert collection["totalRevenue"] == sum(revenues)
    assert collection["averageRevenue"] == pytest.approx(mean(revenues))
    by_date = [m["title"] for m in sorted(members, key=lambda m: m["release_date"])]
    assert [edge["node"]["title"] for edge in collection["movies"]["edges"]] == by_date


def test_movie_count_by_original_language_takes_code_or_name(gql: Gql, folder: Path) -> None:
    expected = sum(1 for m in raw.movies(folder).values() if m["original_language"] == "fr")
    data = gql('{ a: language(code: "fr") { name movieCount } b: language(code: "french") { code movieCount } }')
    assert data["a"] == {"name": "French", "movieCount": expected}
    assert data["b"] == {"code": "fr", "movieCount": expected}


def test_movie_count_by_production_country_takes_code_or_name(gql: Gql, folder: Path) -> None:
    expected = sum(1 for m in raw.movies(folder).values() if any(c["iso_3166_1"] == "MX" for c in m["production_countries"]))
    data = gql('{ a: country(code: "MX") { movieCount } b: country(code: "mexico") { movieCount } c: country(code: "United States") { code } }')
    assert data["a"]["movieCount"] == data["b"]["movieCount"] == expected
    assert data["c"]["code"] == "US"


def test_company_success(gql: Gql, folder: Path) -> None:
    pixar = [m for m in raw.movies(folder).values() if any(c["name"] == "Pixar Animation Studios" for c in m["production_companies"])]
    data = gql('{ company(name: "pixar animation studios") { movieCount totalRevenue totalBudget averageReturn } }')["company"]
    assert data["movieCount"] == len(pixar)
    assert data["totalRevenue"] == sum(raw.amount(m, "revenue") or 0 for m in pixar)
    assert data["totalBudget"] == sum(raw.amount(m, "budget") or 0 for m in pixar)
    known = [(raw.amount(m, "revenue"), raw.amount(m, "budget")) for m in pixar]
    returns = [revenue / budget for revenue, budget in known if revenue and budget]
    assert data["averageReturn"] == pytest.approx(mean(returns))


def test_director_success_with_each_movie(gql: Gql, folder: Path) -> None:
    credits = raw.credits(folder)
    movies = raw.movies(folder)
    directed = sorted(
        (movies[i]["release_date"], movies[i]["title"], raw.amount(movies[i], "budget"), raw.amount(movies[i], "revenue"))
        for i, (_, crew) in credits.items()
        if any(p["name"] == "John Lasseter" and p["job"] == "Director" for p in crew)
    )
    query = '{ director(name: "john lasseter") { movieCount movies { edges { node { releaseDate title budget revenue returnRatio } } } } }'
    data = gql(query)["director"]
    assert data["movieCount"] == len(directed)
    got = [(m["releaseDate"], m["title"], m["budget"], m["revenue"]) for m in (edge["node"] for edge in data["movies"]["edges"])]
    assert got == directed
    for movie in (edge["node"] for edge in data["movies"]["edges"]):
        assert movie["returnRatio"] == pytest.approx(movie["revenue"] / movie["budget"])


def test_names_are_case_and_accent_insensitive(gql: Gql) -> None:
    data = gql('{ director(name: "alfonso cuaron") { name } movies(filter: {director: "ALFONSO CUARÓN"}) { totalCount } }')
    assert data["director"]["name"] == "Alfonso Cuarón"
    assert data["movies"]["totalCount"] >= 1


def test_filters_combine(gql: Gql, folder: Path) -> None:
    movies = raw.movies(folder).values()
    expected = {
        m["title"]
        for m in movies
        if {"Animation", "Comedy"} <= {g["name"] for g in m["genres"]}
        and m["release_date"]
        and 1990 <= int(m["release_date"][:4]) <= 1999
        and m["original_language"] == "en"
        and int(float(m["vote_count"])) >= 100
    }
    query = """query($f: MovieFilter) { movies(filter: $f, first: 100) { totalCount edges { node { title } } } }"""
    flt = {"genres": ["animation", "COMEDY"], "yearFrom": 1990, "yearTo": 1999, "originalLanguage": "English", "minVoteCount": 100}
    data = gql(query, f=flt)["movies"]
    assert data["totalCount"] == len(expected) > 5
    assert {e["node"]["title"] for e in data["edges"]} == expected


@pytest.mark.parametrize(("field", "key"), [("REVENUE", "revenue"), ("RELEASE_DATE", "release_date"), ("VOTE_AVERAGE", "vote_average")])
def test_order_by_puts_unknown_values_last(gql: Gql, field: str, key: str) -> None:
    query = "query($o: MovieOrder) { movies(orderBy: $o, first: 100) { edges { node { revenue releaseDate voteAverage } } } }"
    camel = {"revenue": "revenue", "release_date": "releaseDate", "vote_average": "voteAverage"}[key]
    for direction in ("ASC", "DESC"):
        values = [e["node"][camel] for e in gql(query, o={"field": field, "direction": direction})["movies"]["edges"]]
        known = [v for v in values if v is not None]
        assert known == sorted(known, reverse=direction == "DESC")
        assert values[: len(known)] == known


def test_search_is_prefix_word_order_and_accent_tolerant(gql: Gql) -> None:
    query = "query($t: String!) { search(text: $t, first: 5) { edges { node { title } } } }"
    assert gql(query, t="matri")["search"]["edges"][0]["node"]["title"] == "The Matrix"
    assert gql(query, t="matrix the")["search"]["edges"][0]["node"]["title"] == "The Matrix"
    assert gql(query, t="AMELIE")["search"]["edges"][0]["node"]["title"] == "Amélie"
    # FTS5 syntax in the input is plain text: "NOT" is a word (prefix) to find, not an operator.
    titles = [edge["node"]["title"] for edge in gql(query, t='"NOT * (')["search"]["edges"]]
    assert titles and all(any(word.lower().startswith("not") for word in title.split()) for title in titles)
    assert gql(query, t="*")["search"]["edges"] == []


def test_pages_walk_the_whole_list(gql: Gql) -> None:
    query = (
        "query($after: String) { movies(filter: {yearFrom: 1995, yearTo: 1995}, first: 40, after: $after) "
        "{ totalCount edges { node { title } } pageInfo { hasNextPage endCursor } } }"
    )
    seen: list[str] = []
    after = None
    while True:
        page = gql(query, after=after)["movies"]
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == page["totalCount"] > 40


def test_person_credits(gql: Gql) -> None:
    person = gql('{ person(id: 31) { name castCredits { character movie { title } } } }')["person"]
    assert person["name"] == "Tom Hanks"
    assert {"character": "Woody (voice)", "movie": {"title": "Toy Story"}} in person["castCredits"]


def test_entity_lists_are_ordered_by_movie_count(gql: Gql) -> None:
    edges = gql("{ companies(first: 10) { totalCount edges { node { movieCount } } } }")["companies"]["edges"]
    counts = [edge["node"]["movieCount"] for edge in edges]
    assert counts == sorted(counts, reverse=True)
    assert gql('{ genres(name: "sci") { edges { node { name } } } }')["genres"]["edges"] == [{"node": {"name": "Science Fiction"}}]
