import sqlite3
from pathlib import Path

import pytest

from api.cli import main
from tests.conftest import SAMPLE


def test_ingest_prints_a_summary_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "c.sqlite3"
    main(["ingest", "--movies-dataset", str(SAMPLE), "--db", str(db), "--quiet"])
    out = capsys.readouterr().out
    assert "movies_metadata.csv.gz: 474 read, 474 loaded, 0 rejected" in out
    assert out.strip().splitlines()[-1].startswith("ingested 474 movies and 14,246 ratings")
    assert sqlite3.connect(db).execute("SELECT count(*) FROM movie").fetchone() == (474,)


def test_expected_errors_exit_1_with_type_and_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", "--movies-dataset", str(tmp_path / "missing"), "--db", str(tmp_path / "c.sqlite3")])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.startswith("IngestError: ")


def test_bad_settings_exit_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOVIEGRAPH_PORT", "eighty")
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"])
    assert exit_info.value.code == 1
    assert "MOVIEGRAPH_PORT='eighty'" in capsys.readouterr().err
