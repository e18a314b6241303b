import base64
import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api import graphiql
from api.app import create_app
from api.graphiql import Asset, fetch_assets
from api.settings import Settings
from data.errors import AssetError
from tests.conftest import copy_catalogue


def test_graphql_get_serves_the_page_and_every_asset_it_loads(sample_db: Path) -> None:
    if missing := graphiql.missing_files():
        pytest.skip(f"GraphiQL assets not fetched (run `make assets`): {missing[0]}")
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        response = client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        # Nothing may come from another host: the page names no absolute URL at all.
        assert not re.findall(r"\bhttps?://|//unpkg|//cdn", page)
        urls = re.findall(r'(?:src|href)="([^"]+)"', page)
        assets = [url for url in urls if not url.startswith("data:")]
        assert sorted(assets) == sorted(asset.url(file) for asset in graphiql.ASSETS for file in asset.files)
        for url in assets:
            served = client.get(url)
            assert served.status_code == 200, url
            assert served.content == (graphiql.ASSETS_DIR / url.removeprefix("/graphiql/")).read_bytes()
            assert "immutable" in served.headers["cache-control"]
        assert client.get("/graphiql/graphiql@3.8.3/nothing.js").status_code == 404


def test_page_says_how_to_fetch_the_assets_when_they_are_missing(tmp_path: Path) -> None:
    page = graphiql.page(tmp_path)
    assert "make assets" in page and "python -m api.graphiql fetch" in page
    assert "graphiql.min.js" in page  # lists what is missing
    assert "<script" not in page


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _asset(tarball: Path, integrity: str) -> Asset:
    return Asset("@scope/pkg", "1.2.3", tarball.as_uri(), integrity, ("dist/pkg.js",))


def test_fetch_verifies_the_integrity_and_extracts_only_the_listed_files(tmp_path: Path) -> None:
    data = _tarball({"package/dist/pkg.js": b"js", "package/dist/other.js": b"no", "package/../../escape": b"no"})
    tarball = tmp_path / "pkg.tgz"
    tarball.write_bytes(data)
    good = _asset(tarball, "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode())
    target = tmp_path / "assets"

    assert fetch_assets(target, [good]) == [good]
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == ["@scope/pkg@1.2.3/dist/pkg.js"]
    assert (target / "@scope/pkg@1.2.3/dist/pkg.js").read_bytes() == b"js"
    assert fetch_assets(target, [good]) == []  # already present: no download

    bad = _asset(tarball, "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode())
    fresh = tmp_path / "fresh"
    with pytest.raises(AssetError, match="does not match the pinned"):
        fetch_assets(fresh, [bad])
    assert list(fresh.iterdir()) == []  # nothing half-written, no staging folder left

    absent = Asset("pkg", "1.2.3", tarball.as_uri(), good.integrity, ("dist/pkg.js", "dist/absent.js"))
    with pytest.raises(AssetError, match=r"has no package/dist/absent\.js"):
        fetch_assets(fresh, [absent])
    assert list(fresh.iterdir()) == []


def test_fetch_reports_an_unreachable_registry(tmp_path: Path) -> None:
    asset = _asset(tmp_path / "absent.tgz", "sha512-x")
    with pytest.raises(AssetError, match="cannot download"):
        fetch_assets(tmp_path / "assets", [asset])


def test_the_root_redirects_to_graphiql(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/graphql")


@pytest.mark.parametrize("query", graphiql.EXAMPLE_TABS, ids=["movie page", "recommend", "rate"])
def test_each_example_tab_runs_on_the_sample(sample_db: Path, sample_model: Path, tmp_path: Path, query: str) -> None:
    db = copy_catalogue(sample_db, tmp_path / "catalogue.sqlite3")  # the rating tab writes
    with TestClient(create_app(Settings(db_path=db, model_dir=sample_model))) as client:
        body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body["errors"]
    assert body["data"] and all(value for value in body["data"].values())


def test_the_example_tabs_fit_the_editor_beside_the_explorer() -> None:
    assert max(len(line) for tab in graphiql.EXAMPLE_TABS for line in tab.splitlines()) <= 44
    if not graphiql.missing_files():
        assert json.dumps(list(graphiql.EXAMPLE_TABS)) in graphiql.page()
