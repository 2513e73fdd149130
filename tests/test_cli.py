"""The CLI root: every system has its group, --version works, unknown commands are usage errors."""

from __future__ import annotations

from typer.testing import CliRunner

from frontline import __version__
from frontline.cli import app

runner = CliRunner()


def test_help_lists_every_group() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("music", "faces", "games", "lab"):
        assert group in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_unknown_command_is_usage_error() -> None:
    result = runner.invoke(app, ["no-such-command"])
    assert result.exit_code == 2
