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


def own_user(info: Info, user_id: int, what: str) -> int:
    """`user_id` itself once the request may see that user's `what`: a User reached through a list
    (a rating, `similarUsers`, `users`) checks each field that shows their data."""
    return info.context.identity.acting_user(user_id, what)


def require_operator(info: Info, what: str) -> None:
    """Lists across users are for a service key or an open server (FORBIDDEN for a signed-in user)."""
    info.context.identity.require_operator(what)
