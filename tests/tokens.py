"""Tokens the tests make themselves: an RS256 identity provider with a JWKS served on loopback
(rotating keys by kid), HS256 tokens, and the forgeries (alg none, HS256 keyed with the RSA
public key) built byte by byte, without the library under test."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://id.example.test/"
AUDIENCE = "moviegraph-api"
SECRET = "test-secret-of-more-than-32-bytes-0123456789"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(subject: str | None = "auth0|5f7c8e", *, expires_in: float = 300, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    body: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + int(expires_in)}
    if subject is not None:
        body["sub"] = subject
    return {**body, **extra}


def hs256(body: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(body, secret, algorithm="HS256")


def unsigned(body: dict[str, Any]) -> str:
    """`alg: none`: a header, a body and an empty signature."""
    return f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{b64(json.dumps(body).encode())}."


def hmac_signed(body: dict[str, Any], key: bytes, kid: str | None = None) -> str:
    """HS256 by hand, keyed with any bytes (such as an RSA public key's PEM: the confusion attack)."""
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}"
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


@dataclass
class RsaKey:
    kid: str
    private: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def sign(self, body: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": kid or self.kid})

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        def encode(value: int) -> str:
            return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": encode(numbers.n), "e": encode(numbers.e)}


class JwksServer:
    """A JWKS on http://127.0.0.1:PORT/jwks.json whose keys a test replaces (rotation); counts fetches."""

    def __init__(self, *keys: RsaKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps({"keys": [key.jwk for key in server.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/jwks.json"

    @contextlib.contextmanager
    def running(self) -> Iterator[JwksServer]:
        thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._http.shutdown()
            self._http.server_close()
            thread.join()
