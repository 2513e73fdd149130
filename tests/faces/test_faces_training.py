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
        hard_augment=0.5,
        kind_augment=0.5,
        val_images=(str(photos / "train/kit_harington/john1.jpeg"),),
        val_hard=0.5,
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
    res = runner.invoke(
        app,
        ["faces", "train-replay", "--train", str(tmp_path), "--heldout", str(tmp_path), "--val-hard", "1.5"],
    )
    assert res.exit_code == 2 and "--val-hard is a share of the samples" in res.output


def test_train_replay_refuses_a_validation_photo_that_is_held_out(photos: Path, tmp_path: Path) -> None:
    import pytest

    from frontline.errors import InputError
    from frontline.faces.replay import ReplayTrainConfig, train_replay

    cfg = ReplayTrainConfig(
        train_images=(str(photos / "train/obama/obama.jpg"),),
        test_images=(str(photos / "train/biden/biden.jpg"),),
        val_images=(str(photos / "train/biden/biden.jpg"),),
        out=str(tmp_path / "w.pt"),
    )
    with pytest.raises(InputError, match="validation photo"):
        train_replay(cfg)


def test_compare_replay_picks_by_validation_and_ships_the_winner_with_its_cut(
    photos: Path, tmp_path: Path
) -> None:
    import pytest
    import torch

    from frontline.errors import InputError
    from frontline.faces.replay import (
        ReplayCompareConfig,
        build_replay_net,
        compare_replay,
        load_replay_model,
    )

    paths = []
    for name, live_bias in (("always_live", 4.0), ("random", None)):
        torch.manual_seed(0)
        net = build_replay_net(8, True, 2, True)
        if live_bias is not None:  # constant output: every sample gets the same attack score
            with torch.no_grad():
                net[-1].weight.zero_()
                net[-1].bias.copy_(torch.tensor([live_bias, 0.0, 0.0]))
        path = tmp_path / f"{name}.pt"
        ckpt = {"width": 8, "highpass": True, "patches": 2, "spectrum": True, "state_dict": net.state_dict()}
        torch.save({**ckpt, "attack_threshold": 0.5}, path)
        paths.append(str(path))
    val = (str(photos / "train/obama/obama.jpg"), str(photos / "train/biden/biden.jpg"))
    cfg = ReplayCompareConfig(
        weights=tuple(paths), val_images=val, per_class=6, hard=0.5, apcer=0.2, ship=str(tmp_path / "w.pt")
    )
    res = compare_replay(cfg)
    assert set(res["candidates"]) == set(paths) and res["winner"] in paths
    const = res["candidates"][paths[0]]
    assert const["bpcer"] == 1.0  # a constant score can only meet the APCER target by flagging everyone
    best = min(r["bpcer"] for r in res["candidates"].values())
    assert res["candidates"][res["winner"]]["bpcer"] <= best + cfg.tie
    shipped = load_replay_model(tmp_path / "w.pt")
    assert shipped is not None and shipped.attack_threshold == res["attack_threshold"]
    with pytest.raises(InputError, match="held-out"):
        compare_replay(ReplayCompareConfig(weights=tuple(paths), val_images=val, heldout_images=val[:1]))
    # the session-6 rule: each candidate's cut minimises its worst error; a constant score cannot do
    # better than 1.0 there (flag everyone or no one), so the other candidate wins
    mm = compare_replay(
        ReplayCompareConfig(weights=tuple(paths), val_images=val, per_class=6, hard=0.0, rule="minimax")
    )
    assert mm["candidates"][paths[0]]["max_error"] == 1.0 and mm["winner"] == paths[1]
    assert mm["candidates"][paths[1]]["max_error"] < 1.0
    assert "bpcer_poor" not in mm["candidates"][paths[1]]  # a plain draw: no poor-photo share to report
    with pytest.raises(InputError, match="--rule"):
        compare_replay(ReplayCompareConfig(weights=tuple(paths), val_images=val, rule="best"))


def test_compare_replay_command_refuses_missing_weights(photos: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "faces",
            "compare-replay",
            str(tmp_path / "none.pt"),
            "--val",
            str(photos / "train/obama/obama.jpg"),
        ],
    )
    assert res.exit_code == 2 and "no replay weights at" in res.output
