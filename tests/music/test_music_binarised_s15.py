"""Session 15: binarised scans whose staff lines are left as dots a space or more apart
(`LineConfig.staff_dotted`) and whose system lines are all gone on a page of two-staff systems
(`AssembleConfig.gap_pairs_bars`, `staves._systems_from_gaps`). Small synthetic pages and glyphs."""

from __future__ import annotations

import numpy as np
from line_pages import SP, dotted_staff, found_staves

from frontline.music.assemble.staves import group_systems
from frontline.music.lines import LineConfig, find_lines_normalized
from frontline.music.records import Glyph, Staff


def _sparse_staff(img: np.ndarray, top: int, rng: np.random.Generator) -> None:
    """Five lines of 1-3 px dots with gaps of 1.2-2.5 spaces: too far apart for `staff_close`."""
    dotted_staff(img, top, rng, gaps=(12, 26))


def test_staff_lines_of_sparse_dots_are_found_through_the_wide_row_average() -> None:
    img = np.full((160, 800), 250, np.uint8)
    _sparse_staff(img, 40, np.random.default_rng(1))
    img[120:140, 300:320] = 0  # the page's darkest ink
    off = find_lines_normalized(img, SP, LineConfig(staff_dotted=0.0))
    assert "staff" not in off.classes
    boxes = found_staves(img, LineConfig(staff_dotted=4.0))
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert abs(y0 - 40) <= 1.5 and abs(y1 - 81) <= 1.5 and x0 <= 60 and x1 >= 740


def test_solid_staves_are_not_changed_by_the_wide_row_average() -> None:
    img = np.full((160, 600), 250, np.uint8)
    for k in range(5):
        img[40 + 10 * k, 20:580] = 0
    img[30:60, 200:204] = 0
    img[95:100, 150:300] = 0
    img[110, 100:500:6] = 0
    a = find_lines_normalized(img, SP, LineConfig(staff_dotted=0.0))
    b = find_lines_normalized(img, SP, LineConfig(staff_dotted=4.0))
    assert a.classes == b.classes and np.array_equal(a.boxes, b.boxes)


def _duets(bars2: tuple[float, ...] = (400.0, 700.0, 1000.0)) -> tuple[list[Staff], list[Glyph]]:
    """Four systems of two treble staves (gaps 130 inside, 220 between), no connector or barline joining
    any two staves; each staff has its clef and barlines at x 400, 700, 1000 (the second staff of
    each pair at `bars2`)."""
    tops, t = [], 100.0
    for _ in range(4):
        tops += [t, t + 40.0 + 130.0]
        t += 2 * 40.0 + 130.0 + 220.0
    staves = [Staff(i, tuple(top + k * SP for k in range(5)), 100.0, 1000.0) for i, top in enumerate(tops)]
    glyphs, gid = [], 0
    for i, top in enumerate(tops):
        glyphs.append(Glyph("clefG", (105.0, top - 5.0, 125.0, top + 45.0), 0.9, gid))
        gid += 1
        for x in (400.0, 700.0, 1000.0) if i % 2 == 0 else bars2:
            glyphs.append(Glyph("barline", (x - 1.0, top, x + 1.0, top + 4 * SP), 0.9, gid))
            gid += 1
    return staves, glyphs


def test_two_staff_systems_without_any_link_are_grouped_when_their_barlines_line_up() -> None:
    staves, glyphs = _duets()
    assert [len(s.staves) for s in group_systems(staves, glyphs)] == [1] * 8
    systems = group_systems(staves, glyphs, pair_bars=0.75)
    assert [len(s.staves) for s in systems] == [2, 2, 2, 2]
    assert [len(s.part_staves) for s in systems] == [2, 2, 2, 2]


def test_single_staves_whose_barlines_do_not_line_up_stay_single() -> None:
    staves, glyphs = _duets(bars2=(330.0, 560.0, 1000.0))  # a lead sheet's lines: measures differ
    assert [len(s.staves) for s in group_systems(staves, glyphs, pair_bars=0.75)] == [1] * 8


def test_the_deskew_search_follows_dotted_staff_lines_not_a_slanted_stroke() -> None:
    from frontline.music.normalize import NormalizeConfig, _estimate_skew, _staff_line_mask

    img = np.full((400, 1000), 250, np.uint8)
    rng = np.random.default_rng(2)
    for top in (60, 200, 320):
        _sparse_staff(img, top, rng)  # level staves of sparse dots
    for k in range(3):  # three long strokes (slurs, a text line) slanted by about 0.7 degrees
        for x in range(100, 900):
            y = int(round(140 + 40 * k + x * 0.0122))
            img[y : y + 3, x] = 0
    cfg = NormalizeConfig()
    plain = _estimate_skew(_staff_line_mask(img, SP, cfg.deskew_ridge), cfg, np.random.default_rng(0))
    dotted = _estimate_skew(_staff_line_mask(img, SP, cfg.deskew_ridge, 4.0), cfg, np.random.default_rng(0))
    assert abs(plain) >= 0.5 and abs(dotted) <= 0.15
