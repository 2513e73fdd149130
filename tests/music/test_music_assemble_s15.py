"""Session 15: two assembly rules found on the classical development pages (non-reserved corpus pieces
engraved in the style of the reserved ones; never the benchmark's). Each test fails without its change."""

from __future__ import annotations

from fractions import Fraction as F

from assembly_glyphs import header, header_below

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _treble_over_bass(joined: bool) -> list[Glyph]:
    """A treble staff (top 100) over a bass staff (top 220), no brace, a systemic barline at the start,
    4/4 and a whole note on each; the barline at x 300 runs through both staves when `joined`."""
    lower = header_below("4", "4", 120)
    lower = [
        Glyph("clefF", (25, 220, 40, 245), 1.0, g.glyph_id) if g.class_name == "clefG" else g for g in lower
    ]
    glyphs = header("4", "4") + lower + [Glyph("systemicBarline", (19, 100, 21, 260), 1.0, 20)]
    if joined:
        glyphs += [Glyph("barline", (300, 100, 301, 260), 1.0, 21)]
    else:
        glyphs += [
            Glyph("barline", (300, 100, 301, 140), 1.0, 21),
            Glyph("barline", (300, 220, 301, 260), 1.0, 22),
        ]
    glyphs += [Glyph("noteheadWholeInSpace", (100, 110, 114, 120), 1.0, 23)]
    glyphs += [Glyph("noteheadWholeInSpace", (100, 230, 114, 240), 1.0, 24)]
    return glyphs


def test_an_unbraced_treble_and_bass_pair_is_a_grand_staff_only_when_its_barlines_run_through_both() -> None:
    # kern pieces (two "Piano" parts, no part group) are engraved with a barline per staff and no brace:
    # the treble-over-bass fallback (meant for a brace the detector missed) made them one grand staff,
    # 9 edits a page (classical dev pages, ground-truth symbols: 6 pages 13-17 -> 3-8 edits)
    apart = assemble_pages([(_treble_over_bass(joined=False), None)]).score.parts
    assert len(apart) == 2 and all(p.staves == 1 for p in apart)
    joined = assemble_pages([(_treble_over_bass(joined=True), None)]).score.parts
    assert len(joined) == 1 and joined[0].staves == 2


def _braced_with_p(top: float) -> list[Glyph]:
    """Two treble staves (tops 100 and 220) braced into a grand staff, 4/4, a whole note on each, and a
    "p" whose box starts at y `top`."""
    glyphs = header("4", "4") + header_below("4", "4", 120)
    glyphs += [
        Glyph("systemicBarline", (19, 100, 21, 260), 1.0, 20),
        Glyph("brace", (5, 100, 15, 260), 1.0, 21),
        Glyph("barline", (300, 100, 301, 260), 1.0, 22),
        Glyph("noteheadWholeInSpace", (100, 110, 114, 120), 1.0, 23),
        Glyph("noteheadWholeInSpace", (100, 230, 114, 240), 1.0, 24),
        Glyph("dynamicP", (101, top, 113, top + 13), 1.0, 25),
    ]
    return glyphs


def _dynamic_staff(glyphs: list[Glyph], cfg: AssembleConfig | None = None) -> list[tuple[str, F, int]]:
    parts = assemble_pages([(glyphs, None)], cfg).score.parts
    assert len(parts) == 1
    return [(d.value, d.onset_q, d.staff) for d in parts[0].measures[0].directions]


def test_a_dynamic_just_above_a_grand_staffs_lower_staff_marks_that_staff() -> None:
    # the engraver sets the lower staff's dynamic just above it and the upper staff's just below that one;
    # every dynamic in the gap went to the upper staff (classical and piano dev pages, one edit pair each)
    assert _dynamic_staff(_braced_with_p(200)) == [("p", F(0), 2)]
    assert _dynamic_staff(_braced_with_p(146)) == [("p", F(0), 1)]  # just below the upper staff
    assert _dynamic_staff(_braced_with_p(174)) == [("p", F(0), 1)]  # mid-gap: the upper staff, as before
    assert _dynamic_staff(_braced_with_p(200), AssembleConfig(dynamics_nearest_staff=0.0)) == [("p", F(0), 1)]
