"""Hostile requests: the inputs a review found answered with a 500, a leak or seconds of work, and
their variants, each with the answer it must get and the time it must get it in.

Each attack is sent to a live server; `seconds` bounds the whole round trip on the shared 2-core
machine (a refusal takes about a millisecond; the bounds leave room for a loaded machine).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

REFUSED_IN = 1.0  # seconds: refused before any work
ANSWERED_IN = 3.0  # seconds: the costliest admissible variant, run in full


@dataclass(frozen=True)
class Attack:
    name: str
    status: int
    code: str | None  # the answer's error code; None: data, no error
    query: str | None = None  # GraphQL; else `path` is a REST request
    variables: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    seconds: float = REFUSED_IN
    message: str | None = None  # a part of the error message: the limit it names


def _cursor(offset: int | str) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


SEARCH = "query($text: String!) { search(text: $text, first: 10) { totalCount edges { node { title } } } }"
MOVIES_BY = "query($filter: MovieFilter!, $after: String) { movies(filter: $filter, after: $after) { totalCount edges { node { title } } } }"
PAGE_AFTER = "query($after: String) { movies(first: 5, after: $after) { totalCount edges { cursor } } }"
RECOMMEND = "query($filter: RecommendFilter!) { recommend(user: \"1\", filter: $filter) { movie { title } } }"
MOVIE = "query($id: ID!) { movie(id: $id) { title } }"
COMPANY = "query($name: String!) { company(name: $name) { name } }"
COUNTRY = "query($code: String!) { country(code: $code) { name } }"
SURROGATE = "\ud800"
DIGITS_5000 = "1" * 5000
UNKNOWN_LANGUAGES = [f"language-{i}" for i in range(1000)]

ATTACKS = [
    Attack("search of 'a ' x 2000 (4 KB)", 200, "BAD_USER_INPUT", SEARCH, {"text": "a " * 2000}, message="the limit is 256"),
    Attack("search of 10,000 words", 200, "BAD_USER_INPUT", SEARCH, {"text": "x " * 10_000}, message="the limit is 256"),
    Attack("search of 11 words, 21 characters", 200, "BAD_USER_INPUT", SEARCH, {"text": "a " * 10 + "a"}, message="the limit is 10"),
    Attack("search of 10 one-letter words", 200, None, SEARCH, {"text": "a " * 9 + "a"}, seconds=ANSWERED_IN),
    Attack("search of one letter (every title with a word starting t)", 200, None, SEARCH, {"text": "t"}, seconds=ANSWERED_IN),
    Attack("search of 256 characters", 200, None, SEARCH, {"text": "star " + "w" * 251}, seconds=ANSWERED_IN),
    Attack("search with a lone surrogate", 200, "BAD_USER_INPUT", SEARCH, {"text": f"star {SURROGATE}"}, message="surrogate"),
    Attack("1,000 unknown languages in recommend", 200, "BAD_USER_INPUT", RECOMMEND, {"filter": {"languages": UNKNOWN_LANGUAGES}},
           message="at most 25"),
    # Unknown names in a filter: an empty answer and a non-fatal NOT_FOUND naming them.
    Attack("25 unknown languages in recommend", 200, "NOT_FOUND", RECOMMEND, {"filter": {"languages": UNKNOWN_LANGUAGES[:25]}},
           seconds=ANSWERED_IN),
    Attack("1,000 genre names", 200, "BAD_USER_INPUT", MOVIES_BY, {"filter": {"genres": [f"g{i}" for i in range(1000)]}},
           message="at most 25"),
    Attack("25 unknown genre names", 200, "NOT_FOUND", MOVIES_BY, {"filter": {"genres": [f"g{i}" for i in range(25)]}},
           seconds=ANSWERED_IN),
    Attack("1,000 genres in recommend", 200, "BAD_USER_INPUT", RECOMMEND, {"filter": {"genres": ["Drama"] * 1000}}, message="at most 25"),
    Attack("a title of 10,000 characters", 200, "BAD_USER_INPUT", MOVIES_BY, {"filter": {"title": "x" * 10_000}},
           message="the limit is 256"),
    Attack("a title with a lone surrogate", 200, "BAD_USER_INPUT", MOVIES_BY, {"filter": {"title": SURROGATE}}),
    Attack("a genre with a lone surrogate", 200, "BAD_USER_INPUT", MOVIES_BY, {"filter": {"genres": [SURROGATE]}}),
    Attack("a company name with a lone surrogate", 200, "BAD_USER_INPUT", COMPANY, {"name": f"pixar{SURROGATE}"}),
    Attack("a country code with a lone surrogate", 200, "BAD_USER_INPUT", COUNTRY, {"code": SURROGATE + "x"}),
    Attack("a company name of 60,000 characters", 200, "BAD_USER_INPUT", COMPANY, {"name": "p" * 60_000},
           message="the limit is 256"),
    Attack("a country name of 300 characters", 200, "BAD_USER_INPUT", COUNTRY, {"code": "m" * 300}, message="the limit is 256"),
    Attack("a movie id of 5,000 digits", 200, "BAD_USER_INPUT", MOVIE, {"id": DIGITS_5000}, message="below 2^63"),
    Attack("a movie id of 2^63", 200, "BAD_USER_INPUT", MOVIE, {"id": str(2**63)}, message="below 2^63"),
    Attack("predictedRatings of an item id of 5,000 digits", 200, "BAD_USER_INPUT",
           "query($items: [ID!]!) { predictedRatings(user: \"1\", items: $items) { rating } }", {"items": ["862", DIGITS_5000]}),
    Attack("rateMovie by a user id of 5,000 digits", 200, "BAD_USER_INPUT",
           "mutation($user: ID!) { rateMovie(user: $user, movie: \"862\", rating: 4) { rating } }", {"user": DIGITS_5000}),
    Attack("REST user id of 5,000 digits", 400, "BAD_USER_INPUT", path=f"/predicted-ratings/{DIGITS_5000}?items=1"),
    Attack("REST item id of 5,000 digits", 400, "BAD_USER_INPUT", path=f"/predicted-ratings/1?items=1,{DIGITS_5000}"),
    Attack("a cursor at offset 2^63", 200, "BAD_USER_INPUT", PAGE_AFTER, {"after": _cursor(2**63)}),
    Attack("a cursor at offset 2^63 - 1 (offset + 1 overflows)", 200, "BAD_USER_INPUT", PAGE_AFTER, {"after": _cursor(2**63 - 1)}),
    Attack("a cursor at offset 2^31", 200, "BAD_USER_INPUT", PAGE_AFTER, {"after": _cursor(2**31)}, message="2,147,483,648"),
    Attack("a cursor of 5,000 digits", 200, "BAD_USER_INPUT", PAGE_AFTER, {"after": _cursor(DIGITS_5000)}),
    Attack("a cursor past the end (2^31 - 1)", 200, None, PAGE_AFTER, {"after": _cursor(2**31 - 1)}),
    Attack("a filtered page after a cursor at 2^63", 200, "BAD_USER_INPUT", MOVIES_BY, {"filter": {"title": "heat"}, "after": _cursor(2**63)}),
    Attack("a spread of an unknown fragment", 200, "GRAPHQL_VALIDATION_FAILED", "{ movie(id: \"862\") { ...Nope } }",
           message="Unknown fragment 'Nope'"),
    Attack("an unknown fragment beside a known one", 200, "GRAPHQL_VALIDATION_FAILED",
           "fragment T on Movie { title } { movie(id: \"862\") { ...T ...Nope } }", message="Unknown fragment 'Nope'"),
]
