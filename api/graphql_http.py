"""GraphQL over HTTP as its spec says: the answer's media type negotiated from Accept, its status
from what went wrong, and its caching headers (api/http_caching.py).

- `application/graphql-response+json` when the client prefers it (Apollo Client 4 does): a request
  error (the document does not parse or validate, a variable does not coerce, a persisted query is
  missing) answers 400 with `errors` and no `data`; once execution began, 200 with `data`.
- `application/json` otherwise, and when Accept is missing or `*/*` (ties go to it, the legacy
  type every client reads): request errors answer 200 with `"data": null`, as before.
- A request that is not GraphQL over HTTP at all (bad JSON, a wrong content type, no query, a
  mutation over GET) answers 4xx with a GraphQL error body in the negotiated type, never text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import ExecutionResult as GraphQLExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from api import http_caching
from loaders.runtime import Runtime
from schema.context import Context

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str:
    """The media type to answer in: the acceptable one of higher quality, then of the more specific
    range; application/json on a tie, a missing Accept, or one that accepts neither."""
    best: dict[str, tuple[float, int]] = {GRAPHQL_RESPONSE: (0.0, -1), JSON: (0.0, -1)}
    for part in (accept or "").split(","):
        kind, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = kind.lower()
        for candidate in best:
            specificity = 2 if kind == candidate else 1 if kind == "application/*" else 0 if kind == "*/*" else -1
            if specificity > best[candidate][1]:
                best[candidate] = (quality, specificity)
    if best[GRAPHQL_RESPONSE][0] > 0 and best[GRAPHQL_RESPONSE] > best[JSON]:
        return GRAPHQL_RESPONSE
    return JSON


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE else media_type


@dataclass
class Exchange:
    """What the view learnt of one /graphql request while answering it (request.state.exchange)."""

    media_type: str = JSON
    batch: bool = False
    # Per operation run or refused: its text, name and variables (the ETag's input).
    operations: list[tuple[str | None, str | None, object]] = field(default_factory=list)
    request_errors: int = 0  # answers without `data` (refused before execution)
    errors: bool = False  # any error at all: the answer is never cached
    persisted: tuple[str, str] | None = None  # (hash, text) of the persisted query this request registered

    @staticmethod
    def of(request: Request) -> Exchange:
        exchange = getattr(request.state, "exchange", None)
        if not isinstance(exchange, Exchange):
            exchange = request.state.exchange = Exchange()
        return exchange


    def etag(self, request: Request) -> str:
        catalogue = getattr(request.app.state, "catalogue_version", "none")  # stamped by the lifespan
        return http_caching.etag(catalogue, model_version(request), self.media_type, self.operations)


def model_version(request: Request) -> str:
    context = getattr(request.state, "context", None)
    # The model the request scored with if it did (Context.scorer keeps one per request), else the one serving.
    scorer = context.__dict__.get("scorer") if isinstance(context, Context) else None
    scorer = scorer or Runtime.of(request).models.scorer
    return str(scorer.model_info.version) if scorer else "none"


class CacheScope(SchemaExtension):
    """Records whether each operation that validated reads the catalogue only
    (request.state.catalogue_only), and answers a GET whose If-None-Match already holds its ETag
    without running it (the view then answers 304)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(context.context, Context) and context.graphql_document is not None and not context.pre_execution_errors:
            request = context.context.request
            name = context.operation_name if isinstance(context.operation_name, str) else None
            public = http_caching.catalogue_only(context.schema._schema, context.graphql_document, name)
            scopes = getattr(request.state, "catalogue_only", [])
            scopes.append(public)
            request.state.catalogue_only = scopes
            exchange = Exchange.of(request)  # type: ignore[arg-type]
            if public and request.scope["method"] == "GET" and len(exchange.operations) == 1 and \
                    http_caching.matches(request.headers.get("if-none-match"), exchange.etag(request)):  # type: ignore[arg-type]
                context.result = GraphQLExecutionResult(data={}, errors=None)  # the client has the answer: nothing runs
        yield


def shareable(request: Request, response: Response) -> bool:
    """The answer is the same for anyone who sends this request: a 200 without an error, and every
    operation a query of the catalogue only."""
    exchange = Exchange.of(request)
    scopes = getattr(request.state, "catalogue_only", [])
    return (response.status_code == 200 and not exchange.errors and bool(exchange.operations)
            and len(scopes) == len(exchange.operations) and all(scopes))


def finish(request: Request, response: Response, max_age: int) -> Response:
    """The answer with its content type, status and caching headers; 304 to a matching If-None-Match."""
    exchange = Exchange.of(request)
    response.headers["content-type"] = content_type(exchange.media_type)
    response.headers["vary"] = http_caching.VARY
    if exchange.media_type == GRAPHQL_RESPONSE and not exchange.batch and exchange.request_errors and response.status_code == 200:
        response.status_code = 400
    if not (request.method == "GET" and shareable(request, response)):
        response.headers["cache-control"] = "private, no-store" if request.method == "GET" else "no-store"
        return response
    tag = exchange.etag(request)
    headers = {"cache-control": f"public, max-age={max_age}", "etag": tag, "vary": http_caching.VARY}
    if http_caching.matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response
