import hashlib
import importlib.metadata
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from api.settings import Settings
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
        (["train", "--patience", "0"], "SettingsError: --patience must be at least 1, not 0"),
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


def test_version_prints_the_package_version_and_the_schema_hash(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    # Computed here from the committed SDL (tests/schema/test_schema_file.py keeps it equal to the code's).
    schema_hash = hashlib.sha256((ROOT / "schema.graphql").read_text().removesuffix("\n").encode()).hexdigest()[:12]
    assert capsys.readouterr().out == f"moviegraph {importlib.metadata.version('moviegraph')} (schema {schema_hash})\n"


def test_serve_help_shows_each_option_with_its_default_value(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MOVIEGRAPH_PORT", "8123")  # the default shown is the one the environment sets
    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    for option, default in (("--host ADDRESS", "127.0.0.1, from MOVIEGRAPH_HOST"), ("--port PORT", "8123, from MOVIEGRAPH_PORT"),
                            ("--workers WORKERS", "1, from MOVIEGRAPH_WORKERS"), ("--db FILE", "var/moviegraph.sqlite3, from MOVIEGRAPH_DB_PATH"),
                            ("--model-dir DIR", "var/model, from MOVIEGRAPH_MODEL_URI or MOVIEGRAPH_MODEL_DIR")):
        assert any(line.startswith(option) and f"(default: {default})" in line for line in lines), (option, lines)


def test_serve_model_dir_overrides_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def stop_before_building(settings: Settings) -> None:
        seen.append(settings.model_dir)
        raise SystemExit(3)

    monkeypatch.setattr("api.cli.prepare_first_start", stop_before_building)
    with pytest.raises(SystemExit):
        main(["serve", "--model-dir", str(tmp_path / "elsewhere"), "--db", str(tmp_path / "c.sqlite3")])
    assert seen == [tmp_path / "elsewhere"]
