"""The old movie score predictor's REST contract, kept working: GET /predicted-ratings/{user}?items=101,131,162
answers {"ratings": [3.527, 3.951, 3.658]}, ratings in the order asked. Users and items are numbered
as in the ratings source the catalogue was built from: ml-100k user and item ids on an ml-100k
catalogue (as the old predictor took them), MovieLens userIds and movieIds on ratings_small or
ml-latest-small.

A door beside GraphQL, not behind it: the same domain rules (data/domain.py), runtime and recommender
service (loaders/), nothing from schema/."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.authentication import challenge, identity_of
from data.domain import REST_RATING_DECIMALS, check_item_count, parse_id
from data.errors import (
    BadInput,
    DatabaseUnavailable,
    Forbidden,
    ModelUnavailable,
    NotFound,
    RequestError,
    RequestTimeout,
    Unauthenticated,
    WritesUnavailable,
)
from data.identity import Identity
from loaders import recommender
from loaders.runtime import Runtime

STATUS: dict[type[RequestError], int] = {BadInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, ModelUnavailable: 503,
                                         DatabaseUnavailable: 503, WritesUnavailable: 503, RequestTimeout: 503}


def _identity(request: Request) -> Identity:
    # Set by api/authentication.py on every route but the probes; without it, nobody's data.
    identity = identity_of(request.scope)
    return identity if identity is not None else Identity.anonymous()


def _ids(text: str, kind: str) -> list[int]:
    if not text:
        raise BadInput(f"{kind} ids must be comma-separated positive integers, not {text!r}")
    return [parse_id(part.strip(), kind) for part in text.split(",")]


async def predicted_ratings(request: Request) -> JSONResponse:
    user = _ids(request.path_params["user"], "user")
    if len(user) != 1:
        raise BadInput("one user at a time")
    user_id = _identity(request).acting_user(user[0], "predicted ratings")
    if "items" not in request.query_params:
        raise BadInput(
            "items is required, e.g. ?items=101,131,162: movie ids of the ratings source the catalogue was "
            "built from (ml-100k item ids on an ml-100k catalogue, MovieLens movieIds otherwise)"
        )
    # Not "movie": these are the ratings source's numbers, which a Movie's global id (a TMDB id) is not.
    items = _ids(request.query_params["items"], "ratings-source movie")
    check_item_count(len(items))
    runtime = Runtime.of(request)
    scorer = runtime.require_scorer()
    ratings = await recommender.predicted_ratings_by_ratings_ids(runtime.require_database(), scorer, user_id, items)
    return JSONResponse({"ratings": [round(float(rating), REST_RATING_DECIMALS) for rating in ratings]})


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestError), "registered for the request errors only"  # Starlette's handler type says Exception
    status = next(status for error, status in STATUS.items() if isinstance(exc, error))
    # A 401 here means no credentials: ones that do not verify were refused before routing.
    headers = {"www-authenticate": challenge(str(exc), error=None)} if status == 401 else None
    return JSONResponse({"error": str(exc), "code": exc.code}, status_code=status, headers=headers)


routes = [Route("/predicted-ratings/{user}", predicted_ratings)]
exception_handlers = {error: error_response for error in STATUS}
