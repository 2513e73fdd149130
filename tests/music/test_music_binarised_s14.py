"""Session 14: binarised scans whose staff lines, start lines and barlines are left as dotted fragments.
Systems are regrouped at the page's wide gaps (`AssembleConfig.systems_from_gaps`,
`staves._systems_from_gaps`). Small synthetic staves and glyphs."""

from __future__ import annotations

import numpy as np

from frontline.music.assemble.staves import group_systems
from frontline.music.records import Glyph, Staff

SP = 10.0


def _staff(i: int, top: float, x0: float = 100.0) -> Staff:
    return Staff(i, tuple(top + k * SP for k in range(5)), x0, 1000.0)


def _choir(clefs2: tuple[str, ...] = ("clefG", "clefF", "clefG", "clefF")) -> tuple[list[Staff], list[Glyph]]:
    """Two systems of four staves (gaps 40 inside, 100 between); only three barlines survive, joining
    staves 1-2-3 and 4-5 and 6-7: the links read 1 + 3 + 2 + 2."""
    tops = [t0 + k * 80.0 for t0 in (100.0, 520.0) for k in range(4)]
    staves = [_staff(i, t) for i, t in enumerate(tops)]
    glyphs = [
        Glyph("barline", (500.0, tops[1], 502.0, tops[3] + 4 * SP), 0.9, 0),
        Glyph("barline", (600.0, tops[4], 602.0, tops[5] + 4 * SP), 0.9, 1),
        Glyph("barline", (700.0, tops[6], 702.0, tops[7] + 4 * SP), 0.9, 2),
    ]
    for i, (t, c) in enumerate(zip(tops, ("clefG", "clefF", "clefG", "clefF") + clefs2, strict=True)):
        glyphs.append(Glyph(c, (105.0, t - 5.0, 125.0, t + 45.0), 0.9, 10 + i))
    return staves, glyphs


def test_systems_split_by_lost_links_are_regrouped_at_the_wide_gaps() -> None:
    staves, glyphs = _choir()
    assert [len(s.staves) for s in group_systems(staves, glyphs, gaps=False)] == [1, 3, 2, 2]
    systems = group_systems(staves, glyphs)
    assert [len(s.staves) for s in systems] == [4, 4]
    assert [len(s.part_staves) for s in systems] == [4, 4]


def test_regrouping_needs_one_clef_order_and_equal_systems() -> None:
    staves, glyphs = _choir(("clefF", "clefG", "clefG", "clefF"))  # another order: not one layout
    assert [len(s.staves) for s in group_systems(staves, glyphs)] == [1, 3, 2, 2]
    staves, glyphs = _choir()
    three = staves[:7]  # the wide gap leaves 4 + 3: unequal, left as read
    assert [len(s.staves) for s in group_systems(three, glyphs)] == [1, 3, 2, 1]


def test_pages_whose_systems_are_all_linked_are_left_as_they_were() -> None:
    staves, glyphs = _choir()
    glyphs = glyphs + [
        Glyph("systemicBarline", (99.0, staves[0].top, 101.0, staves[3].bottom), 0.9, 20),
        Glyph("systemicBarline", (99.0, staves[4].top, 101.0, staves[7].bottom), 0.9, 21),
    ]
    a = group_systems(staves, glyphs, gaps=False)
    b = group_systems(staves, glyphs)
    assert a == b and [len(s.staves) for s in b] == [4, 4]


def _staff_glyph(top: float, gid: int, x1: float = 500.0) -> Glyph:
    return Glyph("staff", (20.0, top - 0.6, x1, top + 4 * SP + 0.6), 1.0, gid)


