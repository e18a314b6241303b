"""The offline GraphiQL page and its assets, served from pinned npm tarballs and never from a CDN.

The scripts and styles are not committed: `fetch_assets` downloads the tarballs from the npm
registry at install time (`make assets`, `python -m api.graphiql fetch`, the Docker build),
checks them against the `dist.integrity` the registry published (through `data.download.fetch`,
the MovieLens downloader too), and keeps only the files the page loads. The versions are the ones Strawberry's own GraphiQL page loads from unpkg.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import json
import os
import shutil
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from data.download import fetch
from data.errors import AssetError, ChecksumError, DownloadError, MoviegraphError

# Beside the module, so an installed (non-editable) package, e.g. in Docker, fetches into itself.
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
URL_PREFIX = "/graphiql"
FETCH_HINT = "make assets  (or: python -m api.graphiql fetch)"
# GraphiQL's tabs on a first visit (`defaultTabs`), each run as written against the sample
# (tests/api/test_graphiql.py). Lines stay within 44 characters: the query editor beside the open
# explorer shows about 45 in a 1280-pixel window (tests/api/test_graphiql_browser.py measures it).
WELCOME = """\
# Welcome to moviegraph's GraphiQL.
#
# Run a query with Ctrl-Enter or the play
# button; Ctrl-Space completes a field.
# The explorer (left) builds queries by
# ticking fields; the book icon opens the
# docs of every type and field. The tabs
# above hold more examples: one to
# recommend, one to rate a movie.

query MoviePage {
  movie(id: 862) {
    title
    releaseDate
    runtime
    genres { name }
    directors { name }
    cast(first: 3) {
      character
      person { name }
    }
    similar(first: 3) { movie { title } }
  }
}
"""
RECOMMEND = """\
# Recommendations for an anonymous visitor,
# from the movies they like (TMDB ids: Toy
# Story and Jumanji). A signed-in user
# leaves `likes` out and gets their own.

query Recommend {
  recommend(
    likes: ["862", "8844"]
    first: 5
  ) {
    predictedRating
    movie { title year }
  }
}
"""
RATE = """\
# Store a rating: 0.5 to 5 stars in halves.
# Signed in (the Headers tab below takes
# {"Authorization": "Bearer <token>"}),
# leave `user` out; on a server running
# open (loopback, or MOVIEGRAPH_AUTH=none)
# name the user, as here.

mutation Rate {
  rateMovie(
    user: "7000001"
    movie: "862"
    rating: 4.5
  ) {
    user { userId }
    rating
    ratedAt
    movie { title }
  }
}
"""
EXAMPLE_TABS: tuple[str, ...] = (WELCOME, RECOMMEND, RATE)


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    tarball: str
    integrity: str  # npm's `dist.integrity`: "sha512-" + base64 of the tarball's SHA-512
    files: tuple[str, ...]  # paths inside the package (the tarball's `package/` folder)

    @property
    def directory(self) -> str:
        # unpkg's layout, so a URL reads like the CDN one it replaces; versioned, hence cacheable forever.
        return f"{self.package}@{self.version}"

    def url(self, file: str) -> str:
        return f"{URL_PREFIX}/{self.directory}/{file}"


REACT = Asset(
    "react", "18.2.0", "https://registry.npmjs.org/react/-/react-18.2.0.tgz",
    "sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==",
    ("umd/react.production.min.js",),
)
REACT_DOM = Asset(
    "react-dom", "18.2.0", "https://registry.npmjs.org/react-dom/-/react-dom-18.2.0.tgz",
    "sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==",
    ("umd/react-dom.production.min.js",),
)
# The UMD bundle carries @graphiql/react and graphql itself, and exposes them to the explorer plugin
# as GraphiQL.React and GraphiQL.GraphQL, so neither needs a tarball of its own.
GRAPHIQL = Asset(
    "graphiql", "3.8.3", "https://registry.npmjs.org/graphiql/-/graphiql-3.8.3.tgz",
    "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
    ("graphiql.min.js", "graphiql.min.css"),
)
EXPLORER = Asset(
    "@graphiql/plugin-explorer", "1.0.2",
    "https://registry.npmjs.org/@graphiql/plugin-explorer/-/plugin-explorer-1.0.2.tgz",
    "sha512-9j+kg2UjtLZD5EBmGjeWHkoVVxtbShYg2DzbUVebibnZYZM/iMBEF4vaccXJIAm5KaomIPLx0aoNs4LbODyc3Q==",
    ("dist/index.umd.js", "dist/style.css"),
)
# Script order matters: each UMD bundle reads the globals the previous ones set.
ASSETS: tuple[Asset, ...] = (REACT, REACT_DOM, GRAPHIQL, EXPLORER)


def _pinned_digest(asset: Asset) -> tuple[str, str]:
    """(algorithm, hex digest) of npm's "sha512-<base64>" integrity."""
    algorithm, _, encoded = asset.integrity.partition("-")
    try:
        return algorithm, base64.b64decode(encoded, validate=True).hex()
    except binascii.Error:
        return algorithm, ""  # matches no download: the checksum check says so once it has the bytes


