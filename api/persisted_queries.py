"""Persisted queries in Apollo's protocol: a request may send `extensions.persistedQuery
{version: 1, sha256Hash}` with or without its `query`.

- `auto` (the default, Apollo's "automatic persisted queries"): a hash the server does not hold
  answers the GraphQL error PersistedQueryNotFound (code PERSISTED_QUERY_NOT_FOUND), and the
  client sends the query again with its hash; the server checks the hash against the text
  (PERSISTED_QUERY_HASH_MISMATCH) and keeps the text once the query has validated, so a hash-only
  request, over GET too, runs it from then on. The store is per process and bounded in entries
  and bytes; the least recently used go first, so flooding it only costs its sender's own
  queries a resend. Registered queries are always held.
- `only`: an allow-list. Only queries registered with `moviegraph queries register` run, sent as
  a hash or as text whose hash is registered; anything else answers PERSISTED_QUERY_NOT_REGISTERED
  (which Apollo's link does not retry).
- `off`: a request with a persistedQuery answers PersistedQueryNotSupported, and the link stops
  sending hashes.

The registered file is JSON, `{sha256 hex: query text}`, written by the CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from graphql import DocumentNode, FieldNode, NameNode, OperationDefinitionNode, SelectionSetNode, Visitor, print_ast, visit

from data.errors import SettingsError

VERSION = 1  # the only version of Apollo's protocol
_HASH = re.compile(r"[0-9a-f]{64}")


class PersistedQueryProblem(Exception):
    """Why a persisted query cannot run; `code` goes to extensions.code. The message of the two the
    Apollo link retries on is the exact text it also looks for."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, mode: str, registered: Mapping[str, str], max_entries: int, max_bytes: int) -> None:
        self.mode = mode
        self.registered = dict(registered)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._automatic: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def resolve(self, query: str | None, extensions: Mapping[str, object] | None) -> tuple[str | None, str | None]:
        """The query text to run and the hash to `remember` it under once it validates (None: nothing
        to keep), or PersistedQueryProblem."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.mode == "only" and query is not None and sha256(query) not in self.registered:
                raise PersistedQueryProblem("PERSISTED_QUERY_NOT_REGISTERED", "only registered persisted queries run on this server")
            return query, None
        if self.mode == "off":
            raise PersistedQueryProblem("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not (isinstance(persisted, dict) and persisted.get("version") == VERSION and isinstance(digest, str) and _HASH.fullmatch(digest)):
            raise PersistedQueryProblem("BAD_REQUEST", "extensions.persistedQuery must be {version: 1, sha256Hash: 64 lowercase hex digits}")
        if query is not None:
            if sha256(query) != digest:
                raise PersistedQueryProblem("PERSISTED_QUERY_HASH_MISMATCH", "persistedQuery.sha256Hash is not the SHA-256 of the query")
            if self.mode == "only" and digest not in self.registered:
                raise PersistedQueryProblem("PERSISTED_QUERY_NOT_REGISTERED", "only registered persisted queries run on this server")
            return query, None if digest in self.registered else digest
        if digest in self.registered:
            return self.registered[digest], None
        if self.mode == "only":
            raise PersistedQueryProblem("PERSISTED_QUERY_NOT_REGISTERED", "only registered persisted queries run on this server")
        held = self._automatic.get(digest)
        if held is None:
            raise PersistedQueryProblem("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
        self._automatic.move_to_end(digest)
        return held, None

    def remember(self, digest: str, query: str) -> None:
        """Keeps a validated query under its hash, dropping the least recently used beyond the bounds."""
        size = len(query.encode())
        if digest in self._automatic or size > self.max_bytes:
            return
        self._automatic[digest] = query
        self._bytes += size
        while len(self._automatic) > self.max_entries or self._bytes > self.max_bytes:
            _, dropped = self._automatic.popitem(last=False)
            self._bytes -= len(dropped.encode())

    def __len__(self) -> int:
        return len(self._automatic)

    @property
    def bytes(self) -> int:
        return self._bytes


def read_registered(path: Path) -> dict[str, str]:
    """The registered queries in `path` ({} when there is no file), each checked against its hash."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"cannot read the persisted queries file {path}: {exc.strerror or exc}") from None
    try:
        queries = json.loads(text)
    except json.JSONDecodeError:
        raise SettingsError(f"{path} is not JSON; write it with `moviegraph queries register`") from None
    if not isinstance(queries, dict) or not all(isinstance(query, str) and sha256(query) == digest for digest, query in queries.items()):
        raise SettingsError(f"{path} must map each query's SHA-256 to its text, as `moviegraph queries register` writes it")
    return queries


def write_registered(path: Path, queries: Mapping[str, str]) -> None:
    """Writes the registered queries atomically (a temporary file renamed over the old one)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(dict(sorted(queries.items())), indent=1) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise SettingsError(f"cannot write the persisted queries file {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


class _AddTypename(Visitor):
    """Apollo Client's addTypenameToDocument: every selection set but an operation's own gets
    `__typename`, unless it has one or an introspection field already, or is an `@export`ed one."""

    def enter_selection_set(self, node: SelectionSetNode, key: object, parent: object, *_: object) -> SelectionSetNode | None:
        if isinstance(parent, OperationDefinitionNode):
            return None
        if any(isinstance(selection, FieldNode) and selection.name.value.startswith("__") for selection in node.selections):
            return None
        if isinstance(parent, FieldNode) and any(directive.name.value == "export" for directive in parent.directives or ()):
            return None
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def sent_forms(document: DocumentNode) -> list[str]:
    """The texts a client sends for `document`: graphql-js's `print` of it, and the same with the
    `__typename`s Apollo Client's cache adds (graphql-core prints as graphql-js does)."""
    return list(dict.fromkeys([print_ast(document), print_ast(visit(document, _AddTypename()))]))
