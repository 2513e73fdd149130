"""Session 11: degraded pages whose staff lines are gone (bleached away or left as sparse dots).
The staff space comes from the barlines' height (`NormalizeConfig.space_from_barlines`) and the staves
from the barlines and clefs (`LineConfig.staff_from_symbols`). Small synthetic pages."""

from __future__ import annotations

import numpy as np

from frontline.music.assemble.staves import group_systems, skew_from_staff_boxes, staves_from_glyphs
from frontline.music.layout import SplitConfig, split_columns
from frontline.music.lines import LineConfig, find_lines_normalized, staves_from_symbols
from frontline.music.normalize import NormalizeConfig, normalize_page, space_from_barlines
from frontline.music.records import Glyph, Staff
from frontline.music.refine import drop_missing_octave_eights

SP = 10.0
Box = tuple[float, float, float, float]


def _head(img: np.ndarray, cx: float, cy: float, sp: float = SP) -> tuple[str, Box]:
    yy, xx = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    rx, ry = 0.65 * sp, 0.5 * sp
    img[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0] = 0
    return "noteheadBlackInSpace", (cx - rx, cy - ry, cx + rx, cy + ry)


def _lineless_page(
    sp: float, tops: list[float], width: int, height: int, lines: bool = False
) -> tuple[np.ndarray, list[tuple[str, Box]]]:
    """Staves with top lines at `tops` drawn without their lines (unless `lines`): a clef-like blob at
    the start, barlines one staff tall every 12 spaces, a note with its stem in each measure. Returns
    the page and the symbols a detector would give (clefs and heads)."""
    img = np.full((height, width), 250, np.uint8)
    syms: list[tuple[str, Box]] = []
    lt = max(1, int(round(0.12 * sp)))
    for top in tops:
        mid = top + 2 * sp
        if lines:
            for k in range(5):
                y = int(round(top + k * sp))
                img[y : y + lt, int(2 * sp) : width - int(2 * sp)] = 0
        # a treble clef's box: 7 spaces tall, centred 0.08 space below the middle line
        c0, c1 = mid + 0.08 * sp - 3.5 * sp, mid + 0.08 * sp + 3.5 * sp
        img[int(c0) : int(c1), int(3 * sp) : int(3 * sp) + 3] = 0
        img[int(mid) : int(mid) + 3, int(3 * sp) : int(5 * sp)] = 0
        syms.append(("clefG", (3 * sp, c0, 5.5 * sp, c1)))
        x = 8 * sp
        while x + 12 * sp < width - 2 * sp:
            hx, hy = x + 5 * sp, mid + 0.5 * sp
            syms.append(_head(img, hx, hy, sp))
            img[int(hy - 3.5 * sp) : int(hy), int(hx + 0.55 * sp) : int(hx + 0.55 * sp) + lt] = 0
            x += 12 * sp
            img[int(round(top)) : int(round(top + 4 * sp)) + lt, int(x) : int(x) + lt + 1] = 0
    return img, syms


def test_space_from_barlines_reads_the_staff_space_of_a_page_without_lines() -> None:
    img, _ = _lineless_page(14.0, [100.0, 300.0], 900, 500)
    assert abs(space_from_barlines(img) - 14.0) < 0.8
    assert space_from_barlines(np.full((200, 200), 250, np.uint8)) == 0.0


def test_normalize_goes_on_without_staff_lines_only_with_the_fallback() -> None:
    img, _ = _lineless_page(14.0, [100.0, 300.0], 900, 500)
    off = normalize_page(img, NormalizeConfig(space_from_barlines=False))
    assert not off.staff.found
    on = normalize_page(img)
    assert on.staff.found
    assert abs(on.transform.scale - 10.0 / 14.0) < 0.05
    assert any("barlines" in w for w in on.warnings)


def test_staves_come_back_from_barlines_and_clefs_when_the_lines_are_gone() -> None:
    tops = [60.0, 200.0]
    img, syms = _lineless_page(SP, tops, 700, 300)
    assert "staff" not in find_lines_normalized(img, SP, LineConfig(staff_from_symbols=False), syms).classes
    segs = find_lines_normalized(img, SP, LineConfig(), syms)
    staff_boxes = [tuple(b) for c, b in zip(segs.classes, segs.boxes, strict=True) if c == "staff"]
    assert len(staff_boxes) == 2
    staves = staves_from_glyphs([Glyph("staff", b, 1.0, i) for i, b in enumerate(staff_boxes)])
    for st, top in zip(staves, tops, strict=True):
        want = np.asarray([top + k * SP for k in range(5)]) + 0.5  # the drawn line's centre row
        assert np.abs(np.asarray(st.line_ys) - want).max() <= 1.5
        assert st.x0 <= 3 * SP and st.x1 >= 560  # the last barline
    # the barlines are read as barlines of those staves now
    assert segs.classes.count("barline") >= 8


