"""Ties read from the ink (AssembleConfig.tie_line_runs, tie_close_heads, tie_double_sharps): each test
fails without its change."""

from __future__ import annotations

import numpy as np

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.pixels import tie_arc
from frontline.music.records import Glyph, Note

SPACE = 10.0


def test_a_tie_merged_with_a_staff_line_is_a_tie() -> None:
    # heads in the space between the lines at 110 and 120; the tie over them lies on the line at 110
    ink = np.zeros((160, 200), bool)
    for y in range(100, 141, 10):
        ink[y : y + 2, :] = True  # staff lines two pixels thick
    a, b = (20.0, 110.0, 32.0, 120.0), (120.0, 110.0, 132.0, 120.0)
    ink[110:120, 20:33] = ink[110:120, 120:133] = True
    ink[106:110, 33:120] = True  # the tie's flat middle, 4 pixels, touching the line: a 6-pixel run
    lines = (100.5, 110.5, 120.5, 130.5, 140.5)
    assert tie_arc(ink, a, b, SPACE, lines) == ""
    assert tie_arc(ink, a, b, SPACE, lines, line_runs=True) == "above"
    # a beam-thick run on the line stays thick
    ink[103:110, 33:120] = True
    assert tie_arc(ink, a, b, SPACE, lines, line_runs=True) == ""


def test_a_tie_between_heads_less_than_a_space_apart_is_read_under_their_middles() -> None:
    ink = np.zeros((100, 100), bool)
    a, b = (20.0, 45.0, 32.0, 55.0), (37.0, 45.0, 49.0, 55.0)  # half a space apart
    ink[45:56, 20:33] = ink[45:56, 37:50] = True
    for x in range(26, 44):
        t = (x - 26) / 17
        y = int(round(60 + 3 * 4 * t * (1 - t)))  # from under one head's middle to under the other's
        ink[y : y + 2, x] = True
    assert tie_arc(ink, a, b, SPACE, (), (a, b)) == ""
    assert tie_arc(ink, a, b, SPACE, (), (a, b), close_heads=True) == "below"
    ink[56:70, 30:40] = True  # a blot under them: no tie
    assert tie_arc(ink, a, b, SPACE, (), (a, b), close_heads=True) == ""


def _staff_page() -> tuple[list[Glyph], np.ndarray]:
    """An empty one-staff 2/4 page (space 10, lines 100-140, x 20-380) with its staff, clef and time
    signature detected."""
    img = np.full((260, 400), 255, np.uint8)
    for k in range(5):
        img[100 + 10 * k, 20:380] = 0
    glyphs = [
        Glyph("staff", (20.0, 99.4, 380.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 0.9, 1),
        Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2),
        Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3),
    ]
    return glyphs, img


def _double_sharp_page() -> tuple[list[Glyph], np.ndarray]:
    """A one-staff 2/4 page (space 10, lines 100-140): two detected quarters (stems down) on the top space
    (E5, y 105) at x 100 and 130, a tie over them, and the tie detected as a double sharp 0.4 spaces
    above the heads' middle."""
    glyphs, img = _staff_page()
    for k, x0 in enumerate((100, 130)):
        img[101:110, x0 : x0 + 12] = 0
        img[105:140, x0 : x0 + 2] = 0  # stems down
        glyphs.append(Glyph("noteheadBlackInSpace", (x0, 100.5, x0 + 12, 109.5), 0.9, 10 + 2 * k))
        glyphs.append(Glyph("stem", (x0, 105, x0 + 2, 140), 0.9, 11 + 2 * k))
    for x in range(112, 130):
        t = (x - 112) / 17
        y = int(round(99 - 4 * 4 * t * (1 - t)))  # over the heads, bulging up
        img[y : y + 2, x] = 0
    glyphs.append(Glyph("accidentalDoubleSharp", (113, 96, 126, 106), 0.6, 20))
    img[100:141, 300] = 0
    glyphs.append(Glyph("barline", (299.5, 100, 300.5, 140), 0.9, 21))
    return glyphs, img


def test_a_double_sharp_in_a_ties_place_is_the_tie() -> None:
    glyphs, img = _double_sharp_page()

    def notes(cfg: AssembleConfig) -> list[Note]:
        m = assemble_pages([(glyphs, img)], cfg).score.parts[0].measures[0]
        return sorted((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)

    first, second = notes(AssembleConfig())
    assert (first.tie_start, second.tie_stop) == (True, True)
    assert second.accidental == "" and second.pitch.alter == 0
    first, second = notes(AssembleConfig(tie_double_sharps=False))
    assert not second.tie_stop and second.accidental == "double-sharp"


def test_a_tie_to_the_next_system_merged_with_a_staff_line_is_a_tie() -> None:
    # the staff's last note (C5, y 115, x 200) has a tie running on to the staff's end over it, lying on
    # the line at 110 (a 6-pixel run with the line: thicker than half a space)
    glyphs, img = _staff_page()
    for k, (x0, cy) in enumerate(((100, 105), (200, 115))):
        img[cy - 4 : cy + 5, x0 : x0 + 12] = 0
        img[cy : cy + 35, x0 : x0 + 2] = 0  # stems down
        on = "OnLine" if cy % 10 == 0 else "InSpace"
        glyphs.append(Glyph(f"noteheadBlack{on}", (x0, cy - 4.5, x0 + 12, cy + 4.5), 0.9, 10 + 2 * k))
        glyphs.append(Glyph("stem", (x0, cy, x0 + 2, cy + 35), 0.9, 11 + 2 * k))
    img[105:110, 213:379] = 0

    def last(cfg: AssembleConfig) -> Note:
        m = assemble_pages([(glyphs, img)], cfg).score.parts[0].measures[-1]
        return max((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)

    assert last(AssembleConfig()).tie_start
    assert not last(AssembleConfig(tie_line_runs=False)).tie_start
