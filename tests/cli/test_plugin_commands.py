"""Subcommands plugged in through the ``shienbot.commands`` entry points: ``demo`` comes from
``localslack`` (beside the product) and the CLI works without it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from bot import cli


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(subparsers.choices)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=dict(os.environ),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


BUILT_IN = {"migrate", "check", "serve", "minutes", "roles", "audit", "purge", "backup", "report"}


def test_demo_is_declared_as_an_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group=cli.COMMANDS_ENTRY_POINT_GROUP)}
    assert found.get("demo") == "localslack.cli:register"


def test_the_installed_command_lists_demo(tmp_path: Path) -> None:
    result = _run("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout
    assert "ローカルのSlackワークスペースで会議の一巡を実演し" in result.stdout
    assert result.stderr == ""

    demo = _run("demo", "--help", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "--out" in demo.stdout
    assert "demo-output" in demo.stdout


def test_the_parser_has_the_built_in_commands_and_the_plugged_in_demo() -> None:
    assert _commands(cli.build_parser()) == BUILT_IN | {"demo", "teams-manifest"}


def test_without_the_entry_point_the_cli_works_without_demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "entry_points", lambda group: [])
    parser = cli.build_parser()
    assert _commands(parser) == BUILT_IN
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["demo"])
    assert exit_info.value.code == cli.EXIT_USAGE
    assert "invalid choice: 'demo'" in capsys.readouterr().err


class _EntryPoint:
    def __init__(self, name: str, target: object) -> None:
        self.name, self._target = name, target

    def load(self) -> object:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_a_broken_plug_in_is_named_and_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def register_extra(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        commands.add_parser("extra").set_defaults(handler=lambda settings, args: 0)

    plug_ins = [
        _EntryPoint("broken", ModuleNotFoundError("No module named 'gone'")),
        _EntryPoint("extra", register_extra),
        _EntryPoint("extra", register_extra),  # the same distribution found twice
    ]
    monkeypatch.setattr(cli, "entry_points", lambda group: plug_ins)
    parser = cli.build_parser()
    assert _commands(parser) == BUILT_IN | {"extra"}
    assert capsys.readouterr().err == (
        "拡張コマンド broken を読み込めませんでした: ModuleNotFoundError: No module named 'gone'\n"
    )
