"""GraphiQL in a real headless Chromium against the real `moviegraph serve`, with no internet.

Chromium is driven over the DevTools protocol (CDP) on a websocket, so the test needs no
webdriver: `--remote-debugging-port=0` lets Chromium pick a free port and write it into
DevToolsActivePort in its profile folder. Its resolver maps every host but 127.0.0.1 to
NOTFOUND, so a CDN reference would break the page rather than quietly load from the internet,
and every request the page makes is recorded and checked too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from websockets.sync.client import ClientConnection, connect

from api import graphiql
from tests.conftest import copy_catalogue
from tests.servers import HOST, free_port, serving, stop
from tests.tokens import AUDIENCE, ISSUER, SECRET, claims, hs256

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
QUERY = "{ movie(id: 862) { title releaseDate } }"
VIEWER = "{ viewer { userId } }"
T = TypeVar("T")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` on PATH (apt-get install chromium; .ci/run does)"),
    pytest.mark.skipif(bool(graphiql.missing_files()), reason="GraphiQL assets not fetched (run `make assets`)"),
]

# urllib and websockets would honour an HTTP(S)_PROXY from the environment, even for 127.0.0.1.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float, diagnose: Callable[[], str]) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := probe()) is not None:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{diagnose()}")


@pytest.fixture
def server(sample_db: Path, sample_model: Path, tmp_path: Path) -> Iterator[str]:
    """`moviegraph serve` on a free port over the sample catalogue; yields its base URL."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve", "--port", str(port), "--db", str(sample_db)]
    with serving(command, f"{base}/health", tmp_path / "server.log", {"MOVIEGRAPH_MODEL_DIR": str(sample_model)}):
        yield base