def _missing(asset: Asset, target_dir: Path) -> list[Path]:
    return [path for file in asset.files if not (path := target_dir / asset.directory / file).is_file()]


def _fetch_one(asset: Asset, target_dir: Path) -> None:
    algorithm, expected = _pinned_digest(asset)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=target_dir) as downloads:
        try:
            tarball = fetch(asset.tarball, Path(downloads) / "package.tgz", expected, algorithm=algorithm, show_progress=False)
        except ChecksumError as exc:
            raise AssetError(
                f"{asset.tarball}: {algorithm} {exc.actual} does not match the pinned {exc.expected}; "
                "the download is corrupt or not the published package"
            ) from None
        except DownloadError as exc:
            raise AssetError(f"cannot download {asset.tarball} ({exc}); is registry.npmjs.org reachable?") from None
        _extract(asset, tarball, target_dir)


def _extract(asset: Asset, tarball: Path, target_dir: Path) -> None:
    final = target_dir / asset.directory
    final.parent.mkdir(parents=True, exist_ok=True)
    # Extract next to the final folder and rename it into place: a crash or a bad tarball never
    # leaves a half-filled folder that a later run would take as complete.
    staging = Path(tempfile.mkdtemp(prefix=".fetching-", dir=target_dir))
    try:
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the files from a server run as another user
        with tarfile.open(tarball, mode="r:gz") as tar:
            for file in asset.files:
                # Only the files named above are read, so no path in the tarball is ever trusted.
                try:
                    member = tar.extractfile(f"package/{file}")
                except KeyError:
                    member = None
                if member is None:
                    raise AssetError(f"{asset.tarball} has no package/{file}")
                (staging / file).parent.mkdir(parents=True, exist_ok=True)
                (staging / file).write_bytes(member.read())
        if final.exists():  # incomplete from an older file list: replace it whole
            shutil.rmtree(final)
        os.rename(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fetch_assets(target_dir: Path = ASSETS_DIR, assets: Sequence[Asset] = ASSETS) -> list[Asset]:
    """Download, verify and extract each asset not already in `target_dir`; returns the fetched ones."""
    target_dir.mkdir(parents=True, exist_ok=True)
    fetched = []
    for asset in assets:
        if _missing(asset, target_dir):
            _fetch_one(asset, target_dir)
            fetched.append(asset)
    return fetched


def missing_files(assets_dir: Path = ASSETS_DIR) -> list[Path]:
    return [path for asset in ASSETS for path in _missing(asset, assets_dir)]


_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>moviegraph GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>
      body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
      #graphiql { height: 100vh; display: flex; }
      .graphiql-explorer-actions select { margin-left: 4px; }
    </style>
__STYLES__
__SCRIPTS__
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading...</div>
    <script>
      const EXAMPLE_TABS = __EXAMPLE_TABS__;

      // ?q=... preloads a query, and edits are written back to it. Not ?query=...: Strawberry answers
      // a GET carrying `query` by executing it (GraphQL over HTTP), so this page would never load.
      const parameters = Object.fromEntries(new URLSearchParams(window.location.search));
      function updateURL(data) {
        Object.assign(parameters, data);
        const search = new URLSearchParams(Object.entries(parameters).filter(([, value]) => value));
        history.replaceState(null, "", "?" + search);
      }

      const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
      const explorer = GraphiQLPluginExplorer.explorerPlugin();
      // A first visit (no tabs in the browser's storage) opens the examples, after a ?q= query if
      // there is one; GraphiQL then keeps the tabs, and finds the one `query` names again.
      const examples = EXAMPLE_TABS.map((query) => ({ query }));
      const defaultTabs = parameters.q ? [{ query: parameters.q, variables: parameters.variables }, ...examples] : examples;

      function MoviegraphGraphiQL() {
        const [query, setQuery] = React.useState(parameters.q || EXAMPLE_TABS[0]);
        const [variables, setVariables] = React.useState(parameters.variables);
        return React.createElement(GraphiQL, {
          fetcher,
          plugins: [explorer],
          visiblePlugin: explorer,
          defaultTabs,
          query,
          variables,
          onEditQuery: (value) => { setQuery(value); updateURL({ q: value }); },
          onEditVariables: (value) => { setVariables(value); updateURL({ variables: value }); },
          defaultEditorToolsVisibility: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
          inputValueDeprecation: true,
        });
      }

      ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(MoviegraphGraphiQL));
    </script>
  </body>