def test_a_clef_alone_places_its_staff_and_a_small_clef_does_not() -> None:
    none = np.zeros((0, 4))
    mid = 150.0
    box = (30.0, mid + 0.08 * SP - 3.5 * SP, 55.0, mid + 0.08 * SP + 3.5 * SP)
    out = staves_from_symbols(
        none, [("clefG", box), ("noteheadBlackInSpace", (300.0, 140.0, 313.0, 150.0))], SP
    )
    assert len(out) == 1
    x0, y0, x1, y1 = out[0]
    assert abs((y0 + y1) / 2 - mid) < 0.5 and x0 < 30.0 and x1 >= 313.0
    # an engraver's logo read as a C clef (under 3 spaces tall) makes no staff
    assert staves_from_symbols(none, [("clefCTenor", (30.0, 140.0, 45.0, 165.0))], SP) == []
    # one lone barline is no staff either (two are)
    bar = np.asarray([[100.0, 130.0, 102.0, 171.0]])
    assert staves_from_symbols(bar, [], SP) == []
    assert len(staves_from_symbols(np.concatenate([bar, bar + [200, 0, 200, 0]]), [], SP)) == 1


def test_a_stem_as_tall_as_a_staff_is_no_barline_anchor() -> None:
    stem = np.asarray([[106.0, 110.0, 107.0, 151.0], [206.0, 110.0, 207.0, 151.0]])
    heads = [
        ("noteheadBlackOnLine", (100.0, 146.0, 106.0, 156.0)),
        ("noteheadBlackOnLine", (200.0, 146.0, 206.0, 156.0)),
    ]
    assert staves_from_symbols(stem, heads, SP) == []


def test_pages_with_staff_lines_are_left_as_they_were() -> None:
    img, syms = _lineless_page(SP, [60.0, 200.0], 700, 300, lines=True)
    a = find_lines_normalized(img, SP, LineConfig(staff_from_symbols=False), syms)
    b = find_lines_normalized(img, SP, LineConfig(), syms)
    assert a.classes == b.classes and np.array_equal(a.boxes, b.boxes)
    assert a.classes.count("staff") == 2
    n0 = normalize_page(img, NormalizeConfig(space_from_barlines=False))
    n1 = normalize_page(img)
    assert n0.staff == n1.staff and n0.transform == n1.transform


def _staff(i: int, top: float, x0: float = 100.0, x1: float = 1000.0) -> Staff:
    return Staff(i, tuple(top + k * SP for k in range(5)), x0, x1)


def test_a_system_split_by_its_lost_start_line_is_joined_to_the_page_usual_size() -> None:
    # four systems of four staves (gaps 40 inside, 80 between); the first system's start line is gone,
    # only one barline joins its first two staves: it read as 2 + 1 + 1
    tops = [t0 + k * 80.0 for t0 in (100.0, 520.0, 940.0, 1360.0) for k in range(4)]
    staves = [_staff(i, t, 120.0 if i < 4 else 100.0) for i, t in enumerate(tops)]
    glyphs = [Glyph("barline", (500.0, tops[0], 502.0, tops[1] + 4 * SP), 1.0, 0)]
    for s0 in (4, 8, 12):  # the other systems have a line through all four staves
        glyphs.append(Glyph("systemicBarline", (99.0, tops[s0], 101.0, tops[s0 + 3] + 4 * SP), 1.0, s0))
    assert [len(s.staves) for s in group_systems(staves, glyphs, complete=False, gaps=False)] == [
        2,
        1,
        1,
        4,
        4,
        4,
    ]
    assert [len(s.staves) for s in group_systems(staves, glyphs)] == [4, 4, 4, 4]
    # a wide gap (a new system) or misaligned starts keep them apart
    far = [
        Staff(i, tuple(y + (60.0 if 2 <= i < 4 else 0.0) for y in s.line_ys), s.x0, s.x1)
        for i, s in enumerate(staves)
    ]
    assert [len(s.staves) for s in group_systems(far, glyphs)][:3] == [2, 1, 1]


def test_skew_of_a_page_of_two_staves_comes_from_its_barlines() -> None:
    # rotated by 1.2 degrees: barline centres drift down along x; one staff is short (no right-end pairs)
    t = float(np.tan(np.radians(1.2)))
    glyphs = [
        Glyph("staff", (100.0, 200.0, 1700.0, 200.0 + 41 + 1600 * t), 1.0, 0),
        Glyph("staff", (100.0, 400.0, 320.0, 441.0 + 220 * t), 1.0, 1),
    ]
    for k, x in enumerate((300.0, 600.0, 900.0, 1200.0, 1500.0)):
        yc = 220.0 + (x - 100.0) * t
        glyphs.append(Glyph("barline", (x, yc - 20, x + 2, yc + 20), 1.0, 10 + k))
    assert skew_from_staff_boxes(glyphs, barlines=False) is None
    angle = skew_from_staff_boxes(glyphs)
    assert angle is not None and abs(angle - 1.2) < 0.05


