import json
import re

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema import default_schema
from schema.possible_types import possible_types
from tests.conftest import ROOT


def test_committed_schema_graphql_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == default_schema().as_str() + "\n", "schema.graphql is stale: run `python -m schema.export > schema.graphql`"


def test_every_type_and_field_has_a_description() -> None:
    undocumented = []
    for name, graphql_type in default_schema()._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType, GraphQLEnumType)):
            continue
        if not graphql_type.description:
            undocumented.append(name)
        if isinstance(graphql_type, GraphQLEnumType):
            continue
        undocumented += [f"{name}.{field}" for field, definition in graphql_type.fields.items() if not definition.description]
    assert undocumented == []


def test_every_argument_input_field_and_enum_value_has_a_description() -> None:
    """What GraphiQL and codegen show of each argument and value (graphql-schema-linter's
    arguments-have-descriptions and enum-values-have-descriptions)."""
    undocumented = []
    for name, graphql_type in default_schema()._schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLEnumType):
            undocumented += [f"{name}.{value}" for value, definition in graphql_type.values.items() if not definition.description]
        if isinstance(graphql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            undocumented += [
                f"{name}.{field}({argument})"
                for field, definition in graphql_type.fields.items()
                for argument, arg in definition.args.items()
                if not arg.description
            ]
    assert undocumented == []


def test_committed_possible_types_match_the_schema() -> None:
    committed = json.loads((ROOT / "possible-types.json").read_text())
    assert committed == possible_types(default_schema()._schema), "run `python -m schema.export --possible-types > possible-types.json`"
    # Independently of the helper: every object type naming Node among its interfaces, read off the SDL.
    implementing = {
        match.group(1) for match in re.finditer(r"^type (\w+) implements ([\w &]+) \{", (ROOT / "schema.graphql").read_text(), re.M)
        if "Node" in match.group(2).split(" & ")
    }
    assert set(committed["Node"]) == implementing
    assert {"Movie", "Person", "Director", "Company", "Collection", "Genre", "Keyword", "Country", "Language", "User", "Rating"} <= implementing
    assert committed["MovieGroup"] == ["Collection", "Company", "Country", "Director", "Genre", "Language"]
