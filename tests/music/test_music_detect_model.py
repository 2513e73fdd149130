"""The DWD network, its targets, the decoder and a tiny training run (with resume)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from frontline.music.decode import DecodeConfig, decode_maps
from frontline.music.dwd import MODEL_REGISTRY, DWDConfig, create_model, make_targets
from frontline.music.records import Glyph
from frontline.music.refine import (
    drop_heads_off_staff,
    drop_letters_as_heads,
    find_articulation_blobs,
    find_grace_slashes,
    find_octave_clefs,
    fit_breve_rests,
    fit_c_clefs,
    fit_cut_time,
    heads_by_stem,
    rank_tenuto_dashes,
)

CLASSES = ("noteheadBlackInSpace", "augmentationDot", "accidentalSharp")


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_forward_every_registered_model(name: str) -> None:
    torch.manual_seed(0)
    model = create_model(name, CLASSES)
    x = torch.rand(2, 1, 64, 96)
    out, loss = model(x)
    assert out.energy.shape == (2, model.config.energy_levels, 32, 48)
    assert out.cls.shape == (2, len(CLASSES), 32, 48)
    assert out.box.shape == (2, 4, 32, 48)
    assert loss is None
    for t in (out.energy, out.cls, out.box):
        assert torch.isfinite(t).all()
    tg = make_targets(np.array([[10, 10, 30, 24]]), np.array([0]), (32, 48), model.config)
    targets = {k: torch.from_numpy(np.stack([v, v])) for k, v in tg.items()}
    _, losses = model(x, targets)
    assert losses is not None and all(torch.isfinite(v) for v in losses.values())


def _perfect_logits(boxes: np.ndarray, ids: np.ndarray, hw: tuple[int, int], cfg: DWDConfig):
    t = make_targets(boxes, ids, hw, cfg)
    energy = np.eye(cfg.energy_levels)[t["energy"]].transpose(2, 0, 1) * 20.0
    cls = np.eye(len(cfg.classes))[np.maximum(t["cls"], 0)].transpose(2, 0, 1) * 20.0
    return energy, cls, t["box"]


def test_decode_recovers_boxes_from_ideal_maps() -> None:
    cfg = DWDConfig(classes=CLASSES)
    boxes = np.array([[10, 10, 22, 19], [30, 12, 42, 21], [23.5, 13.5, 27.5, 17.5], [100, 40, 110, 72]])
    ids = np.array([0, 0, 1, 2])
    e, c, b = _perfect_logits(boxes, ids, (60, 70), cfg)
    for source in ("head", "extent"):
        d = decode_maps(e, c, b, config=DecodeConfig(box_source=source))
        assert len(d.boxes) == 4
        order = np.lexsort((d.boxes[:, 1], d.boxes[:, 0]))
        got = d.boxes[order]
        want = boxes[np.lexsort((boxes[:, 1], boxes[:, 0]))]
        tol = 1e-3 if source == "head" else 3.0  # extent: quantised to output pixels (stride 2)
        assert np.abs(got - want).max() < tol
        assert sorted(d.classes.tolist()) == sorted(ids.tolist())


def test_decode_hand_made_energy_map() -> None:
    # two blobs: a strong one (class 1) and one below the peak threshold
    k = 8
    level = np.zeros((20, 30), int)
    level[4:9, 4:9] = 3
    level[5:8, 5:8] = 7
    level[12:15, 20:23] = 3
    energy = np.eye(k)[level].transpose(2, 0, 1) * 20.0
    cls = np.zeros((3, 20, 30))
    cls[1] = 10.0
    box = np.zeros((4, 20, 30))
    box[2:] = np.log(5.0)
    d = decode_maps(energy, cls, box, stride=2, config=DecodeConfig(min_peak=5.0))
    assert len(d.boxes) == 1
    assert d.classes[0] == 1
    assert d.scores[0] > 0.9
    cx, cy = (d.boxes[0, 0] + d.boxes[0, 2]) / 2, (d.boxes[0, 1] + d.boxes[0, 3]) / 2
    assert abs(cx - 13.0) < 0.6 and abs(cy - 13.0) < 0.6  # centre of pixels 5..7 at stride 2
    assert np.allclose(d.boxes[0, 2] - d.boxes[0, 0], 10.0)


def test_decode_empty_map() -> None:
    energy = np.zeros((8, 10, 10))
    energy[0] = 10.0  # confident background everywhere
    d = decode_maps(energy, np.zeros((2, 10, 10)), np.zeros((4, 10, 10)))
    assert len(d.boxes) == 0


def test_watershed_splits_touching_cones_that_components_merge() -> None:
    # a staccato dot's cone touching a notehead's cone, as on a real page: one blob above the cut
    cfg = DWDConfig(classes=CLASSES)
    boxes = np.array([[20, 20, 44, 38], [28, 14, 36, 22]])  # notehead, dot touching its top
    ids = np.array([0, 1])
    e, c, b = _perfect_logits(boxes, ids, (40, 40), cfg)
    merged = decode_maps(e, c, b, config=DecodeConfig(split="components", energy_cut=1.0, min_peak=1.0))
    split = decode_maps(e, c, b, config=DecodeConfig(split="watershed", energy_cut=1.0, min_peak=1.0))
    assert len(merged.boxes) == 1  # the plain decoder loses the dot
    assert sorted(split.classes.tolist()) == [0, 1]
    for box, cid in zip(split.boxes, split.classes, strict=True):
        assert np.abs(box - boxes[cid]).max() < 0.5  # border pixels may go to the neighbour basin


def test_snap_to_ink_moves_small_boxes_onto_their_blob_only() -> None:
    from frontline.music.records import Glyph
    from frontline.music.refine import snap_to_ink

    page = np.full((80, 120), 255, np.uint8)
    cv2.circle(page, (40, 30), 4, 0, -1)  # a dot: ink box (36, 26, 45, 35)
    cv2.rectangle(page, (80, 20), (100, 60), 0, -1)  # a big blob where a clef was predicted
    glyphs = [
        Glyph("augmentationDot", (38.0, 28.0, 47.0, 37.0), 0.9),  # 2 px off, as the network places it
        Glyph("clefG", (82.0, 22.0, 99.0, 58.0), 0.9),  # not a snapped class
        Glyph("augmentationDot", (5.0, 5.0, 12.0, 12.0), 0.5),  # no ink there: unchanged
    ]
    out = snap_to_ink(page, glyphs)
    assert out[0].bbox_xyxy == (36.0, 26.0, 45.0, 35.0)
    assert out[1] == glyphs[1] and out[2] == glyphs[2]
    assert [g.class_name for g in out] == [g.class_name for g in glyphs]


def make_fake_dataset(folder: Path, pages: int = 4, seed: int = 0) -> None:
    """A few drawn pages (staves, noteheads, dots, sharps) in DeepScoresV2 layout."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cats = {"27": {"name": CLASSES[0]}, "41": {"name": CLASSES[1]}, "64": {"name": CLASSES[2]}}
    images: list[dict[str, object]] = []
    anns: dict[str, dict[str, object]] = {}
    for p in range(pages):
        w, h, sp = 640, 400, 20
        im = np.full((h, w), 255, np.uint8)
        ids = []
        for s in range(2):
            top = 60 + s * 180
            for i in range(5):
                cv2.rectangle(im, (40, top + i * sp), (w - 40, top + i * sp + 1), 0, -1)
            for k in range(12):
                x, y = 70 + k * 45, top + int(rng.integers(0, 4)) * sp + sp // 2
                kind = int(rng.integers(0, 3))
                if kind == 0:
                    cv2.ellipse(im, (x, y), (12, 8), -20, 0, 360, 0, -1)
                    b, c = [x - 12, y - 9, x + 12, y + 9], "27"
                elif kind == 1:
                    cv2.circle(im, (x, y), 3, 0, -1)
                    b, c = [x - 3, y - 3, x + 4, y + 4], "41"
                else:
                    for dx in (-4, 4):
                        cv2.line(im, (x + dx, y - 15), (x + dx, y + 15), 0, 2)
                    cv2.line(im, (x - 8, y - 4), (x + 8, y - 7), 0, 3)
                    cv2.line(im, (x - 8, y + 6), (x + 8, y + 3), 0, 3)
                    b, c = [x - 8, y - 15, x + 9, y + 16], "64"
                aid = str(len(anns) + 1)
                anns[aid] = {"a_bbox": b, "cat_id": [c], "img_id": str(p)}
                ids.append(aid)
        cv2.imwrite(str(folder / f"p{p}.png"), im)
        images.append({"id": p, "filename": f"p{p}.png", "width": w, "height": h, "ann_ids": ids})
    (folder / "pages.json").write_text(
        json.dumps({"images": images, "annotations": anns, "categories": cats})
    )


