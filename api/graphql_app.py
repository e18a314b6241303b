"""The Strawberry ASGI app for /graphql, with a typed per-request context and the offline GraphiQL;
it runs persisted queries (api/persisted_queries.py) and batches within the limits, answers as
GraphQL over HTTP says (api/graphql_http.py), and tells the request log and the metrics what each
request asked (GraphQLOutcome)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from api import graphiql, request_json
from api.graphql_http import GRAPHQL_RESPONSE, Exchange, finish, model_version, negotiate, shareable
from api.limits import TokenBuckets, error_body, rate_key, too_many
from api.persisted_queries import PersistedQueries, PersistedQueryProblem
from api.response_cache import CachedAnswer, ResponseCache
from schema import MoviegraphSchema, default_schema
from schema.context import Context
from schema.cost import LongestLists, estimate
from schema.document_limits import FragmentFold, TooManySpreads, fragments_of
from schema.errors import code_parse_errors, is_unexpected, masked

# Client-supplied operation names are free text: the log keeps this much of one.
MAX_OPERATION_NAME = 100


def schema_hash() -> str:
    """The first 12 hex digits of the SHA-256 of the schema's SDL (schema.graphql's text): two
    builds serve the same schema exactly when these agree (`moviegraph --version`)."""
    return hashlib.sha256(default_schema().as_str().encode()).hexdigest()[:12]


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
    cached: bool = False  # answered from the response cache (api/response_cache.py)


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


class CostRateLimit(SchemaExtension):
    """Charges each operation's estimated cost to its client's bucket (keyed as the request limit
    keys: a signed-in identity's, else the address's) before it runs, and refuses it (RATE_LIMITED,
    HTTP 429) when the bucket cannot pay: the request limit counts requests alike, so without this
    one client could keep the server busy with its costliest queries."""

    def __init__(self, buckets: TokenBuckets, longest: LongestLists) -> None:
        super().__init__()
        self.buckets = buckets
        self.longest = longest

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        request = context.context.request if isinstance(context.context, Context) else None
        if context.result is None and request is not None:  # not refused already (cost, variables)
            cost = estimate(context.schema._schema, context.graphql_document, context.operation_name, context.variables, self.longest)
            wait = self.buckets.take(rate_key(request.scope), cost)
            if wait:
                message, extensions = too_many(wait)
                context.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(message, extensions=extensions)])
        yield


# Strawberry's own refusals (a non-JSON content type, a non-object `variables`...) by status.
HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


class RequestRefused(HTTPException):
    """An HTTP-level refusal answered as GraphQL errors, with `code` and the limit's `maximum`."""

    def __init__(self, status_code: int, code: str, reason: str, maximum: int | None = None,
                 headers: dict[str, str] | None = None, extra: dict[str, object] | None = None) -> None:
        super().__init__(status_code, reason)
        self.code = code
        self.extra = {**({"maximum": maximum} if maximum is not None else {}), **(extra or {})}
        self.headers = headers or {}


@dataclass(frozen=True)
class HttpOptions:
    """What the view needs beyond the schema: persisted queries, the request buckets a batch's
    further operations take from, the batch bound, the public answers' max-age, their cache, and
    the cost buckets a cached answer is charged from (CostRateLimit's)."""

    persisted: PersistedQueries
    buckets: TokenBuckets | None = None
    max_batch: int = 10
    max_age: int = 60
    cache: ResponseCache | None = None
    costs: TokenBuckets | None = None


def _is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution began (spec: no `data`): parse, validation, variables, a persisted
    query, the cost limit. A field error has a path; a root field's null answers `data: null` with one."""
    return result.data is None and bool(result.errors) and all(error.path is None for error in result.errors or [])


class MoviegraphGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: MoviegraphSchema, options: HttpOptions | None = None) -> None:
        super().__init__(schema)
        self.options = options or HttpOptions(PersistedQueries("auto", {}, max_entries=1_000, max_bytes=2 * 1024 * 1024))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Strawberry answers its HTTPExceptions in plain text; clients read GraphQL errors.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        exchange = Exchange.of(request)
        exchange.media_type = negotiate(request.headers.get("accept"))
        key = await self._cache_key(request, exchange.media_type)
        cached = self.options.cache.get(key[0]) if self.options.cache is not None and key else None
        if cached is not None and not self._charged(request, cached):
            cached = None  # its client cannot pay: the query runs, and the cost limit refuses it as usual
        if cached is not None:
            response = self._replay(request, cached)
        else:
            try:
                response = await self.run(request)
            except HTTPException as exc:
                refused = exc if isinstance(exc, RequestRefused) else None
                code = refused.code if refused else HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
                exchange.errors = True
                response = Response(error_body(scope["path"], code, exc.reason, refused.extra if refused else None),
                                    status_code=exc.status_code, headers=refused.headers if refused else None)
        if not isinstance(response, HTMLResponse):  # GraphiQL's page is no GraphQL answer
            response = finish(request, response, self.options.max_age)
            if key and cached is None:
                self._keep(request, response, *key)
        await response(scope, receive, send)

    async def _cache_key(self, request: Request, media_type: str) -> tuple[bytes, int] | None:
        """The response cache's key for this request and the request's size; None when it may not
        be cached: the cache is off, or the request is of a kind the view refuses or transforms."""
        if self.options.cache is None or not self.options.cache.enabled:
            return None
        if request.method == "GET":
            sent = request.scope["query_string"]
        elif (request.method == "POST" and "application/json" in request.headers.get("content-type", "")
              and request.headers.get("content-encoding", "identity").strip().lower() == "identity"):
            sent = await request.body()  # already read, and bounded, by api/body_reader.py
        else:
            return None
        catalogue = getattr(request.app.state, "catalogue_version", "none")
        return ResponseCache.key(request.method, sent, media_type, catalogue, model_version(request)), len(sent)

    def _charged(self, request: Request, cached: CachedAnswer) -> bool:
        """Whether the client's cost bucket paid for the answer: a cached answer does no SQL, but
        is as large as the one the query made, so it costs the same (a client repeating its
        costliest query would otherwise fill the server's sending with it)."""
        cost = cached.outcome.cost if isinstance(cached.outcome, GraphQLOutcome) else None
        return self.options.costs is None or not cost or not self.options.costs.take(rate_key(request.scope), cost)

    def _replay(self, request: Request, cached: CachedAnswer) -> Response:
        """The stored answer, with what its first run told `finish`, the log and the metrics."""
        Exchange.of(request).operations.append(cached.operation)
        request.state.catalogue_only = [True]
        if isinstance(cached.outcome, GraphQLOutcome):
            request.state.graphql = replace(cached.outcome, cached=True)
        if cached.persisted:  # kept registered while its answer is cached: a hash-only request finds it
            self.options.persisted.remember(*cached.persisted)
        return Response(cached.body, status_code=200)

    def _keep(self, request: Request, response: Response, key: bytes, sent: int) -> None:
        """Stores the answer when it is anyone's who sends this request, as a shared cache could keep it."""
        exchange = Exchange.of(request)
        # After `finish`: a GET whose If-None-Match matched ran nothing and is a 304 by now.
        if self.options.cache is None or exchange.batch or not shareable(request, response):
            return
        self.options.cache.put(key, bytes(response.body), sent, exchange.operations[0], getattr(request.state, "graphql", None),
                               exchange.persisted)

    def is_request_allowed(self, request: BaseRequestProtocol) -> bool:
        if request.method not in ("GET", "POST"):
            raise RequestRefused(405, "METHOD_NOT_ALLOWED", "GraphQL is sent by GET or POST", headers={"allow": "GET, POST"})
        return True

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET with only a persisted query's hash is a query, not a browser asking for GraphiQL.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    def parse_json(self, data: str | bytes) -> object:
        try:
            value = request_json.loads(data)
        except request_json.BadJson as exc:
            raise RequestRefused(400, exc.code, str(exc), exc.maximum) from None
        if not isinstance(data, bytes):  # a query parameter (variables, extensions)
            return value
        # The request body: an object, or a batch of them. A bare "x", 5 or null reached `data.get` and a 500.
        if isinstance(value, list):
            if not self.options.max_batch:
                raise RequestRefused(400, "BATCHING_DISABLED", "batching is off on this server (MOVIEGRAPH_MAX_BATCH=0): send one operation")
            if not 0 < len(value) <= self.options.max_batch:
                raise RequestRefused(400, "BATCH_TOO_LARGE", f"a batch holds 1 to {self.options.max_batch} operations, not {len(value)}",
                                     self.options.max_batch)
            if all(isinstance(item, dict) for item in value):
                return value
        elif isinstance(value, dict):
            return value
        raise RequestRefused(400, "BODY_NOT_AN_OBJECT", "the request body must be a JSON object with a `query` (or an array of them)")

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        # Bodies are small (MOVIEGRAPH_MAX_BODY_BYTES): compression saves little and a decompression
        # bomb would get past the size limit, so a compressed body is refused, not decoded.
        encoding = request.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            raise RequestRefused(415, "UNSUPPORTED_CONTENT_ENCODING", "request bodies are not decoded: send them without Content-Encoding")
        if request.method == "POST" and "application/json" not in (request.content_type or ""):
            raise RequestRefused(415, "UNSUPPORTED_MEDIA_TYPE", "send the request as Content-Type: application/json (or a GET with ?query=)")
        data = await super().parse_http_body(request)
        items = data if isinstance(data, list) else [data]
        # Strawberry checks query, variables and extensions but passes any operationName on, and
        # graphql-core then fails on a dict or list with an internal message.
        if any(not isinstance(item.operation_name, (str, type(None))) for item in items):
            raise RequestRefused(400, "BAD_REQUEST", "operationName must be a string or null")
        return data

    async def execute_operation(self, request: Request, request_adapter: AsyncHTTPRequestAdapter,
                                request_data: GraphQLRequestData | list[GraphQLRequestData], context: Context, root_value: None,
                                sub_response: Response) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        if isinstance(request_data, list):
            # The request limit took one token; each further operation of a batch takes its own
            # (and each pays its cost: CostRateLimit runs per operation).
            Exchange.of(request).batch = True
            buckets = self.options.buckets
            wait = buckets.take(rate_key(request.scope), len(request_data) - 1) if buckets and len(request_data) > 1 else 0.0
            if wait:
                message, extensions = too_many(wait)
                raise RequestRefused(429, "RATE_LIMITED", message, headers={"retry-after": str(extensions["retryAfter"])},
                                     extra={"retryAfter": extensions["retryAfter"]})
        return await super().execute_operation(request, request_adapter, request_data, context, root_value, sub_response)

    async def execute_single(self, request: Request, request_adapter: AsyncHTTPRequestAdapter, sub_response: Response,
                             context: Context, root_value: None, request_data: GraphQLRequestData) -> ExecutionResult:
        exchange = Exchange.of(request)
        try:
            query, keep = self.options.persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryProblem as problem:
            exchange.operations.append((request_data.query, request_data.operation_name, request_data.variables))
            return ExecutionResult(data=None, errors=[GraphQLError(str(problem), extensions={"code": problem.code})])
        request_data.query = query
        exchange.operations.append((query, request_data.operation_name, request_data.variables))
        try:
            result = await super().execute_single(request, request_adapter, sub_response, context, root_value, request_data)
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError):  # a mutation over GET: the spec's 405
                raise RequestRefused(405, "METHOD_NOT_ALLOWED", f"{exc.reason}: send it with POST", headers={"allow": "POST"}) from None
            raise
        if keep and query is not None and not _is_request_error(result):
            self.options.persisted.remember(keep, query)  # it parsed and validated: worth keeping
            exchange.persisted = (keep, query)
        return result

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        context = Context.for_request(request)
        request.state.context = context
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        # An exception escaping an extension's hook (a validation rule's crash) bypasses MaskErrors:
        # masked here, so no internal message reaches a client.
        result.errors = [masked(error) if is_unexpected(error) else error for error in result.errors or []] or None
        # Parse errors skip the schema's extensions (schema/errors.py PhaseCodes codes the rest).
        code_parse_errors(result.errors or [])
        outcome = getattr(request.state, "graphql", None)
        if isinstance(outcome, GraphQLOutcome):
            outcome.error_codes = [str((error.extensions or {}).get("code")) for error in result.errors or []]
            outcome.cost = (result.extensions or {}).get("cost", {}).get("requested")
        exchange = Exchange.of(request)
        exchange.errors = exchange.errors or bool(result.errors)
        answer = await super().process_result(request, result)
        if _is_request_error(result):
            exchange.request_errors += 1
            if exchange.media_type == GRAPHQL_RESPONSE:
                answer.pop("data", None)
        return answer

    def create_response(self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response) -> Response:
        for answer in response_data if isinstance(response_data, list) else [response_data]:
            errors = answer.get("errors")
            for error in errors if isinstance(errors, list) else []:
                extensions = (error.get("extensions") if isinstance(error, dict) else None) or {}
                # The cost limit or a user's write quota: 429 with Retry-After, as the request limit answers.
                if extensions.get("code") == "RATE_LIMITED":
                    sub_response.status_code = 429
                    sub_response.headers["retry-after"] = str(extensions["retryAfter"])
        return super().create_response(response_data, sub_response)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Served from vendored npm assets (api/graphiql.py), never a CDN.
        return HTMLResponse(graphiql.page())
