"""Service keys: created once by the CLI, stored as hashes, checked by the server, revoked live."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from api import service_keys
from api.cli import main
from api.service_keys import KeysFileError, ServiceKeys


def test_keys_create_prints_the_key_once_and_stores_only_its_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys"
    main(["keys", "create", "tv-backend", "--file", str(path)])
    key = capsys.readouterr().out.strip()
    assert key.startswith("mgk_") and len(key) > 40
    stored = path.read_text()
    assert key not in stored
    assert stored == f"tv-backend sha256:{hashlib.sha256(key.encode()).hexdigest()}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ServiceKeys(path).name_for(key) == "tv-backend"


def test_keys_create_refuses_a_bad_or_taken_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys"
    service_keys.create(path, "tv")
    for name in ("tv", "has space", "x" * 65):
        with pytest.raises(SystemExit) as exit_info:
            main(["keys", "create", name, "--file", str(path)])
        assert exit_info.value.code == 1
        assert capsys.readouterr().err.startswith("KeysFileError: ")
    assert len(service_keys.read(path)) == 1


def test_keys_create_needs_a_file(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("MOVIEGRAPH_API_KEYS_FILE", raising=False)
    with pytest.raises(SystemExit):
        main(["keys", "create", "tv"])
    assert "MOVIEGRAPH_API_KEYS_FILE" in capsys.readouterr().err


def test_a_revoked_key_stops_working_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    tv, web = service_keys.create(path, "tv"), service_keys.create(path, "web")
    keys = ServiceKeys(path)
    assert (keys.name_for(tv), keys.name_for(web), keys.name_for("mgk_made-up")) == ("tv", "web", None)
    main(["keys", "revoke", "tv", "--file", str(path)])
    assert (keys.name_for(tv), keys.name_for(web)) == (None, "web")


def test_a_broken_or_removed_file_refuses_every_key(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    key = service_keys.create(path, "tv")
    keys = ServiceKeys(path)
    path.write_text(path.read_text() + "not a key line\n")
    assert keys.name_for(key) is None
    path.unlink()
    assert keys.name_for(key) is None
    with pytest.raises(KeysFileError, match="cannot read"):
        ServiceKeys(path)
