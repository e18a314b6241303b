"""The errors moviegraph raises on purpose; anything else is a bug and is masked for clients.

MoviegraphError
 ├── IngestError        raw data cannot be ingested (missing file, bad download, bad option)
 │    └── ChecksumError a download's sha256 differs from the published one
 ├── ArtifactError      a model artifact is missing, corrupt or does not fit the database
 │    └── ModelUnavailable  a request needs the model and none is serving
 ├── NotFound           an id the client asked for does not exist
 ├── DatabaseUnavailable  the catalogue cannot be read (missing, unreadable)
 ├── WritesUnavailable  ratings cannot be stored (read-only database or directory)
 └── BadInput           a request argument is invalid
"""

from __future__ import annotations


class MoviegraphError(Exception):
    """Base of every expected error; the message says what to do."""

    # The GraphQL `extensions.code` a client sees (None: not the client's doing, masked).
    code: str | None = None

    @property
    def extensions(self) -> dict[str, object] | None:
        # graphql-core copies `extensions` of a resolver's exception into the error it reports.
        return {"code": self.code} if self.code else None


class IngestError(MoviegraphError):
    pass


class ChecksumError(IngestError):
    def __init__(self, source: str, expected: str, actual: str) -> None:
        super().__init__(f"{source}: sha256 {actual} does not match the published {expected}; the file is corrupt or not the official release")
        self.expected = expected
        self.actual = actual


class ArtifactError(MoviegraphError):
    pass


class ModelUnavailable(ArtifactError):
    code = "MODEL_UNAVAILABLE"


class NotFound(MoviegraphError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, ids: list[str]) -> None:
        """`kind` names what the ids are, e.g. "movie ids" or "company names"."""
        super().__init__(f"unknown {kind}: {', '.join(ids)}")
        self.kind = kind
        self.ids = ids

    @property
    def extensions(self) -> dict[str, object] | None:
        return {"code": self.code, "kind": self.kind, "ids": self.ids}


class DatabaseUnavailable(MoviegraphError):
    code = "DATABASE_UNAVAILABLE"


class WritesUnavailable(MoviegraphError):
    code = "WRITES_UNAVAILABLE"


class BadInput(MoviegraphError):
    code = "BAD_USER_INPUT"
