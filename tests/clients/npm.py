"""The node packages a client test drives, installed with `npm ci` from the npm registry at the
versions its package.json and package-lock.json pin, into a cache outside the repository (keyed
by both files, so a changed pin installs afresh and an unchanged one installs once per machine)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_TIMEOUT = 600  # seconds; a first install downloads ~30 packages


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "moviegraph" / "npm"


def require_node() -> str:
    """The `node` executable; skips the test where node or npm is absent."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the client-library tests (.ci/run installs them)")
    return node


def node_modules(package_dir: Path) -> Path:
    """node_modules for the package.json and package-lock.json in `package_dir`."""
    require_node()
    files = [package_dir / "package.json", package_dir / "package-lock.json"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:16]
    target = cache_root() / f"{package_dir.name}-{digest}"
    if not (target / "node_modules").is_dir():
        building = target.with_name(f"{target.name}.{os.getpid()}.partial")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        for path in files:
            shutil.copy(path, building / path.name)
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=building, capture_output=True,
                              text=True, timeout=INSTALL_TIMEOUT, check=False)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.fail(f"npm ci in {package_dir} failed ({done.returncode}): {done.stderr[-2000:]}")
        # Renamed whole, so a half-finished install is never taken for a finished one.
        try:
            building.rename(target)
        except OSError:  # another run finished the same install first
            shutil.rmtree(building, ignore_errors=True)
    return target / "node_modules"
