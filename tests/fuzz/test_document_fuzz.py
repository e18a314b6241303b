"""A grammar-level fuzzer of GraphQL documents: random syntax trees built from graphql-core's AST
nodes (operations, variables with defaults, fields of the schema and made-up ones, aliases,
arguments of every value kind, directives, named and inline fragments, spreads of known, unknown
and cyclic fragments), printed with `print_ast` and sent to a live server with a deadline. Every
answer comes within DEADLINE_S, is below 500 and carries no INTERNAL_SERVER_ERROR, and the server
logs no traceback. Where schemathesis writes well- and ill-typed calls of each root field, this
writes the document's structure. A few hundred documents by default, 10,000 under `-m slow`."""

from __future__ import annotations

import random
import time
from collections import Counter

import httpx
import pytest
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    print_ast,
)
from graphql.pyutils import Undefined

from schema import default_schema
from tests.fuzz.conftest import LiveServer

GRAPHQL = default_schema()._schema
DEADLINE_S = 5.0  # per answer; the document checks take milliseconds, the rest is the query's own work
COMPOSITE = [name for name, t in GRAPHQL.type_map.items() if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)) and not name.startswith("__")]
INPUTS = ["Int", "Int!", "String", "ID", "ID!", "Float", "Boolean", "[ID!]", "[String!]", "MovieFilter", "MovieOrder", "SortDirection", "Nope"]
NAMES = ["movie", "title", "id", "first", "Movie", "x", "__typename", "__schema", "deleteRating", "é", "a" * 40]
STRINGS = ["", "862", "toy story", "Pixar", "US", "fr", "a " * 50, "\u00e9\u0301", "\ud7ff", "' OR 1=1 --", "%_\\", "0" * 30]
INTS = ["0", "1", "3", "100", "101", "-1", "862", "2147483647", "2147483648", "9" * 40]


def _name(value: str) -> NameNode:
    return NameNode(value=value)


