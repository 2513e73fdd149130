"""Classical line finder: staves, stems, barlines and ledger lines on a drawn page; segment recall."""

from __future__ import annotations

import cv2
import numpy as np

from frontline.music.lines import LineConfig, find_lines_normalized, segment_recall


def _drawn_page() -> tuple[np.ndarray, dict[str, list[tuple[int, int, int, int]]]]:
    """Normalised page (space 10 px): one staff, a barline, two stemmed notes, one with a ledger line."""
    im = np.full((200, 400), 255, np.uint8)
    top = 60
    for i in range(5):
        cv2.line(im, (20, top + 10 * i), (380, top + 10 * i), 0, 1)
    truth: dict[str, list[tuple[int, int, int, int]]] = {"staff": [(20, top, 381, top + 41)]}
    cv2.line(im, (200, top), (200, top + 40), 0, 1)  # barline
    truth["barline"] = [(200, top, 201, top + 41)]
    # note on the middle line, stem up
    cv2.ellipse(im, (100, top + 20), (6, 4), -20, 0, 360, 0, -1)
    cv2.line(im, (105, top + 20), (105, top - 15), 0, 1)
    # note below the staff on a ledger line, stem up
    cv2.ellipse(im, (300, top + 60), (6, 4), -20, 0, 360, 0, -1)
    cv2.line(im, (291, top + 60), (309, top + 60), 0, 1)
    cv2.line(im, (305, top + 60), (305, top + 25), 0, 1)
    truth["stem"] = [(105, top - 15, 106, top + 21), (305, top + 25, 306, top + 61)]
    truth["legerLine"] = [(291, top + 60, 310, top + 61)]
    return im, truth


def test_lines_on_drawn_page() -> None:
    im, truth = _drawn_page()
    heads = [
        ("noteheadBlackOnLine", (94.0, 76.0, 106.0, 84.0)),
        ("noteheadBlackOnLine", (294.0, 116.0, 306.0, 124.0)),
    ]
    for symbols in (None, heads):
        segs = find_lines_normalized(im, 10.0, symbols=symbols)
        for cname, boxes in truth.items():
            pred = segs.boxes[[c == cname for c in segs.classes]]
            recall, _, n_gt, _ = segment_recall(pred, np.array(boxes, float), tolerance=5.0)
            assert n_gt == len(boxes)
            assert recall == 1.0, (cname, symbols is not None, pred)


def test_segment_recall_counts_each_prediction_once() -> None:
    gt = np.array([[0, 0, 1, 30], [10, 0, 11, 30]], float)
    pred = np.array([[0, 1, 1, 29]], float)
    r, p, n_gt, n_pred = segment_recall(pred, gt, tolerance=2.0)
    assert (r, p, n_gt, n_pred) == (0.5, 1.0, 2, 1)
    assert segment_recall(np.zeros((0, 4)), gt, 2.0)[0] == 0.0


def test_faint_slanted_staff_with_text_touching_it_is_found_with_exact_edges() -> None:
    # a downscaled photo: light grey lines (lighter than the Otsu threshold of the black notes),
    # a residual slant of 1 px over the width, and a word touching the top line
    im = np.full((160, 420), 255, np.uint8)
    top = 60
    for i in range(5):
        cv2.line(im, (20, top + 10 * i), (400, top + 10 * i + 1), 190, 1)
    for x in range(40, 380, 30):  # black noteheads dominate the Otsu threshold
        cv2.ellipse(im, (x, top + 15), (6, 4), -20, 0, 360, 0, -1)
    cv2.putText(im, "Vivace", (60, top), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 2)
    segs = find_lines_normalized(im, 10.0)
    staves = segs.boxes[[c == "staff" for c in segs.classes]]
    assert len(staves) == 1
    x0, y0, x1, y1 = staves[0]
    assert abs(x0 - 20) <= 2 and abs(x1 - 401) <= 2
    assert abs(y0 - top) <= 2 and abs(y1 - (top + 42)) <= 2  # the word does not stretch the box


def _tenuto_page() -> tuple[np.ndarray, list[tuple[str, tuple[float, float, float, float]]]]:
    """Space 10 px: notes with tenuto dashes (inside the staff, above the staff past a ledger line,
    below a note under the staff) and plain ledger lines, plus the noteheads as detections."""
    im = np.full((220, 500), 255, np.uint8)
    top = 80
    for i in range(5):
        cv2.line(im, (20, top + 10 * i), (480, top + 10 * i), 0, 1)
    heads: list[tuple[str, tuple[float, float, float, float]]] = []

    def head(x: int, y: int) -> None:
        cv2.ellipse(im, (x, y), (6, 4), -20, 0, 360, 0, -1)
        heads.append(("noteheadBlack", (x - 6.0, y - 4.0, x + 6.0, y + 4.0)))

    # 1: head on the middle line, tenuto in the next space up (inside the staff)
    head(80, top + 20)
    cv2.line(im, (75, top + 6), (86, top + 6), 0, 1)
    # 2: head above the staff on ledger line 1 (y = top - 10): the ledger line, then a tenuto above
    head(180, top - 10)
    cv2.line(im, (171, top - 10), (189, top - 10), 0, 1)
    cv2.line(im, (175, top - 18), (186, top - 18), 0, 1)
    # 3: head below the staff in the space under ledger line 1 (y = top + 55): ledger above it, tenuto below
    head(300, top + 55)
    cv2.line(im, (291, top + 50), (309, top + 50), 0, 1)
    cv2.line(im, (295, top + 63), (306, top + 63), 0, 1)
    # 4: head on ledger line 2 below the staff: both ledger lines, no tenuto
    head(400, top + 60)
    cv2.line(im, (391, top + 50), (409, top + 50), 0, 1)
    cv2.line(im, (391, top + 60), (409, top + 60), 0, 1)
    return im, heads


