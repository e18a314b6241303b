"""Node packages for the client tests, installed from the npm registry at the exact versions of a
test folder's package.json into a cache outside the checkout, once per package.json content.

Each folder under tests/clients/ that drives a JavaScript client keeps its own package.json (exact
versions, no ranges) and asks for the `node_modules` fixture (tests/clients/conftest.py); a
machine without node and npm skips those tests. `.ci/run` installs node where it is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_TIMEOUT = 600  # seconds: a cold cache downloads a few MB


def cache_root() -> Path:
    """MOVIEGRAPH_NODE_CACHE, else ~/.cache/moviegraph/node (XDG_CACHE_HOME honoured)."""
    explicit = os.environ.get("MOVIEGRAPH_NODE_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "moviegraph" / "node"


def _check_pinned(manifest: dict[str, object], path: Path) -> None:
    for name, version in dict(manifest.get("dependencies") or {}).items():  # type: ignore[call-overload]
        if not (isinstance(version, str) and version[:1].isdigit()):
            raise AssertionError(f"{path}: {name} must be pinned to an exact version, not {version!r}")


def install(package_json: Path) -> Path:
    """The node_modules folder holding `package_json`'s dependencies; skips when node or npm is absent."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are not installed (`.ci/run` installs them)")
    manifest = json.loads(package_json.read_text())
    _check_pinned(manifest, package_json)
    digest = hashlib.sha256(package_json.read_bytes()).hexdigest()[:16]
    target = cache_root() / f"{package_json.parent.name}-{digest}"
    if (target / "node_modules" / ".installed").exists():
        return target / "node_modules"
    # Installed beside the target, then renamed: a concurrent or interrupted run never sees half a folder.
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    shutil.copy(package_json, partial / "package.json")
    result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", "--save-exact"],
                            cwd=partial, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise AssertionError(f"npm install for {package_json} failed:\n{result.stderr[-3000:]}")
    (partial / "node_modules" / ".installed").touch()
    try:
        partial.rename(target)
    except OSError:  # another run got there first
        shutil.rmtree(partial, ignore_errors=True)
    return target / "node_modules"


def run_node(script: Path, node_modules: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Runs `script` with node, resolving packages from `node_modules` (NODE_PATH does not reach
    ES modules, so the script is linked in beside it)."""
    node = shutil.which("node")
    assert node is not None
    linked = node_modules.parent / script.name
    shutil.copy(script, linked)  # ES module imports resolve from the script's own folder upwards
    return subprocess.run([node, str(linked), *args], capture_output=True, text=True, timeout=timeout, check=False)
