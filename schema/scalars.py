"""Custom scalars; registered with the schema through `SCALARS` (StrawberryConfig.scalar_map)."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

# GraphQL's Int is 32-bit; a blockbuster's revenue ($2.8 billion) is not.
BigInt = NewType("BigInt", int)

# Keyed by object: a NewType is no class, and StrawberryConfig.scalar_map takes Mapping[object, ...].
SCALARS: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="An integer that may exceed GraphQL Int's 32 bits (dollar amounts), sent as a JSON number.",
        serialize=int,
        parse_value=int,
    )
}


def big_int(value: int | None) -> BigInt | None:
    """A stored amount as the scalar's type (mypy tells BigInt from int; at run time both are int)."""
    return None if value is None else BigInt(value)
