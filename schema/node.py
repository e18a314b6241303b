"""The Node interface of Relay's Global Object Identification (resolved by schema/nodes.py).

Our own rather than strawberry.relay's: its `id` is a resolver run per object (it builds an Info
and a GlobalID each time), which made a 100-movie page of ids 1.9 times as slow as the page of
`tmdbId`s (tests/benchmarks/test_global_id_benchmark.py); here the id is worked out with the
object, in the same format (base64 of "<type>:<source id>", data/domain.py)."""

from __future__ import annotations

import strawberry

from data.domain import encode_global_id

ID_DESCRIPTION = ("Global id, unique across types (base64 of \"<type>:<source id>\"): what `node(id:)` and every argument "
                  "taking this kind of object accept.")


@strawberry.interface(description="An object with a global id: `node(id:)` finds it again.")
class Node:
    id: strawberry.ID = strawberry.field(description=ID_DESCRIPTION)


def global_id(type_name: str, key: object) -> strawberry.ID:
    return strawberry.ID(encode_global_id(type_name, key))
