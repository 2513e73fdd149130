"""`frontline games ...` through Typer's CliRunner, including bad inputs (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontline.cli import app

runner = CliRunner()


def test_arena_table() -> None:
    res = runner.invoke(app, ["games", "arena", "rule", "bully", "random", "--maps", "2", "--map-size", "8"])
    assert res.exit_code == 0, res.output
    assert "rule" in res.output and "[" in res.output
    res = runner.invoke(app, ["games", "arena", "rule", "bully", "--maps", "1", "--map-size", "8", "--json"])
    rows = json.loads(res.stdout)
    assert rows[0]["games"] == 2 and 0 <= rows[0]["win_rate"] <= 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["rule", "nosuchbot", "--maps", "2"], "unknown bot"),
        (["rule", "bully", "--maps", "0"], "--maps"),
        (["rule", "missing/agent.pt", "--maps", "2"], "not found"),
        (["rule", "bully", "--maps", "2", "--map-size", "2"], "map size"),
        (["rule", "--maps", "2"], "two"),
    ],
)
def test_arena_bad_inputs_exit_2(args: list[str], message: str) -> None:
    res = runner.invoke(app, ["games", "arena", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_corrupt_agent_file_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "agent.pt"
    bad.write_text("not a checkpoint")
    res = runner.invoke(app, ["games", "arena", "rule", str(bad), "--maps", "1"])
    assert res.exit_code == 2 and "corrupt" in res.output


def test_replay_gif(tmp_path: Path) -> None:
    out = tmp_path / "game.gif"
    res = runner.invoke(
        app, ["games", "replay", "rule", "expander", "--seed", "3", "--map-size", "8", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.is_file() and out.read_bytes()[:3] == b"GIF"
    res = runner.invoke(app, ["games", "replay", "rule", "expander", "-o", str(tmp_path / "game.png")])
    assert res.exit_code == 2


def test_train_tiny_and_bad_options(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "games",
            "train",
            "--steps",
            "64",
            "--map-size",
            "8",
            "--root",
            str(tmp_path),
            "--eval-every",
            "64",
            "--eval-maps",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert Path(json.loads(res.stdout)["agent"]).is_file()
    for bad in (
        ["--action-space", "huge"],
        ["--encoding", "polar"],
        ["--steps", "0"],
        ["--map-size", "500"],
        ["--opponents", "rule=x"],
        ["--opponents", "nosuchbot=1"],
        ["--opponents", ""],
    ):
        res = runner.invoke(app, ["games", "train", "--root", str(tmp_path), *bad])
        assert res.exit_code == 2, (bad, res.output)


def test_arena_search_agent() -> None:
    res = runner.invoke(
        app, ["games", "arena", "dqn+search", "rule2", "--maps", "1", "--map-size", "8", "--json"]
    )
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["a"] == "dqn+search" and row["games"] == 2
    res = runner.invoke(app, ["games", "arena", "rule2+search", "rule", "--maps", "1"])
    assert res.exit_code == 2 and "+search" in res.output


def test_arena_self_model_search_agent() -> None:
    res = runner.invoke(
        app, ["games", "arena", "dqn+self", "rule2", "--maps", "1", "--map-size", "8", "--json"]
    )
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)[0]
    assert row["a"] == "dqn+self" and row["games"] == 2
    res = runner.invoke(app, ["games", "arena", "dqn+nosuchvariant", "rule"])
    assert res.exit_code == 2 and "self" in res.output
