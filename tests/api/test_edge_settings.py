"""The HTTP edge's settings: typos in proxy and host lists stop the start; the Host allow-list's
default follows the bind address; Host headers are read as browsers and proxies write them."""

from __future__ import annotations

import pytest

from api.hosts import LOOPBACK_NAMES, AllowedHosts, host_name, served_hosts
from api.settings import Settings
from data.errors import SettingsError


@pytest.mark.parametrize(("name", "value"), [
    ("MOVIEGRAPH_FORWARDED_ALLOW_IPS", "10.0.0.300"), ("MOVIEGRAPH_FORWARDED_ALLOW_IPS", "proxy.local"),
    ("MOVIEGRAPH_ALLOWED_HOSTS", "https://api.example.org"), ("MOVIEGRAPH_ALLOWED_HOSTS", "api.*.org"),
    ("MOVIEGRAPH_HEADER_TIMEOUT", "0"), ("MOVIEGRAPH_BODY_TIMEOUT", "nan"), ("MOVIEGRAPH_MAX_HEADERS", "3"),
])
def test_unusable_edge_settings_stop_the_start(name: str, value: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_environ({name: value})


def test_edge_settings_parse() -> None:
    settings = Settings.from_environ(
        {"MOVIEGRAPH_FORWARDED_ALLOW_IPS": "10.0.0.5, 10.1.0.0/16", "MOVIEGRAPH_ALLOWED_HOSTS": "api.example.org,*.example.org"}
    )
    assert settings.forwarded_allow_ips == ("10.0.0.5", "10.1.0.0/16")
    assert settings.allowed_hosts == ("api.example.org", "*.example.org")
    assert Settings().forwarded_allow_ips == () and Settings().allowed_hosts == ()


@pytest.mark.parametrize(("bind", "expected"), [("127.0.0.1", LOOPBACK_NAMES), ("::1", LOOPBACK_NAMES), ("localhost", LOOPBACK_NAMES),
                                                ("0.0.0.0", ("*",)), ("10.0.0.7", ("*",))])
def test_the_default_allow_list_follows_the_bind_address(bind: str, expected: tuple[str, ...]) -> None:
    assert served_hosts((), bind) == expected
    assert served_hosts(("api.example.org",), bind) == ("api.example.org",)


@pytest.mark.parametrize(("header", "name"), [("localhost:8000", "localhost"), ("[::1]:8000", "::1"), ("[::1]", "::1"),
                                              ("Example.ORG.", "example.org"), ("example.org:443", "example.org")])
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


def test_wildcards_match_subdomains_only() -> None:
    hosts = AllowedHosts(app=None, hosts=["api.example.org", "*.svc.local"])  # type: ignore[arg-type]
    assert [hosts.allows(name) for name in ("api.example.org", "a.svc.local", "svc.local", "evil-svc.local", "example.org", "")] == \
        [True, True, False, False, False, False]
