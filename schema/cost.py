"""Query cost: an upper bound on the objects a query can return, checked before it runs.

Each object a query asks for costs 1 and scalars are free (they come with their object's row);
a list multiplies the cost of one element by the most elements it can have: its `first` argument
as asked, else a connection's `last` (which cannot come with `first`), else `first`'s default (a
connection's comes from the argument's metadata, schema/pagination.py) when the argument, or the
variable given for it, is left out; else the
length of its list argument (`predictedRatings(items:)`), else `first` of the connection it sits
in (`movies(first: 100) { edges }`), else the longest such list in the catalogue (a movie's genres,
companies, keywords...: `LongestLists`, measured at ingest). Fragments are costed once per spread
context (schema/document_limits.py). Variables are read from the request, which is why this is
an extension running when execution starts rather than a validation rule (rules never see
variable values).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.pyutils import Undefined
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from schema.document_limits import FragmentFold, TooManySpreads, fragments_of
from schema.pagination import MAX_PAGE, PAGE_DEFAULT

CODE = "QUERY_TOO_COSTLY"

Variables = Mapping[str, Any]

# The lists without `first` (data/longest_lists.py measures them), by type and field.
MEASURED_LISTS = {
    ("Movie", "genres"): "genres_per_movie",
    ("Movie", "companies"): "companies_per_movie",
    ("Movie", "countries"): "countries_per_movie",
    ("Movie", "spokenLanguages"): "spoken_languages_per_movie",
    ("Movie", "directors"): "directors_per_movie",
    ("Movie", "keywords"): "keywords_per_movie",
}


class LongestLists:
    """The longest list the catalogue holds for each list field without `first`. The server fills
    it once its catalogue is open; until then (and with no catalogue, when no query returns
    anything) each counts MAX_PAGE."""

    def __init__(self, measured: Mapping[str, int] | None = None) -> None:
        self._by_field: dict[tuple[str, str], int] = {}
        self.update(measured or {})

    def update(self, measured: Mapping[str, int]) -> None:
        self._by_field = {field: measured[name] for field, name in MEASURED_LISTS.items() if name in measured}

    def of(self, type_name: str, field_name: str) -> int:
        return self._by_field.get((type_name, field_name), MAX_PAGE)


@dataclass(frozen=True, slots=True)
class _FieldShape:
    """What the estimate needs of one field definition, worked out once per schema."""

    type: GraphQLNamedType | None  # None for a scalar or enum: free
    is_list: bool
    first: GraphQLArgument | None
    last: GraphQLArgument | None
    page_default: Any  # a connection's default page size (its `first` has no schema default), else Undefined
    lists: tuple[tuple[str, GraphQLArgument], ...]  # list-typed arguments, whose length may size the result


def _shape(field: GraphQLField) -> _FieldShape:
    named = get_named_type(field.type)
    lists = tuple((name, arg) for name, arg in field.args.items() if is_list_type(get_nullable_type(arg.type)))
    first = field.args.get("first")
    definition = (first.extensions or {}).get("strawberry-definition") if first else None
    page_default = getattr(definition, "metadata", {}).get(PAGE_DEFAULT, Undefined)
    return _FieldShape(None if is_leaf_type(named) else named, is_list_type(get_nullable_type(field.type)), first, field.args.get("last"),
                       page_default, lists)


_SHAPES: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, _FieldShape]]] = WeakKeyDictionary()


def _shapes(schema: GraphQLSchema) -> dict[str, dict[str, _FieldShape]]:
    """Field shapes by type name and field name: reading them off graphql-core's types per field
    and request was most of the estimate's time."""
    if schema not in _SHAPES:
        _SHAPES[schema] = {
            name: {field_name: _shape(field) for field_name, field in named.fields.items()}
            for name, named in schema.type_map.items()
            if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
        }
    return _SHAPES[schema]


