"""Verifying the app's sign-in tokens (JWTs) with PyJWT: signature, algorithm, expiry, issuer,
audience; what comes out is the issuer and the subject the token speaks for.

The algorithm a token may use comes from the server's allow-list and the kind of key, never
from the token alone: with a shared secret only HMAC (HS256/384/512) verifies, with a key set only
the public-key algorithms, and `none` never. Error messages say what to do and never repeat the
token or any part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from api.jwks import KeySet
from api.token_algorithms import HMAC_ALGORITHMS, PUBLIC_KEY_ALGORITHMS
from data.errors import Unauthenticated

MAX_TOKEN_BYTES = 8 * 1024  # real ID and access tokens are 1-2 KiB
MAX_SUBJECT_CHARS = 255
SIGN_IN_AGAIN = "sign in again to get a new token"


@dataclass(frozen=True)
class Subject:
    issuer: str  # the token's `iss` ("" when it has none and none is required)
    subject: str  # the user claim's value


@dataclass(frozen=True)
class TokenRules:
    algorithms: frozenset[str]
    issuer: str | None = None  # required and checked when set
    audience: str | None = None  # required and checked when set
    user_claim: str = "sub"
    leeway_seconds: float = 30.0  # clock skew forgiven on exp, nbf and iat


class TokenVerifier:
    """Verifies with a shared `secret` (HS256) or a provider's `key_set`, exactly one."""

    def __init__(self, rules: TokenRules, *, secret: str | None = None, key_set: KeySet | None = None) -> None:
        assert (secret is None) != (key_set is None), "a secret or a key set, exactly one"
        allowed = HMAC_ALGORITHMS if secret is not None else PUBLIC_KEY_ALGORITHMS
        assert rules.algorithms and rules.algorithms <= allowed, f"algorithms must be among {sorted(allowed)}"
        self.rules = rules
        self._secret = secret.encode() if secret is not None else None
        self.key_set = key_set
        self._required = ["exp", *(["iss"] if rules.issuer else []), *(["aud"] if rules.audience else [])]

    async def verify(self, token: str) -> Subject:
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated(f"the bearer token is over {MAX_TOKEN_BYTES:,} characters; send the token from the app's sign-in")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a JWT; send the token from the app's sign-in") from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.rules.algorithms:
            accepted = ", ".join(sorted(self.rules.algorithms))
            raise Unauthenticated(f"the token is not signed with an algorithm this server accepts ({accepted})")
        claims = self._decode(token, algorithm, await self._key(header, algorithm))
        subject = claims.get(self.rules.user_claim)
        if isinstance(subject, int) and not isinstance(subject, bool):
            subject = str(subject)
        if not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT_CHARS:
            raise Unauthenticated(f"the token has no usable `{self.rules.user_claim}` claim (the user it stands for); "
                                  "the identity provider must put it in the token")
        issuer = claims.get("iss")
        return Subject(issuer if isinstance(issuer, str) else "", subject)

    async def _key(self, header: dict[str, Any], algorithm: str) -> Any:
        if self.key_set is None:
            return self._secret
        kid = header.get("kid")
        key = await self.key_set.key(kid, algorithm) if isinstance(kid, str) else None
        if key is None:
            raise Unauthenticated(f"the token is signed with a key this server does not know; {SIGN_IN_AGAIN}")
        return key

    def _decode(self, token: str, algorithm: str, key: Any) -> dict[str, Any]:
        rules = self.rules
        try:
            return jwt.decode(
                token, key, algorithms=[algorithm], issuer=rules.issuer, audience=rules.audience,
                leeway=rules.leeway_seconds,
                options={"require": self._required, "enforce_minimum_key_length": True,
                         "verify_sub": rules.user_claim == "sub"},
            )
        except jwt.ExpiredSignatureError:
            message = f"the token has expired; {SIGN_IN_AGAIN}"
        except jwt.ImmatureSignatureError:
            message = "the token is not valid yet (its nbf or iat is in the future); check the clocks of the provider and this server"
        except jwt.MissingRequiredClaimError as exc:
            message = f"the token has no `{exc.claim}` claim, which this server requires"
        except jwt.InvalidIssuerError:
            message = "the token was issued by another issuer than the one this server trusts"
        except jwt.InvalidAudienceError:
            message = "the token is meant for another audience than this API"
        except jwt.InvalidSignatureError:
            message = f"the token's signature does not verify; {SIGN_IN_AGAIN}"
        except jwt.PyJWTError:
            message = "the token is malformed or cannot be verified; send the token from the app's sign-in"
        raise Unauthenticated(message)