class DocumentWriter:
    """Writes one random document; `rng` decides everything, so a seed reproduces it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.strict = rng.random() < 0.5  # well-typed: schema fields only, values of the arguments' types
        self.budget = rng.randint(3, 40)  # fields left to write: most documents stay under the token limit
        self.aliases = 0
        self.fragments: list[FragmentDefinitionNode] = []
        self.fragment_names: list[str] = []  # named before their body is written, so a body may spread its own (a cycle)
        self.variables: list[str] = []

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def value(self, depth: int = 0) -> ValueNode:
        kind = self.rng.choice(["int", "int", "string", "string", "float", "bool", "null", "enum", "list", "object", "variable"])
        if kind == "int":
            return IntValueNode(value=self.rng.choice(INTS))
        if kind == "string":
            return StringValueNode(value=self.rng.choice(STRINGS))
        if kind == "float":
            return FloatValueNode(value=self.rng.choice(["0.5", "4.0", "5.5", "1e308", "-0.0", "1e-400"]))
        if kind == "bool":
            return BooleanValueNode(value=self.chance(0.5))
        if kind == "null":
            return NullValueNode()
        if kind == "enum":
            return EnumValueNode(value=self.rng.choice(["DESC", "ASC", "POPULARITY", "TITLE", "NOPE", "true"]))
        if kind == "variable":
            name = self.rng.choice([*self.variables, "undeclared"]) if self.variables else "undeclared"
            return VariableNode(name=_name(name))
        if depth > 2:
            return NullValueNode()
        if kind == "list":
            return ListValueNode(values=tuple(self.value(depth + 1) for _ in range(self.rng.randint(0, 4))))
        keys = ["genres", "yearFrom", "yearTo", "title", "field", "direction", "languages", "company", "bogus"]
        return ObjectValueNode(fields=tuple(ObjectFieldNode(name=_name(self.rng.choice(keys)), value=self.value(depth + 1))
                                            for _ in range(self.rng.randint(0, 3))))

    def typed_value(self, type_: GraphQLInputType) -> ValueNode:
        """A value of `type_` (a graphql-core input type) that the API accepts, mostly."""
        named = get_named_type(type_)
        if named.name == "Int":
            if self.chance(0.3):  # a variable, which the request gives or leaves out
                name = f"v{len(self.variables)}"
                self.variables.append(name)
                return VariableNode(name=_name(name))
            return IntValueNode(value=self.rng.choice(["0", "1", "2", "5"]))
        if named.name == "ID":
            return StringValueNode(value=self.rng.choice(["862", "2", "1", "13"]))
        if named.name == "Float":
            return FloatValueNode(value=self.rng.choice(["0.5", "4.0"]))
        if named.name == "Boolean":
            return BooleanValueNode(value=self.chance(0.5))
        if isinstance(named, GraphQLEnumType):
            return EnumValueNode(value=self.rng.choice(list(named.values)))
        if isinstance(named, GraphQLInputObjectType):
            return ObjectValueNode(fields=())
        return StringValueNode(value=self.rng.choice(["toy", "Pixar", "US", "en", "Director"]))

    def arguments(self, args: dict[str, GraphQLArgument]) -> tuple[ArgumentNode, ...]:
        if self.strict:
            required = {n for n, a in args.items() if is_non_null_type(a.type) and a.default_value is Undefined}
            chosen = [(n, self.typed_value(a.type)) for n, a in args.items() if n in required or self.chance(0.3)]
        else:
            names = [*(args or ["id"]), *(["bogus"] if self.chance(0.05) else [])]
            chosen = [(name, self.value()) for name in names if self.chance(0.6)]
        return tuple(ArgumentNode(name=_name(name), value=value) for name, value in chosen)

    def directives(self) -> tuple[DirectiveNode, ...]:
        if not self.chance(0.15):
            return ()
        name = self.rng.choice(["include", "skip"] if self.strict else ["include", "skip", "include", "deprecated", "nope"])
        value = BooleanValueNode(value=self.chance(0.7)) if self.strict else self.value()
        return (DirectiveNode(name=_name(name), arguments=(ArgumentNode(name=_name("if"), value=value),)),)

    def selections(self, type_name: str, depth: int) -> SelectionSetNode:
        named = GRAPHQL.type_map.get(type_name)
        fields = named.fields if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)) else {}
        selections: list[SelectionNode] = []
        for _ in range(self.rng.randint(1, 3)):
            self.budget -= 1
            roll = self.rng.random()
            if roll < 0.12 and depth < 12:
                selections.append(self.spread(type_name, depth))
            elif roll < 0.2 and depth < 12:
                conditions = [type_name] if self.strict else [type_name, *COMPOSITE]
                condition = NamedTypeNode(name=_name(self.rng.choice(conditions))) if self.chance(0.7) else None
                target = condition.name.value if condition else type_name
                selections.append(InlineFragmentNode(type_condition=condition, directives=self.directives(),
                                                     selection_set=self.selections(target, depth + 1)))
            else:
                selections.append(self.field(fields, depth))
        return SelectionSetNode(selections=tuple(selections))

    def field(self, fields: dict[str, GraphQLField], depth: int) -> FieldNode:
        deeper = depth < (6 if self.strict else 12) and self.budget > 0
        if self.strict and not deeper:  # scalars only, which need no selection
            fields = {n: f for n, f in fields.items() if is_leaf_type(get_named_type(f.type))} or fields
        known = self.strict or (fields and self.chance(0.9))
        name = self.rng.choice(list(fields) or ["__typename"]) if known else self.rng.choice(NAMES)
        definition = fields.get(name)
        arguments = self.arguments(definition.args if definition is not None else {})
        self.aliases += 1
        alias = _name(f"a{self.aliases}" if self.strict else self.rng.choice(["a", "b", "c", name, "x" * 3])) if self.chance(0.15) else None
        child = get_named_type(definition.type).name if definition is not None else self.rng.choice(COMPOSITE)
        has_fields = isinstance(GRAPHQL.type_map.get(child), (GraphQLObjectType, GraphQLInterfaceType))
        odd = deeper and not self.strict and self.chance(0.05)  # a selection on a scalar, or on an unknown field
        selection_set = self.selections(child, depth + 1) if (has_fields and (deeper or self.strict)) or odd else None
        return FieldNode(alias=alias, name=_name(name), arguments=arguments, directives=self.directives(), selection_set=selection_set)

    def spread(self, type_name: str, depth: int) -> FragmentSpreadNode:
        roll = self.rng.random()
        if self.fragment_names and roll < 0.5 and not self.strict:  # an existing fragment, perhaps of another type, perhaps being written
            name = self.rng.choice(self.fragment_names)
        elif roll < 0.55 and not self.strict:
            name = "Unknown"
        else:
            name = f"F{len(self.fragment_names)}"
            self.fragment_names.append(name)
            self.fragments.append(FragmentDefinitionNode(name=_name(name), type_condition=NamedTypeNode(name=_name(type_name)),
                                                         selection_set=self.selections(type_name, depth + 1)))
        return FragmentSpreadNode(name=_name(name), directives=self.directives())

    def type_node(self) -> TypeNode:
        text = self.rng.choice(INPUTS)
        inner = text.strip("[]!")
        named = NamedTypeNode(name=_name("Int" if self.strict else inner))
        if self.strict:
            return named
        if text.startswith("["):
            return ListTypeNode(type=NonNullTypeNode(type=named) if text.endswith("!]") else named)
        return NonNullTypeNode(type=named) if text.endswith("!") else named

    def document(self) -> DocumentNode:
        operation = OperationType.MUTATION if self.chance(0.15) else OperationType.QUERY
        root = "Mutation" if operation is OperationType.MUTATION else "Query"
        if not self.strict:  # declared up front, used or not; well-typed documents declare those they use
            self.variables = [f"v{index}" for index in range(self.rng.randint(0, 3))]
        body = self.selections(root, 0)
        definitions = []
        for name in self.variables:
            default = (IntValueNode(value="2") if self.strict else self.value()) if self.chance(0.3) else None
            # A default may be a non-constant value (a variable inside a list): graphql-core's node
            # types forbid it, and that is what the fuzzer wants the server to refuse.
            definitions.append(VariableDefinitionNode(variable=VariableNode(name=_name(name)), type=self.type_node(),
                                                      default_value=default))  # type: ignore[arg-type]
        operation_name = _name(self.rng.choice(["Q", "Fuzz", "x"])) if self.chance(0.5) else None
        operations = [OperationDefinitionNode(operation=operation, name=operation_name, variable_definitions=tuple(definitions),
                                              directives=() if self.strict else self.directives(), selection_set=body)]
        if not self.strict and self.chance(0.05):  # a second, anonymous operation: refused, or ambiguous without operationName
            operations.append(OperationDefinitionNode(operation=OperationType.QUERY, selection_set=self.selections("Query", 0)))
        return DocumentNode(definitions=(*operations, *self.fragments))

    def variable_values(self) -> dict[str, object]:
        values: list[object] = [1, 2] if self.strict else [1, "862", None, [1, "2"], {"first": 3}, "x" * 50, 2**40, 1.5]
        return {name: self.rng.choice(values) for name in self.variables if self.chance(0.6)}


def fuzz(server: LiveServer, count: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    slowest, slowest_query = 0.0, ""
    with httpx.Client(timeout=DEADLINE_S, trust_env=False) as http:
        for _ in range(count):
            writer = DocumentWriter(rng)
            query = print_ast(writer.document())
            started = time.perf_counter()
            response = http.post(server.url, json={"query": query, "variables": writer.variable_values()})
            if time.perf_counter() - started > slowest:
                slowest, slowest_query = time.perf_counter() - started, query
            assert response.status_code < 500, (query, response.text[:500])
            body = response.json()
            codes = {(error.get("extensions") or {}).get("code", "no code") for error in body.get("errors") or []}
            assert "INTERNAL_SERVER_ERROR" not in codes and "no code" not in codes, (query, body)
            outcomes.update(codes)
            outcomes["data"] += bool(body.get("data"))
    print(f"{count} documents, slowest answer {slowest * 1000:.0f} ms: {dict(outcomes.most_common())}\nslowest: {slowest_query[:500]}")
    assert server.tracebacks() == []
    return outcomes


@pytest.mark.parametrize(("count", "seed"), [pytest.param(300, 10, id="300-documents"),
                                             pytest.param(10_000, None, id="10000-documents", marks=pytest.mark.slow)])
def test_fuzzed_documents_are_answered_in_time_without_a_server_error(live_server: LiveServer, count: int, seed: int | None) -> None:
    outcomes = fuzz(live_server, count, seed if seed is not None else random.SystemRandom().randrange(2**32))
    assert outcomes["data"] > 0 and outcomes["GRAPHQL_VALIDATION_FAILED"] > 0  # both sides of validation were reached
