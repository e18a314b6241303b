import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from api.app import create_app
from api.settings import Settings


def test_ready_reports_the_table_counts(sample_db: Path) -> None:
    with TestClient(create_app(Settings(db_path=sample_db))) as client:
        assert client.get("/health").json() == {"status": "ok"}
        response = client.get("/ready")
    assert response.status_code == 200
    db = sqlite3.connect(sample_db)
    counts = response.json()["counts"]
    assert counts["movies"] == db.execute("SELECT count(*) FROM movie").fetchone()[0] == 474
    assert counts["ratings"] == db.execute("SELECT count(*) FROM rating").fetchone()[0] == 14_246
