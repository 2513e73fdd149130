"""Session 10: degraded pages. Stems broken short of their head on deskewed blurred scans
(`LineConfig.stem_follow`), dotted staff lines of binarised faint scans (`LineConfig.staff_close`),
braces whose thin tips and waist fade out of the ink mask (`find_connectors(brace_gaps=...)`) and dust
specks read as augmentation dots (`DetectConfig.dot_margin`).
Synthetic normalised pages, 10 px per staff space."""

from __future__ import annotations

import numpy as np
from line_pages import SP, dotted_staff, draw_head, found_staves, found_stems

from frontline.music.assemble.staves import find_connectors, find_staves
from frontline.music.detect import DetectConfig, _confident
from frontline.music.lines import LineConfig, find_lines_normalized
from frontline.music.records import Glyph


def _page(h: int = 120, w: int = 200) -> np.ndarray:
    img = np.full((h, w), 250, np.uint8)
    img[h - 20 : h - 10, w - 50 : w - 10] = 0  # a dark block: the page's darkest ink
    return img


def test_a_stem_that_steps_a_pixel_column_still_reaches_its_head() -> None:
    # a deskewed 1-px stem: 4 spaces in one pixel column, its last 1.8 spaces (down into the head) in
    # the next one, which alone is too short for the 2-space vertical opening
    img = _page()
    img[30:70, 100] = 0
    img[70:88, 101] = 0
    head = draw_head(img, 108.0, 87.0)
    # (stem_ridge_cover off: since session 12 the faint-ridge rule also finds this stem, a pixel wider)
    assert found_stems(img, LineConfig(stem_follow=0.0, stem_ridge_cover=0.0), [head]) == []
    found = found_stems(img, LineConfig(stem_ridge_cover=0.0), [head])
    assert len(found) == 1
    x0, y0, x1, y1 = found[0]
    assert (x0, x1) == (100.0, 101.0) and y0 == 30.0
    assert 84.0 <= y1 <= 92.0  # ends inside the head


def test_a_followed_stem_crosses_a_staff_line_on_its_way_to_the_head() -> None:
    img = _page(140)
    for y in (50, 60, 70, 80):
        img[y, 20:180] = 0  # staff lines: wide ink one row tall, the stem goes on below them
    img[20:78, 100] = 0
    img[78:89, 101] = 0  # a pixel column on, across the line at y 80: too short for the opening
    head = draw_head(img, 107.5, 91.0)
    assert found_stems(img, LineConfig(stem_follow=0.0), [head]) == []
    found = found_stems(img, LineConfig(), [head])
    assert len(found) == 1
    assert found[0][1] == 20.0 and 86.0 <= found[0][3] <= 97.0


def test_a_stroke_that_ends_in_paper_beside_a_head_is_no_stem() -> None:
    # an accidental's upright: its followed top end comes near the head beside it but ends in paper
    img = _page()
    img[55:90, 100] = 0
    img[49:55, 101] = 0  # a lighter tail up towards the head's height
    head = draw_head(img, 109.0, 41.0)
    assert found_stems(img, LineConfig(), [head]) == []


def test_dotted_staff_lines_are_closed_into_a_staff() -> None:
    img = np.full((160, 600), 250, np.uint8)
    dotted_staff(img, 40, np.random.default_rng(0))
    img[120:140, 300:320] = 0
    # ink lines only (and no wide row average, `staff_dotted`): the dots are no long run
    plain = LineConfig(line_ridge=0.0, staff_close=0.0, staff_dotted=0.0)
    segs = find_lines_normalized(img, SP, plain)
    assert "staff" not in segs.classes
    boxes = found_staves(img, LineConfig(line_ridge=0.0, staff_dotted=0.0))
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert abs(y0 - 40) <= 1.5 and abs(y1 - 81) <= 1.5 and x0 <= 25 and x1 >= 575


def test_solid_staves_are_not_changed_by_the_closing() -> None:
    img = np.full((160, 600), 250, np.uint8)
    for k in range(5):
        img[40 + 10 * k, 20:580] = 0
    img[30:60, 200:204] = 0  # a stem and a beam-like block near the staff
    img[95:100, 150:300] = 0  # a beam-like bar and a row of short dashes below the staff
    img[110, 100:500:6] = 0
    a = find_lines_normalized(img, SP, LineConfig(staff_close=0.0))
    b = find_lines_normalized(img, SP, LineConfig())
    assert a.classes == b.classes and np.array_equal(a.boxes, b.boxes)


def test_a_faded_brace_is_still_a_brace() -> None:
    space = 10
    img = np.full((240, 500), 255, np.uint8)
    for top in (40, 140):
        for k in range(5):
            img[top + k * space, 100:480] = 0
    img[40:181, 100] = 0  # the system's start line
    rows = list(range(40, 181))
    for k, y in enumerate(rows):  # a brace: a curved stroke through every row ...
        x = 92 - int(6 * np.sin(np.pi * k / 140))
        img[y, x : x + 3] = 0
    for y in [*rows[:4], *rows[-5:], *rows[68:72]]:  # ... whose tips and waist faded out
        img[y, 80:99] = 255
    staves = [type(s)(k, s.line_ys, 100.0, s.x1) for k, s in enumerate(find_staves(img))]
    assert len(staves) == 2
    assert find_connectors(img, staves, brace_gaps=0.0) == []
    found = find_connectors(img, staves)
    assert [g.class_name for g in found] == ["brace"]


def test_a_part_name_beside_two_staves_is_still_no_brace() -> None:
    space = 10
    img = np.full((240, 500), 255, np.uint8)
    for top in (40, 140):
        for k in range(5):
            img[top + k * space, 100:480] = 0
    img[40:181, 100] = 0
    img[50:70, 80:95] = 0  # names written beside each staff
    img[150:170, 80:95] = 0
    staves = [type(s)(k, s.line_ys, 100.0, s.x1) for k, s in enumerate(find_staves(img))]
    assert find_connectors(img, staves) == []


def test_detect_config_carries_the_session_10_rules() -> None:
    lc = DetectConfig().line_config
    assert lc.stem_follow > 0 and lc.staff_close > 0


def test_unsure_augmentation_dots_are_left_out() -> None:
    box = (10.0, 10.0, 14.0, 14.0)
    glyphs = [
        Glyph("augmentationDot", box, 0.35, 0),  # a dust speck beside a head
        Glyph("augmentationDot", box, 0.62, 1),
        Glyph("articStaccatoAbove", box, 0.35, 2),
        Glyph("noteheadBlackOnLine", box, 0.2, 3),
    ]
    assert [g.glyph_id for g in _confident(glyphs, 0.3, 0.0)] == [0, 1, 2]
    assert [g.glyph_id for g in _confident(glyphs, 0.3, DetectConfig().dot_margin)] == [1, 2]
