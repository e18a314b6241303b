"""What a running server holds for every request: the catalogue, the rating writer, the model.

The lifespan builds one `Runtime` and stores it once on `app.state.runtime`; both doors (GraphQL's
context and the REST routes) reach it with `Runtime.of(request)`. A part that could not be opened
is an `Unavailable` with the reason, and the one way to say so to a client is the `require_*`
guard, which raises that part's typed error: the server still starts, /health answers, and only
what needs the missing part fails, with its code.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from data.errors import DatabaseUnavailable, ModelUnavailable, WritesUnavailable
from data.images import DEFAULT_IMAGE_BASE
from data.quotas import Quotas
from loaders._common import Database
from loaders.rating_writer import RatingWriter
from ml.model_holder import ModelHolder
from ml.scoring import Scorer


@dataclass(frozen=True)
class Unavailable:
    """A part of the runtime that could not be opened, and why (the message its error carries)."""

    reason: str


@dataclass(frozen=True)
class Runtime:
    database: Database | Unavailable
    writer: RatingWriter | Unavailable  # Unavailable: a read-only catalogue still serves reads
    models: ModelHolder
    write_quotas: Quotas = ()  # a user's rating writes a minute and a day; none with authentication off
    image_base: str = DEFAULT_IMAGE_BASE  # the TMDB image server the image URL fields point to

    @staticmethod
    def of(connection: HTTPConnection) -> Runtime:
        runtime = connection.app.state.runtime
        assert isinstance(runtime, Runtime), "the lifespan stores the Runtime on app.state.runtime"
        return runtime

    def require_database(self) -> Database:
        if isinstance(self.database, Unavailable):
            raise DatabaseUnavailable(self.database.reason)
        return self.database

    def require_writer(self) -> RatingWriter:
        if isinstance(self.writer, Unavailable):
            raise WritesUnavailable(f"ratings cannot be stored: {self.writer.reason}")
        return self.writer

    def require_scorer(self) -> Scorer:
        """The model serving now; the caller keeps it for its whole request (`Context.scorer`, the REST
        route), so a swap mid-request cannot mix two."""
        scorer = self.models.scorer
        if scorer is None:
            raise ModelUnavailable(f"no recommender model is serving: {self.models.problem}")
        return scorer

    async def close(self) -> None:
        if isinstance(self.database, Database):
            await self.database.close()
        # Last: SQLite's last connection folds the -wal into the catalogue and removes it, which
        # the read-only reader may not do.
        if isinstance(self.writer, RatingWriter):
            await self.writer.close()
