"""The Strawberry ASGI app for /graphql, with a typed per-request context and the offline GraphiQL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from api import graphiql
from schema.context import Context
from schema.errors import add_codes


class MoviegraphGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return Context.for_request(request)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # Parse and validation errors skip the schema's extensions; they get their code here.
        add_codes(result.errors or [])
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Served from vendored npm assets (api/graphiql.py), never a CDN.
        return HTMLResponse(graphiql.page())
