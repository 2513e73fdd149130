"""Assembly rules found on the development pages (data-engine seeds 97000+, non-reserved corpus and
generator pages; never the benchmark's): each test fails without its rule."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from frontline.music.assemble import assemble_pages
from frontline.music.assemble.staves import skew_from_staff_boxes
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Glyph, Note

SPACE = 10.0


def _staff(top: float, gid: int, x1: float = 500.0) -> Glyph:
    return Glyph("staff", (20.0, top - 0.6, x1, top + 4 * SPACE + 0.6), 1.0, gid)


def test_skew_from_where_the_staff_boxes_end() -> None:
    # staves of a page rotated by 0.5 degree (lines descend to the right): right ends drift left with y
    t = np.tan(np.radians(0.5))
    boxes = [
        Glyph("staff", (20 - y * t, y, 500 - y * t, y + 41), 1.0, k) for k, y in enumerate((100, 200, 300))
    ]
    assert skew_from_staff_boxes(boxes) == pytest.approx(0.5, abs=0.01)
    # a short last line is outvoted; two staves are too few
    boxes.append(Glyph("staff", (20 - 400 * t, 400, 300, 441), 1.0, 9))
    boxes.append(Glyph("staff", (20 - 500 * t, 500, 500 - 500 * t, 541), 1.0, 10))
    assert skew_from_staff_boxes(boxes) == pytest.approx(0.5, abs=0.05)
    assert skew_from_staff_boxes(boxes[:2]) is None


def test_page_without_visible_staff_lines_is_not_rotated_by_its_beams() -> None:
    # annotated staves (no lines in the image: a binarised scan lost them), and long slanted strokes
    # (beams) that the image's skew estimate would lock onto; the staff boxes end at one x: no rotation
    img = np.full((700, 600), 255, np.uint8)
    for y0 in (120, 330, 600):  # three strokes far apart: no staff
        for x in range(60, 560):
            y = int(y0 + 0.035 * (x - 60))
            img[y : y + 4, x] = 0
    glyphs = [_staff(100 + 150 * k, k) for k in range(4)]
    asm = assemble_pages([(glyphs, img)])
    assert asm.pages[0].angle_deg == 0.0


def test_a_head_two_ledgers_below_a_staff_stays_on_it_when_nearer_the_next() -> None:
    # two single-staff parts with a narrow gap (tops 100 and 176: 3.6 spaces between the staves); an
    # A3 two ledgers below the upper treble staff sits nearer the lower staff, but its ledgers lead up
    glyphs = [_staff(100, 0), _staff(176, 1), Glyph("systemicBarline", (19, 100, 21, 216), 1.0, 20)]
    glyphs += [Glyph("clefG", (25, 90, 40, 150), 1.0, 2), Glyph("clefG", (25, 166, 40, 226), 1.0, 3)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 1.0, 4), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 5)]
    glyphs += [Glyph("timeSig4", (50, 176, 60, 196), 1.0, 6), Glyph("timeSig4", (50, 196, 60, 216), 1.0, 7)]
    head_y = 140 + 2 * SPACE  # A3: second ledger line below the upper staff (bottom line at 140)
    glyphs.append(Glyph("noteheadWholeOnLine", (100, head_y - 5, 114, head_y + 5), 1.0, 8))
    glyphs.append(Glyph("legerLine", (96, 149.5, 118, 150.5), 1.0, 9))
    glyphs.append(Glyph("legerLine", (96, 159.5, 118, 160.5), 1.0, 10))
    glyphs.append(Glyph("noteheadWholeOnLine", (200, 191, 214, 201), 1.0, 11))  # lower part: B4
    glyphs.append(Glyph("barline", (300, 100, 301, 140), 1.0, 12))
    glyphs.append(Glyph("barline", (300, 176, 301, 216), 1.0, 13))
    parts = assemble_pages([(glyphs, None)]).score.parts
    upper = [e for e in parts[0].measures[0].events if isinstance(e, Note)]
    lower = [e for e in parts[1].measures[0].events if isinstance(e, Note)]
    assert [str(n.pitch) for n in upper] == ["A3"]
    assert [str(n.pitch) for n in lower] == ["B4"]


def test_annotated_time_digits_are_not_overruled_by_measure_lengths() -> None:
    # 2/4 given by annotated digits; every measure holds two voices of two quarters each, drawn with
    # all stems up (so the measures sum to four quarters): still 2/4
    from tests.music.test_music_assemble_robust import _glyph_system

    glyphs = _glyph_system(1, [4, 4, 4], {0: ["timeSig2", "timeSig4"]})
    given = [replace(g, score=1.0) if g.class_name.startswith("timeSig") else g for g in glyphs]
    t = assemble_pages([(given, None)]).score.parts[0].measures[0].time
    assert t is not None and (t.beats, t.beat_type) == (2, 4)
    # the same digits from a detector (score below 1) are overruled, as before
    t = assemble_pages([(glyphs, None)]).score.parts[0].measures[0].time
    assert t is not None and (t.beats, t.beat_type) == (4, 4)


def test_measure_lengths_leave_out_measures_with_two_voices_struck_together() -> None:
    from frontline.music.assemble.build import _Group, _measure_lengths

    def g(x: float, stem: str, m: int) -> _Group:
        return _Group(
            [], 0, x, "black", stem=Glyph("stem", (x, 0, x + 1, 30), 1.0, 0), stem_dir=stem, measure=m
        )

    # measure 0: two voices (up and down struck together at each x); measure 1: one voice of 4 quarters
    groups = [g(x, d, 0) for x in (10, 30, 50, 70) for d in ("up", "down")] + [
        g(x, "up", 1) for x in (110, 130, 150, 170)
    ]
    lengths = _measure_lengths(groups, [0], 2, 3.0)
    assert lengths == {F(4): 1}


def test_rests_moved_below_the_staff_are_the_second_voice() -> None:
    # 2/4: a dotted quarter and an eighth (stems up) and, low on the staff, the other voice's half rest
    slots = [
        VoiceSlot(100, "", 1, F(2), is_rest=True),
        VoiceSlot(104, "up", 6, F(3, 2)),
        VoiceSlot(160, "up", 7, F(1, 2)),
    ]
    assert split_voices(slots, F(2), 8.0) == [2, 1, 1]
    # a rest at the middle of the staff is not moved: one (overfull) voice, left for the repair
    mid = [replace(slots[0], height=4.5, x=60), *slots[1:]]
    assert split_voices(mid, F(2), 8.0) == [1, 1, 1]


def test_a_rest_struck_with_a_note_is_the_other_voice() -> None:
    # 3/4: a stemless dotted half high up, a quarter rest at the same x, then four eighths stems down
    slots = [
        VoiceSlot(100, "", 4, F(1), is_rest=True),
        VoiceSlot(104, "", 12, F(3)),
        *(VoiceSlot(x, "down", 3, F(1, 2)) for x in (150, 180, 210, 240)),
    ]
    assert split_voices(slots, F(3), 8.0) == [2, 1, 2, 2, 2, 2]


def test_beam_at_a_stem_end_read_where_the_stem_ink_ends_not_the_box() -> None:
    from frontline.music.assemble.pixels import ink_mask, stem_end_strokes

    img = np.full((120, 120), 255, np.uint8)
    img[20:61, 50] = 0  # down stem whose ink ends at y=60
    img[55:61, 10:51] = 0  # a beam from the left ending at the stem's end
    ink = ink_mask(img)
    # a detector's stem box running 4 px past the ink: the beam is still found at the stem's end
    assert stem_end_strokes(ink, (49.5, 20, 50.5, 64), False, SPACE) == (1, 0)
    # and a box stopping short of the end (the end is read from the ink)
    assert stem_end_strokes(ink, (49.5, 20, 50.5, 52), False, SPACE) == (1, 0)


def test_a_detected_stem_stopping_short_of_its_beam_runs_on_to_it() -> None:
    # 2/4, four detected eighths (B4, stems up) under one beam; the last stem's box stops 1.5 spaces
    # below the beam (its faint ink broke off): still an eighth, the measure fits
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    for k, x in enumerate((100.0, 140.0, 180.0, 220.0)):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), 0.95, 10 + k))
        top = 82.0 if k < 3 else 100.0  # the last one stops short of the beam (y 80-85)
        glyphs.append(Glyph("stem", (x + 11, top, x + 12, 120), 1.0, 20 + k))
    glyphs.append(Glyph("beam", (111, 80, 233, 85), 1.0, 30))
    glyphs.append(Glyph("barline", (260, 100, 261, 140), 1.0, 31))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    assert [e.duration_q for e in m.events] == [F(1, 2)] * 4
    assert not m.flagged


def test_a_clef_beside_the_staff_lines_is_not_a_clef_change() -> None:
    # a detector reads a letter of the title above the staff as an alto clef: the notes after it keep
    # the treble clef (a clef sits on its staff's lines)
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    glyphs.append(Glyph("clefCAlto", (150, 45, 165, 75), 0.6, 4))
    for k, x in enumerate((100.0, 200.0)):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), 0.95, 10 + k))
        glyphs.append(Glyph("stem", (x + 11, 85, x + 12, 120), 1.0, 20 + k))
    glyphs.append(Glyph("barline", (260, 100, 261, 140), 1.0, 31))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    assert [str(e.pitch) for e in m.events if isinstance(e, Note)] == ["B4", "B4"]
    assert not m.clefs or all(c.clef.sign == "G" for c in m.clefs)


def _quarters(xs: list[float], bars: list[float]) -> list[Glyph]:
    """One treble staff (top 100) in 2/4 (detected digits), detected B4 quarters at `xs`, barlines."""
    glyphs = [_staff(100, 0, 700), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    for k, x in enumerate(xs):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), 0.95, 10 + k))
        glyphs.append(Glyph("stem", (x + 11, 85, x + 12, 120), 1.0, 100 + k))
    for k, x in enumerate(bars):
        glyphs.append(Glyph("barline", (x, 100, x + 2, 140), 1.0, 200 + k))
    return glyphs


def test_a_repeat_barline_missing_its_thick_stroke_is_one_barline() -> None:
    # |: between two measures drawn thin-thick-thin with dots; the detector found the two thin lines
    # (19 px apart) and read the thick one as a lone time digit "8": still two measures, a repeat
    glyphs = _quarters([100, 160, 300, 360], [230, 249, 450])
    glyphs += [
        Glyph("repeatDot", (255, 113, 259, 117), 0.9, 300),
        Glyph("repeatDot", (255, 123, 259, 127), 0.9, 301),
    ]
    glyphs.append(Glyph("timeSig8", (229, 118, 252, 141), 0.5, 302))
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert len(measures) == 2
    assert [len(m.events) for m in measures] == [2, 2]
    assert measures[1].repeat_start


def test_stray_digits_on_different_staves_do_not_hide_a_barline() -> None:
    # a barline through three staves, with a "3" read at it on the top staff and an "8" on the bottom
    # one: no time signature (digits of one signature share a staff), the barline stays
    from tests.music.test_music_assemble_robust import _glyph_system

    glyphs = _glyph_system(3, [2, 2], {k: ["timeSig2", "timeSig4"] for k in range(3)})
    bar = next(g for g in glyphs if g.class_name == "barline")
    x = bar.center_xy[0]
    glyphs.append(Glyph("timeSig3", (x - 4, 101, x + 6, 118), 0.44, 9000))
    glyphs.append(Glyph("timeSig8", (x - 3, 322, x + 7, 340), 0.33, 9001))
    part = assemble_pages([(glyphs, None)]).score.parts[0]
    assert [len(m.events) for m in part.measures] == [2, 2]


def test_repair_drops_a_tuplet_read_from_a_stray_three() -> None:
    from frontline.music.assemble.repair import RhythmItem, repair_voice

    # 4/4: two quarters and four beamed eighths that a stray "3" made a tuplet (3.33 quarters)
    eighths = [RhythmItem(F(1, 2), 0, F(2, 3), beamable=True, beam_group=0) for _ in range(4)]
    rep = repair_voice([RhythmItem(F(1), 0), RhythmItem(F(1), 0), *eighths], F(4))
    assert rep.fits and "drop tuplet" in rep.edit
    assert [it.scale for it in rep.items] == [F(1)] * 6


def test_two_dots_stacked_beside_a_chord_dot_two_heads_once() -> None:
    # 2/4: a dotted-quarter chord (G4 + B4, stem up; dots at y 116 and 124, both nearer the B4 head)
    # and an eighth: each head takes one dot of the column, the chord is dotted once, the measure fits
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    glyphs.append(Glyph("noteheadBlackOnLine", (100, 115, 112, 125), 1.0, 4))  # B4 (cy 120)
    glyphs.append(Glyph("noteheadBlackOnLine", (100, 125, 112, 135), 1.0, 5))  # G4 (cy 130)
    glyphs.append(Glyph("stem", (111, 85, 112, 130), 1.0, 6))
    glyphs.append(Glyph("augmentationDot", (116, 114, 119, 118), 1.0, 7))
    glyphs.append(Glyph("augmentationDot", (116, 122, 119, 126), 1.0, 8))
    glyphs.append(Glyph("noteheadBlackOnLine", (160, 115, 172, 125), 1.0, 9))
    glyphs.append(Glyph("stem", (171, 85, 172, 120), 1.0, 10))
    glyphs.append(Glyph("flag8thUp", (172, 85, 180, 105), 1.0, 11))
    glyphs.append(Glyph("barline", (260, 100, 261, 140), 1.0, 12))
    asm = assemble_pages([(glyphs, None)])
    m = asm.score.parts[0].measures[0]
    assert sorted(e.duration_q for e in m.events) == [F(1, 2), F(3, 2)]
    assert not m.flagged and asm.measures[0].edit == ""  # read right, not repaired


def test_a_ledger_line_detected_as_a_beam_at_the_head_end_of_a_stem_is_no_beam() -> None:
    # 2/4: two detected quarters (A3 below the treble staff, stems up); each ledger line under the
    # head was detected as a "beam": beams leave the stem's far end, so they stay quarters
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    for k, x in enumerate((100.0, 180.0)):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 155, x + 12, 165), 0.95, 10 + k))  # A3 (cy 160)
        glyphs.append(Glyph("stem", (x + 11, 125, x + 12, 160), 1.0, 20 + k))
        glyphs.append(Glyph("beam", (x - 4, 148, x + 16, 152), 1.0, 30 + k))  # the ledger line at 150
    glyphs.append(Glyph("barline", (260, 100, 261, 140), 1.0, 40))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    assert [e.duration_q for e in m.events] == [F(1), F(1)]
    assert [str(e.pitch) for e in m.events if isinstance(e, Note)] == ["A3", "A3"]


def test_string_bowings_are_read_and_written_as_technical_marks(tmp_path: Path) -> None:
    from frontline.music.musicxml import load_musicxml, musicxml_string, save_musicxml

    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig1", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    glyphs.append(Glyph("noteheadBlackOnLine", (100, 115, 112, 125), 1.0, 4))
    glyphs.append(Glyph("stem", (100, 120, 101, 150), 1.0, 5))
    glyphs.append(Glyph("stringsDownBow", (100, 80, 112, 90), 1.0, 6))
    glyphs.append(Glyph("barline", (160, 100, 161, 140), 1.0, 7))
    score = assemble_pages([(glyphs, None)]).score
    note = score.parts[0].measures[0].events[0]
    assert isinstance(note, Note) and note.articulations == ("down-bow",)
    xml = musicxml_string(score)
    assert "<technical>" in xml and "<down-bow" in xml
    assert "<articulations>" not in xml
    save_musicxml(score, tmp_path / "s.musicxml")
    back = load_musicxml(tmp_path / "s.musicxml").parts[0].measures[0].events[0]
    assert isinstance(back, Note) and back.articulations == ("down-bow",)


def test_sixteenths_beamed_in_pairs_under_one_eighth_beam() -> None:
    from frontline.music.assemble.rhythm import beam_labels

    # four sixteenths: the primary beam runs through, the second level is drawn in two pieces
    labels = beam_labels([2, 2, 2, 2], spans=[2, 1, 2])
    assert labels == [
        ("begin", "begin"),
        ("continue", "end"),
        ("continue", "begin"),
        ("end", "end"),
    ]
    assert beam_labels([2, 2, 2, 2])[1] == ("continue", "continue")  # without the pieces: one run


def test_detected_sixteenths_in_pairs_get_their_beam_breaks_from_the_ink() -> None:
    # 1/4 in 4 detected sixteenths (B4, stems up); the primary beam runs through, the second level is
    # drawn over each pair; the detector reported one beam box: the breaks come from the ink
    img = np.full((220, 320), 255, np.uint8)
    for k in range(5):
        img[100 + 10 * k, 20:300] = 0
    xs = [100, 140, 180, 220]
    glyphs = [Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig1", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    for k, x in enumerate(xs):
        img[116:125, x : x + 12] = 0  # head
        img[75:121, x + 11] = 0  # stem
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), 0.95, 10 + k))
        glyphs.append(Glyph("stem", (x + 11, 75, x + 12, 120), 0.9, 20 + k))
    img[75:80, xs[0] + 11 : xs[-1] + 12] = 0  # primary beam
    img[83:88, xs[0] + 11 : xs[1] + 12] = 0  # second level, first pair
    img[83:88, xs[2] + 11 : xs[3] + 12] = 0  # second level, second pair
    img[100:141, 290] = 0  # barline
    glyphs.append(Glyph("beam", (xs[0] + 11, 75, xs[-1] + 12, 80), 0.9, 30))
    glyphs.append(Glyph("barline", (290, 100, 291, 140), 0.9, 31))
    m = assemble_pages([(glyphs, img)]).score.parts[0].measures[0]
    notes = [e for e in m.events if isinstance(e, Note)]
    assert [n.duration_q for n in notes] == [F(1, 4)] * 4
    assert [n.beams for n in notes] == [
        ("begin", "begin"),
        ("continue", "end"),
        ("continue", "begin"),
        ("end", "end"),
    ]


def test_a_staccato_dot_read_at_a_barline_end_does_not_hide_the_barline() -> None:
    from frontline.music.assemble.staves import find_barlines, find_staves

    img = np.full((200, 400), 255, np.uint8)
    for k in range(5):
        img[60 + 10 * k, 20:380] = 0
    img[60:101, 200] = 0  # a barline the detector missed
    staves = find_staves(img)
    dot = Glyph("articStaccatoAbove", (200, 52, 205, 57), 0.7, 1)  # a false dot at its top end
    found = find_barlines(img, staves, [dot])
    assert any(abs(g.center_xy[0] - 200.5) <= 2 for g in found)


def test_a_detected_head_beyond_the_staff_needs_a_ledger_line() -> None:
    # a letter of the lyrics under the staff detected as a whole note (no ledger line): not a note;
    # the same head with its ledger lines drawn is one
    def page(ledgers: bool) -> list[Note]:
        img = np.full((240, 320), 255, np.uint8)
        for k in range(5):
            img[60 + 10 * k, 20:300] = 0
        img[60:101, 290] = 0
        glyphs = [Glyph("clefG", (25, 50, 40, 110), 0.9, 1)]
        glyphs += [Glyph("timeSig4", (50, 60, 60, 80), 0.9, 2), Glyph("timeSig4", (50, 80, 60, 100), 0.9, 3)]
        glyphs.append(Glyph("noteheadWholeOnLine", (100, 75, 114, 85), 0.9, 4))  # B4 on the staff
        glyphs.append(Glyph("noteheadWholeInSpace", (200, 125, 214, 135), 0.5, 5))  # 2.5 spaces below
        if ledgers:
            img[110, 196:218] = 0
            img[120, 196:218] = 0
            img[126:135, 201:213] = 0
        glyphs.append(Glyph("barline", (290, 60, 291, 100), 0.9, 6))
        part = assemble_pages([(glyphs, img)]).score.parts[0]
        return [e for m in part.measures for e in m.events if isinstance(e, Note)]

    assert [str(n.pitch) for n in page(False)] == ["B4"]
    assert sorted(str(n.pitch) for n in page(True)) == ["B4", "F3"]
