"""Sign-in tokens verified as the server does: HS256 with a shared secret, and RS256 against a
JWKS served on loopback, with every forgery and mistake a client or an attacker can send."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from api.jwks import KeySet
from api.token_algorithms import DEFAULT_KEY_SET_ALGORITHMS
from api.tokens import Subject, TokenRules, TokenVerifier
from data.errors import Unauthenticated
from tests.tokens import AUDIENCE, ISSUER, SECRET, JwksServer, RsaKey, claims, hmac_signed, hs256, unsigned

RULES = TokenRules(algorithms=frozenset(DEFAULT_KEY_SET_ALGORITHMS), issuer=ISSUER, audience=AUDIENCE, leeway_seconds=5)


@pytest.fixture(scope="module")
def provider_key() -> RsaKey:
    return RsaKey("key-2026-1")


@pytest.fixture
def jwks(provider_key: RsaKey) -> Iterator[JwksServer]:
    with JwksServer(provider_key).running() as server:
        yield server


async def rs256_verifier(jwks: JwksServer, refetch_seconds: float = 30.0) -> TokenVerifier:
    key_set = KeySet(jwks.url, refetch_seconds=refetch_seconds)
    await key_set.load()
    return TokenVerifier(RULES, key_set=key_set)


def hs256_verifier(user_claim: str = "sub") -> TokenVerifier:
    return TokenVerifier(TokenRules(algorithms=frozenset({"HS256"}), issuer=ISSUER, audience=AUDIENCE, user_claim=user_claim,
                                    leeway_seconds=5), secret=SECRET)


async def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as refusal:
        await verifier.verify(token)
    message = str(refusal.value)
    for part in token.split("."):  # never echoes the token, nor any part of it
        assert len(part) < 6 or part not in message
    return message


async def test_a_valid_rs256_token_gives_its_issuer_and_subject(jwks: JwksServer, provider_key: RsaKey) -> None:
    verifier = await rs256_verifier(jwks)
    assert await verifier.verify(provider_key.sign(claims("auth0|5f7c8e"))) == Subject(ISSUER, "auth0|5f7c8e")


async def test_a_valid_hs256_token_gives_its_subject() -> None:
    assert await hs256_verifier().verify(hs256(claims("7"))) == Subject(ISSUER, "7")


# Claims every verifier refuses, whatever signs them, and what its message must say. Built when
# each test runs: built at collection, they expired (or became valid) before a long suite reached them.
BAD_CLAIMS = [
    pytest.param(lambda: claims(expires_in=-60), "expired", id="expired"),
    pytest.param(lambda: claims(nbf=int(time.time()) + 600), "not valid yet", id="not-yet-valid"),
    pytest.param(lambda: claims(iss="https://evil.example/"), "another issuer", id="wrong-issuer"),
    pytest.param(lambda: claims(aud="another-app"), "another audience", id="wrong-audience"),
    pytest.param(lambda: claims(subject=None), "`sub`", id="missing-user-claim"),
]
Claims = Callable[[], dict[str, object]]


@pytest.mark.parametrize(("body", "says"), [
    *BAD_CLAIMS,
    pytest.param(lambda: {k: v for k, v in claims().items() if k != "exp"}, "`exp`", id="no-exp"),
])
async def test_rs256_tokens_that_must_be_refused(jwks: JwksServer, provider_key: RsaKey, body: Claims, says: str) -> None:
    assert says in await refused(await rs256_verifier(jwks), provider_key.sign(body()))


@pytest.mark.parametrize(("body", "says"), BAD_CLAIMS)
async def test_hs256_tokens_that_must_be_refused(body: Claims, says: str) -> None:
    assert says in await refused(hs256_verifier(), hs256(body()))


async def test_the_leeway_forgives_a_little_clock_skew_only(jwks: JwksServer, provider_key: RsaKey) -> None:
    verifier = await rs256_verifier(jwks)
    assert (await verifier.verify(provider_key.sign(claims(expires_in=-2)))).subject == "auth0|5f7c8e"  # 2 s < 5 s leeway
    assert "expired" in await refused(verifier, provider_key.sign(claims(expires_in=-10)))


async def test_forgeries_are_refused(jwks: JwksServer, provider_key: RsaKey) -> None:
    verifier = await rs256_verifier(jwks)
    impostor = RsaKey(provider_key.kid)  # another key claiming the provider's kid
    assert "signature does not verify" in await refused(verifier, impostor.sign(claims()))
    assert "algorithm" in await refused(verifier, unsigned(claims()))
    # The classic confusion: HS256 keyed with the provider's public key, which anyone can download.
    assert "algorithm" in await refused(verifier, hmac_signed(claims(), provider_key.public_pem, kid=provider_key.kid))
    assert "does not know" in await refused(verifier, RsaKey("unknown-kid").sign(claims()))


async def test_hs256_forgeries_are_refused(provider_key: RsaKey) -> None:
    verifier = hs256_verifier()
    assert "signature does not verify" in await refused(verifier, hs256(claims(), secret="another-secret-of-more-than-32-bytes!!"))
    assert "algorithm" in await refused(verifier, unsigned(claims()))
    assert "algorithm" in await refused(verifier, provider_key.sign(claims()))


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "", "..", "eyJhbGciOiJIUzI1NiJ9.e30", "x" * 9000, "é.é.é"])
async def test_garbage_is_refused(jwks: JwksServer, garbage: str) -> None:
    await refused(await rs256_verifier(jwks), garbage)
    await refused(hs256_verifier(), garbage)


async def test_another_user_claim_can_name_the_user() -> None:
    verifier = hs256_verifier(user_claim="email")
    assert (await verifier.verify(hs256(claims(email="ana@example.org")))).subject == "ana@example.org"
    assert "`email`" in await refused(verifier, hs256(claims()))


async def test_a_rotated_key_is_fetched_by_its_kid(jwks: JwksServer, provider_key: RsaKey) -> None:
    verifier = await rs256_verifier(jwks, refetch_seconds=0)
    assert jwks.fetches == 1
    rotated = RsaKey("key-2026-2")
    jwks.keys = [provider_key, rotated]  # the provider publishes the new key, then signs with it
    assert (await verifier.verify(rotated.sign(claims("u1")))).subject == "u1"
    assert jwks.fetches == 2
    assert (await verifier.verify(provider_key.sign(claims("u2")))).subject == "u2"  # the old key still verifies
    assert jwks.fetches == 2  # known kids need no fetch


async def test_unknown_kids_refetch_at_most_once_per_interval(jwks: JwksServer, provider_key: RsaKey) -> None:
    verifier = await rs256_verifier(jwks, refetch_seconds=60)
    for number in range(20):
        await refused(verifier, RsaKey(f"made-up-{number}").sign(claims()))
    assert jwks.fetches == 1  # the start-up fetch only: made-up kids inside the interval fetch nothing


async def test_a_key_set_clock_past_the_interval_fetches_again(provider_key: RsaKey) -> None:
    now = [0.0]
    documents = [{"keys": [provider_key.jwk]}]
    key_set = KeySet("keys.json", refetch_seconds=30, clock=lambda: now[0], read=lambda _: documents[-1])
    await key_set.load()
    assert await key_set.key("new", "RS256") is None and key_set.fetches == 1
    documents.append({"keys": [provider_key.jwk, {**provider_key.jwk, "kid": "new"}]})
    now[0] = 29.0
    assert await key_set.key("new", "RS256") is None and key_set.fetches == 1
    now[0] = 31.0
    assert await key_set.key("new", "RS256") is not None and key_set.fetches == 2


async def test_symmetric_and_private_members_of_a_key_set_are_dropped(provider_key: RsaKey) -> None:
    document = {"keys": [{"kty": "oct", "kid": "shared", "k": "c2VjcmV0"}, {**provider_key.jwk, "d": "AQAB"}]}
    key_set = KeySet("keys.json", read=lambda _: document)
    await key_set.load()
    assert await key_set.key("shared", "HS256") is None
    built = await key_set.key(provider_key.kid, "RS256")
    assert built is not None and "d" not in built._jwk_data