def test_a_measure_of_a_grace_note_alone_gets_a_whole_measure_rest() -> None:
    # 1/4: a quarter, then a measure whose only note is a slashed grace note (its main note lost)
    from frontline.music.assemble import assemble_pages
    from frontline.music.records import Rest

    glyphs = [_staff_glyph(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig1", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    glyphs.append(Glyph("noteheadBlackOnLine", (112, 115, 124, 125), 1.0, 4))
    glyphs.append(Glyph("stem", (123, 85, 124, 120), 1.0, 5))
    glyphs.append(Glyph("barline", (200, 100, 201, 140), 1.0, 6))
    glyphs.append(Glyph("noteheadBlackOnLineSmall", (300, 116, 308, 122), 1.0, 7))
    glyphs.append(Glyph("stem", (307, 96, 308, 119), 1.0, 8))
    glyphs.append(Glyph("flag8thUp", (307, 96, 313, 108), 1.0, 9))
    glyphs.append(Glyph("graceSlash", (302, 100, 316, 109), 1.0, 10))
    glyphs.append(Glyph("barline", (400, 100, 401, 140), 1.0, 11))
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert len(measures) == 2
    second = measures[1].events
    assert any(isinstance(e, Rest) and e.measure_rest for e in second)
    assert any(getattr(e, "grace", False) for e in second)


def test_with_no_link_at_all_systems_come_from_a_clear_jump_in_the_gaps() -> None:
    # three systems of four staves, nothing links them: gaps 30-40 inside, 60 between
    tops, y = [], 100.0
    for _ in range(3):
        for k in range(4):
            tops.append(y)
            y += 40.0 + (30.0 + 3 * k if k < 3 else 60.0)
    staves = [_staff(i, t) for i, t in enumerate(tops)]
    clefs = ("clefG", "clefG", "clefG8vb", "clefF")
    glyphs = [Glyph(clefs[i % 4], (105.0, t - 5.0, 125.0, t + 45.0), 0.9, i) for i, t in enumerate(tops)]
    assert [len(s.staves) for s in group_systems(staves, glyphs, gaps=False)] == [1] * 12
    assert [len(s.staves) for s in group_systems(staves, glyphs)] == [4, 4, 4]
    # single staves spaced unevenly in pairs are not read as duets (systems of three staves at least)
    pairs = [_staff(i, 100.0 + i * 70.0 + (i // 2) * 30.0) for i in range(6)]
    treble = [Glyph("clefG", (105.0, s.top - 5, 125.0, s.bottom + 5), 0.9, i) for i, s in enumerate(pairs)]
    assert [len(s.staves) for s in group_systems(pairs, treble)] == [1] * 6


def _dotted_page() -> np.ndarray:
    """A page without staff lines (space 10): 24 solid heads 11 px tall and barlines broken into
    pieces 18 px tall (a binarised scan's dotted barlines)."""
    img = np.full((400, 1200), 255, np.uint8)
    yy, xx = np.mgrid[0:400, 0:1200]
    for k in range(24):
        cx, cy = 60 + (k % 8) * 140 + (k // 8) * 40, 30 + (k * 53) % 340
        img[((xx - cx) / 6.5) ** 2 + ((yy - cy) / 5.5) ** 2 <= 1.0] = 0
    for x in (30, 600, 1160):
        for y0 in (40, 160, 280):
            img[y0 : y0 + 18, x : x + 2] = 0
    return img


def test_a_barlines_space_the_noteheads_contradict_is_not_taken() -> None:
    from frontline.music.normalize import (
        NormalizeConfig,
        normalize_page,
        space_from_barlines,
        space_from_heads,
    )

    img = _dotted_page()
    assert abs(space_from_barlines(img) - 18 / 4.12) < 0.3
    assert abs(space_from_heads(img) - 10.0) < 1.0
    assert abs(normalize_page(img).staff.space_px - 10.0) < 1.0
    old = normalize_page(img, NormalizeConfig(head_check_ratio=0.0))
    assert abs(old.staff.space_px - 18 / 4.12) < 0.3
    # a blank page has no heads: nothing changes
    assert space_from_heads(np.full((200, 200), 255, np.uint8)) == 0.0


def test_systems_a_little_apart_with_scattered_starts_are_regrouped_by_their_clefs() -> None:
    # three systems of five staves, gaps 89 inside and 102 between (1.15 times); the staves' starts
    # are scattered by lost line ends, the clefs stand at one x; one barline joins the first two staves
    tops, y = [], 100.0
    for _ in range(3):
        for k in range(5):
            tops.append(y)
            y += 40.0 + (89.0 if k < 4 else 102.0)
    staves = [_staff(i, t, 100.0 + (37 * i) % 90) for i, t in enumerate(tops)]
    clefs = ("clefG", "clefG", "clefG", "clefG", "clefF")
    glyphs = [Glyph(clefs[i % 5], (85.0, t - 5.0, 105.0, t + 45.0), 0.9, i) for i, t in enumerate(tops)]
    glyphs.append(Glyph("barline", (500.0, tops[0], 502.0, tops[1] + 4 * SP), 0.9, 99))
    assert [len(s.staves) for s in group_systems(staves, glyphs, gaps=False)] == [2] + [1] * 13
    assert [len(s.staves) for s in group_systems(staves, glyphs)] == [5, 5, 5]
