"""Smoke runs of the two commands that rebuild shipped files: train-replay and calibrate (to tmp paths)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from frontline.cli import app


def test_train_replay_smoke(photos: Path, tmp_path: Path) -> None:
    from frontline.faces.replay import ReplayTrainConfig, load_replay_model, train_replay

    cfg = ReplayTrainConfig(
        train_images=(str(photos / "train/obama/obama.jpg"), str(photos / "train/biden/biden.jpg")),
        test_images=(str(photos / "train/rose_leslie/img1.jpg"),),
        samples_per_class=4,
        val_per_class=4,
        test_per_class=2,
        epochs=1,
        batch_size=6,
        val_apcer=0.25,  # the shipped rule: the cut comes from validation APCER
        web_augment=True,
        out=str(tmp_path / "replay.pt"),
        runs=str(tmp_path / "runs"),
    )
    result = train_replay(cfg)
    assert set(result["heldout"]) >= {"apcer_screen", "apcer_print", "bpcer"}
    assert (Path(result["run_dir"]) / "report.html").is_file()
    model = load_replay_model(tmp_path / "replay.pt")
    assert model is not None and 0.0 < model.attack_threshold <= 1.0
    assert model.attack_threshold == result["attack_threshold"]


def test_calibrate_command_writes_a_monotone_table(photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    res = CliRunner().invoke(app, ["faces", "calibrate", str(photos), "--no-astronaut", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["provenance"]["genuine_pairs"] >= 8 and doc["provenance"]["impostor_pairs"] >= 50
    rows = sorted(doc["table"], key=lambda r: r["far"])
    assert all(a["threshold"] >= b["threshold"] for a, b in zip(rows, rows[1:], strict=False))


def test_train_replay_refuses_empty_folders_and_a_bad_rate(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    runner = CliRunner()
    res = runner.invoke(app, ["faces", "train-replay", "--train", str(empty), "--heldout", str(empty)])
    assert res.exit_code == 2 and "no face photos found under --train" in res.output
    (tmp_path / "a.jpg").write_bytes(b"x")
    res = runner.invoke(
        app,
        ["faces", "train-replay", "--train", str(tmp_path), "--heldout", str(tmp_path), "--val-apcer", "2"],
    )
    assert res.exit_code == 2 and "--val-apcer must lie strictly between 0 and 1" in res.output
