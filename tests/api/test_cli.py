import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from tests.conftest import ROOT, SAMPLE


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


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["train", "--epochs", "0"], "SettingsError: --epochs must be at least 1, not 0"),
        (["evaluate", "--components", "0"], "SettingsError: --components must be at least 1, not 0"),
        (["evaluate", "--seeds", "0"], "SettingsError: --seeds must be at least 1, not 0"),
        (["evaluate", "--seeds", "11"], "SettingsError: --seeds must be at most 10, not 11"),
        (["evaluate", "--experiments", "rating,bogus"], "SettingsError: --experiments takes some of ranking_ml100k,"),
        (["train", "--learning-rate", "0"], "SettingsError: --learning-rate must be above 0, not 0"),
        (["train", "--learning-rate", "nan"], "SettingsError: --learning-rate 'nan' is not a finite number"),
        (["train", "--regularisation", "inf"], "SettingsError: --regularisation 'inf' is not a finite number"),
        (["train", "--regularisation", "-0.5"], "SettingsError: --regularisation must be at least 0, not -0.5"),
        (["serve", "--port", "abc"], "SettingsError: --port 'abc' is not a whole number"),
        (["ingest", "--movies-dataset", "/nonexistent"], "IngestError: "),
    ],
)
def test_bad_parameters_print_one_line_and_exit_1(tmp_path: Path, argv: list[str], expected: str) -> None:
    # The entry point in a process of its own, so a traceback would show on stderr; this checkout's
    # code (PYTHONPATH), not whatever `moviegraph` script is installed beside the interpreter.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOVIEGRAPH_DB_PATH": str(tmp_path / "c.sqlite3"), "MOVIEGRAPH_MODEL_DIR": str(tmp_path / "model")}
    command = [sys.executable, "-c", "from api.cli import main; main()", *argv]
    result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
