"""The typed per-request context every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import HTTPConnection

from loaders import Loaders
from loaders.rating_writer import RatingWriter
from ml.scoring import Scorer


@dataclass
class Context:
    request: HTTPConnection | None
    loaders: Loaders
    scorer: Scorer | None = None  # the model serving when the request came in, for all of it
    model_problem: str | None = None  # why there is no model, when there is none
    writer: RatingWriter | None = None  # None: ratings cannot be stored, for `writer_problem`
    writer_problem: str | None = None

    @classmethod
    def for_request(cls, request: HTTPConnection) -> Context:
        # Fresh loaders per request: their cache must not outlive it.
        state = request.app.state
        return cls(
            request=request, loaders=Loaders.create(state.db), scorer=state.models.scorer, model_problem=state.models.problem,
            writer=state.writer, writer_problem=state.writer_problem,
        )


Info = strawberry.Info[Context, None]
