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

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from api import http_caching

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

    @staticmethod
    def of(request: Request) -> Exchange:
        exchange = getattr(request.state, "exchange", None)
        if not isinstance(exchange, Exchange):
            exchange = request.state.exchange = Exchange()
        return exchange


@dataclass(frozen=True)
class Versions:
    catalogue: str
    model: str


def finish(request: Request, response: Response, versions: Versions, max_age: int) -> Response:
    """The answer with its content type, status and caching headers; 304 to a matching If-None-Match."""
    exchange = Exchange.of(request)
    response.headers["content-type"] = content_type(exchange.media_type)
    response.headers["vary"] = http_caching.VARY
    if exchange.media_type == GRAPHQL_RESPONSE and not exchange.batch and exchange.request_errors and response.status_code == 200:
        response.status_code = 400
    scopes = getattr(request.state, "catalogue_only", [])
    public = (request.method == "GET" and response.status_code == 200 and not exchange.errors and exchange.operations
              and len(scopes) == len(exchange.operations) and all(scopes))
    if not public:
        response.headers["cache-control"] = "private, no-store" if request.method == "GET" else "no-store"
        return response
    tag = http_caching.etag(versions.catalogue, versions.model, exchange.media_type, exchange.operations)
    headers = {"cache-control": f"public, max-age={max_age}", "etag": tag, "vary": http_caching.VARY}
    if http_caching.matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response
