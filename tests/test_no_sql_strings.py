"""No SQL is built from strings where a request can reach it.

Request-time SQL (api/, schema/, loaders/) is SQLAlchemy Core compiled once at import, with every
value bound as a parameter; this scans the source for the alternative: an f-string, `%`, `+`,
`.format()` or `.join()` passed to a cursor's execute (directly or through a local variable), or
to `text()`. Offline code (data/ ingest, ml/ training) builds a few statements from identifiers
it owns (table and column names from the SQLModel metadata, an ATTACH alias), never from input;
those sites are listed below with their reason, so a new one fails here until someone looks at it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.conftest import ROOT

REQUEST_PATH = ("api", "schema", "loaders")
OFFLINE = ("data", "ml")
SQL_CALLS = {"execute", "executemany", "executescript", "exec_driver_sql", "text"}
# (file, function): identifiers from the SQLModel metadata or constants, values bound with `?`.
OFFLINE_IDENTIFIER_SQL = {
    ("data/database.py", "insert"),  # INSERT INTO "<table>" (<columns>) VALUES (?, ...)
    ("data/database.py", "insert_columns"),  # the same, ROWS_PER_STATEMENT rows of (?, ...) a statement
    ("data/database.py", "finish"),  # PRAGMA analysis_limit = <ANALYZE_ROWS> (a PRAGMA binds no parameter)
    ("data/database.py", "attached"),  # ATTACH DATABASE ? AS <alias>, DETACH DATABASE <alias>
    ("data/credits_shard.py", "copy_credits_shard"),  # INSERT ... SELECT between two copies of the same tables
}


def _is_built(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, (ast.Add, ast.Mod))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join")
    return False


def built_sql(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """(enclosing function, line) of each SQL call whose statement is built from strings."""
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        built_names = {target.id for node in ast.walk(function) if isinstance(node, ast.Assign) and _is_built(node.value)
                       for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            statement = node.args[0]
            if name in SQL_CALLS and (_is_built(statement) or (isinstance(statement, ast.Name) and statement.id in built_names)):
                yield function.name, node.lineno


def sites(packages: tuple[str, ...]) -> set[tuple[str, str]]:
    found = set()
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            found |= {(relative, function) for function, _ in built_sql(ast.parse(path.read_text(), relative))}
    return found


def test_request_path_sql_is_never_built_from_strings() -> None:
    assert sites(REQUEST_PATH) == set()


def test_offline_sql_built_from_strings_is_only_the_listed_identifier_sites() -> None:
    assert sites(OFFLINE) == OFFLINE_IDENTIFIER_SQL


def test_the_scan_finds_each_way_of_building_sql() -> None:
    source = '''
def f(conn, user, table):
    conn.execute(f"SELECT * FROM t WHERE id = {user}")
    conn.execute("SELECT * FROM t WHERE id = %s" % user)
    conn.execute("SELECT * FROM " + table)
    conn.execute("SELECT * FROM {}".format(table))
    query = f"DELETE FROM {table}"
    conn.execute(query)
    text(" ".join(["SELECT", table]))
    conn.execute("SELECT * FROM t WHERE id = ?", (user,))
    conn.execute(STATEMENT.text, {"user": user})
'''
    assert [line for _, line in built_sql(ast.parse(source))] == [3, 4, 5, 6, 8, 9]
