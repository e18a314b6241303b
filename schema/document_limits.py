"""Depth and alias limits, as validation rules whose work is linear in the document.

A fragment spread twice in a fragment spread twice... stands for exponentially many fields: the
stock limiters (and any walk that follows spreads) expand every spread on every path, so 20
levels of two spreads, 832 bytes, held the worker for 12-21 s. Here each fragment is folded
once (`FragmentFold`) and its result reused at every spread; a total budget on spread visits
bounds what a walk with more than one key per fragment (the cost's) can do.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

# Far above any real query's (a fragment or two, spread a few times), and a bound on a walk's work:
# a document under the token limit has at most ~1,000 spreads.
MAX_SPREAD_VISITS = 5_000


class TooManySpreads(Exception):
    def __init__(self, budget: int) -> None:
        super().__init__(f"the document follows fragment spreads more than {budget:,} times; use fewer fragments")


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class FragmentFold(Generic[K, T]):
    """`spread(name, key)` is `fold(fragment, key)` worked out once per fragment and key.

    An unknown fragment, or one spread inside itself, folds to `empty`: graphql-core's own rules
    refuse those documents, and the walks that see them before (validation) or after that
    (the request log) must only not fail on them."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], fold: Callable[[FragmentDefinitionNode, K], T],
                 empty: T, budget: int = MAX_SPREAD_VISITS) -> None:
        self.fragments = fragments
        self.fold = fold
        self.empty = empty
        self.budget = budget
        self.visits = 0
        self._done: dict[tuple[str, K], T] = {}
        self._open: set[tuple[str, K]] = set()

    def spread(self, name: str, key: K) -> T:
        self.visits += 1
        if self.visits > self.budget:
            raise TooManySpreads(self.budget)
        memo = (name, key)
        if memo in self._done:
            return self._done[memo]
        fragment = self.fragments.get(name)
        if fragment is None or memo in self._open:
            return self.empty
        self._open.add(memo)
        try:
            value = self.fold(fragment, key)
        finally:
            self._open.discard(memo)
        self._done[memo] = value
        return value


def _depth(selection_set: SelectionSetNode | None, fold: FragmentFold[None, int]) -> int:
    """Fields nested below this selection set, as strawberry's QueryDepthLimiter counts them:
    a field with a selection counts 1, a leaf or an introspection field (`__schema`) 0."""
    deepest = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.selection_set is not None and not selection.name.value.startswith("__"):
                deepest = max(deepest, 1 + _depth(selection.selection_set, fold))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, fold.spread(selection.name.value, None))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fold))
    return deepest


def _aliases(selection_set: SelectionSetNode | None, fold: FragmentFold[None, int]) -> int:
    """Aliased fields below this selection set, a fragment's counted at each of its spreads."""
    count = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            count += (selection.alias is not None) + _aliases(selection.selection_set, fold)
        elif isinstance(selection, FragmentSpreadNode):
            count += fold.spread(selection.name.value, None)
        elif isinstance(selection, InlineFragmentNode):
            count += _aliases(selection.selection_set, fold)
    return count


Measure = Callable[[SelectionSetNode | None, FragmentFold[None, int]], int]


def _measure_operations(context: ValidationContext, measure: Measure) -> list[tuple[OperationDefinitionNode, int]] | None:
    """Each operation of the document with its measure; None (and an error reported) over the spread budget."""
    fold: FragmentFold[None, int] = FragmentFold(fragments_of(context.document), lambda fragment, _: measure(fragment.selection_set, fold), 0)
    operations = [d for d in context.document.definitions if isinstance(d, OperationDefinitionNode)]
    try:
        return [(operation, measure(operation.selection_set, fold)) for operation in operations]
    except TooManySpreads as exc:
        context.report_error(GraphQLError(str(exc)))
        return None


def max_depth_rule(max_depth: int) -> type[ValidationRule]:
    class MaxDepth(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for operation, depth in _measure_operations(context, _depth) or ():
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(GraphQLError(
                        f"'{name}' is {depth:,} fields deep, over the maximum operation depth of {max_depth}", [operation]))

    return MaxDepth


def max_aliases_rule(max_aliases: int) -> type[ValidationRule]:
    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            measured = _measure_operations(context, _aliases)
            total = sum(count for _, count in measured or ())
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total:,} aliases found (a fragment's counted at each spread). Allowed: {max_aliases}"))

    return MaxAliases
