"""Fetching a published file into a local cache, checksum-verified, written atomically: the one
downloader of MovieLens releases (sha256) and GraphiQL's npm tarballs (the registry's sha512).

The bytes go to a temporary file beside the target and are renamed over it only once the length
and checksum are right, so an interrupted or corrupt download never sits at the cached path.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from data import progress
from data.errors import ChecksumError, DownloadError
from data.files import fsync_directory

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Published:
    """A file as its publisher releases it: where to get it and its sha256."""

    url: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


ML_100K = Published(
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    sha256="50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
)


def digest_of(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file's bytes."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    url: str, target: Path, expected: str, *, algorithm: str = "sha256", show_progress: bool = True, timeout: float = 60
) -> Path:
    """Downloads `url` to `target` unless a file with the `expected` hex digest is already there.

    Raises ChecksumError when the bytes' digest differs, DownloadError when the download fails.
    """
    if target.is_file() and digest_of(target, algorithm) == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Closed by the `with handle:` inside the try, whose except needs the name to delete the file.
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False)  # noqa: SIM115
    temporary = Path(handle.name)
    try:
        with handle:
            actual = _download(url, handle, hashlib.new(algorithm), show_progress, timeout, target.name)
            handle.flush()
            os.fsync(handle.fileno())
        if actual != expected:
            raise ChecksumError(url, expected, actual, algorithm)
        os.replace(temporary, target)
        fsync_directory(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return target


def _download(url: str, sink: IO[bytes], digest: Any, show_progress: bool, timeout: float, label: str) -> str:
    """Streams the body into `sink` and returns its hex digest."""
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            expected = int(length) if length and length.isdigit() else None
            with progress.counter(desc=label, show=show_progress, total=expected, unit="B", unit_scale=True, unit_divisor=1024) as bar:
                while chunk := response.read(_CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"downloading {url} failed: HTTP {exc.code} {exc.reason}; check the URL") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise DownloadError(
            f"downloading {url} failed: {reason}; check the network, or download it yourself and pass its path"
        ) from exc
    # http.client ends a body cut short by a dropped connection quietly, as if it were complete.
    if expected is not None and received != expected:
        raise DownloadError(f"downloading {url} failed: got {received:,} of {expected:,} bytes; try again")
    return str(digest.hexdigest())
