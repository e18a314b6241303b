"""The typed per-request context every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from starlette.requests import HTTPConnection

from loaders import Loaders


@dataclass
class Context:
    request: HTTPConnection
    loaders: Loaders

    @classmethod
    def for_request(cls, request: HTTPConnection) -> Context:
        # Fresh loaders per request: their cache must not outlive it.
        return cls(request=request, loaders=Loaders.create(request.app.state.db))


Info = strawberry.Info[Context, None]
