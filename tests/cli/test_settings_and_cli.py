"""Settings and the command line, run as a user runs them: the real ``shienbot`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

SETTING_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "SHIEN_DATABASE_URL",
    "SHIEN_DATA_DIR",
    "SHIEN_TIMEZONE",
    "SHIEN_COORDINATORS",
    "SHIEN_MULTILAYER_STATUTORY",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in SETTING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def run_shienbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SETTING_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.timezone == "Asia/Tokyo"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.coordinators == ()
    assert settings.multilayer_statutory is False  # 重層的支援会議: the 要綱's consent-based notice
    assert settings.resolved_database_url == (
        f"sqlite:///{(clean_env / 'xdg' / 'shienbot' / 'shienbot.sqlite3').resolve()}"
    )


def test_values_are_read_and_normalised(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("SHIEN_COORDINATORS", " U0AAA , U0BBB,,U0AAA ")
    monkeypatch.setenv("SHIEN_DATA_DIR", str(clean_env / "d"))
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.coordinators == ("U0AAA", "U0BBB")
    assert settings.resolved_database_url.endswith("/d/shienbot.sqlite3")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("Yes", True), ("1", True), ("false", False), ("", False)],
)
def test_the_multilayer_notice_setting(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("SHIEN_MULTILAYER_STATUTORY", value)
    assert load_settings().multilayer_statutory is expected


def test_database_password_is_masked(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:hunter2@db.example:5432/shien")
    settings = load_settings()
    assert "hunter2" not in settings.safe_database_url()
    assert "db.example" in settings.safe_database_url()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SHIEN_TIMEZONE", "Mars/Olympus", "タイムゾーン"),
        ("SLACK_API_URL", "slack.com/api", "URL"),
        ("DATABASE_URL", "not a url", "データベースURL"),
        ("DATABASE_URL", "mysql://root@localhost/x", "SQLite と PostgreSQL"),
        ("SHIEN_COORDINATORS", "U0AAA,山田さん", "ユーザーID"),
        ("SLACK_BOT_TOKEN", "xoxp-not-a-bot-token", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "xapp-"),
        ("SHIEN_MULTILAYER_STATUTORY", "たぶん", "true"),
    ],
)
def test_malformed_setting_is_one_clear_line_and_exit_2(
    clean_env: Path, variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings_with(variable, value)
    assert raised.value.variable == variable
    assert expected in raised.value.message

    result = run_shienbot("check", env={variable: value}, cwd=clean_env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"設定エラー: {variable}")
    assert "Traceback" not in result.stderr


def load_settings_with(variable: str, value: str) -> None:
    os.environ[variable] = value
    try:
        load_settings()
    finally:
        del os.environ[variable]


def test_secrets_are_never_echoed(clean_env: Path) -> None:
    canary = "xoxp-CANARY-7f3a9c"
    result = run_shienbot(
        "check",
        env={"SLACK_BOT_TOKEN": canary, "SLACK_SIGNING_SECRET": "sig-CANARY-2b1e"},
        cwd=clean_env,
    )
    assert result.returncode == 2
    assert "CANARY" not in result.stdout + result.stderr
    settings_repr = repr(load_settings(SLACK_SIGNING_SECRET="sig-CANARY-2b1e"))
    assert "CANARY" not in settings_repr


def test_help_lists_the_commands(clean_env: Path) -> None:
    result = run_shienbot("--help", env={}, cwd=clean_env)
    assert result.returncode == 0
    for command in ("migrate", "check"):
        assert command in result.stdout
    assert "支援会議" in result.stdout


def test_no_command_prints_help_and_exit_2(clean_env: Path) -> None:
    result = run_shienbot(env={}, cwd=clean_env)
    assert result.returncode == 2
    assert "usage: shienbot" in result.stdout


def test_migrate_then_check_on_the_embedded_database(clean_env: Path) -> None:
    env = {"SHIEN_DATA_DIR": str(clean_env / "data")}
    before = run_shienbot("check", env=env, cwd=clean_env)
    assert before.returncode == 1
    assert "shienbot migrate" in before.stdout

    first = run_shienbot("migrate", env=env, cwd=clean_env)
    assert first.returncode == 0, first.stderr
    assert "更新しました" in first.stdout
    assert (clean_env / "data" / "shienbot.sqlite3").is_file()
    again = run_shienbot("migrate", env=env, cwd=clean_env)
    assert again.returncode == 0 and "最新です" in again.stdout

    configured = {
        **env,
        "SLACK_BOT_TOKEN": "xoxb-local-test-token",
        "SLACK_SIGNING_SECRET": "local-signing-secret",
        "SHIEN_COORDINATORS": "U0COORD",
    }
    after = run_shienbot("check", env=configured, cwd=clean_env)
    assert after.returncode == 0, after.stdout
    assert "問題はありません" in after.stdout
    assert "local-signing-secret" not in after.stdout


def test_check_reports_an_unreachable_database(clean_env: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    env = {"DATABASE_URL": "postgresql+psycopg://nobody:pw-CANARY@127.0.0.1:9/none"}
    result = run_shienbot("check", env=env, cwd=clean_env)
    assert result.returncode == 1
    assert "データベースに接続できません" in result.stdout
    assert "pw-CANARY" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
