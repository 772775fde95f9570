"""``shienbot demo --out DIR`` leaves its database in ``DIR/demo.sqlite3`` and says how to try
the terminal commands on it; running it again with the same DIR starts afresh."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot import cli
from storage import Database


def _demo(out: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["demo", "--out", str(out)]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("━━ 端末のコマンドを試す")
    return [line.strip() for line in lines[start + 1 :]]


def _run_hint(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one printed ``DATABASE_URL=… shienbot …`` line as a person would paste it."""
    words = shlex.split(line)
    assignment, program, *args = words
    name, value = assignment.split("=", 1)
    assert (name, program) == ("DATABASE_URL", "shienbot")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SHIEN_"))}
    env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _cases(database: Path) -> int:
    db = Database(f"sqlite:///{database}")
    try:
        with db.unit_of_work() as uow:
            return len(uow.cases.list())
    finally:
        db.dispose()


@pytest.fixture
def terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [
        k for k in os.environ if k.startswith(("SLACK_", "SHIEN_")) or k == "DATABASE_URL"
    ]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    return tmp_path


def test_the_demo_leaves_its_database_and_the_hint_works(
    terminal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = terminal / "demo-output"
    hint = _demo(out, capsys)
    database = out / "demo.sqlite3"
    assert database.is_file() and _cases(database) == 4
    assert hint[0] == f"デモのデータベース: {database}"
    commands = [line for line in hint if line.startswith("DATABASE_URL=")]
    assert [shlex.split(c)[2:4] for c in commands] == [
        ["audit", "--verify"],
        ["audit", "--csv"],
        ["minutes", "--meeting"],
        ["roles", "--meeting"],
    ]

    for command in commands:
        done = _run_hint(command, terminal)
        assert done.returncode == 0, done.stderr
        if "--verify" in command:
            assert "改ざんされていません" in done.stdout
    written = sorted(p.name for p in (out / "terminal").iterdir())
    assert [n.split("-")[0] for n in written] == ["audit", "minutes", "roles"]
    minutes = next((out / "terminal").glob("minutes-*.docx"))
    with zipfile.ZipFile(minutes) as docx:
        text = docx.read("word/document.xml").decode()
    # Names come from the demo's database (the terminal has no Slack at all).
    assert "架空 一郎" in text and "架空 花子" in text
    assert "U0HOUKATSU" not in text


def test_running_the_demo_again_replaces_its_database(
    terminal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = terminal / "demo-output"
    assert "作り直しました" not in _demo(out, capsys)[0]
    again = _demo(out, capsys)
    assert again[0].endswith("（前回のデモのデータベースは作り直しました）")
    assert _cases(out / "demo.sqlite3") == 4  # afresh: not the eight of two demos


def test_a_file_where_the_folder_should_be_is_one_line_and_exit_2(
    terminal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (terminal / "demo-output").write_text("not a folder")
    assert cli.main(["demo", "--out", "demo-output"]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err.startswith("引数エラー: --out — ") and captured.err.count("\n") == 1
    assert captured.out == ""