def test_a_short_last_system_is_no_page_tilt() -> None:
    # an upright page: three full-width staves, then a second system of three staves ending at a third of
    # the width (not justified); pairs across the systems alone would read a tilt of over 10 degrees
    glyphs = [Glyph("staff", (100.0, 200.0 + 120 * k, 1700.0, 241.0 + 120 * k), 1.0, k) for k in range(3)]
    glyphs += [Glyph("staff", (100.0, 700.0 + 120 * k, 600.0, 741.0 + 120 * k), 1.0, 3 + k) for k in range(3)]
    assert skew_from_staff_boxes(glyphs, barlines=False) is None
    bars = [
        Glyph("barline", (x, 200.0, x + 2, 241.0), 1.0, 10 + i) for i, x in enumerate((400.0, 900.0, 1400.0))
    ]
    angle = skew_from_staff_boxes(glyphs + bars)  # the barlines of an upright staff tell: no tilt
    assert angle is not None and abs(angle) < 0.05


def test_a_staff_whose_lines_faded_is_added_from_its_clef_beside_found_staves() -> None:
    img, syms = _lineless_page(SP, [60.0, 200.0], 700, 300)
    lined, _ = _lineless_page(SP, [60.0], 700, 300, lines=True)
    img[:140] = lined[:140]  # the first staff keeps its lines, the second lost them
    off = find_lines_normalized(img, SP, LineConfig(staff_from_clefs=False), syms)
    assert off.classes.count("staff") == 1
    on = find_lines_normalized(img, SP, LineConfig(), syms)
    tops = sorted(float(b[1]) for c, b in zip(on.classes, on.boxes, strict=True) if c == "staff")
    assert len(tops) == 2 and abs(tops[1] - 200.0) <= 1.5


def _clef_page(eight: str, bracket: bool = False) -> tuple[np.ndarray, list[Glyph], list[Box]]:
    """A staff (top line 40) with two treble-clef-like strokes ending in a ball 1.5 spaces below the
    bottom line: a plain clefG at x 120 and, at x 40, a clefG8vb whose 8 is `eight`: "" none, "apart"
    just under the ball, "joined" touching it. Then the next staff's clef tops 2 spaces below (choir
    staves standing close)."""
    img = np.full((220, 200), 250, np.uint8)
    for k in range(5):
        img[40 + k * 10, 10:190] = 0
    bottom = 80
    yy, xx = np.mgrid[0:220, 0:200]
    for x in (40, 120):
        img[20 : bottom + 13, x : x + 3] = 0  # the clef's stroke down through the staff
        img[((xx - (x - 2)) / 4.0) ** 2 + ((yy - (bottom + 12)) / 4.0) ** 2 <= 1.0] = 0  # the ball
        img[bottom + 21 :, x + 4 : x + 7] = 0  # the next staff's clef top
    if eight:
        top = bottom + 17 if eight == "apart" else bottom + 15
        for cy in (top + 2.5, top + 7.5):  # an 8: two small rings
            img[np.abs(np.hypot(xx - 41, yy - cy) - 2.5) <= 1.0] = 0
    if bracket:
        img[30:200, 30:32] = 0
    g8 = Glyph("clefG8vb", (33.0, 24.0, 58.0, float(bottom + 16)), 0.9, 0)
    plain = Glyph("clefG", (113.0, 24.0, 138.0, float(bottom + 16)), 0.9, 1)
    return img, [g8, plain], [(10.0, 40.0, 190.0, 80.0)]


def test_a_g_clef_8vb_without_an_8_below_is_a_treble_clef() -> None:
    for bracket in (False, True):
        img, glyphs, staves = _clef_page("", bracket)
        assert drop_missing_octave_eights(img, glyphs, staves, SP)[0].class_name == "clefG"
        # no plain treble clef on the page to compare with: left as it is
        assert drop_missing_octave_eights(img, glyphs[:1], staves, SP)[0].class_name == "clefG8vb"
        for eight in ("apart", "joined"):
            img, glyphs, staves = _clef_page(eight, bracket)
            assert drop_missing_octave_eights(img, glyphs, staves, SP)[0].class_name == "clefG8vb"


def test_a_page_without_staff_lines_is_not_split_at_a_gap_between_its_beams() -> None:
    img, _ = _lineless_page(10.0, [100.0, 250.0, 400.0], 900, 560)
    for y, t in ((70, 4), (225, 7), (377, 5)):  # beams left and right of an empty middle
        img[y : y + t, 60:400] = 0
        img[y : y + t, 520:860] = 0
    assert len(split_columns(img, SplitConfig(lineless_whole=False))) == 2
    assert split_columns(img) == [(0, 900)]


def test_letters_that_pass_for_barlines_and_clefs_make_no_staff_without_noteheads() -> None:
    img, syms = _lineless_page(SP, [60.0, 200.0], 700, 300)
    no_heads = [s for s in syms if not s[0].startswith("notehead")]
    assert "staff" not in find_lines_normalized(img, SP, LineConfig(), no_heads).classes
    assert (
        find_lines_normalized(img, SP, LineConfig(symbol_staff_heads=0), no_heads).classes.count("staff") == 2
    )
