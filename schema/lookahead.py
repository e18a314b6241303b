"""What the query asks of the field being resolved, so that its resolver can load it in one batch.

Walked on graphql-core's document, each fragment once per level: Strawberry's `selected_fields`
expands a fragment at every spread, and a document of fragments spread twice over 20 levels (one
the document limits let through) has a million paths (tests/reliability/test_hostile_documents.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    value_from_ast,
)
from strawberry.types.nodes import get_variable_values

from schema.context import Info

_SKIP_IF = {"skip": True, "include": False}  # the directive, and the value of its `if` that leaves the node out


def selected(info: Info, *path: str) -> list[FieldNode]:
    """The fields the query selects at `path` below the field being resolved: fragments flattened,
    @skip/@include applied, a field asked twice (under aliases) once per asking."""
    raw = info._raw_info
    level = _fields([node.selection_set for node in raw.field_nodes], info)
    for name in path:
        level = _fields([node.selection_set for node in level if node.name.value == name], info)
    return level


def arguments(info: Info, type_name: str, node: FieldNode) -> dict[str, Any] | None:
    """The arguments `node` (a field of `type_name`) will be resolved with, defaults included;
    None when one cannot be worked out here (the field then reports it itself)."""
    raw = info._raw_info
    owner = raw.schema.get_type(type_name)
    assert isinstance(owner, GraphQLObjectType)
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    values: dict[str, Any] = {}
    for name, definition in owner.fields[node.name.value].args.items():
        value = value_from_ast(given[name], definition.type, get_variable_values(raw)) if name in given else definition.default_value
        if value is Undefined and name in given:
            return None
        if value is not Undefined:
            values[name] = value
    return values


def _fields(selection_sets: Iterable[SelectionSetNode | None], info: Info) -> list[FieldNode]:
    raw = info._raw_info
    variables = get_variable_values(raw)  # Strawberry's executor hands resolvers the coerced dict
    found: list[FieldNode] = []
    seen: set[str] = set()  # fragments spread already at this level: each is walked once
    pending = [selection_set for selection_set in selection_sets if selection_set is not None]
    while pending:
        for selection in pending.pop().selections:
            if not _included(selection, variables):
                continue
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = raw.fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return found


def _included(node: Any, variables: dict[str, Any]) -> bool:
    for directive in node.directives or ():
        leave_out_if = _SKIP_IF.get(directive.name.value)
        condition = next((argument.value for argument in directive.arguments or () if argument.name.value == "if"), None)
        if leave_out_if is not None and condition is not None:
            value = value_from_ast(condition, GraphQLNonNull(GraphQLBoolean), variables)
            if value is not Undefined and bool(value) == leave_out_if:
                return False
    return True
