"""Importing is cheap: the settings (read by the CLI before anything else) pull in neither the
schema nor the database or numerical libraries, and importing the schema package builds nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def _loaded_after(statement: str, probe: str) -> str:
    code = f"import sys\n{statement}\nprint({probe})"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()


def test_importing_the_settings_loads_no_schema_sqlalchemy_or_numpy() -> None:
    heavy = ("schema", "strawberry", "graphql", "sqlalchemy", "sqlmodel", "aiosqlite", "numpy", "loaders", "ml")
    probe = f"sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})"
    assert _loaded_after("import api.settings", probe) == "[]"


def test_importing_the_schema_package_does_not_build_the_schema() -> None:
    assert _loaded_after("import schema", "schema.default_schema.cache_info().currsize") == "0"
    assert _loaded_after("import schema; built = schema.default_schema()", "type(built).__name__") == "MoviegraphSchema"
