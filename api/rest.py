"""The old movie score predictor's REST contract, kept working: GET /predicted-ratings/{user}?items=101,131,162
answers {"ratings": [3.527, 3.951, 3.658]}, MovieLens user and movie ids in, ratings in the order asked."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from data.errors import BadInput, DatabaseUnavailable, ModelUnavailable, NotFound, WritesUnavailable
from loaders.recommendations import select_movie_ids_from_movielens
from schema.lookup import parse_id
from schema.recommending import check_item_count, user_params

STATUS = {BadInput: 400, NotFound: 404, ModelUnavailable: 503, DatabaseUnavailable: 503, WritesUnavailable: 503}


def _ids(text: str, kind: str) -> list[int]:
    if not text:
        raise BadInput(f"{kind} ids must be comma-separated positive integers, not {text!r}")
    return [parse_id(part.strip(), kind) for part in text.split(",")]


async def predicted_ratings(request: Request) -> JSONResponse:
    user = _ids(request.path_params["user"], "user")
    if len(user) != 1:
        raise BadInput("one user at a time")
    if "items" not in request.query_params:
        raise BadInput("items is required, e.g. ?items=101,131,162 (MovieLens movie ids)")
    items = _ids(request.query_params["items"], "movie")
    check_item_count(len(items))
    scorer = request.app.state.models.scorer
    if scorer is None:
        raise ModelUnavailable(f"no recommender model is serving: {request.app.state.models.problem}")
    movie_ids = await select_movie_ids_from_movielens(request.app.state.db, items)
    unknown = [str(item) for item, movie in zip(items, movie_ids) if movie is None]
    if unknown:
        raise NotFound("MovieLens movie ids", unknown)
    ratings = scorer.predict_ratings(await user_params(request.app.state.db, scorer, user[0]), movie_ids)
    return JSONResponse({"ratings": [round(float(rating), 3) for rating in ratings]})


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    status = next(status for error, status in STATUS.items() if isinstance(exc, error))
    return JSONResponse({"error": str(exc), "code": getattr(exc, "code", None)}, status_code=status)


routes = [Route("/predicted-ratings/{user}", predicted_ratings)]
exception_handlers = {error: error_response for error in STATUS}
