"""The detector's network in ONNX Runtime: the same maps as PyTorch, and only for the weights it was exported from."""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from tests.music.test_music_network_maps import _page as blob_page

from frontline.music import detect
from frontline.music.dwd import create_model

CLASSES = ("noteheadBlackInSpace", "augmentationDot", "accidentalSharp")


def _page(seed: int = 1, h: int = 300, w: int = 420) -> np.ndarray:
    return blob_page(seed, h, w)


def _checkpoint(path: Path, seed: int) -> Path:
    """A tiny detector checkpoint in the training code's format, with batch-norm statistics that are not
    the identity (as after training)."""
    torch.manual_seed(seed)
    model = create_model("dwd_tiny", CLASSES)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(2, 1, 64, 64) * 2.0)
    model.eval()
    torch.save({"model_config": asdict(model.config), "model": model.state_dict()}, path)
    return path


def _maps_agree(a: detect.NetworkMaps, b: detect.NetworkMaps) -> None:
    for x, y in zip(a.dense(), b.dense(), strict=True):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, atol=1e-3)


def test_the_shipped_weights_run_in_onnx_runtime_with_the_same_maps() -> None:
    model = detect.load_model()
    assert detect.onnx_session(model) is not None, "dwd_small.onnx missing or exported from other weights"
    img = _page()
    _maps_agree(detect.network_maps(model, img), detect.network_maps(model, img, engine="torch"))


def test_export_beside_a_checkpoint_is_found_and_gives_the_torch_maps(tmp_path: Path) -> None:
    pytest.importorskip("onnx")  # exporting needs it; running the export needs only onnxruntime
    ckpt = _checkpoint(tmp_path / "det.pt", 0)
    assert detect.export_onnx(ckpt) == tmp_path / "det.onnx"
    model = detect.load_model(ckpt)
    assert isinstance(model, detect.ExportedDWD)  # the export carries config and heads: no PyTorch needed
    assert detect.onnx_session(model) is not None
    big = _page(2, h=520, w=600)  # tiles of 256 as well as one pass
    for tile in (256, 4096):
        _maps_agree(detect.network_maps(model, big, tile), detect.network_maps(model, big, tile, "torch"))
    # a PyTorch model loaded from the checkpoint uses the export too...
    model = detect.load_model(ckpt, engine="torch")
    assert not isinstance(model, detect.ExportedDWD)
    assert detect.onnx_session(model) is not None
    _maps_agree(detect.network_maps(model, big), detect.network_maps(model, big, engine="torch"))
    # ...until its weights change (a training step): then it runs in PyTorch
    with torch.no_grad():
        bias = model.head_energy.bias
        assert bias is not None
        bias.add_(1.0)
    assert detect.onnx_session(model) is None
    assert (
        detect.network_maps(model, big).energy.mean()
        > detect.network_maps(detect.load_model(ckpt), big).energy.mean() + 0.9
    )


def test_an_export_of_other_weights_is_not_used(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    detect.export_onnx(_checkpoint(tmp_path / "a.pt", 0), tmp_path / "b.onnx")
    other = detect.load_model(_checkpoint(tmp_path / "b.pt", 1))  # b.onnx lies beside b.pt but is a's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert detect.onnx_session(other) is None
    assert any("exported from other weights" in str(w.message) for w in caught)
    img = _page(3)
    np.testing.assert_allclose(
        detect.network_maps(other, img).energy,
        detect.network_maps(other, img, engine="torch").energy,
        atol=1e-4,
    )


def test_the_shipped_glyph_classifier_runs_in_onnx_runtime_with_the_same_decisions() -> None:
    from frontline.music import onnxrt
    from frontline.music.glyphnet import ReclassifyConfig, load_glyph_classifier, reclassify
    from frontline.music.records import Glyph

    classifier = load_glyph_classifier()
    assert onnxrt.session(classifier[0]) is not None, "glyphnet.onnx missing or exported from other weights"
    img = _page(4, h=200, w=300)
    glyphs = [
        Glyph(name, (float(x), float(y), float(x + 12), float(y + 10)), 0.8, i)
        for i, (name, x, y) in enumerate(
            [("augmentationDot", 40, 40), ("articStaccatoAbove", 100, 60), ("accidentalSharp", 200, 120)]
        )
    ]
    fast = reclassify(img, glyphs, classifier, ReclassifyConfig())
    slow = reclassify(img, glyphs, classifier, ReclassifyConfig(onnx=False))
    assert [g.class_name for g in fast] == [g.class_name for g in slow]
    np.testing.assert_allclose([g.score for g in fast], [g.score for g in slow], atol=1e-4)
    np.testing.assert_allclose([g.bbox_xyxy for g in fast], [g.bbox_xyxy for g in slow], atol=1e-2)


def test_prepare_loads_the_export_before_any_page_and_a_damaged_one_only_warns(tmp_path: Path) -> None:
    ckpt = _checkpoint(tmp_path / "det.pt", 0)
    (tmp_path / "det.onnx").write_bytes(b"not an onnx file")
    model = detect.load_model(ckpt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        detect.prepare(model, detect.DetectConfig(glyph_classifier=False))
    assert any("cannot load the ONNX export" in str(w.message) for w in caught)
    img = _page(5)  # the page still runs, in PyTorch
    np.testing.assert_allclose(
        detect.network_maps(model, img).energy,
        detect.network_maps(model, img, engine="torch").energy,
        atol=1e-5,
    )


def test_an_export_made_before_configs_travelled_with_it_still_runs_the_network(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    ckpt = _checkpoint(tmp_path / "det.pt", 0)
    detect.export_onnx(ckpt)
    proto = onnx.load(str(tmp_path / "det.onnx"))
    keep = [p for p in proto.metadata_props if p.key == "frontline.source_sha256"]
    del proto.metadata_props[:]
    proto.metadata_props.extend(keep)
    onnx.save(proto, str(tmp_path / "det.onnx"))
    model = detect.load_model(ckpt)
    assert not isinstance(model, detect.ExportedDWD)
    assert detect.onnx_session(model) is not None


def test_a_scan_with_the_shipped_models_never_imports_pytorch(tmp_path: Path) -> None:
    """Both shipped exports carry what inference needs, so a fresh scan skips PyTorch's 2 s import."""
    import subprocess
    import sys

    page = Path(detect.__file__).parent / "examples" / "demo_page.png"  # a real page: every stage runs
    code = (
        "import sys\n"
        "from frontline.cli import app\n"
        f"try: app(['music', 'scan', {str(page)!r}, '-o', {str(tmp_path / 'out')!r}], standalone_mode=False)\n"
        "except SystemExit: pass\n"
        "print('TORCH', 'torch' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert (tmp_path / "out" / "demo_page.musicxml").is_file(), res.stdout + res.stderr
    assert "TORCH False" in res.stdout, res.stdout + res.stderr