</html>
"""

_MISSING_PAGE = """<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>moviegraph GraphiQL: assets missing</title></head>
  <body style="font-family: sans-serif; margin: 2em">
    <h1>GraphiQL's assets are not installed</h1>
    <p>moviegraph serves GraphiQL's scripts and styles itself (never from a CDN), and they have
    not been fetched into <code>__DIR__</code>. Fetch them once (this needs registry.npmjs.org),
    then reload this page:</p>
    <pre>__HINT__</pre>
    <p>Missing:</p>
    <ul>__MISSING__</ul>
    <p>The API itself works without them: POST GraphQL queries to this URL.</p>
  </body>
</html>
"""


def page(assets_dir: Path = ASSETS_DIR) -> str:
    """GraphiQL's HTML, loading only `/graphiql/...` URLs; if they are not fetched, a page saying how."""
    if missing := missing_files(assets_dir):
        items = "".join(f"<li><code>{html.escape(str(path))}</code></li>" for path in missing)
        return (
            _MISSING_PAGE.replace("__DIR__", html.escape(str(assets_dir)))
            .replace("__HINT__", html.escape(FETCH_HINT))
            .replace("__MISSING__", items)
        )
    urls = [asset.url(file) for asset in ASSETS for file in asset.files]
    styles = "\n".join(f'    <link rel="stylesheet" href="{url}" />' for url in urls if url.endswith(".css"))
    scripts = "\n".join(f'    <script src="{url}"></script>' for url in urls if url.endswith(".js"))
    # json.dumps makes the queries a JS array literal; "</" is escaped so it cannot close the <script>.
    tabs = json.dumps(EXAMPLE_TABS).replace("</", "<\\/")
    return _PAGE.replace("__STYLES__", styles).replace("__SCRIPTS__", scripts).replace("__EXAMPLE_TABS__", tabs)


class _VersionedStaticFiles(StaticFiles):
    # Every served path carries its package version, so a browser may keep a file forever.
    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def routes(assets_dir: Path = ASSETS_DIR) -> list[BaseRoute]:
    # check_dir=False: the app starts without the assets; page() then explains how to fetch them.
    return [Mount(URL_PREFIX, app=_VersionedStaticFiles(directory=assets_dir, check_dir=False), name="graphiql")]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.graphiql", description="GraphiQL's offline assets")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="download the pinned npm tarballs and extract the assets")
    fetch.add_argument("dir", nargs="?", type=Path, default=ASSETS_DIR, help=f"target folder (default: {ASSETS_DIR})")
    args = parser.parse_args(argv)
    try:
        fetched = fetch_assets(args.dir)
    except MoviegraphError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
    names = ", ".join(asset.directory for asset in fetched)
    print(f"GraphiQL assets in {args.dir}: fetched {names}" if fetched else f"GraphiQL assets in {args.dir}: up to date")


if __name__ == "__main__":
    main()
