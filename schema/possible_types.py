"""The `possibleTypes` a normalising client cache needs (Apollo's InMemoryCache option): which
object types implement each interface, so fragments on `Node`, `MovieGroup`, `Credit` or
`MovieReference` match. Served at /graphql/possible-types.json and committed as
possible-types.json (`python -m schema.export --possible-types`)."""

from __future__ import annotations

import json

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType


def possible_types(schema: GraphQLSchema) -> dict[str, list[str]]:
    """Interface (and union) name -> the object type names it may be, both sorted."""
    abstract = [t for name, t in schema.type_map.items() if not name.startswith("__") and isinstance(t, (GraphQLInterfaceType, GraphQLUnionType))]
    return {t.name: sorted(o.name for o in schema.get_possible_types(t)) for t in sorted(abstract, key=lambda t: t.name)}


def possible_types_json(schema: GraphQLSchema) -> str:
    return json.dumps(possible_types(schema), indent=2)
