"""Slurs read from the ink of a page of detected symbols (AssembleConfig.pixel_slurs)."""

from __future__ import annotations

import cv2
import numpy as np

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.slurs import slur_arcs
from frontline.music.records import Glyph, Note

SPACE = 10.0
ON = AssembleConfig(pixel_slurs=True)


def _arc(
    img: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], bulge: float, upto: float = 1.0
) -> None:
    """Draw a thin quadratic arc from p0 to p1 whose middle lies `bulge` pixels below the chord (only the
    part up to the fraction `upto` of the way)."""
    t = np.linspace(0.0, upto, 60)
    mid = ((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2 + 2 * bulge)
    xs = (1 - t) ** 2 * p0[0] + 2 * t * (1 - t) * mid[0] + t**2 * p1[0]
    ys = (1 - t) ** 2 * p0[1] + 2 * t * (1 - t) * mid[1] + t**2 * p1[1]
    pts = np.round(np.stack([xs, ys], axis=1)).astype(np.int32)
    cv2.polylines(img, [pts], False, 0, 2, cv2.LINE_8)


def _page(heads_y: tuple[float, float], stroke: str) -> tuple[list[Glyph], np.ndarray]:
    """A one-staff 2/4 page (space 10, lines 100-140) with two detected quarters (stems up) at x 100 and
    200 whose heads are centred at `heads_y`, and between them `stroke`: "slur" (a thin arc under the
    heads from one to the other), "line" (a thin straight line) or "" (nothing)."""
    img = np.full((260, 400), 255, np.uint8)
    for k in range(5):
        cv2.line(img, (20, 100 + 10 * k), (380, 100 + 10 * k), 0, 1)
    glyphs = [
        Glyph("staff", (20.0, 99.4, 380.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 0.9, 1),
        Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2),
        Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3),
    ]
    for k, (x0, cy) in enumerate(zip((100, 200), heads_y, strict=True)):
        on = "OnLine" if round(cy) % 10 == 0 else "InSpace"
        cv2.ellipse(img, (x0 + 6, int(cy)), (6, 4), -20, 0, 360, 0, -1)
        cv2.line(img, (x0 + 11, int(cy) - 35), (x0 + 11, int(cy)), 0, 2)
        glyphs.append(Glyph(f"noteheadBlack{on}", (x0, cy - 5, x0 + 12, cy + 5), 0.9, 10 + 2 * k))
        glyphs.append(Glyph("stem", (x0 + 10, cy - 35, x0 + 12, cy), 0.9, 11 + 2 * k))
    cv2.line(img, (300, 100), (300, 140), 0, 1)
    glyphs.append(Glyph("barline", (299.5, 100, 300.5, 140), 0.9, 20))
    if stroke == "slur":
        _arc(img, (106, heads_y[0] + 9), (206, heads_y[1] + 9), 8)
    elif stroke == "line":
        cv2.line(img, (106, int(heads_y[0]) + 9), (206, int(heads_y[1]) + 9), 0, 2)
    return glyphs, img


