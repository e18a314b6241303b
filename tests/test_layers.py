"""Imports point down the layers (api -> schema -> loaders -> ml -> data), and REST stands beside
GraphQL: only the GraphQL mounting in api/ imports schema/."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

LAYERS = ["api", "schema", "loaders", "ml", "data"]
# The GraphQL door's HTTP side: the app, the view and its HTTP semantics (a cache-scope extension),
# and the CLI's `queries register`, which validates documents against the schema.
GRAPHQL_MOUNTING = {"api/app.py", "api/graphql_app.py", "api/graphql_http.py", "api/cli.py"}


def _imports() -> list[tuple[str, str]]:
    """(file, imported top-level moviegraph package) for every import in the packages."""
    found = []
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    names = []
                found += [(str(path.relative_to(ROOT)), name.split(".")[0]) for name in names if name.split(".")[0] in LAYERS]
    return found


def test_no_import_points_up_the_layers() -> None:
    upward = [(file, target) for file, target in _imports() if LAYERS.index(target) < LAYERS.index(file.split("/")[0])]
    assert upward == []


def test_only_the_graphql_mounting_imports_schema_from_api() -> None:
    assert {file for file, target in _imports() if file.startswith("api/") and target == "schema"} <= GRAPHQL_MOUNTING
