"""The document checks of schema/document_limits.py: depth and aliases counted through fragments,
each fragment read once, the validation cache still hit, and no suggestions without introspection."""

from __future__ import annotations

import asyncio
import time

import pytest
from graphql import FragmentDefinitionNode, FragmentSpreadNode, OperationDefinitionNode, parse
from strawberry.extensions.validation_cache import _get_validate_cache

from api.graphql_app import _root_fields
from schema import MAX_ALIASES, MAX_DEPTH, build_schema
from schema.document_limits import FragmentFold, TooManySpreads, fragments_of
from schema.errors import MASKED_MESSAGE


def messages(query: str, introspection: bool = True) -> list[str]:
    """The errors about the document; one that passes runs its resolvers without a request
    context, and the masked errors that makes are left out."""
    result = asyncio.run(build_schema(introspection=introspection).execute(query))
    return [error.message for error in result.errors or [] if error.message != MASKED_MESSAGE]


def fan_out(levels: int, leaf: str, on: str = "Movie") -> str:
    """Fragments B0..B<levels>, each spreading the next twice: 2**levels paths to the leaf."""
    body = " ".join(f"fragment B{i} on {on} {{ ...B{i + 1} ...B{i + 1} }}" for i in range(levels))
    return f"{body} fragment B{levels} on {on} {{ {leaf} }}"


def test_depth_counts_through_fragments() -> None:
    nested = "title"
    for _ in range((MAX_DEPTH - 1) // 2):  # with movie: 9 deep
        nested = f"similar {{ movie {{ {nested} }} }}"
    fits = f"{{ movie(id: 1) {{ ...F }} }} fragment F on Movie {{ {nested} }}"
    too_deep = f"{{ movie(id: 1) {{ similar {{ ...F }} }} }} fragment F on SimilarMovie {{ movie {{ {nested} }} }}"
    assert not any("depth" in m for m in messages(fits))
    assert any(f"{MAX_DEPTH + 1} fields deep" in m for m in messages(too_deep))


def test_aliases_count_at_each_spread() -> None:
    half = " ".join(f"a{i}: title" for i in range(MAX_ALIASES // 2 + 1))  # 16
    once = f"{{ movie(id: 1) {{ ...F }} }} fragment F on Movie {{ {half} }}"
    twice = f"{{ movie(id: 1) {{ ...F ...F }} }} fragment F on Movie {{ {half} }}"
    assert not any("aliases" in m for m in messages(once))
    assert any(m.startswith(f"{2 * (MAX_ALIASES // 2 + 1)} aliases found") for m in messages(twice))


def test_a_fan_out_of_fragments_is_measured_without_expanding_it() -> None:
    document = parse(f"{{ movie(id: 1) {{ ...B0 }} }} {fan_out(40, 'a: title')}")  # 2**40 aliases
    started = time.perf_counter()
    errors = [m for m in messages(f"{{ movie(id: 1) {{ ...B0 }} }} {fan_out(40, 'a: title')}") if "aliases" in m]
    assert time.perf_counter() - started < 1  # expanded, it would never end
    assert errors == [f"{2**40:,} aliases found (a fragment's counted at each spread). Allowed: {MAX_ALIASES}"]
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert _root_fields(operation.selection_set, fragments_of(document)) == {"movie"}


def test_root_fields_through_fragments_on_the_root() -> None:
    document = parse(f"{{ ...B0 __typename }} {fan_out(40, 'movie(id: 1) { title } person(id: 2) { name }', on='Query')}")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert _root_fields(operation.selection_set, fragments_of(document)) == {"movie", "person", "__typename"}


def test_the_fold_reads_each_fragment_once_and_stops_at_its_budget() -> None:
    document = parse(fan_out(30, "title"))
    reads: list[str] = []

    def paths(budget: int) -> FragmentFold[None, int]:
        def fold(fragment: FragmentDefinitionNode, _: None) -> int:
            reads.append(fragment.name.value)
            spreads = [s for s in fragment.selection_set.selections if isinstance(s, FragmentSpreadNode)]
            return sum(folder.spread(s.name.value, None) for s in spreads) or 1  # the leaf fragment counts 1

        folder: FragmentFold[None, int] = FragmentFold(fragments_of(document), fold, 0, budget)
        return folder

    folder = paths(1_000)
    assert folder.spread("B0", None) == 2**30
    assert sorted(reads) == sorted(f"B{i}" for i in range(31))
    assert folder.visits == 1 + 2 * 30
    with pytest.raises(TooManySpreads):
        paths(10).spread("B0", None)


def test_cycles_and_unknown_fragments_fold_to_nothing() -> None:
    document = parse("fragment A on Movie { ...B } fragment B on Movie { ...A ...Nope }")

    def fold(fragment: FragmentDefinitionNode, _: None) -> int:
        spreads = [s for s in fragment.selection_set.selections if isinstance(s, FragmentSpreadNode)]
        return 1 + sum(folder.spread(s.name.value, None) for s in spreads)

    folder: FragmentFold[None, int] = FragmentFold(fragments_of(document), fold, 0)
    assert folder.spread("A", None) == 2  # A, B; the spread of A inside B and the unknown one add nothing
    assert any("Unknown fragment 'Nope'" in m for m in messages("{ movie(id: 1) { ...Nope } }"))


def test_the_limit_rules_are_built_once_so_validation_is_cached() -> None:
    schema, cache = build_schema(), _get_validate_cache(256)
    query = "{ __typename } # test_the_limit_rules_are_built_once"
    schema.execute_sync(query)
    hits = cache.cache_info().hits  # type: ignore[attr-defined]
    schema.execute_sync(query)  # a fresh QueryLimits extension, the same rule classes: the same cache key
    schema.execute_sync(query)
    assert cache.cache_info().hits == hits + 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(("query", "suggested"), [
    ("mutation { deleteRatng(user: 1, movie: 1) }", "'deleteRating'"),  # a field
    ("{ movie(idd: 1) { title } }", "'id'"),  # an argument
    ("query($f: MovieFiltr) { movies(filter: $f) { totalCount } }", "'MovieFilter'"),  # a type
    ("{ movies(orderBy: {direction: DSC}) { totalCount } }", "'DESC'"),  # an enum value
    ('{ movies(filter: {titel: "x"}) { totalCount } }', "'title'"),  # an input field
])
def test_no_suggestions_without_introspection(query: str, suggested: str) -> None:
    assert any("Did you mean" in m and suggested in m for m in messages(query))
    hidden = messages(query, introspection=False)
    assert hidden and not any("Did you mean" in m or suggested in m for m in hidden)
