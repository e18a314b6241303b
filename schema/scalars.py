"""Custom scalars; registered with the schema through `SCALARS` (StrawberryConfig.scalar_map)."""

from __future__ import annotations

from typing import NewType

import strawberry

# GraphQL's Int is 32-bit; a blockbuster's revenue ($2.8 billion) is not.
BigInt = NewType("BigInt", int)

SCALARS = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="An integer that may exceed GraphQL Int's 32 bits (dollar amounts), sent as a JSON number.",
        serialize=int,
        parse_value=int,
    )
}
