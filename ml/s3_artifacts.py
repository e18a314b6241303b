"""Model artifacts on S3-compatible object storage (through obstore), published by moving one pointer.

Under `s3://bucket/prefix`:

    versions/<name>/files/<file>     every file `artifact.save` wrote, whatever the artifact holds
    versions/<name>/checksums.json   {"files": {"<file>": {"sha256": "...", "size": n}}}
    current.json                     {"version": "<name>", "checksums_sha256": "..."}

`publish` uploads the files, then checksums.json, then overwrites current.json; an S3 PUT replaces an
object whole, so a reader sees the old pointer or the new one, and a failed upload leaves the old
one. `fetch` downloads a version into the local cache, checking checksums.json against the pointer
and every file's size and sha256 against checksums.json, so a half-uploaded or altered version is
refused before anything loads it. The cache keeps the two newest versions (current and previous).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import obstore
from obstore.store import S3Store

from data.errors import ArtifactError, ArtifactStoreUnavailable
from ml import artifact
from ml.artifact_store import Version
from ml.model import Model

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig, S3Config

POINTER = "current.json"
CHECKSUMS = "checksums.json"
# Bounds on what the store may hand a server: the pointer and checksums are a few hundred bytes.
MAX_POINTER_BYTES = 64 * 1024
MAX_CHECKSUMS_BYTES = 1024 * 1024
MAX_FILES = 256
MAX_VERSION_BYTES = 16 * 1024**3  # a 64-dimension model of 10M users is 5 GiB
_CHUNK = 1024 * 1024
_NAME = re.compile(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}")  # what `publish` names versions: sortable by time
_STALE_PARTIAL_SECONDS = 3600  # a download folder this old belongs to a process that died
# Bounded work per request and per poll: a store that is down costs a poll about 1 s (refused
# connections) to 16 s (one that never answers), after which the holder backs off (ml/model_holder.py).
# The pointer and checksums get a short timeout; the artifact's files, which may be GiBs, a long one.
_CONNECT_TIMEOUT = timedelta(seconds=5)
_SMALL_TIMEOUT = timedelta(seconds=5)
_FILE_TIMEOUT = timedelta(seconds=600)
_RETRY: RetryConfig = {"max_retries": 3, "retry_timeout": timedelta(seconds=15),
                       "backoff": {"init_backoff": timedelta(milliseconds=200), "max_backoff": timedelta(seconds=5), "base": 2}}


class S3Artifacts:
    def __init__(self, uri: str, *, endpoint_url: str, cache_dir: Path) -> None:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        self.location = uri.rstrip("/")
        self.cache_dir = cache_dir
        self._endpoint_url = endpoint_url
        config: S3Config = {"endpoint": endpoint_url} if endpoint_url else {}

        def store(timeout: timedelta) -> S3Store:
            # Credentials and region come from the standard AWS_* variables, as obstore reads them.
            client: ClientConfig = {"connect_timeout": _CONNECT_TIMEOUT, "timeout": timeout, "allow_http": endpoint_url.startswith("http://")}
            return S3Store(bucket, prefix=prefix.strip("/") or None, config=config, client_options=client, retry_config=_RETRY)

        self._small, self._files = store(_SMALL_TIMEOUT), store(_FILE_TIMEOUT)

    def published(self) -> Version | None:
        # The pointer's text is the version: a rewritten pointer is a new one, even to the same name.
        try:
            return self._read(POINTER, MAX_POINTER_BYTES).decode("utf-8", "replace")
        except FileNotFoundError:
            return None
        except ArtifactError as exc:  # too large to be ours: `fetch` refuses it (once) with this message
            return str(exc)

    def fetch(self, version: Version) -> Path:
        name, checksums_sha256 = _parse_pointer(version)
        try:
            raw = self._read(f"versions/{name}/{CHECKSUMS}", MAX_CHECKSUMS_BYTES)
        except FileNotFoundError:
            raise ArtifactError(f"{self.location}: version {name} has no {CHECKSUMS}; it was not uploaded whole") from None
        if hashlib.sha256(raw).hexdigest() != checksums_sha256:
            raise ArtifactError(f"{self.location}: version {name}'s {CHECKSUMS} does not match the pointer's sha256; it is altered")
        files = _parse_checksums(raw, name)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_dir / name
        if not _holds(target, files):  # else another worker (or an earlier start) fetched it already
            self._download(name, files, target)
        self._prune(keep=name)
        return target

    def publish(self, model: Model) -> str:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{secrets.token_hex(4)}"
        with tempfile.TemporaryDirectory(prefix="moviegraph-publish-") as scratch:
            built = artifact.save(model, Path(scratch) / "model")  # written and load-checked as for a local folder
            files: dict[str, dict[str, Any]] = {}
            for path in sorted(p for p in built.rglob("*") if p.is_file()):
                relative = path.relative_to(built).as_posix()
                files[relative] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
                self._put(f"versions/{name}/files/{relative}", path)
            checksums = json.dumps({"files": files}, indent=2, sort_keys=True).encode()
            self._put(f"versions/{name}/{CHECKSUMS}", checksums)
            self._put(POINTER, json.dumps({"version": name, "checksums_sha256": hashlib.sha256(checksums).hexdigest()}).encode())
        return f"{self.location} -> versions/{name}"

    def _read(self, key: str, limit: int) -> bytes:
        """The object at `key`; FileNotFoundError when there is none."""
        with self._reaching():
            result = obstore.get(self._small, key)
            if result.meta["size"] > limit:
                raise ArtifactError(f"{self.location}/{key} is {result.meta['size']:,} bytes, more than the {limit:,} it may be")
            return bytes(result.bytes())

    def _put(self, key: str, body: Path | bytes) -> None:
        with self._reaching():
            obstore.put(self._files, key, body)

    def _download(self, name: str, files: dict[str, tuple[str, int]], target: Path) -> None:
        partial = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".partial-"))
        try:
            for relative, (sha256, size) in files.items():
                path = partial / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                key = f"versions/{name}/files/{relative}"
                try:
                    self._download_file(key, path, size)
                except FileNotFoundError:
                    raise ArtifactError(f"{self.location}/{key} is missing; version {name} was not uploaded whole") from None
                if _sha256_file(path) != sha256:
                    raise ArtifactError(f"{self.location}/{key}: sha256 differs from {CHECKSUMS}; the object is altered or damaged")
            shutil.rmtree(target, ignore_errors=True)  # a damaged earlier copy: _holds refused it
            try:
                os.replace(partial, target)
            except OSError:
                if not _holds(target, files):  # another worker renamed its own good copy in first
                    raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def _download_file(self, key: str, path: Path, size: int) -> None:
        written = 0
        with self._reaching(), path.open("wb") as out:
            result = obstore.get(self._files, key)
            if result.meta["size"] != size:
                raise ArtifactError(f"{self.location}/{key} is {result.meta['size']:,} bytes, {CHECKSUMS} says {size:,}; it is altered or damaged")
            for chunk in result.stream(_CHUNK):
                written += len(chunk)
                if written > size:  # the object changed under us: stop rather than fill the disk
                    raise ArtifactError(f"{self.location}/{key} grew past the {size:,} bytes {CHECKSUMS} says")
                out.write(chunk)

    def _prune(self, keep: str) -> None:
        versions = sorted(entry.name for entry in self.cache_dir.iterdir() if _NAME.fullmatch(entry.name))
        for old in versions[:-2]:
            if old != keep:
                shutil.rmtree(self.cache_dir / old, ignore_errors=True)
        for partial in self.cache_dir.glob(".partial-*"):
            with contextlib.suppress(OSError):
                if time.time() - partial.stat().st_mtime > _STALE_PARTIAL_SECONDS:
                    shutil.rmtree(partial, ignore_errors=True)

    @contextlib.contextmanager
    def _reaching(self) -> Any:
        """Turns obstore's failures to reach the store into ArtifactStoreUnavailable (a missing object stays FileNotFoundError)."""
        try:
            yield
        except FileNotFoundError:
            raise
        except (obstore.exceptions.BaseError, OSError) as exc:
            if isinstance(exc, OSError) and exc.filename is not None:
                raise  # a local file (the cache) failed, not the store
            reason = str(exc).split("\n", 1)[0][:300]  # obstore appends a multi-line debug dump
            endpoint = f"MOVIEGRAPH_S3_ENDPOINT_URL={self._endpoint_url}" if self._endpoint_url else "AWS (MOVIEGRAPH_S3_ENDPOINT_URL unset)"
            raise ArtifactStoreUnavailable(
                f"cannot reach the model store MOVIEGRAPH_MODEL_URI={self.location} at {endpoint}: {type(exc).__name__}: {reason}; "
                "check the endpoint, the bucket and the AWS_* credentials") from None


