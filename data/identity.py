"""Who a request is from, and the one rule of whose ratings it may read and write.

An identity is made by the API's authentication (api/authentication.py) and checked where a
user's data is asked for; it never holds the credential it was proven with, so it can be logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from data.errors import BadInput, Forbidden, Unauthenticated

SIGN_IN = "send `Authorization: Bearer <token>` with a token from the app's sign-in"


class Kind(Enum):
    OPEN = "open"  # authentication is off: the `user` a request names is taken as it is
    ANONYMOUS = "anonymous"  # no credentials: the catalogue and anonymous recommendations only
    USER = "user"  # a verified token: that user's own data
    SERVICE = "service"  # a service key: a trusted backend acting for any user


@dataclass(frozen=True)
class Identity:
    kind: Kind
    user_id: int | None = None  # USER: the catalogue user the token's subject stands for
    name: str | None = None  # SERVICE: the key's name

    @classmethod
    def open(cls) -> Identity:
        return cls(Kind.OPEN)

    @classmethod
    def anonymous(cls) -> Identity:
        return cls(Kind.ANONYMOUS)

    @classmethod
    def user(cls, user_id: int) -> Identity:
        return cls(Kind.USER, user_id=user_id)

    @classmethod
    def service(cls, name: str) -> Identity:
        return cls(Kind.SERVICE, name=name)

    @property
    def label(self) -> str:
        """What the request log and the rate limit know the caller as: `user:42`, `key:tv-backend`,
        `anonymous` or `open`."""
        if self.kind is Kind.USER:
            return f"user:{self.user_id}"
        if self.kind is Kind.SERVICE:
            return f"key:{self.name}"
        return str(self.kind.value)

    @property
    def is_signed_in(self) -> bool:
        return self.kind in (Kind.USER, Kind.SERVICE)

    def acting_user(self, requested: int | None, what: str) -> int:
        """The user whose `what` ("ratings", "recommendations", ...) the request may touch: the
        token's own user, or the `requested` one for a service key (or with authentication off).
        Unauthenticated without credentials; Forbidden for a signed-in user naming someone else."""
        if self.kind is Kind.USER:
            assert self.user_id is not None
            if requested is not None and requested != self.user_id:
                raise Forbidden(f"you are signed in as user {self.user_id} and may only see or change your own {what}; "
                                "leave out `user` (or give your own id) to act for yourself")
            return self.user_id
        if self.kind is Kind.ANONYMOUS:
            raise Unauthenticated(f"sign in to see or change a user's {what}: {SIGN_IN} (or a service key)")
        if requested is None:
            who = "a service key" if self.kind is Kind.SERVICE else "without sign-in, a request"
            raise BadInput(f"{who} acts for the user it names: give `user`")
        return requested

    def require_operator(self, what: str) -> None:
        """Lists across users (`what`: "the user list") are for operators only: a service key, or
        a server running open. Unauthenticated without credentials; Forbidden for a signed-in user."""
        if self.kind is Kind.USER:
            raise Forbidden(f"{what} is for operators (a service key) only; a signed-in user may see their own data as `viewer`")
        if self.kind is Kind.ANONYMOUS:
            raise Unauthenticated(f"{what} is for operators: send a service key (`X-API-Key: mgk_...`)")
