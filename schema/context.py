"""The typed per-request context every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import HTTPConnection

from loaders import Loaders
from ml.scoring import Scorer


@dataclass
class Context:
    request: HTTPConnection | None
    loaders: Loaders
    scorer: Scorer | None = None  # the model serving when the request came in, for all of it
    model_problem: str | None = None  # why there is no model, when there is none

    @classmethod
    def for_request(cls, request: HTTPConnection) -> Context:
        # Fresh loaders per request: their cache must not outlive it.
        models = request.app.state.models
        return cls(request=request, loaders=Loaders.create(request.app.state.db), scorer=models.scorer, model_problem=models.problem)


Info = strawberry.Info[Context, None]
