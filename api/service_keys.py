"""Service keys for trusted backends: `moviegraph keys create NAME` prints a key once and stores
only its SHA-256 in MOVIEGRAPH_API_KEYS_FILE, one `NAME sha256:HEX` line per key.

A key is 32 random bytes, so a plain SHA-256 is enough to store it (a slow password hash guards
guessable secrets; nobody guesses 256 random bits). The file is read again when it changes, so
a revoked key stops working without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from pathlib import Path

from data.errors import SettingsError

logger = logging.getLogger(__name__)

PREFIX = "mgk_"  # tells a service key from a JWT in `Authorization: Bearer`, and makes a leaked one easy to grep for
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_LINE = re.compile(r"(?P<name>[A-Za-z0-9._-]{1,64})\s+sha256:(?P<digest>[0-9a-f]{64})")


class KeysFileError(SettingsError):
    """The keys file cannot be read or written, or a line in it is not `NAME sha256:HEX`."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def read(path: Path) -> dict[str, str]:
    """sha256 hex digest -> key name, from the keys file; blank lines and `#` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeysFileError(f"cannot read the service keys file {path}: {exc.strerror or exc}") from None
    names: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise KeysFileError(f"{path}, line {number}: expected `NAME sha256:HEX` (as `moviegraph keys create` writes)")
        names[match["digest"]] = match["name"]
    return names


def create(path: Path, name: str) -> str:
    """A new key named `name`, its digest appended to the file (created private to its owner)."""
    if NAME.fullmatch(name) is None:
        raise KeysFileError(f"a key name is 1-64 letters, digits, '.', '_' or '-', not {name!r}")
    if path.exists() and name in read(path).values():
        raise KeysFileError(f"{path} already has a key named {name}; revoke it first or choose another name")
    key = PREFIX + secrets.token_urlsafe(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"{name} sha256:{digest(key)}\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise KeysFileError(f"cannot write the service keys file {path}: {exc.strerror or exc}") from None
    return key


def revoke(path: Path, name: str) -> None:
    """Removes the key named `name` (a new file renamed over the old one, so a reader never sees half)."""
    if name not in read(path).values():
        raise KeysFileError(f"{path} has no key named {name}")
    kept = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if line.split(maxsplit=1)[:1] != [name]]
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.writelines(kept)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


class ServiceKeys:
    """The keys file as the server checks keys against it, read again whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._current_stamp()
        self._names = read(path)

    def _current_stamp(self) -> tuple[int, int, int]:
        try:
            status = self.path.stat()
        except OSError as exc:
            raise KeysFileError(f"cannot read the service keys file {self.path}: {exc.strerror or exc}") from None
        return status.st_ino, status.st_mtime_ns, status.st_size

    def name_for(self, key: str) -> str | None:
        """The name of `key`, or None when it is not (or no longer) in the file. A file that was
        removed or broken while serving fails closed: no key is taken until it is readable again."""
        try:
            stamp = self._current_stamp()
            if stamp != self._stamp:
                self._names, self._stamp = read(self.path), stamp
        except KeysFileError as exc:
            logger.error("%s; refusing every service key until it is fixed", exc)
            self._names, self._stamp = {}, (-1, -1, -1)
        return self._names.get(digest(key))
