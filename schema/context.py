"""The typed per-request context every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import strawberry
from starlette.requests import HTTPConnection

from loaders import Loaders
from loaders.runtime import Runtime


@dataclass
class Context:
    request: HTTPConnection | None
    runtime: Runtime

    @classmethod
    def for_request(cls, request: HTTPConnection) -> Context:
        return cls(request=request, runtime=Runtime.of(request))

    @cached_property
    def loaders(self) -> Loaders:
        """Fresh per request (their cache must not outlive it), made at the first field that reads
        the catalogue: without one, that field answers DATABASE_UNAVAILABLE and the rest still run."""
        return Loaders.create(self.runtime.require_database())


Info = strawberry.Info[Context, None]
