"""The Host allow-list, against DNS rebinding: a page on attacker.example whose name is made to
resolve to 127.0.0.1 reaches a loopback-bound server from the victim's browser, but its requests
still say `Host: attacker.example`, so they get 400 HOST_NOT_ALLOWED.

Starlette's TrustedHostMiddleware does the same but answers plain text and cuts `[::1]:8000` at
its first colon; this one answers in the API's error shape and reads IPv6 literals.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from api.limits import refuse

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# Probes (a kubelet's carries the pod's IP as Host) must get through; /health says only "ok" and
# /ready only counts. /metrics is not among them: it says more.
EXEMPT_PATHS = frozenset({"/health", "/ready"})


def served_hosts(allowed: Iterable[str], bind_host: str) -> tuple[str, ...]:
    """The allow-list `serve` applies: `allowed` if set; else the loopback names for a loopback bind, any otherwise."""
    allowed = tuple(allowed)
    if allowed:
        return allowed
    try:
        loopback = bind_host == "localhost" or ipaddress.ip_address(bind_host).is_loopback
    except ValueError:
        loopback = False
    return LOOPBACK_NAMES if loopback else ("*",)


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` -> `::1`, `Example.org.:80` -> `example.org`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0].rstrip(".") if ":" in header else header.rstrip(".")


class AllowedHosts:
    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        patterns = [host.lower() for host in hosts]
        self.any = "*" in patterns
        self.names = frozenset(pattern.strip("[]") for pattern in patterns if not pattern.startswith("*"))
        self.suffixes = tuple(pattern[1:] for pattern in patterns if pattern.startswith("*."))  # ".example.org"

    def allows(self, name: str) -> bool:
        return self.any or name in self.names or (bool(name) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.any and scope["path"] not in EXEMPT_PATHS:
            header = next((value for name, value in scope["headers"] if name == b"host"), None)
            name = host_name(header.decode("latin-1")) if header is not None else ""
            if not self.allows(name):
                await refuse(scope, send, 400, "HOST_NOT_ALLOWED",
                             "this server does not answer for that Host; list it in MOVIEGRAPH_ALLOWED_HOSTS")
                return
        await self.app(scope, receive, send)
