"""A real S3-protocol server on loopback for the tests (moto's server mode), and direct access to its objects.

moto keeps its buckets in the process, not in the server thread: a server stopped and started again
on the same port serves the same objects, which is how the tests make the store unreachable for a while.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import obstore
import pytest
from obstore.store import S3Store

from tests.servers import HOST

# Credentials moto accepts; set so obstore never looks for others (such as an instance's metadata endpoint).
AWS_ENVIRON = {"AWS_ACCESS_KEY_ID": "moviegraph-test", "AWS_SECRET_ACCESS_KEY": "moviegraph-test", "AWS_REGION": "us-east-1"}


@dataclass(frozen=True)
class Bucket:
    endpoint: str
    name: str

    def uri(self, prefix: str = "models") -> str:
        return f"s3://{self.name}/{prefix}"

    def store(self) -> S3Store:
        """The whole bucket, to read and alter objects behind the code's back."""
        return S3Store(self.name, endpoint=self.endpoint, client_options={"allow_http": True})

    def keys(self, prefix: str) -> list[str]:
        return sorted(meta["path"] for batch in obstore.list(self.store(), prefix=prefix) for meta in batch)

    def read(self, key: str) -> bytes:
        return bytes(obstore.get(self.store(), key).bytes())

    def write(self, key: str, body: bytes) -> None:
        obstore.put(self.store(), key, body)


@contextlib.contextmanager
def moto_server(port: int = 0) -> Iterator[str]:
    """Runs moto's S3 server on loopback; yields its endpoint URL."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = server_module.ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        yield f"http://{host}:{bound}"
    finally:
        server.stop()


def new_bucket(endpoint: str) -> Bucket:
    bucket = Bucket(endpoint, f"moviegraph-{secrets.token_hex(4)}")
    # moto takes an unsigned CreateBucket; trust_env=False keeps a proxy from the environment off loopback.
    httpx.put(f"{endpoint}/{bucket.name}", trust_env=False).raise_for_status()
    return bucket
