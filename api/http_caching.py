"""HTTP caching of GraphQL GET answers: which ones a browser or CDN may keep, and their validators.

An answer is public (`Cache-Control: public, max-age=N`, a strong ETag, 304 to a matching
If-None-Match) only when it is a GET, every operation in it is a query that validated and ran
without an error, and none of them selects anything of a user. That is decided on the validated
document with the schema's types, not on the query's text: a field is a user's when its parent or
its type is one of USER_TYPES, or is an interface or union one of them implements (`node(id:)`
may be a User). Everything else is `private, no-store` on GET and `no-store` on POST, so neither
a user's data nor an error (an outage, a rate limit) is ever kept by a shared cache.

The ETag hashes the catalogue's version (the file served, stamped when it was opened), the model's
version, the negotiated media type and each operation's text, name and variables: a new model or
catalogue changes every ETag, and two requests share one only when their answers are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLNamedType,
    GraphQLSchema,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_abstract_type,
    visit,
)
from graphql.utilities import get_operation_ast

# The types whose objects belong to one user; a field of one, or returning one, is the user's.
# `users { totalCount }` is the operator's to see, so the list's own types are users' too.
USER_TYPES = frozenset({"User", "UserConnection", "UserEdge", "SimilarUser", "Rating", "RatingConnection", "RatingEdge",
                        "Recommendation", "PredictedRating"})
VARY = "Accept, Authorization, Origin"


class _FindsUserFields(Visitor):
    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.found = False

    def _is_users(self, named: GraphQLNamedType | None) -> bool:
        if named is None:
            return False
        if is_abstract_type(named):
            return any(kind.name in USER_TYPES for kind in self.schema.get_possible_types(named))
        return named.name in USER_TYPES

    def enter_field(self, node: FieldNode, *_: object) -> object:
        field = self.type_info.get_field_def()
        parent = self.type_info.get_parent_type()
        if field is not None and (self._is_users(parent) or self._is_users(get_named_type(field.type))):
            self.found = True
            return self.BREAK
        return None


def catalogue_only(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> bool:
    """True when the operation is a query that selects nothing of a user's, in any fragment of
    the document (validation has refused fragments the operation does not use)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.QUERY:
        return False
    type_info = TypeInfo(schema)
    finder = _FindsUserFields(schema, type_info)
    visit(document, TypeInfoVisitor(type_info, finder))
    return not finder.found


def catalogue_version(path: Path) -> str:
    """The catalogue file's identity when the server opened it: a new ingest is a new file."""
    try:
        stat = os.stat(path)
    except OSError:
        return "none"
    return f"{stat.st_dev}.{stat.st_ino}.{stat.st_mtime_ns}"


def etag(catalogue: str, model: str, media_type: str, operations: Sequence[object]) -> str:
    parts = json.dumps([catalogue, model, media_type, operations], sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(parts.encode()).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): `*`, or any listed tag with or without W/."""
    if not if_none_match:
        return False
    candidates = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in candidates or tag in candidates
