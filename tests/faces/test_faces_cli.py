"""`frontline faces ...` through the Typer app: verdicts, exit codes, JSON, bad inputs, gallery commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontline.cli import app

runner = CliRunner()


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["faces", *args])


@pytest.mark.parametrize(
    "cmd",
    [
        ["verify"],
        ["enroll"],
        ["search"],
        ["gallery", "list"],
        ["gallery", "remove"],
        ["train-replay"],
        ["calibrate"],
    ],
)
def test_help_has_an_example(cmd: list[str]) -> None:
    res = _run(*cmd, "--help")
    assert res.exit_code == 0 and "Example" in res.output


def test_verify_json_match_and_no_match(photos: Path, tmp_path: Path) -> None:
    a, b = photos / "train/obama/obama.jpg", photos / "test/obama1.jpg"
    res = _run("verify", str(a), str(b), "--json", "--far", "1e-3", "--explain", str(tmp_path / "x.png"))
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["match"] is True and d["score"] > d["threshold"] and d["far"] == 1e-3
    assert set(d["checks"]) == {"id", "selfie"} and (tmp_path / "x.png").stat().st_size > 1000
    res = _run("verify", str(a), str(photos / "train/biden/biden.jpg"))  # replay check on: biden.jpg is live
    assert res.exit_code == 0 and "NO MATCH" in res.stdout


def test_verify_bad_inputs(photos: Path, tmp_path: Path) -> None:
    a = photos / "train/obama/obama.jpg"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    res = _run("verify", str(a), str(empty), "--json")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert json.loads(res.stdout)["errors"][0]["code"] == "UNREADABLE_IMAGE"
    res = _run("verify", str(a), str(tmp_path / "missing.png"))
    assert res.exit_code == 2 and "UNREADABLE_IMAGE" in res.output
    res = _run("verify", str(a), str(a), "--far", "0.9")
    assert res.exit_code == 2 and "calibrated range" in res.output
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(tmp_path / "wall.png")
    res = _run("verify", str(a), str(tmp_path / "wall.png"), "--json")
    assert res.exit_code == 1 and json.loads(res.stdout)["errors"][0]["code"] == "NO_FACE"


def test_gallery_commands(photos: Path, tmp_path: Path) -> None:
    g = str(tmp_path / "gal")
    assert (
        _run(
            "enroll",
            "obama",
            str(photos / "train/obama/obama.jpg"),
            str(photos / "train/obama/obama2.jpg"),
            "--gallery",
            g,
        ).exit_code
        == 0
    )
    assert _run("enroll", "biden", str(photos / "train/biden/biden.jpg"), "--gallery", g).exit_code == 0
    res = _run("search", str(photos / "test/obama1.jpg"), "--gallery", g, "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["best"] == "obama"
    res = _run("search", str(photos / "train/rose_leslie/img1.jpg"), "--gallery", g, "--json")
    assert json.loads(res.stdout)["best"] == "unknown"
    res = _run("gallery", "list", "--gallery", g, "--json")
    assert [p["name"] for p in json.loads(res.stdout)] == ["biden", "obama"]
    assert _run("gallery", "remove", "biden", "--gallery", g).exit_code == 0
    assert _run("gallery", "remove", "biden", "--gallery", g).exit_code == 2
    assert (
        _run("search", str(photos / "test/obama1.jpg"), "--gallery", str(tmp_path / "nothing")).exit_code == 2
    )
    # a group photo with two similar-size faces cannot be enrolled, and nothing is written
    res = _run("enroll", "pair", str(photos / "test/kit_with_rose.jpg"), "--gallery", g)
    assert res.exit_code == 1 and "MULTIPLE_FACES" in res.output
