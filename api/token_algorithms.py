"""The JWT algorithms by kind of key, apart from PyJWT so that reading settings stays cheap."""

HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})  # a shared secret
PUBLIC_KEY_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
DEFAULT_KEY_SET_ALGORITHMS = ("RS256", "ES256")  # what OIDC providers sign with (RS256 is the OIDC default)
