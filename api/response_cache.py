"""An in-process cache of public GraphQL answers: a repeated catalogue query is answered without
parsing, validating or running it again.

Only what HTTP caching would let a shared cache keep is stored (api/http_caching.py: one
operation, a query that selects nothing of a user's, answered 200 without an error), by GET or by
POST. The key is the SHA-256 of the request as sent (method, query string or JSON body), the
negotiated media type, and the versions of the catalogue and the model serving: a new catalogue or
model misses every entry, and two requests share one only when their text is the same. An entry
lives at most `ttl` seconds (MOVIEGRAPH_CACHE_MAX_AGE, the freshness a public answer already
promises: user counts move with live ratings) and the entries together hold at most `max_bytes`,
the least recently used going first. A hit still passes every middleware (the request limit
takes its token; authentication, CORS, the log and the metrics see it), and the cost limit charges
it the query's cost, as its answer is as large.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

# What an entry costs beyond its body and the request it answers (its key, objects, bookkeeping).
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    operation: tuple[str | None, str | None, object]  # text, name and variables: the ETag's input
    outcome: object  # the request log's and metrics' GraphQLOutcome, as the first run recorded it
    persisted: tuple[str, str] | None  # (hash, text) of a persisted query the first run registered
    size: int
    expires: float


class ResponseCache:
    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.max_entry = max_bytes // 8  # a few large answers cannot push out everything else
        self.used = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, CachedAnswer] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.ttl > 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(method: str, request: bytes, media_type: str, catalogue: str, model: str) -> bytes:
        digest = hashlib.sha256()
        for part in (method.encode(), media_type.encode(), catalogue.encode(), model.encode()):
            digest.update(len(part).to_bytes(4, "big") + part)  # length-prefixed: no two splits collide
        digest.update(request)
        return digest.digest()

    def get(self, key: bytes) -> CachedAnswer | None:
        answer = self._entries.get(key)
        if answer is not None and answer.expires <= time.monotonic():
            self._drop(key)
            answer = None
        if answer is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, key: bytes, body: bytes, request_bytes: int, operation: tuple[str | None, str | None, object],
            outcome: object, persisted: tuple[str, str] | None) -> bool:
        """Stores the answer unless it is larger than an eighth of the cache; False when it is not kept."""
        size = len(body) + request_bytes + ENTRY_OVERHEAD
        if size > self.max_entry:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = CachedAnswer(body, operation, outcome, persisted, size, time.monotonic() + self.ttl)
        self.used += size
        while self.used > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: bytes) -> None:
        self.used -= self._entries.pop(key).size
