"""The typed per-request context every resolver gets as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import strawberry
from graphql import GraphQLError
from starlette.requests import HTTPConnection

from data.identity import Identity
from loaders import Loaders
from loaders.runtime import Runtime
from ml.scoring import Scorer


@dataclass
class Context:
    request: HTTPConnection
    runtime: Runtime

    # Who asks (api/authentication.py put it in the request's state); without one, nobody's data.
    identity: Identity = field(default_factory=Identity.anonymous)
    # Errors that leave their field's answer standing (an unknown name in a filter: an empty page),
    # added to the response's `errors` by schema.errors.NonFatalErrors.
    non_fatal: list[GraphQLError] = field(default_factory=list)

    @classmethod
    def for_request(cls, request: HTTPConnection) -> Context:
        identity = getattr(request.state, "identity", None)
        return cls(request=request, runtime=Runtime.of(request), identity=identity if isinstance(identity, Identity) else Identity.anonymous())

    @cached_property
    def loaders(self) -> Loaders:
        """Fresh per request (their cache must not outlive it), made at the first field that reads
        the catalogue: without one, that field answers DATABASE_UNAVAILABLE and the rest still run."""
        return Loaders(self.runtime.require_database())

    @cached_property
    def scorer(self) -> Scorer:
        """The model serving when a field first needs one, kept for the rest of the request: a swap
        while the request waits on the catalogue cannot answer one query from two models. Without
        one, each field that needs it answers MODEL_UNAVAILABLE."""
        return self.runtime.require_scorer()


Info = strawberry.Info[Context, None]