def test_tenuto_dashes_are_told_from_ledger_lines() -> None:
    im, heads = _tenuto_page()
    segs = find_lines_normalized(im, 10.0, symbols=heads)
    found = sorted(
        (c, int(round((b[0] + b[2]) / 2)), int(round((b[1] + b[3]) / 2)))
        for c, b in zip(segs.classes, segs.boxes, strict=True)
        if c != "staff" and c != "stem"
    )
    tenuto = [(x, y) for c, x, y in found if c.startswith("articTenuto")]
    ledgers = [(x, y) for c, x, y in found if c == "legerLine"]
    assert [round(x, -1) for x, _ in tenuto] == [80, 180, 300]
    assert [c for c, _, _ in found if c.startswith("articTenuto")] == [
        "articTenutoAbove",
        "articTenutoAbove",
        "articTenutoBelow",
    ]
    assert sorted(round(x, -1) for x, _ in ledgers) == [180, 300, 400, 400]
    # without detections there is no tenuto, and the short dashes are not called ledger lines
    plain = find_lines_normalized(im, 10.0)
    assert not any(c.startswith("articTenuto") for c in plain.classes)


def test_faint_grey_stems_of_a_small_scale_page_are_found() -> None:
    # a small-scale page upscaled to 10 px per space: black heads and beam, but the stems grey
    # (lighter than the Otsu threshold); the beam lies 2.5 spaces above the staff
    im = np.full((200, 300), 255, np.uint8)
    top = 80
    for i in range(5):
        cv2.line(im, (10, top + 10 * i), (290, top + 10 * i), 0, 1)
    heads = []
    for x in (100, 160):
        cv2.ellipse(im, (x, top + 35), (6, 4), -20, 0, 360, 0, -1)
        heads.append(("noteheadBlackInSpace", (x - 6.0, top + 31.0, x + 6.0, top + 39.0)))
    for x in (105, 165):
        im[top - 25 : top + 35, x : x + 2] = np.minimum(im[top - 25 : top + 35, x : x + 2], 170)
    cv2.rectangle(im, (105, top - 29), (166, top - 25), 0, -1)  # the beam joining them
    plain = find_lines_normalized(im, 10.0, LineConfig(stem_ridge=0.0), symbols=heads)
    found = find_lines_normalized(im, 10.0, symbols=heads)
    stems = found.boxes[[c == "stem" for c in found.classes]]
    assert not any(c == "stem" for c in plain.classes)  # Otsu alone loses them
    assert len(stems) == 2
    for x, b in zip((105, 165), sorted(stems.tolist()), strict=True):
        # followed through the staff lines down to the head and up into the beam
        assert abs(b[0] - x) <= 1 and b[1] <= top - 24 and b[3] >= top + 33


def test_an_accidentals_vertical_stroke_next_to_a_head_is_no_stem() -> None:
    im = np.full((200, 300), 255, np.uint8)
    top = 80
    for i in range(5):
        cv2.line(im, (10, top + 10 * i), (290, top + 10 * i), 0, 1)
    cv2.ellipse(im, (100, top + 20), (6, 4), -20, 0, 360, 0, -1)
    cv2.line(im, (105, top + 20), (105, top - 15), 0, 1)  # the stem
    cv2.line(im, (91, top + 18), (91, top + 42), 0, 1)  # a natural's right stroke, 3 px left of the head
    head = ("noteheadBlackOnLine", (94.0, top + 16.0, 106.0, top + 24.0))
    natural = ("accidentalNatural", (86.0, top + 8.0, 93.0, top + 43.0))

    def stem_xs(symbols: list[tuple[str, tuple[float, float, float, float]]]) -> list[float]:
        segs = find_lines_normalized(im, 10.0, symbols=symbols)
        return sorted(float(b[0]) for c, b in zip(segs.classes, segs.boxes, strict=True) if c == "stem")

    assert stem_xs([head]) == [91.0, 105.0]  # with the head alone the stroke passes for a stem
    assert stem_xs([head, natural]) == [105.0]