def _slurs(glyphs: list[Glyph], img: np.ndarray, cfg: AssembleConfig) -> list[tuple[bool, bool]]:
    m = assemble_pages([(glyphs, img)], cfg).score.parts[0].measures[0]
    notes = sorted((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)
    return [(n.slur_start, n.slur_stop) for n in notes]


def test_a_thin_arc_from_one_note_to_a_higher_one_is_a_slur() -> None:
    glyphs, img = _page((155, 135), "slur")
    assert _slurs(glyphs, img, ON) == [(True, False), (False, True)]
    # off: no slur
    assert _slurs(glyphs, img, AssembleConfig(pixel_slurs=False)) == [(False, False), (False, False)]
    # no arc: no slur
    glyphs, img = _page((155, 135), "")
    assert _slurs(glyphs, img, ON) == [(False, False), (False, False)]


def test_a_slur_cut_short_before_its_last_note_reaches_it_along_its_direction() -> None:
    # the arc's last part (the stretch rising to the second note) is missing, as where a slur runs
    # along a staff line or through a blanked symbol: its end lies 2.5 spaces short of the note
    glyphs, img = _page((155, 135), "")
    _arc(img, (106, 164), (206, 144), 8, upto=0.75)
    assert _slurs(glyphs, img, ON) == [(True, False), (False, True)]


def test_a_straight_line_between_two_notes_is_no_slur() -> None:
    glyphs, img = _page((155, 135), "line")
    assert _slurs(glyphs, img, ON) == [(False, False), (False, False)]


def test_an_arc_between_two_neighbouring_heads_at_one_height_is_a_tie_not_a_slur() -> None:
    glyphs, img = _page((155, 155), "slur")
    m = assemble_pages([(glyphs, img)], ON).score.parts[0].measures[0]
    notes = sorted((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)
    assert [(n.slur_start, n.slur_stop) for n in notes] == [(False, False), (False, False)]
    assert (notes[0].tie_start, notes[1].tie_stop) == (True, True)


def test_annotated_symbols_take_no_slurs_from_the_ink() -> None:
    glyphs, img = _page((155, 135), "slur")
    given = [Glyph(g.class_name, g.bbox_xyxy, 1.0, g.glyph_id) for g in glyphs]
    assert _slurs(given, img, ON) == [(False, False), (False, False)]


def test_slur_arcs_joins_an_arc_cut_by_a_symbol_and_skips_brackets() -> None:
    ink = np.zeros((120, 300), bool)
    img = np.full(ink.shape, 255, np.uint8)
    _arc(img, (20, 40), (220, 40), 15)
    ink |= img < 128
    arcs = slur_arcs(ink, SPACE, blocked=((115.0, 0.0, 125.0, 120.0),))  # a stem box cuts it in two
    assert len(arcs) == 1 and not arcs[0].above
    assert abs(arcs[0].left[0] - 20) <= 3 and abs(arcs[0].right[0] - 220) <= 3
    # two slurs one after the other (they meet near their notes, not out at the bulge) stay two
    img = np.full(ink.shape, 255, np.uint8)
    _arc(img, (20, 40), (110, 40), 12)
    _arc(img, (125, 40), (220, 40), 12)
    assert len(slur_arcs(img < 128, SPACE)) == 2
    # an ending's bracket: a line with a hook down at both ends bulges as much at its quarters
    ink = np.zeros((120, 300), bool)
    ink[40:42, 20:220] = True
    ink[40:60, 20:22] = True
    ink[40:60, 218:220] = True
    assert slur_arcs(ink, SPACE) == []


def test_a_beam_detection_touching_no_stem_does_not_cut_the_slur_it_lies_on() -> None:
    # the detector reports the flat middle of a slur as a beam (degraded pages): blanking that box left
    # two short ends; a beam touching no stem is left in the ink (AssembleConfig.slur_loose_beams)
    glyphs, img = _page((155, 135), "slur")
    ys = [y for y in range(260) if (img[y, 130:180] == 0).any()]
    glyphs.append(Glyph("beam", (128.0, float(min(ys)), 182.0, float(max(ys) + 1)), 0.9, 30))
    assert _slurs(glyphs, img, ON) == [(True, False), (False, True)]
    assert _slurs(glyphs, img, AssembleConfig(slur_loose_beams=False)) == [(False, False), (False, False)]
    # a beam touching a stem is a beam: blanked
    glyphs.append(Glyph("stem", (180.0, float(min(ys)) - 30, 182.0, float(max(ys))), 0.9, 31))
    assert _slurs(glyphs, img, ON) == [(False, False), (False, False)]


def test_a_slur_end_two_spaces_under_its_note_ends_there() -> None:
    # an articulation between a note and its slur's end pushes the end 2 spaces off the head (within
    # AssembleConfig.slur_end_reach, 2.5 spaces; 1.5 before)
    glyphs, img = _page((145, 125), "")
    _arc(img, (106, 172), (206, 152), 8)
    assert _slurs(glyphs, img, ON) == [(True, False), (False, True)]
    assert _slurs(glyphs, img, AssembleConfig(slur_end_reach=1.5)) == [(False, False), (False, False)]
    # further than that: no note ends it
    glyphs, img = _page((145, 125), "")
    _arc(img, (106, 180), (206, 160), 8)
    assert _slurs(glyphs, img, ON) == [(False, False), (False, False)]


def test_a_slur_cut_into_short_flat_pieces_by_blanked_symbols_is_read_whole() -> None:
    # two detected symbols lie on the slur: the three pieces left are each too short or too flat to
    # pass as arcs; chained they are one (AssembleConfig.slur_join_strokes)
    glyphs, img = _page((155, 135), "slur")
    for k, x in enumerate((135, 172)):
        ys = [y for y in range(150, 200) if img[y, x] == 0]
        glyphs.append(
            Glyph("articTenutoBelow", (x - 6.0, min(ys) - 2.0, x + 6.0, max(ys) + 2.0), 0.9, 40 + k)
        )
    assert _slurs(glyphs, img, ON) == [(True, False), (False, True)]
    assert _slurs(glyphs, img, AssembleConfig(slur_join_strokes=False)) == [(False, False), (False, False)]
