"""Oracle assembly: the bundled engraved page's ground-truth symbols give back its MusicXML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontline.music.assemble import assemble_pages
from frontline.music.evaluate.notation import note_f1
from frontline.music.musicxml import load_musicxml, save_musicxml
from frontline.music.scan import EXAMPLES_DIR, read_detections

PAGE = EXAMPLES_DIR / "demo_page.png"
SYMBOLS = EXAMPLES_DIR / "demo_page.json"
TRUTH = EXAMPLES_DIR / "demo_page.musicxml"


def _glyphs():
    (glyphs,) = read_detections(SYMBOLS)
    return glyphs


def test_oracle_assembly_matches_the_page_exactly() -> None:
    asm = assemble_pages([(_glyphs(), None)])
    truth = load_musicxml(TRUTH)
    score = note_f1(asm.score, truth)
    assert score.f1 == 1.0 and score.ground_truth == 41
    part = asm.score.parts[0]
    assert part.staves == 2 and len(part.measures) == 8
    m1 = part.measures[0]
    assert m1.key is not None and m1.key.fifths == 1 and m1.time is not None and m1.time.beats == 4
    assert {c.clef.sign for c in m1.clefs} == {"G", "F"}
    assert not any(r.flagged for r in asm.measures)
    # every note links back to its notehead glyph
    heads = {g.glyph_id for g in _glyphs() if g.class_name.startswith("notehead")}
    assert all(n.glyph_ids and n.glyph_ids[0] in heads for m in part.measures for n in m.notes())


def test_round_trip_of_the_assembled_score() -> None:
    asm = assemble_pages([(_glyphs(), None)])
    back = load_musicxml(save_musicxml(asm.score))
    assert note_f1(back, asm.score).f1 == 1.0


def test_a_missed_dot_is_flagged_not_hidden() -> None:
    glyphs = _glyphs()
    dots = [g for g in glyphs if g.class_name == "augmentationDot"]
    assert len(dots) == 1
    asm = assemble_pages([([g for g in glyphs if g is not dots[0]], None)])
    # G dotted-quarter B-eighth A A: without the dot three notes could take it, so measure 3 is flagged
    flagged = [r.number for r in asm.measures if r.flagged]
    assert flagged == [3]


def test_staves_from_the_image_when_no_staff_glyphs() -> None:
    from PIL import Image

    grey = np.asarray(Image.open(PAGE).convert("L"))
    glyphs = [g for g in _glyphs() if g.class_name != "staff"]
    asm = assemble_pages([(glyphs, grey)])
    assert note_f1(asm.score, load_musicxml(TRUTH)).f1 == 1.0


def test_pages_join_into_one_piece(tmp_path: Path) -> None:
    glyphs = _glyphs()
    asm = assemble_pages([(glyphs, None), (glyphs, None)])
    part = asm.score.parts[0]
    assert len(part.measures) == 16
    assert part.measures[8].key is None  # the key does not change on page 2
    assert [m.number for m in part.measures] == list(range(1, 17))


def test_empty_page_gives_a_warning_not_a_crash() -> None:
    asm = assemble_pages([([], np.full((100, 100), 255, np.uint8))])
    assert asm.score.parts == () and "no staves" in asm.warnings[0]


@pytest.mark.parametrize("drop", ["clefG", "timeSig4"])
def test_missing_header_symbols_are_assumed_and_reported(drop: str) -> None:
    glyphs = [g for g in _glyphs() if g.class_name != drop]
    asm = assemble_pages([(glyphs, None)])
    assert asm.warnings
    assert len(asm.score.parts[0].measures) == 8


def test_a_rotated_page_is_deskewed_before_reading() -> None:
    import cv2
    from PIL import Image

    from frontline.music.records import Glyph

    grey = np.asarray(Image.open(PAGE).convert("L"))
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -1.5, 1.0)  # lines descend to the right by 1.5 degrees
    rotated = cv2.warpAffine(grey, m, (w, h), borderValue=255)
    glyphs = []
    for g in _glyphs():
        x0, y0, x1, y1 = g.bbox_xyxy
        pts = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]]) @ m.T
        box = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
        glyphs.append(Glyph(g.class_name, tuple(float(v) for v in box), 1.0, g.glyph_id))
    asm = assemble_pages([(glyphs, rotated)])
    assert abs(asm.pages[0].angle_deg - 1.5) < 0.15
    assert note_f1(asm.score, load_musicxml(TRUTH)).f1 == 1.0


def test_an_uncertain_detection_flags_its_measure() -> None:
    from frontline.music.records import Glyph

    glyphs = _glyphs()
    heads = sorted((g for g in glyphs if g.class_name.startswith("notehead")), key=lambda g: g.bbox_xyxy[0])
    weak = heads[0]
    glyphs = [Glyph(g.class_name, g.bbox_xyxy, 0.35, g.glyph_id) if g is weak else g for g in glyphs]
    asm = assemble_pages([(glyphs, None)])
    flagged = [r for r in asm.measures if r.flagged]
    assert len(flagged) == 1 and "uncertain" in flagged[0].reason and flagged[0].confidence < 0.5


def test_a_missed_stem_under_a_beam_is_restored() -> None:
    glyphs = _glyphs()
    beam = next(g for g in glyphs if g.class_name == "beam")
    stems = [
        g
        for g in glyphs
        if g.class_name == "stem" and beam.bbox_xyxy[0] - 2 <= g.center_xy[0] <= beam.bbox_xyxy[2] + 2
    ]
    assert stems
    asm = assemble_pages([([g for g in glyphs if g is not stems[0]], None)])
    assert note_f1(asm.score, load_musicxml(TRUTH)).f1 == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_garbage_symbols_never_crash_and_still_give_valid_musicxml(seed: int, tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    from PIL import Image

    from frontline.music.records import Glyph
    from frontline.music.synth.classes import CLASSES

    rng = np.random.default_rng(seed)
    grey = np.asarray(Image.open(PAGE).convert("L"))
    h, w = grey.shape
    names = [n for _, n in CLASSES]
    glyphs = [g for g in _glyphs() if g.class_name == "staff" or rng.random() > 0.3]
    for k in range(300):  # a detector gone wrong: random classes at random places
        x, y, bw, bh = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(2, 60), rng.uniform(2, 60)
        glyphs.append(
            Glyph(str(rng.choice(names)), (x, y, x + bw, y + bh), float(rng.uniform(0.3, 1)), 10_000 + k)
        )
    asm = assemble_pages([(glyphs, grey if seed else None)])
    path = tmp_path / "g.musicxml"
    save_musicxml(asm.score, path)
    assert load_musicxml(path).parts
    if shutil.which("mscore3"):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        proc = subprocess.run(
            ["mscore3", "-o", str(tmp_path / "g.pdf"), str(path)], env=env, capture_output=True, timeout=120
        )
        assert proc.returncode == 0 and "Error" not in proc.stderr.decode(errors="replace")


def test_a_missed_barline_is_restored_by_the_time_signature() -> None:
    glyphs = _glyphs()
    bars = sorted(
        (g for g in glyphs if g.class_name == "barline"), key=lambda g: (g.bbox_xyxy[1], g.bbox_xyxy[0])
    )
    first = bars[0]  # the barline after measure 1 (it spans both staves of the grand staff)
    asm = assemble_pages(
        [([g for g in glyphs if g.bbox_xyxy != first.bbox_xyxy or g.class_name != "barline"], None)]
    )
    assert len(asm.score.parts[0].measures) == 8
    assert note_f1(asm.score, load_musicxml(TRUTH)).f1 == 1.0
    assert any("missed barline" in r.edit for r in asm.measures)


def test_staves_the_symbols_miss_are_found_on_the_image() -> None:
    from PIL import Image

    grey = np.asarray(Image.open(PAGE).convert("L"))
    glyphs = _glyphs()
    first_staff = min((g for g in glyphs if g.class_name == "staff"), key=lambda g: g.bbox_xyxy[1])
    asm = assemble_pages([([g for g in glyphs if g is not first_staff], grey)])
    assert note_f1(asm.score, load_musicxml(TRUTH)).f1 == 1.0
