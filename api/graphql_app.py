"""The Strawberry ASGI app for /graphql, with a typed per-request context and the offline GraphiQL;
it tells the request log and the metrics what each request asked (GraphQLOutcome)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api import graphiql
from schema.context import Context
from schema.errors import add_codes

# Client-supplied operation names are free text: the log keeps this much of one.
MAX_OPERATION_NAME = 100


@dataclass
class GraphQLOutcome:
    """What one GraphQL request asked and got, kept in `request.state.graphql` for the request log
    and the metrics. `root_field` is the operation's one root field as the schema names it,
    "multiple", "introspection", or "none" (it did not parse, or named no field the schema has)."""

    operation_type: str = "none"
    root_field: str = "none"
    operation_name: str | None = None
    error_codes: list[str] = field(default_factory=list)
    cost: int | None = None


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str] = frozenset()
) -> Iterator[str]:
    # `seen`: this runs on documents validation refused too, whose fragments may spread each other in a cycle.
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _root_fields(fragments[name].selection_set, fragments, seen | {name})
        else:
            yield from _root_fields(selection.selection_set, fragments, seen)  # type: ignore[attr-defined]


class RecordOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:  # a syntax error is raised through this hook (by ParserCache), and still counts
            self._record()

    def _record(self) -> None:
        context = self.execution_context
        request = context.context.request if isinstance(context.context, Context) else None
        if request is None:
            return
        name = context.operation_name
        outcome = GraphQLOutcome(operation_name=name[:MAX_OPERATION_NAME] if name else None)
        document = context.graphql_document
        operation = get_operation_ast(document, name) if document else None
        if document is not None and operation is not None:
            outcome.operation_type = operation.operation.value
            root = context.schema._schema.get_root_type(operation.operation)
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            names = set(_root_fields(operation.selection_set, fragments))
            known = {name for name in names if isinstance(root, GraphQLObjectType) and name in root.fields}
            if len(known) == 1:
                outcome.root_field = known.pop()
            elif known:
                outcome.root_field = "multiple"
            elif names & {"__schema", "__type", "__typename"}:
                outcome.root_field = "introspection"
        request.state.graphql = outcome


class MoviegraphGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context.for_request(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Parse and validation errors skip the schema's extensions; they get their code here.
        add_codes(result.errors or [])
        outcome = getattr(request.state, "graphql", None)
        if isinstance(outcome, GraphQLOutcome):
            outcome.error_codes = [str((error.extensions or {}).get("code")) for error in result.errors or []]
            outcome.cost = (result.extensions or {}).get("cost", {}).get("requested")
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Served from vendored npm assets (api/graphiql.py), never a CDN.
        return HTMLResponse(graphiql.page())