class DevTools:
    """A minimal CDP client for one page: `send` returns the result; events are kept for inspection."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.events: list[dict[str, Any]] = []
        self._next_id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self.websocket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.websocket.recv(timeout=30))
            if message.get("id") != self._next_id:
                self.events.append(message)
            elif "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            else:
                result: dict[str, Any] = message["result"]
                return result

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def diagnose(self) -> str:
        errors = [e["params"] for e in self.events if e.get("method") in ("Runtime.exceptionThrown", "Log.entryAdded")]
        text = self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
        return f"requests: {self.requested_urls()}\nconsole: {errors}\npage text: {text}"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "chromium-profile"
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--window-size=1280,900",
        "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "about:blank",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def devtools_port() -> int | None:
            if process.poll() is not None:
                pytest.fail(f"chromium exited with {process.returncode}")
            lines = (profile / "DevToolsActivePort").read_text().split() if (profile / "DevToolsActivePort").exists() else []
            return int(lines[0]) if len(lines) == 2 else None

        port = _wait_for("chromium's DevTools port", devtools_port, 30, lambda: "")
        with _direct.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
            page = next(target for target in json.load(response) if target["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], proxy=None, max_size=None, compression=None) as websocket:
            devtools = DevTools(websocket)
            for domain in ("Page", "Network", "Runtime", "Log"):
                devtools.send(f"{domain}.enable")
            yield devtools
    finally:
        stop(process)


def _run(browser: DevTools, server: str, query: str, expected: str) -> str:
    """Opens GraphiQL on `query`, clicks its run button and waits for `expected` in the result pane."""
    browser.send("Page.navigate", url=f"{server}/graphql?" + urllib.parse.urlencode({"q": query}))
    button = _run_button(browser)
    assert query.strip("{} ").split(" {")[0] in browser.evaluate("document.querySelector('.graphiql-query-editor').innerText")
    return _click_and_wait(browser, server, button, expected)


def _run_button(browser: DevTools) -> dict[str, float]:
    button: dict[str, float] = _wait_for(
        "GraphiQL's run button",
        lambda: browser.evaluate(
            "(() => { const b = document.querySelector('.graphiql-execute-button');"
            " if (!b) return null; const r = b.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        ),
        30,
        browser.diagnose,
    )
    return button


def _click_and_wait(browser: DevTools, server: str, button: dict[str, float], expected: str) -> str:
    # GraphiQL introspects the schema first (a POST to /graphql); a click before that may be lost.
    _wait_for("GraphiQL's schema introspection", lambda: f"{server}/graphql" in browser.requested_urls() or None, 30, browser.diagnose)

    def shown() -> str | None:
        text = browser.evaluate("document.querySelector('.graphiql-response')?.innerText || ''")
        return text if expected in text else None

    def click_and_look() -> str | None:
        # A real click (mouse events at the button's centre), as a user would run the query; a
        # loaded machine can still drop one, so the next look clicks again, as a user would.
        for event in ("mousePressed", "mouseReleased"):
            browser.send("Input.dispatchMouseEvent", type=event, x=button["x"], y=button["y"], button="left", clickCount=1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if (text := shown()) is not None:
                return text
            time.sleep(0.2)
        return None

    return _wait_for(f"the result pane to show {expected}", click_and_look, 40, browser.diagnose)


def test_the_root_lands_in_graphiql_and_its_first_example_tab_runs(server: str, browser: DevTools) -> None:
    browser.send("Page.navigate", url=f"{server}/")
    button = _run_button(browser)
    assert browser.evaluate("location.pathname") == "/graphql"
    tabs = browser.evaluate("[...document.querySelectorAll('.graphiql-tab')].map((tab) => tab.innerText.trim())")
    assert tabs == ["MoviePage", "Recommend", "Rate"]
    editor = browser.evaluate("document.querySelector('.graphiql-query-editor').innerText")
    assert "The explorer (left) builds queries" in editor and "query MoviePage" in editor
    # No line's text runs past the right edge of the query editor beside the open explorer (1280-pixel window).
    past_the_edge = ("(() => { const editor = document.querySelector('.graphiql-query-editor').getBoundingClientRect().right;"
                     " return [...document.querySelectorAll('.graphiql-query-editor .CodeMirror-line > span')]"
                     ".filter((line) => line.getBoundingClientRect().right > editor).map((line) => line.innerText); })()")
    assert browser.evaluate(past_the_edge) == []
    result = _click_and_wait(browser, server, button, '"title": "Toy Story"')
    # The example's data, as the sample's rows have it.
    for shown in ('"releaseDate": "1995-10-30"', '"name": "John Lasseter"', '"name": "Animation"', '"character": "Woody (voice)"'):
        assert shown in result, result
    # The welcome comment says the explorer (left) builds queries: it is open, listing the root fields.
    explorer = "document.querySelector('.graphiql-plugin')?.innerText || ''"
    _wait_for("the explorer to list the schema's root fields",
              lambda: ((text := browser.evaluate(explorer)).startswith("Explorer") and "recommend" in text) or None, 30, browser.diagnose)


def test_graphiql_runs_a_query_in_a_browser_with_no_internet(server: str, browser: DevTools) -> None:
    with _direct.open(urllib.request.Request(f"{server}/graphql", headers={"Accept": "text/html"})) as response:
        html = response.read().decode()
    foreign = {url for url in re.findall(r"https?://[^\s\"'<>)]+", html) if not url.startswith(server)}
    assert not foreign, f"the page references other hosts: {foreign}"

    result = _run(browser, server, QUERY, "Toy Story")
    assert '"title": "Toy Story"' in result
    assert '"releaseDate": "1995-10-30"' in result

    # Everything the page loaded came from the server itself (or was inline).
    urls = browser.requested_urls()
    assert f"{server}/graphiql/graphiql@3.8.3/graphiql.min.js" in urls
    assert [url for url in urls if not url.startswith((server + "/", "data:", "blob:", "about:"))] == []


def test_graphiql_sends_a_token_from_its_headers_tab(sample_db: Path, sample_model: Path, tmp_path: Path, browser: DevTools) -> None:
    port = free_port()
    server = f"http://{HOST}:{port}"
    db = copy_catalogue(sample_db, tmp_path / "c.sqlite3")
    command = [str(Path(sys.executable).parent / "moviegraph"), "serve", "--port", str(port), "--db", str(db)]
    env = {"MOVIEGRAPH_MODEL_DIR": str(sample_model), "MOVIEGRAPH_AUTH": "jwt", "MOVIEGRAPH_JWT_SECRET": SECRET,
           "MOVIEGRAPH_JWT_ISSUER": ISSUER, "MOVIEGRAPH_JWT_AUDIENCE": AUDIENCE, "MOVIEGRAPH_JWT_NUMERIC_SUBJECTS": "true"}
    with serving(command, f"{server}/health", tmp_path / "server.log", env):
        assert "UNAUTHENTICATED" in _run(browser, server, VIEWER, "UNAUTHENTICATED")  # no token yet
        # What the headers tab holds is kept in the page's storage (shouldPersistHeaders): put a
        # token there, as typing it into the tab does, and reload.
        headers = json.dumps({"Authorization": f"Bearer {hs256(claims('321'))}"})
        browser.evaluate(f"localStorage.setItem('graphiql:headers', {json.dumps(headers)})")
        result = _run(browser, server, VIEWER, '"userId": 321')
        assert '"viewer"' in result and "UNAUTHENTICATED" not in result
        assert "Bearer" in browser.evaluate("document.querySelector('.graphiql-editor-tool')?.innerText || ''")
