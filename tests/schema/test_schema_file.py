from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from schema import default_schema
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
