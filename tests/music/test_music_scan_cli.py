"""`frontline music scan` and `demo` through the CLI: oracle mode, outputs, bad inputs, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from frontline.cli import app
from frontline.music.musicxml import load_musicxml
from frontline.music.scan import EXAMPLES_DIR

runner = CliRunner()
PAGE = EXAMPLES_DIR / "demo_page.png"
SYMBOLS = EXAMPLES_DIR / "demo_page.json"


def _detector_available() -> bool:
    from frontline.music import detect

    return detect.default_model_path().is_file()


def test_scan_with_detections_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["music", "scan", str(PAGE), "--detections", str(SYMBOLS), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "8 measures" in res.output and "summary:" in res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["demo_page.json", "demo_page.mid", "demo_page.musicxml", "demo_page.overlay.png"]
    score = load_musicxml(out / "demo_page.musicxml")
    assert len(score.parts[0].measures) == 8
    doc = json.loads((out / "demo_page.json").read_text())
    assert doc["mode"] == "oracle" and len(doc["notes"]) == 41 + 1  # 41 notes and one rest
    det_ids = {d["id"] for d in doc["pages"][0]["detections"]}
    assert all(set(n["glyph_ids"]) <= det_ids for n in doc["notes"])
    assert all("confidence" in m and "flagged" in m for m in doc["measures"])
    assert (out / "demo_page.mid").read_bytes()[:4] == b"MThd"


def test_mxl_format_and_join(tmp_path: Path) -> None:
    det = tmp_path / "dets"
    det.mkdir()
    shutil.copy(SYMBOLS, det / "demo_page.json")
    res = runner.invoke(
        app, ["music", "scan", str(PAGE), "--detections", str(det), "--format", "mxl", "-o", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert len(load_musicxml(tmp_path / "demo_page.mxl").parts[0].measures) == 8


def test_bad_files_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PAGE, src / "demo_page.png")
    (src / "empty.png").write_bytes(b"")
    (src / "truncated.png").write_bytes(PAGE.read_bytes()[:200])
    (src / "notes.jpg").write_text("this is not an image")
    (src / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    det = tmp_path / "dets"
    det.mkdir()
    shutil.copy(SYMBOLS, det / "demo_page.json")
    out = tmp_path / "out"
    res = runner.invoke(app, ["music", "scan", str(src), "--detections", str(det), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "ok      demo_page" in res.output
    for name in ("empty", "truncated", "notes", "bad"):
        assert f"failed  {name}" in res.output
    assert "4 failed" in res.output
    assert (out / "demo_page.musicxml").is_file()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_every_input_failing_exits_1_and_bad_usage_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "x.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    res = runner.invoke(
        app, ["music", "scan", str(bad), "--detections", str(SYMBOLS), "-o", str(tmp_path / "o")]
    )
    assert res.exit_code == 1
    assert (
        runner.invoke(app, ["music", "scan", str(PAGE), "--format", "pdf", "-o", str(tmp_path)]).exit_code
        == 2
    )
    assert runner.invoke(app, ["music", "scan", str(PAGE), "--jobs", "0", "-o", str(tmp_path)]).exit_code == 2
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    assert runner.invoke(app, ["music", "scan", str(empty_dir), "-o", str(tmp_path)]).exit_code == 2
    res = runner.invoke(app, ["music", "scan", str(PAGE), "--detections", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "not found" in res.output


def test_empty_pdf_fails_with_a_message(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    empty = tmp_path / "empty.pdf"
    pdfium.PdfDocument.new().save(str(empty))
    res = runner.invoke(
        app, ["music", "scan", str(empty), "--detections", str(SYMBOLS), "-o", str(tmp_path / "o")]
    )
    assert res.exit_code == 1 and "failed  empty" in res.output and "PDF" in res.output


def test_wrong_detections_json_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "d.json"
    bad.write_text('{"annotations": 3}')
    res = runner.invoke(app, ["music", "scan", str(PAGE), "--detections", str(bad), "-o", str(tmp_path)])
    assert res.exit_code == 1 and "DeepScoresV2" in res.output


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "demo", "--out", str(tmp_path), "--oracle"])
    assert res.exit_code == 0, res.output
    assert "note F1 against the page's ground truth: 1.000" in res.output
    assert (tmp_path / "demo_page.overlay.png").is_file()


@pytest.mark.skipif(shutil.which("mscore3") is None, reason="MuseScore 3 (mscore3) not installed")
def test_musescore_opens_a_scan(tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "scan", str(PAGE), "--detections", str(SYMBOLS), "-o", str(tmp_path)])
    assert res.exit_code == 0
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    pdf = tmp_path / "demo.pdf"
    proc = subprocess.run(
        ["mscore3", "-o", str(pdf), str(tmp_path / "demo_page.musicxml")],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0 and pdf.stat().st_size > 1000
    assert "Error" not in proc.stderr.decode(errors="replace")


@pytest.mark.slow
def test_scan_real_photos_with_the_shipped_detector(shared_data: Path, tmp_path: Path) -> None:
    if not _detector_available():
        pytest.skip("no shipped detector weights yet")
    photos = sorted((shared_data / "music").glob("*.jpg"))
    res = runner.invoke(app, ["music", "scan", *map(str, photos), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    for p in photos:
        assert load_musicxml(tmp_path / f"{p.stem}.musicxml").parts is not None


def test_join_two_pages_and_parallel_jobs(tmp_path: Path) -> None:
    src, det = tmp_path / "in", tmp_path / "det"
    src.mkdir()
    det.mkdir()
    for stem in ("p1", "p2"):
        shutil.copy(PAGE, src / f"{stem}.png")
        shutil.copy(SYMBOLS, det / f"{stem}.json")
    res = runner.invoke(
        app,
        [
            "music",
            "scan",
            str(src / "p1.png"),
            str(src / "p2.png"),
            "--join",
            "--detections",
            str(det),
            "-o",
            str(tmp_path / "j"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert len(load_musicxml(tmp_path / "j" / "p1.musicxml").parts[0].measures) == 16
    assert (tmp_path / "j" / "p1.p2.overlay.png").is_file()
    res = runner.invoke(
        app, ["music", "scan", str(src), "--jobs", "2", "--detections", str(det), "-o", str(tmp_path / "k")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "k" / "p1.musicxml").is_file() and (tmp_path / "k" / "p2.musicxml").is_file()


def test_scan_without_detections_uses_the_detector_or_says_why_not(tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "scan", str(PAGE), "-o", str(tmp_path)])
    if _detector_available():
        assert res.exit_code == 0, res.output
        assert load_musicxml(tmp_path / "demo_page.musicxml").parts
    else:
        assert res.exit_code == 1 and "detector" in res.output and "--detections" in res.output


def test_multipage_tiff_is_one_piece(tmp_path: Path) -> None:
    from PIL import Image

    page = Image.open(PAGE).convert("L")
    tif = tmp_path / "book.tif"
    page.save(tif, save_all=True, append_images=[page.copy()])
    doc = json.loads(SYMBOLS.read_text())
    doc["images"] = [doc["images"][0], {**doc["images"][0], "id": 2}]  # the same symbols on both pages
    det = tmp_path / "book.json"
    det.write_text(json.dumps(doc))
    res = runner.invoke(app, ["music", "scan", str(tif), "--detections", str(det), "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "2 page(s), 16 measures" in res.output
    assert (tmp_path / "o" / "book.p2.overlay.png").is_file()


def test_overlay_draws_a_measure_box_given_right_to_left(tmp_path: Path) -> None:
    """A measure read with its barlines out of order spans x1 < x0: the overlay still draws (it once
    raised and failed the whole piece after its MusicXML was written)."""
    import dataclasses

    import numpy as np
    from PIL import Image

    from frontline.music.assemble import assemble_pages
    from frontline.music.scan import draw_overlay, read_detections

    grey = np.asarray(Image.open(PAGE).convert("L"))
    asm = assemble_pages([(read_detections(SYMBOLS)[0], grey)])
    m = asm.measures[0]
    x0, y0, x1, y1 = m.bbox_xyxy
    bad = dataclasses.replace(m, bbox_xyxy=(x1, y0, x0, y1), flagged=True)
    asm = dataclasses.replace(asm, measures=(bad, *asm.measures[1:]))
    png = draw_overlay(grey, asm, 0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_overlay_png_decodes_to_the_drawn_pixels() -> None:
    """The overlay's own PNG writer (unfiltered rows, one IDAT) gives a file Pillow and OpenCV read back
    pixel for pixel, odd sizes included."""
    import io

    import cv2
    import numpy as np
    from PIL import Image

    from frontline.music.scan import _png_rgb

    rgb = np.random.default_rng(3).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    png = _png_rgb(rgb)
    with Image.open(io.BytesIO(png)) as im:
        im.load()
        assert im.mode == "RGB" and im.size == (53, 37)
        assert np.array_equal(np.asarray(im), rgb)
    bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(bgr[:, :, ::-1], rgb)
