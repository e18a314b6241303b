"""`node(id:)` / `nodes(ids:)`: any Node (schema/node.py) by its global id. A malformed id is
BAD_USER_INPUT, `nodes` is bounded, and users and ratings pass the same access check as
`user(id:)` and `ratings`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from data.domain import decode_global_id, parse_id
from data.errors import BadInput
from loaders.ratings import select_ratings_of_movies
from schema.collection import Collection
from schema.company import Company
from schema.context import Info
from schema.country import Country
from schema.director import Director
from schema.genre import Genre
from schema.input_limits import check_text
from schema.keyword import Keyword
from schema.language import Language
from schema.movie import Movie
from schema.node import Node
from schema.pagination import MAX_PAGE
from schema.person import Person
from schema.rating import Rating
from schema.user import User

MAX_NODES = MAX_PAGE
Resolve = Callable[[Info, list[str]], Awaitable[Sequence[Node | None]]]


def _entity(kind: str, convert: Callable[[Any], Node], numbered: bool = True) -> Resolve:
    """Nodes of an entity kind through its by-id loader (`Loaders.<kind>.by_id`)."""

    async def resolve(info: Info, keys: list[str]) -> list[Node | None]:
        loader = getattr(info.context.loaders, kind).by_id
        ids = [parse_id(key, kind) if numbered else check_text(key, f"{kind} code", 10) for key in keys]
        return [convert(row) if row else None for row in await loader.load_many(ids)]

    return resolve


async def _movies(info: Info, keys: list[str]) -> list[Node | None]:
    rows = await info.context.loaders.movie.load_many([parse_id(key, "movie") for key in keys])
    return [Movie.from_row(row) if row else None for row in rows]


async def _people(info: Info, keys: list[str]) -> list[Node | None]:
    rows = await info.context.loaders.person.load_many([parse_id(key, "person") for key in keys])
    return [Person.from_row(row) if row else None for row in rows]


async def _users(info: Info, keys: list[str]) -> list[User]:
    return [User.of(info.context.identity.acting_user(parse_id(key, "user"), "account")) for key in keys]


async def _ratings(info: Info, keys: list[str]) -> list[Rating | None]:
    """A rating's source id is "<user>:<movie>"; the caller must be allowed to see the user's ratings."""
    pairs = []
    for key in keys:
        user, colon, movie = key.partition(":")
        if not colon:
            raise BadInput(f"a Rating's id names a user and a movie, not {key[:40]!r}")
        pairs.append((info.context.identity.acting_user(parse_id(user, "user"), "ratings"), parse_id(movie, "movie")))
    by_user: defaultdict[int, list[int]] = defaultdict(list)
    for user_id, movie_id in pairs:
        by_user[user_id].append(movie_id)
    found = {}
    for user_id, movie_ids in by_user.items():
        rows = await select_ratings_of_movies(info.context.loaders.db, user_id, movie_ids)
        found.update({(user_id, movie_id): row for movie_id, row in zip(movie_ids, rows, strict=True)})
    return [Rating.from_stored(row) if (row := found[pair]) else None for pair in pairs]


# Every Node type, by GraphQL name (tests/schema/test_node.py checks this against the schema).
RESOLVERS: dict[str, Resolve] = {
    "Movie": _movies,
    "Person": _people,
    "Director": _entity("director", Director.from_row),
    "Company": _entity("company", Company.from_row),
    "Collection": _entity("collection", Collection.from_row),
    "Genre": _entity("genre", Genre.from_row),
    "Keyword": _entity("keyword", Keyword.from_row),
    "Country": _entity("country", Country.from_row, numbered=False),
    "Language": _entity("language", Language.from_row, numbered=False),
    "User": _users,
    "Rating": _ratings,
}


def _split(global_id: str) -> tuple[str, str]:
    decoded = decode_global_id(global_id)
    if decoded is None:
        shown = global_id if len(global_id) <= 40 else f"{global_id[:40]}..."
        raise BadInput(f"{shown!r} is not a global id this API gave out (an object's `id`)")
    if decoded[0] not in RESOLVERS:
        raise BadInput(f"{global_id!r} names a {decoded[0]}, which is not a Node type of this API")
    return decoded


async def resolve_nodes(info: Info, global_ids: Sequence[str]) -> list[Node | None]:
    """The objects the global ids name, in their order; None for one the catalogue lacks."""
    if len(global_ids) > MAX_NODES:
        raise BadInput(f"at most {MAX_NODES} ids at once, not {len(global_ids)}")
    split = [_split(str(global_id)) for global_id in global_ids]
    by_type: defaultdict[str, list[str]] = defaultdict(list)
    for type_name, key in split:
        by_type[type_name].append(key)
    found: dict[tuple[str, str], Node | None] = {}
    for type_name, keys in by_type.items():
        found.update(zip(((type_name, key) for key in keys), await RESOLVERS[type_name](info, keys), strict=True))
    return [found[pair] for pair in split]