def test_training_smoke_and_resume(tmp_path: Path) -> None:
    from frontline.music.detect import load_model
    from frontline.music.train import TrainConfig, train

    make_fake_dataset(tmp_path / "data", pages=4)
    cfg = TrainConfig(
        data=str(tmp_path / "data"),
        out=str(tmp_path / "runs"),
        model="dwd_tiny",
        steps=6,
        batch=2,
        crop=128,
        val_every=3,
        val_pages=1,
        stages=(("energy", 2), ("cls", 1), ("box", 1)),
        warmup=2,
        probe_crops=16,
    )
    run = train(cfg)
    assert (run / "best.pt").is_file() and (run / "checkpoints" / "last.pt").is_file()
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert any(r["split"] == "val" and "mAP50" in r for r in rows)
    assert (run / "report.html").is_file()
    model = load_model(run / "best.pt")
    assert model.config.classes == tuple(sorted(CLASSES))
    # resume: continue the same run to 8 steps
    from dataclasses import replace

    run2 = train(replace(cfg, steps=8, resume=str(run), diagnostics=False))
    assert run2 == run
    steps = [json.loads(x)["step"] for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert max(steps) == 8


def test_rest_below_a_line_is_whole_above_is_half() -> None:
    from frontline.music.records import Glyph
    from frontline.music.refine import resolve_rest_lookalikes

    staff = (0.0, 100.0, 400.0, 140.0)  # lines at 100, 110, ..., 140
    glyphs = [
        Glyph("restHalf", (50.0, 110.0, 62.0, 115.0)),  # hangs below the 2nd line: a whole rest
        Glyph("restWhole", (150.0, 115.0, 162.0, 120.0)),  # sits on the middle line: a half rest
        Glyph("restWhole", (250.0, 110.0, 262.0, 115.0)),  # already right
        Glyph("restHalf", (350.0, 300.0, 362.0, 305.0)),  # off every staff: left alone
        Glyph("noteheadBlackOnLine", (80.0, 106.0, 92.0, 114.0)),
    ]
    out = resolve_rest_lookalikes(glyphs, [staff])
    assert [g.class_name for g in out] == [
        "restWhole",
        "restHalf",
        "restWhole",
        "restHalf",
        "noteheadBlackOnLine",
    ]
    assert [g.bbox_xyxy for g in out] == [g.bbox_xyxy for g in glyphs]


def test_rest_bar_box_is_fitted_to_the_bar_not_the_staff_line() -> None:
    from frontline.music.records import Glyph
    from frontline.music.refine import snap_rest_bars

    page = np.full((100, 200), 255, np.uint8)
    for y in (30, 50, 70):
        page[y : y + 2, 10:190] = 0  # staff lines
    page[50:60, 80:104] = 0  # a whole rest hanging from the line at y = 50
    off = Glyph("restWhole", (82.0, 54.0, 106.0, 64.0), 0.8)  # half a bar too low, 2 px right
    clef = Glyph("clefG", (20.0, 20.0, 40.0, 80.0), 0.9)
    out = snap_rest_bars(page, [off, clef])
    x0, y0, x1, y1 = out[0].bbox_xyxy
    assert (x0, x1) == (80.0, 104.0)  # the bar's columns, not the staff line's
    assert y0 == 50.0 and y1 == 60.0
    assert out[1] == clef


def _grace_page(slash: bool) -> tuple[np.ndarray, np.ndarray, list[Glyph]]:
    """Normalised page (space 10): staff lines, two stem-up notes with a flag; a slash on the first if asked."""
    im = np.full((120, 200), 255, np.uint8)
    for i in range(5):
        cv2.line(im, (0, 40 + 10 * i), (199, 40 + 10 * i), 0, 1)
    stems = []
    glyphs = []
    for x in (60, 140):
        cv2.ellipse(im, (x - 5, 75), (5, 4), -20, 0, 360, 0, -1)
        cv2.line(im, (x, 75), (x, 40), 0, 1)
        cv2.line(im, (x, 40), (x + 6, 50), 0, 2)  # the flag
        stems.append((x, 40, x + 1, 76))
        glyphs.append(Glyph("flag8thUpSmall", (x, 40.0, x + 7.0, 52.0), 0.9, -1))
    if slash:
        cv2.line(im, (60 - 4, 55), (60 + 8, 43), 0, 2)
    return im, np.array(stems, float), glyphs


def test_grace_slash_found_across_a_flagged_stem_only_where_drawn() -> None:
    im, stems, glyphs = _grace_page(slash=True)
    out = find_grace_slashes(im, glyphs, stems, 10.0)
    slashes = [g for g in out if g.class_name == "graceSlash"]
    assert len(slashes) == 1
    x0, y0, x1, y1 = slashes[0].bbox_xyxy
    assert x0 < 60 < x1 and 40 < y0 < y1 < 60  # across the first stem, below its top
    # no slash drawn: the staff lines crossing the band left of the stems are not a slash
    im, stems, glyphs = _grace_page(slash=False)
    assert not [g for g in find_grace_slashes(im, glyphs, stems, 10.0) if g.class_name == "graceSlash"]


def test_cut_time_box_covers_its_stroke_and_the_two_halves_merge() -> None:
    im = np.full((200, 120), 255, np.uint8)
    for i in range(5):
        cv2.line(im, (0, 60 + 20 * i), (119, 60 + 20 * i), 0, 2)
    cv2.ellipse(im, (60, 100), (18, 20), 0, 40, 320, 0, 5)  # the C on the middle line
    cv2.line(im, (60, 68), (60, 132), 0, 4)  # the stroke, sticking out above and below the C
    glyphs = [
        Glyph("timeSigCutCommon", (42.0, 80.0, 78.0, 120.0), 0.7, -1),  # the C
        Glyph("timeSigCutCommon", (52.0, 72.0, 68.0, 110.0), 0.5, -1),  # the stroke, a second basin
        Glyph("noteheadBlack", (90.0, 95.0, 100.0, 105.0), 0.9, -1),
    ]
    out = fit_cut_time(im, glyphs)
    cuts = [g for g in out if g.class_name == "timeSigCutCommon"]
    assert len(cuts) == 1 and len(out) == 2
    x0, y0, x1, y1 = cuts[0].bbox_xyxy
    assert (x0, x1) == (42.0, 78.0) and cuts[0].score == 0.7
    assert y0 <= 69 and y1 >= 131  # the stroke's ends, not the C's
    assert y0 >= 60 and y1 <= 141  # but not the whole staff


def test_uncovered_dot_and_wedge_over_and_under_noteheads_become_articulations() -> None:
    im = np.full((120, 200), 255, np.uint8)
    heads = []
    for x in (40, 100, 160):
        cv2.ellipse(im, (x, 60), (6, 4), -20, 0, 360, 0, -1)
        heads.append(Glyph("noteheadBlack", (x - 6.0, 56.0, x + 6.0, 64.0), 0.9, -1))
    cv2.circle(im, (40, 48), 2, 0, -1)  # staccato dot above the first head
    wedge = np.array([[100, 70], [97, 79], [103, 79]], np.int32)  # wedge under the second head
    cv2.fillPoly(im, [wedge], 0)
    cv2.circle(im, (172, 60), 2, 0, -1)  # an augmentation dot right of the third head: no articulation
    out = find_articulation_blobs(im, heads, 10.0)
    added = sorted((g.class_name, round(g.center_xy[0])) for g in out[len(heads) :])
    assert added == [("articStaccatissimoBelow", 100), ("articStaccatoAbove", 40)]
    # a blob a detection already covers is left alone
    covered = [*heads, Glyph("articStaccatoAbove", (37.0, 45.0, 43.0, 51.0), 0.8, -1)]
    again = find_articulation_blobs(im, covered, 10.0)
    assert sorted(g.class_name for g in again[len(covered) :]) == ["articStaccatissimoBelow"]


def test_whole_note_far_above_a_staff_needs_a_ledger_line() -> None:
    staff = [(0.0, 100.0, 400.0, 140.0)]  # top line 100, bottom line 140, space 10
    letter = Glyph("noteheadWholeInSpace", (50.0, 40.0, 62.0, 48.0), 0.6, -1)  # a title letter, 5.6 spaces up
    note = Glyph("noteheadWholeInSpace", (150.0, 76.0, 162.0, 84.0), 0.6, -1)  # on its second ledger line
    near = Glyph("noteheadWholeInSpace", (250.0, 86.0, 262.0, 94.0), 0.6, -1)  # just above the staff
    sure = Glyph("noteheadWholeInSpace", (300.0, 40.0, 312.0, 48.0), 0.95, -1)  # confident: kept
    black = Glyph("noteheadBlackInSpace", (350.0, 40.0, 362.0, 48.0), 0.6, -1)  # not a whole note: kept
    ledgers = np.array([[146.0, 89.0, 166.0, 91.0], [146.0, 79.0, 166.0, 81.0]])
    kept = drop_heads_off_staff([letter, note, near, sure, black], staff, ledgers, 10.0)
    assert kept == [note, near, sure, black]
    # with no ledger line drawn, the note is taken for a letter too
    assert note not in drop_heads_off_staff([note], staff, np.zeros((0, 4)), 10.0)


def test_letters_left_of_the_staff_or_away_from_music_are_not_whole_notes() -> None:
    # one staff: lines at y 100..140 (space 10), from x 200 to 900, a treble clef at x 210..230
    staff = [(200.0, 100.0, 900.0, 140.0)]
    clef = Glyph("clefG", (210.0, 85.0, 232.0, 150.0), 0.99, -1)
    name_letter = Glyph("noteheadWholeInSpace", (120.0, 112.0, 134.0, 122.0), 0.45, -1)  # "o" of "Flute"
    note = Glyph("noteheadWholeInSpace", (400.0, 112.0, 414.0, 122.0), 0.45, -1)
    sure = Glyph("noteheadWholeOnLine", (150.0, 115.0, 164.0, 125.0), 0.95, -1)  # confident: kept
    title = Glyph("noteheadWholeOnLine", (500.0, 10.0, 514.0, 20.0), 0.5, -1)  # 9 spaces above, alone
    kept = drop_letters_as_heads([clef, name_letter, note, sure, title], staff, 10.0)
    assert kept == [clef, note, sure]
    # a staff the line finder missed still holds music: its whole note stays
    row = [Glyph("noteheadBlackInSpace", (x, 500.0, x + 12.0, 508.0), 0.9, -1) for x in (300.0, 340.0, 380.0)]
    lone = Glyph("noteheadWholeInSpace", (420.0, 499.0, 434.0, 509.0), 0.5, -1)
    assert lone in drop_letters_as_heads([*row, lone], staff, 10.0)
    # a staff the line finder started late: a note right of the clef is kept although left of the box
    late = [(450.0, 100.0, 900.0, 140.0)]
    assert note in drop_letters_as_heads([clef, note], late, 10.0)


def test_an_uncertain_half_head_without_a_stem_is_a_whole_head() -> None:
    stems = np.array([[413.0, 60.0, 415.0, 118.0]])  # a stem up from the right edge of the head at x 400..414
    half_with_stem = Glyph("noteheadHalfInSpace", (400.0, 110.0, 414.0, 120.0), 0.5, -1)
    half_alone = Glyph("noteheadHalfOnLine", (600.0, 110.0, 614.0, 120.0), 0.5, -1)
    whole_with_stem = Glyph("noteheadWholeInSpace", (400.0, 110.0, 414.0, 120.0), 0.5, -1)
    sure_half = Glyph("noteheadHalfOnLine", (700.0, 110.0, 714.0, 120.0), 0.9, -1)
    out = heads_by_stem([half_with_stem, half_alone, whole_with_stem, sure_half], stems, 10.0)
    assert [g.class_name for g in out] == [
        "noteheadHalfInSpace",
        "noteheadWholeOnLine",
        "noteheadWholeInSpace",  # a whole note beside another note's stem stays whole
        "noteheadHalfOnLine",
    ]
    assert [g.bbox_xyxy for g in out] == [
        g.bbox_xyxy for g in (half_with_stem, half_alone, whole_with_stem, sure_half)
    ]


def _staff_page(width: int = 600) -> np.ndarray:
    """A white normalised page with one staff: lines at y 100, 110, ..., 140 (space 10) from x 50."""
    img = np.full((260, width), 255, np.uint8)
    for y in range(100, 141, 10):
        img[y, 50:width] = 0
    return img


def test_c_clef_is_named_by_the_line_it_centres_on_and_fitted_to_its_bar() -> None:
    staff = [(50.0, 100.0, 590.0, 140.0)]
    img = _staff_page()
    img[100:141, 70:74] = 0  # alto clef: bars over the whole staff, centred on the middle line (y 120)
    img[90:131, 270:274] = 0  # tenor clef: one space higher, centred on the fourth line (y 110)
    alto_as_tenor = Glyph("clefCTenor", (68.0, 104.0, 90.0, 134.0), 0.6, -1)  # short box, wrong name
    tenor = Glyph("clefCTenor", (268.0, 95.0, 290.0, 125.0), 0.7, -1)
    tenor_half = Glyph("clefCTenor", (269.0, 112.0, 289.0, 130.0), 0.4, -1)  # the same clef split in two
    other = Glyph("clefG", (400.0, 85.0, 420.0, 150.0), 0.9, -1)
    out = fit_c_clefs(img, [alto_as_tenor, tenor, tenor_half, other], staff, 10.0)
    assert [g.class_name for g in out] == ["clefCAlto", "clefCTenor", "clefG"]
    assert out[0].bbox_xyxy[1] == pytest.approx(100, abs=1) and out[0].bbox_xyxy[3] == pytest.approx(
        141, abs=1
    )
    assert out[1].bbox_xyxy[1] == pytest.approx(90, abs=1) and out[1].bbox_xyxy[3] == pytest.approx(
        131, abs=1
    )
    assert out[2] == other
    # no bar of a clef's height under the box (faded ink): left as the network gave it
    assert fit_c_clefs(_staff_page(), [tenor], staff, 10.0) == [tenor]


def test_breve_rest_fills_the_staff_space_that_holds_it() -> None:
    staff = [(50.0, 100.0, 590.0, 140.0)]
    sliver = Glyph("restDoubleWhole", (200.0, 123.0, 205.0, 127.0), 0.5, -1)  # inside the space 120..130
    off = Glyph("restDoubleWhole", (200.0, 40.0, 205.0, 50.0), 0.5, -1)  # above the staff: unchanged
    head = Glyph("noteheadBlackInSpace", (300.0, 121.0, 312.0, 129.0), 0.9, -1)
    out = fit_breve_rests([sliver, off, head], staff)
    assert out[0].bbox_xyxy == (200.0, 120.0, 205.0, 130.0)
    assert out[1:] == [off, head]


def test_treble_clef_reaching_high_above_the_staff_is_the_8va_clef() -> None:
    staff = [(50.0, 100.0, 590.0, 140.0)]
    img = _staff_page()
    img[88:150, 78:82] = 0  # plain treble clef: its curl tops out 1.2 spaces above the top line
    img[77:150, 278:282] = 0  # with the "8" on its curl: 2.3 spaces above the top line
    img[79:87, 400:408] = 0  # an 8 drawn a hair above a plain clef's curl (which tops out 1.2 spaces up)
    img[88:150, 402:406] = 0
    plain = Glyph("clefG", (70.0, 90.0, 92.0, 155.0), 0.9, -1)
    octave = Glyph(
        "clefG", (270.0, 90.0, 292.0, 155.0), 0.9, -1
    )  # box short at the top, as the network gives it
    gap = Glyph("clefG", (394.0, 90.0, 416.0, 155.0), 0.9, -1)
    out = find_octave_clefs(img, [plain, octave, gap], staff, 10.0)
    assert [g.class_name for g in out] == ["clefG", "clefG8va", "clefG8va"]
    assert out[0] == plain
    assert out[1].bbox_xyxy == (270.0, 77.0, 292.0, 155.0)
    assert out[2].bbox_xyxy[1] == 79.0


def test_a_dash_that_is_part_of_a_beam_or_tie_ranks_below_a_free_tenuto() -> None:
    img = np.full((200, 400), 255, np.uint8)
    img[50:52, 40:52] = 0  # a free tenuto dash, 1.2 spaces wide
    img[100:105, 100:200] = 0  # a beam: the line finder took a stretch of it for a dash
    tenuto = Glyph("articTenutoAbove", (40.0, 50.0, 52.0, 52.0), 0.9, -1)
    on_beam = Glyph("articTenutoAbove", (140.0, 100.0, 152.0, 102.0), 0.9, -1)
    out = rank_tenuto_dashes(img, [tenuto, on_beam], 10.0)
    assert out[0] == tenuto
    assert out[1].score < tenuto.score and out[1].bbox_xyxy == on_beam.bbox_xyxy


def test_lone_rest_bars_on_a_line_are_found_and_stemmed_bars_or_covered_ones_are_not() -> None:
    from frontline.music.refine import find_rest_bars

    staff = [(50.0, 100.0, 590.0, 140.0)]
    img = _staff_page()
    img[115:121, 100:113] = 0  # sits on the middle line (y 120): half rest
    img[110:116, 200:213] = 0  # hangs from the fourth line (y 110): whole rest
    img[115:121, 300:313] = 0  # a bar with a stem running up from its right end: a beam stub
    img[85:115, 312] = 0
    img[123:127, 400:413] = 0  # in the middle of a space, touching no line
    img[115:121, 500:513] = 0  # already detected
    known = Glyph("restHalf", (499.0, 114.0, 514.0, 121.0), 0.9, -1)
    out = find_rest_bars(img, [known], staff, 10.0)
    assert sorted((g.class_name, round(g.bbox_xyxy[0])) for g in out) == [
        ("restHalf", 100),
        ("restWhole", 200),
    ]


def test_rest_bars_on_ledger_lines_beyond_the_staff_are_found_but_not_free_floating_ones() -> None:
    from frontline.music.refine import find_rest_bars

    staff = [(50.0, 100.0, 590.0, 140.0)]
    img = _staff_page()
    img[160, 96:117] = 0  # a ledger line two spaces below the staff (y 160), 2 spaces wide
    img[155:160, 100:113] = 0  # a half rest sitting on it
    img[80, 196:217] = 0  # a ledger line two spaces above the staff (y 80)
    img[81:86, 200:213] = 0  # a whole rest hanging from it
    img[155:160, 300:313] = 0  # the same bar below the staff with no ledger line: not a rest
    out = find_rest_bars(img, [], staff, 10.0)
    assert sorted((g.class_name, round(g.bbox_xyxy[0])) for g in out) == [
        ("restHalf", 100),
        ("restWhole", 200),
    ]
    assert find_rest_bars(img, [], staff, 10.0, ledger_rests=False) == []


def _whole_head(img: np.ndarray, cx: int, cy: int) -> None:
    """A whole notehead (about 1.7 x 1.05 spaces, hollow) centred at (cx, cy) on a space-10 page."""
    cv2.ellipse(img, (cx, cy), (8, 5), -20, 0, 360, 0, thickness=-1)
    cv2.ellipse(img, (cx, cy), (4, 3), 60, 0, 360, 255, thickness=-1)


def test_a_whole_note_detection_over_a_stacked_third_becomes_two_heads() -> None:
    from frontline.music.refine import split_stacked_wholes

    img = _staff_page()
    _whole_head(img, 100, 120)  # on the middle line
    _whole_head(img, 100, 110)  # a third higher, on the fourth line: the two heads touch ("8")
    _whole_head(img, 300, 125)  # a lone whole note in a space
    merged = Glyph("noteheadWholeInSpace", (91.0, 108.0, 109.0, 122.0), 0.8, -1)  # between the two
    lone = Glyph("noteheadWholeInSpace", (291.0, 120.0, 309.0, 130.0), 0.9, -1)
    out = split_stacked_wholes(img, [merged, lone], 10.0)
    assert len(out) == 3
    stacked = sorted((g.bbox_xyxy[1] + g.bbox_xyxy[3]) / 2 for g in out if g.bbox_xyxy[0] < 200)
    assert len(stacked) == 2
    assert abs(stacked[0] - 110) <= 2 and abs(stacked[1] - 120) <= 2
    assert all(g.score == 0.8 for g in out if g.bbox_xyxy[0] < 200)
    assert [g for g in out if g.bbox_xyxy[0] > 200] == [lone]  # one head stays one
    # a second detection already on one of the stacked heads: the network split them, nothing added
    upper = Glyph("noteheadWholeOnLine", (91.0, 105.0, 109.0, 115.0), 0.7, -1)
    assert split_stacked_wholes(img, [merged, upper], 10.0) == [merged, upper]
