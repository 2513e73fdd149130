"""`frontline music detect`: shipped model on an engraved page, bad inputs, exit codes, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from frontline.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def engraved_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """One clean page engraved by the data engine (150 dpi) and its ground-truth glyphs."""
    from frontline.music.synth.page import PageConfig, SynthPage, make_page

    for seed in range(10):
        page = make_page(np.random.default_rng([4242, seed]), PageConfig(dpi=150))
        if isinstance(page, SynthPage):
            break
    else:
        pytest.fail("the data engine could not engrave a test page")
    path = tmp_path_factory.mktemp("page") / "page.png"
    Image.fromarray(page.image).save(path)
    return path, list(page.annotations.annotations)


def test_shipped_model_finds_noteheads(engraved_page: tuple[Path, list]) -> None:
    from frontline.music.detect import detect_page, load_model
    from frontline.music.normalize import load_pages

    path, gt = engraved_page
    model = load_model()
    pd = detect_page(load_pages(path)[0], model)
    found = [g for g in pd.glyphs if g.class_name.startswith("notehead")]
    truth = [a for a in gt if a.class_name.startswith("notehead")]
    assert truth, "test page has no noteheads"
    # most ground-truth noteheads have a detected notehead centre inside their box
    centres = np.array([g.center_xy for g in found]).reshape(-1, 2)
    hit = 0
    for a in truth:
        x0, y0, x1, y1 = a.a_bbox
        inside = (centres[:, 0] >= x0) & (centres[:, 0] <= x1) & (centres[:, 1] >= y0) & (centres[:, 1] <= y1)
        hit += bool(inside.any())
    assert hit / len(truth) > 0.8
    assert any(g.class_name == "staff" for g in pd.glyphs)


def test_cli_detect_writes_json_and_overlay(engraved_page: tuple[Path, list], tmp_path: Path) -> None:
    path, _ = engraved_page
    out = tmp_path / "out"
    res = runner.invoke(app, ["music", "detect", str(path), "-o", str(out), "--classes", "clefG,clefF"])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "page.json").read_text())
    names = {c["name"] for c in doc["categories"].values()}
    used = {doc["categories"][a["cat_id"][0]]["name"] for a in doc["annotations"].values()}
    assert used <= {"clefG", "clefF"} and used
    assert names
    assert doc["images"][0]["width"] > 0
    assert (out / "page.detections.png").stat().st_size > 0


def test_cli_bad_inputs_batch_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    good = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 200), 255, np.uint8)).save(good)
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(good.read_bytes()[:60])
    notimg = tmp_path / "x.jpg"
    notimg.write_text("hello")
    huge = tmp_path / "huge.png"
    Image.new("1", (10000, 10000)).save(huge)
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["music", "detect", str(empty), str(trunc), str(notimg), str(huge), str(good), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "no staff lines" in res.output
    doc = json.loads((out / "blank.json").read_text())
    assert doc["annotations"] == {}
    # every input bad -> exit 1
    res = runner.invoke(app, ["music", "detect", str(empty), str(trunc), "-o", str(out)])
    assert res.exit_code == 1
    assert "empty" in res.output and "truncated" in res.output


def test_cli_bad_usage(tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "detect", "x.png", "-o", str(tmp_path), "--min-score", "5"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["music", "detect", "-o", str(tmp_path)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["music", "train", "--data", str(tmp_path / "nothing")])
    assert res.exit_code == 2


def test_manifest_matches_shipped_weights() -> None:
    import hashlib

    from frontline.music.detect import MODELS_DIR, default_model_path

    man = json.loads((MODELS_DIR / "manifest.json").read_text())
    entry = next(m for m in man["models"] if m["file"] == default_model_path().name)
    assert hashlib.sha256(default_model_path().read_bytes()).hexdigest() == entry["sha256"]
    assert entry["command"] and entry["licence"] and entry["provenance"]
    assert default_model_path().stat().st_size < 20_000_000


def test_export_onnx_rejects_bad_checkpoints_with_a_clear_message(tmp_path: Path) -> None:
    import torch

    empty, text, other = tmp_path / "empty.pt", tmp_path / "text.pt", tmp_path / "other.pt"
    empty.write_bytes(b"")
    text.write_text("not a checkpoint")
    torch.save({"weights": [1, 2]}, other)
    for path, says in [
        (empty, "cannot read the checkpoint"),
        (text, "cannot read the checkpoint"),
        (other, "no model_config"),
        (tmp_path / "missing.pt", "no such checkpoint file"),
    ]:
        res = runner.invoke(app, ["music", "export-onnx", str(path)])
        assert res.exit_code == 2 and says in res.output, res.output
    assert not list(tmp_path.glob("*.onnx*"))  # nothing half-written
