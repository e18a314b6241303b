"""Whose data a field may show or change: the request's identity decides (data/identity.py)."""

from __future__ import annotations

import strawberry

from data.domain import parse_id
from schema.context import Info


def acting_user(info: Info, user: strawberry.ID | None, what: str) -> int:
    """The user whose `what` the request may touch: the token's own user (`user` left out, or the
    same), or the one `user` names for a service key or with authentication off; UNAUTHENTICATED
    without credentials, FORBIDDEN for a signed-in user naming someone else."""
    return info.context.identity.acting_user(None if user is None else parse_id(user, "user"), what)