class _Estimator:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], longest: LongestLists,
                 variables: Variables, variable_defaults: Mapping[str, ValueNode]) -> None:
        self.schema = schema
        self.shapes = _shapes(schema)
        self.longest = longest
        self.variables = variables
        self.variable_defaults = variable_defaults
        # A fragment's cost depends on the connection `first` it sits under: one fold per (fragment, length).
        self.fragments: FragmentFold[int | None, int] = FragmentFold(fragments, self.fragment, 0)

    def fragment(self, fragment: FragmentDefinitionNode, length: int | None) -> int:
        condition = self.schema.get_type(fragment.type_condition.name.value)
        return self.selections(fragment.selection_set, condition, length) if condition else 0

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, length: int | None) -> int:
        """Cost of `selection_set` on `parent`; `length` is the enclosing connection's `first`."""
        if selection_set is None:
            return 0
        total = 0
        fields = self.shapes.get(parent.name, {})
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                shape = fields.get(selection.name.value)
                if shape is not None and shape.type is not None:
                    total += self.field(selection, parent, shape, length)
                elif selection.name.value in ("__schema", "__type"):
                    total += 1  # introspection reads the schema: bounded, in memory
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragments.spread(selection.name.value, length)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                total += self.selections(selection.selection_set, condition or parent, length)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, shape: _FieldShape, length: int | None) -> int:
        assert shape.type is not None
        requested = self.requested_length(node, shape) if shape.first or shape.lists else None
        if shape.is_list:
            count = requested if requested is not None else length if length is not None else self.longest.of(parent.name, node.name.value)
            return count * (1 + self.selections(node.selection_set, shape.type, None))
        return 1 + self.selections(node.selection_set, shape.type, requested)

    def requested_length(self, node: FieldNode, shape: _FieldShape) -> int | None:
        """`first`, else the length of the field's longest list argument; None when it has neither.
        An argument left out, or given a variable the request left out, takes the argument's default."""
        given = {argument.name.value: self.value(argument.value) for argument in node.arguments or ()}
        if shape.first is not None:
            first = given.get("first", Undefined)
            if first is Undefined or first is None:
                last = given.get("last", Undefined) if shape.last is not None else Undefined
                first = shape.first.default_value if last is Undefined or last is None else last
            if first is Undefined or first is None:
                first = shape.page_default
            return _as_int(first)
        lengths = []
        for name, argument in shape.lists:
            value = given.get(name, Undefined)
            value = argument.default_value if value is Undefined else value
            if value is not None and value is not Undefined:
                lengths.append(len(value) if isinstance(value, (list, tuple)) else 1)  # a lone value is coerced to [value]
        return max(lengths, default=None)

    def value(self, node: ValueNode) -> Any:
        """The Python value of an argument, as far as its length or `first` is concerned; Undefined
        for a variable the request left out and that has no default."""
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            default = self.variable_defaults.get(name)
            return Undefined if default is None else self.value(default)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return node.values
        return None


def _as_int(value: Any) -> int | None:
    # As GraphQL's Int coerces it: 5 and 5.0 are 5, a boolean or a string is refused at execution.
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Beyond Int's 32 bits the value is refused at execution (BAD_USER_INPUT), not costed.
    return max(value, 0) if isinstance(value, int) and value < 2**31 else None


def estimate(schema: GraphQLSchema, document: Any, operation_name: str | None, variables: Variables | None,
             longest: LongestLists) -> int:
    """The cost of the operation `operation_name` of a validated `document` with these variables;
    TooManySpreads past the spread budget."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return 0  # execution reports the missing operation
    defaults = {d.variable.name.value: d.default_value for d in operation.variable_definitions or () if d.default_value is not None}
    return _Estimator(schema, fragments_of(document), longest, variables or {}, defaults).selections(operation.selection_set, root, None)


class QueryCost(SchemaExtension):
    """Refuses an operation whose estimated cost exceeds `maximum`, before any resolver runs, and
    reports the cost of every executed operation in the response's `extensions.cost`."""

    def __init__(self, maximum: int, longest: LongestLists) -> None:
        super().__init__()
        self.maximum = maximum
        self.longest = longest
        self.requested: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        try:
            self.requested = estimate(context.schema._schema, context.graphql_document, context.operation_name, context.variables,
                                      self.longest)
            message = (f"query cost {self.requested:,} exceeds the maximum of {self.maximum:,}: ask for fewer items "
                       "(a smaller `first`, fewer nested lists) or split the query")
        except TooManySpreads as exc:
            self.requested, message = self.maximum + 1, str(exc)
        if self.requested > self.maximum:
            # A result set here makes Strawberry skip execution.
            context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(
                message, extensions={"code": CODE, "cost": self.requested, "maximum": self.maximum},
            )])
        yield

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}  # refused before execution (syntax, validation): nothing was estimated
        return {"cost": {"requested": self.requested, "maximum": self.maximum}}
