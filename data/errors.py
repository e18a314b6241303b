"""The errors moviegraph raises on purpose, all in one tree; anything else is a bug and is masked.

MoviegraphError                 the CLI prints `Type: message` and exits 1 for any of these
 ├── SettingsError              a MOVIEGRAPH_* variable or CLI option has a value moviegraph cannot use
 │    ├── KeySetError           the JWKS cannot be read or holds no usable key (api/jwks.py)
 │    └── KeysFileError         the service keys file cannot be read or written (api/service_keys.py)
 ├── AssetError                 a GraphiQL asset cannot be downloaded or is not the one npm published
 ├── IngestError                raw data cannot be ingested (missing file, bad download, bad option)
 │    └── DownloadError         a published file could not be downloaded
 │         └── ChecksumError    its bytes' checksum differs from the published one
 ├── TrainingError              a model cannot be trained as asked (a parameter out of range, no ratings)
 ├── ArtifactError              a model artifact is missing, corrupt or does not fit the database
 ├── ArtifactStoreUnavailable   the object store holding the artifacts cannot be reached (or refuses the credentials)
 └── RequestError               what a request can meet; each type carries its GraphQL `extensions.code`
      ├── BadInput              BAD_USER_INPUT        a request argument is invalid (REST 400)
      ├── NotFound              NOT_FOUND             an id the client asked for does not exist (404)
      ├── ModelUnavailable      MODEL_UNAVAILABLE     a request needs the model and none is serving (503)
      ├── DatabaseUnavailable   DATABASE_UNAVAILABLE  the catalogue cannot be read (missing, unreadable) (503)
      ├── WritesUnavailable     WRITES_UNAVAILABLE    ratings cannot be stored (read-only database or folder) (503)
      ├── RequestTimeout        TIMEOUT               the request ran past its deadline and was stopped (503)
      ├── Unauthenticated       UNAUTHENTICATED       no valid credentials where they are needed (401, WWW-Authenticate)
      ├── Forbidden             FORBIDDEN             the caller may not touch this user's data (403)
      └── QuotaExceeded         RATE_LIMITED          a quota is used up (a user's writes, new users); retryAfter (429)

Codes belong to the types: a GraphQL error takes `code` from its original exception's class, never
from its message. Errors graphql-core raises about the query itself get theirs by the phase that
raised them (schema/errors.py). They live at the bottom layer so every layer can raise them.
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


class SettingsError(MoviegraphError):
    pass


class AssetError(MoviegraphError):
    pass


class IngestError(MoviegraphError):
    pass


class DownloadError(IngestError):
    pass


class ChecksumError(DownloadError):
    def __init__(self, source: str, expected: str, actual: str, algorithm: str = "sha256") -> None:
        super().__init__(f"{source}: {algorithm} {actual} does not match the published {expected}; the file is corrupt or not the official release")
        self.expected = expected
        self.actual = actual


class TrainingError(MoviegraphError):
    pass


class ArtifactError(MoviegraphError):
    pass


class ArtifactStoreUnavailable(MoviegraphError):
    """Not the artifact's fault: the server keeps what it serves and tries the store again later."""


class RequestError(MoviegraphError):
    code: str  # every request error has one


class BadInput(RequestError):
    code = "BAD_USER_INPUT"


class NotFound(RequestError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, ids: list[str]) -> None:
        """`kind` names what the ids are, e.g. "movie ids" or "company names"."""
        super().__init__(f"unknown {kind}: {', '.join(ids)}")
        self.kind = kind
        self.ids = ids

    @property
    def extensions(self) -> dict[str, object] | None:
        return {"code": self.code, "kind": self.kind, "ids": self.ids}


class ModelUnavailable(RequestError):
    code = "MODEL_UNAVAILABLE"


class DatabaseUnavailable(RequestError):
    code = "DATABASE_UNAVAILABLE"


class WritesUnavailable(RequestError):
    code = "WRITES_UNAVAILABLE"


class RequestTimeout(RequestError):
    code = "TIMEOUT"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request ran past its {seconds:g} s deadline and was stopped; ask for less, or retry later")
        self.seconds = seconds


class Unauthenticated(RequestError):
    """The message says what credentials to send; it never repeats the ones sent."""

    code = "UNAUTHENTICATED"


class Forbidden(RequestError):
    code = "FORBIDDEN"


class QuotaExceeded(RequestError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(f"{message}; retry in {retry_after} s")
        self.retry_after = retry_after  # whole seconds, for the Retry-After header

    @property
    def extensions(self) -> dict[str, object] | None:
        return {"code": self.code, "retryAfter": self.retry_after}