def _parse_pointer(version: Version) -> tuple[str, str]:
    try:
        pointer = json.loads(version)
        name, checksums_sha256 = pointer["version"], pointer["checksums_sha256"]
    except (ValueError, KeyError, TypeError):
        raise ArtifactError(f"{POINTER} is not a moviegraph pointer ({version[:200]!r}); run `moviegraph train` to publish one") from None
    if not (isinstance(name, str) and _NAME.fullmatch(name) and isinstance(checksums_sha256, str)):
        raise ArtifactError(f"{POINTER} names version {name!r}, not one `moviegraph train` publishes")
    return name, checksums_sha256


def _parse_checksums(raw: bytes, name: str) -> dict[str, tuple[str, int]]:
    """relative path -> (sha256, size), each path checked to stay inside the version's folder."""
    try:
        entries = json.loads(raw)["files"]
        files = {str(path): (str(entry["sha256"]), int(entry["size"])) for path, entry in entries.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ArtifactError(f"version {name}'s {CHECKSUMS} is not readable") from None
    if not 0 < len(files) <= MAX_FILES or sum(size for _, size in files.values()) > MAX_VERSION_BYTES:
        raise ArtifactError(f"version {name} lists {len(files)} files; between 1 and {MAX_FILES}, {MAX_VERSION_BYTES:,} bytes in all, are allowed")
    for path, (_, size) in files.items():
        parts = path.split("/")
        if size < 0 or "\\" in path or any(part in ("", ".", "..") for part in parts):
            raise ArtifactError(f"version {name}'s {CHECKSUMS} lists {path!r}, not a file inside the version")
    return files


def _holds(folder: Path, files: dict[str, tuple[str, int]]) -> bool:
    """Whether `folder` holds exactly `files`, sizes and sha256 matching."""
    if not folder.is_dir():
        return False
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    return present == set(files) and all(
        (folder / path).stat().st_size == size and _sha256_file(folder / path) == sha256 for path, (sha256, size) in files.items())


def _sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
