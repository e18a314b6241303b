"""The Strawberry ASGI app for /graphql, with a typed per-request context and the offline GraphiQL;
it tells the request log and the metrics what each request asked (GraphQLOutcome)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cross_web import AsyncHTTPRequestAdapter
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from api import graphiql
from data.errors import QuotaExceeded
from schema.context import Context
from schema.document_limits import FragmentFold, TooManySpreads, fragments_of
from schema.errors import code_parse_errors

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


def _root_fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    """The field names of the operation's top level, each fragment read once whatever its spreads
    (this runs on documents validation refused too: unknown fragments and cycles are skipped)."""
    fold: FragmentFold[None, frozenset[str]] = FragmentFold(fragments, lambda fragment, _: names(fragment.selection_set), frozenset())

    def names(selections: SelectionSetNode) -> frozenset[str]:
        found: set[str] = set()
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                found.add(selection.name.value)
            elif isinstance(selection, FragmentSpreadNode):
                found |= fold.spread(selection.name.value, None)
            elif isinstance(selection, InlineFragmentNode):
                found |= names(selection.selection_set)
        return frozenset(found)

    try:
        return set(names(selection_set))
    except TooManySpreads:
        return set()


class RecordOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:  # a syntax error is raised through this hook (by ParserCache), and still counts
            self._record()

    def _record(self) -> None:
        context = self.execution_context
        request = context.context.request  # a Context: MoviegraphGraphQL.get_context makes every one
        name = context.operation_name if isinstance(context.operation_name, str) else None  # the view refuses others
        outcome = GraphQLOutcome(operation_name=name[:MAX_OPERATION_NAME] if name else None)
        document = context.graphql_document
        operation = get_operation_ast(document, name) if document else None
        if document is not None and operation is not None:
            outcome.operation_type = operation.operation.value
            root = context.schema._schema.get_root_type(operation.operation)
            names = _root_fields(operation.selection_set, fragments_of(document))
            known = {name for name in names if isinstance(root, GraphQLObjectType) and name in root.fields}
            if len(known) == 1:
                outcome.root_field = known.pop()
            elif known:
                outcome.root_field = "multiple"
            elif names & {"__schema", "__type", "__typename"}:
                outcome.root_field = "introspection"
        request.state.graphql = outcome


class _BadOperationName(Exception):
    """An operationName that is neither a string nor null (an object, an array)."""


BAD_OPERATION_NAME = {
    "errors": [{"message": "operationName must be a string or null", "extensions": {"code": "BAD_REQUEST"}}],
}


class MoviegraphGraphQL(GraphQL[Context, None]):
    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        # Strawberry checks query, variables and extensions but passes any operationName on, and
        # graphql-core then fails on a dict or list with an internal message.
        data = await super().parse_http_body(request)
        if any(not isinstance(item.operation_name, (str, type(None))) for item in (data if isinstance(data, list) else [data])):
            raise _BadOperationName
        return data

    async def run(self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        except _BadOperationName:
            return JSONResponse(BAD_OPERATION_NAME, status_code=400)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request.state.graphql_response = response  # Strawberry copies its status and headers into the answer
        return Context.for_request(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Parse errors skip the schema's extensions (schema/errors.py PhaseCodes codes the rest).
        code_parse_errors(result.errors or [])
        quota = next((error.original_error for error in result.errors or [] if isinstance(error.original_error, QuotaExceeded)), None)
        response = getattr(request.state, "graphql_response", None)
        if isinstance(quota, QuotaExceeded) and isinstance(response, Response):
            # A write over its user's quota: 429 and Retry-After, as the rate limit answers.
            response.status_code = 429
            response.headers["retry-after"] = str(quota.retry_after)
        outcome = getattr(request.state, "graphql", None)
        if isinstance(outcome, GraphQLOutcome):
            outcome.error_codes = [str((error.extensions or {}).get("code")) for error in result.errors or []]
            outcome.cost = (result.extensions or {}).get("cost", {}).get("requested")
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Served from vendored npm assets (api/graphiql.py), never a CDN.
        return HTMLResponse(graphiql.page())
