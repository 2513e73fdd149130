"""Robustness rules of the assembly: what it does when the detector's symbols are imperfect.

Each test feeds a page or a symbol list with a known defect (faint or noisy staff lines, missing
barlines, a missed or garbled time signature, a whole rest read as a half rest, ...) and checks the music.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.staves import find_barlines, find_staves
from frontline.music.records import Glyph, Note

SPACE = 10


def _page(tops: list[int], width: int = 600, grey: int = 0, split: bool = False) -> np.ndarray:
    """A white page with five-line staves at `tops`; `split` draws each line antialiased over two rows."""
    img = np.full((tops[-1] + 10 * SPACE, width), 255, np.uint8)
    for top in tops:
        for k in range(5):
            y = top + k * SPACE
            if split:
                img[y : y + 2, 20 : width - 20] = 185
            else:
                img[y, 20 : width - 20] = grey
    return img


def test_find_staves_on_faint_antialiased_noisy_lines() -> None:
    img = _page([40, 160, 320], split=True)
    rng = np.random.default_rng(0)
    noise = rng.random(img.shape) < 0.003  # speckles
    img[noise] = 0
    img = np.clip(img.astype(np.int32) - rng.integers(0, 12, img.shape), 0, 255).astype(np.uint8)  # texture
    staves = find_staves(img)
    assert len(staves) == 3
    assert staves[1].line_ys == pytest.approx((160.5, 170.5, 180.5, 190.5, 200.5), abs=0.6)


def test_find_staves_ignores_a_long_beam_one_space_above_a_staff() -> None:
    img = _page([60, 200])
    img[50:52, 200:400] = 0  # a long horizontal stroke one space above the first staff
    staves = find_staves(img)
    assert [round(s.top) for s in staves] == [60, 200]


def test_find_staves_keeps_a_short_staff_and_rejects_stacked_ledger_lines() -> None:
    img = _page([40, 160, 300])
    img[300:350, 200:] = 255
    for k in range(5):  # a short staff (an ending system of a few measures)
        img[300 + k * SPACE, 20:200] = 0
    for k, y in enumerate((110, 116, 123, 129, 137)):  # uneven stacked strokes between staves
        img[y, 300 + 3 * k : 420] = 0
    tops = [round(s.top) for s in find_staves(img)]
    assert tops == [40, 160, 300]


def _bar(img: np.ndarray, x: int, y0: int, y1: int, width: int = 1) -> None:
    img[y0 : y1 + 1, x : x + width] = 0


def test_find_barlines_from_pixels_skips_symbols_and_joins_staves() -> None:
    img = _page([40, 140])
    staves = find_staves(img)
    _bar(img, 300, 40, 180)  # through both staves and the gap: one system
    _bar(img, 450, 40, 80)  # first staff only
    _bar(img, 100, 40, 80)  # the upright stroke of a clef
    _bar(img, 200, 140, 180)  # a stem beside a notehead
    _bar(img, 560, 40, 80, width=2)  # thin-thick: a final barline
    _bar(img, 565, 40, 80, width=5)
    glyphs = [
        Glyph("clefG", (92, 30, 112, 90), 0.9, 0),
        Glyph("noteheadBlackOnLine", (189, 175, 200, 185), 0.9, 1),
    ]
    bars = find_barlines(img, staves, glyphs)
    by_x = {round(b.center_xy[0] / 10) * 10: b for b in bars}
    assert sorted(by_x) == pytest.approx([300, 450, 560], abs=1)
    assert by_x[300].bbox_xyxy[1] == pytest.approx(40) and by_x[300].bbox_xyxy[3] == pytest.approx(180)
    assert by_x[450].bbox_xyxy[3] == pytest.approx(80)
    assert by_x[560].class_name == "barlineFinal" and by_x[450].class_name == "barline"


def _quarters_page(xs: list[int], barlines_in_glyphs: bool) -> tuple[list[Glyph], np.ndarray]:
    """One treble staff (top 40) in 2/4: quarter notes on the middle line (B4) at xs, barlines drawn."""
    img = _page([40], width=700)
    glyphs = [Glyph("clefG", (25, 30, 45, 95), 1.0, 0)]
    glyphs += [Glyph("timeSig2", (50, 40, 60, 60), 1.0, 1), Glyph("timeSig4", (50, 60, 60, 80), 1.0, 2)]
    for k, x in enumerate(xs):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 55, x + 12, 65), 1.0, 10 + k))
        glyphs.append(Glyph("stem", (x + 11, 25, x + 12, 60), 1.0, 100 + k))
        img[55:66, x : x + 12] = 0
        img[25:61, x + 11 : x + 13] = 0
    for k, bx in enumerate((260, 440, 660)):
        _bar(img, bx, 40, 80)
        if barlines_in_glyphs:
            glyphs.append(Glyph("barline", (bx, 40, bx + 1, 80), 1.0, 200 + k))
    return glyphs, img


def test_missing_barlines_are_read_from_the_page() -> None:
    xs = [100, 180, 300, 380, 480, 580]
    glyphs, img = _quarters_page(xs, barlines_in_glyphs=False)
    asm = assemble_pages([(glyphs, img)])
    measures = asm.score.parts[0].measures
    assert len(measures) == 3
    assert all(len(m.events) == 2 and not m.flagged for m in measures)
    first = measures[0].events[0]
    assert isinstance(first, Note) and str(first.pitch) == "B4" and first.duration_q == F(1)


def test_stem_end_strokes_count_beams_and_merged_double_beams() -> None:
    from frontline.music.assemble.pixels import ink_mask, stem_end_strokes

    img = np.full((120, 200), 255, np.uint8)
    img[20:60, 50] = 0  # up stem, far end at y=20
    img[20:25, 50:90] = 0  # primary beam to the right (0.5 space thick)
    img[28:33, 50:90] = 0  # second level
    img[20:60, 150] = 0  # a stem whose two beams are blurred into one band
    img[20:33, 110:150] = 0
    img[60:100, 30] = 0  # a bare stem: nothing leaves its end
    ink = ink_mask(img)
    assert stem_end_strokes(ink, (50, 20, 51, 60), True, SPACE) == (0, 2)
    assert stem_end_strokes(ink, (150, 20, 151, 60), True, SPACE) == (2, 0)
    assert stem_end_strokes(ink, (30, 60, 31, 100), False, SPACE) == (0, 0)


def test_a_measure_that_overflows_with_nothing_struck_together_stays_one_voice() -> None:
    from frontline.music.assemble.voices import VoiceSlot, split_voices

    # one misread value (a sixteenth rest read as a quarter rest) overflows the measure: splitting by
    # stem direction would shift every onset; one voice keeps the error local
    slots = [
        VoiceSlot(10, "up", 2, F(1)),
        VoiceSlot(20, "down", 7, F(1)),
        VoiceSlot(30, "", 4, F(1), is_rest=True),
        VoiceSlot(40, "down", 7, F(1)),
        VoiceSlot(50, "up", 2, F(1, 2)),
    ]
    assert split_voices(slots, F(4), 3.0) == [1, 1, 1, 1, 1]
    # trusted symbols (annotations): an overflow with both stem directions does mean two voices (when
    # no voice then overflows)
    assert split_voices(slots, F(4), 3.0, split_on_overflow=True) == [1, 2, 1, 2, 1]


def test_a_wide_empty_first_measure_is_kept_not_merged_into_the_header() -> None:
    # the notes of the first measure were missed: the measure stays (and the later ones keep their numbers)
    xs = [300, 380, 480, 580]
    glyphs, img = _quarters_page(xs, barlines_in_glyphs=True)
    measures = assemble_pages([(glyphs, img)]).score.parts[0].measures
    assert len(measures) == 3
    assert not measures[0].notes() and len(measures[1].notes()) == 2
    # a barline right after the clef and time signature still closes no measure
    glyphs2 = [g for g in glyphs if g.glyph_id != 200] + [Glyph("barline", (70, 40, 71, 80), 1.0, 300)]
    img2 = img.copy()
    img2[40:81, 258:264] = 255
    _bar(img2, 70, 40, 80)
    measures2 = assemble_pages([(glyphs2, img2)]).score.parts[0].measures
    assert len(measures2) == 2 and len(measures2[0].notes()) == 2


def test_c_clef_line_snaps_to_alto_on_a_half_space_error() -> None:
    from frontline.music.assemble.pitch import c_clef_line

    assert c_clef_line(4.0) == 3 and c_clef_line(3.0) == 3 and c_clef_line(5.0) == 3
    assert c_clef_line(6.2) == 4 and c_clef_line(0.3) == 1


def _glyph_system(
    n_staves: int, measures: list[int], time: dict[int, list[str]] | None = None
) -> list[Glyph]:
    """Staves (top 100, 200, ...; space 10) joined by barlines, `measures[k]` quarter notes (B4 on the
    treble middle line) per measure on every staff, a treble clef per staff and time digits per staff
    as given (staff index -> [upper class, lower class, ...extra digit classes on the upper half])."""
    glyphs: list[Glyph] = []
    gid = iter(range(10_000))
    tops = [100 + 100 * k for k in range(n_staves)]
    x = 40.0
    for top in tops:
        glyphs.append(
            Glyph(
                "staff",
                (20, top - 0.6, 20 + 80 * sum(measures) + 60 * len(measures) + 100, top + 40.6),
                1.0,
                next(gid),
            )
        )
        glyphs.append(Glyph("clefG", (25, top - 10, 40, top + 50), 1.0, next(gid)))
    for sk, names in (time or {}).items():
        top = tops[sk]
        for k, name in enumerate(names):
            y0 = top if k != 1 else top + 20
            dx = 0.0 if k < 2 else 2.0  # a third digit: the upper one detected twice
            glyphs.append(Glyph(name, (50 + dx, y0, 60 + dx, y0 + 20), 0.9 - 0.1 * k, next(gid)))
    x = 80.0
    for count in measures:
        for _ in range(count):
            x += 40
            for top in tops:
                glyphs.append(Glyph("noteheadBlackOnLine", (x, top + 15, x + 12, top + 25), 0.99, next(gid)))
                glyphs.append(Glyph("stem", (x + 11, top - 15, x + 12, top + 20), 0.99, next(gid)))
        x += 40
        glyphs.append(Glyph("barline", (x, tops[0], x + 1, tops[-1] + 40), 1.0, next(gid)))
    return glyphs


def test_time_signature_digits_detected_twice_count_once() -> None:
    glyphs = _glyph_system(1, [3, 3, 3], {0: ["timeSig3", "timeSig4", "timeSig3"]})
    part = assemble_pages([(glyphs, None)]).score.parts[0]
    assert part.measures[0].time is not None and part.measures[0].time.beats == 3
    assert not any(m.flagged for m in part.measures)


def test_time_signature_missed_on_one_staff_comes_from_the_others() -> None:
    # three staves: the first shows no digits, the others 3/4; every part gets 3/4 (a guess from the
    # first staff's pickup measure alone would not)
    glyphs = _glyph_system(3, [1, 3, 3], {1: ["timeSig3", "timeSig4"], 2: ["timeSig3", "timeSig4"]})
    asm = assemble_pages([(glyphs, None)])
    assert len(asm.score.parts) == 3
    for part in asm.score.parts:
        t = part.measures[0].time
        assert t is not None and (t.beats, t.beat_type) == (3, 4)
        assert not any(m.flagged for m in part.measures)


def test_time_signature_inferred_from_measure_contents_when_missing_or_misread() -> None:
    # no digits at all: the commonest measure length (3 quarters, not the 1-beat pickup) gives 3/4
    glyphs = _glyph_system(1, [1, 3, 3, 3])
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert measures[0].time is not None and (measures[0].time.beats, measures[0].time.beat_type) == (3, 4)
    assert len(measures) == 4 and not any(m.flagged for m in measures[1:])
    # digits misread as 2/4 while every measure holds three quarters: the measures win, with a warning
    glyphs = _glyph_system(1, [3, 3, 3, 3], {0: ["timeSig2", "timeSig4"]})
    asm = assemble_pages([(glyphs, None)])
    t = asm.score.parts[0].measures[0].time
    assert t is not None and t.beats == 3
    assert any("does not fit the measures" in w for w in asm.warnings)
    assert not any(m.flagged for m in asm.score.parts[0].measures)


def test_repair_fixes_a_misread_rest_and_a_beam_level_missed_along_a_group() -> None:
    from frontline.music.assemble.repair import RhythmItem, repair_voice

    # a quarter rest read as a sixteenth rest: half + rest + quarter = 3.25 of 4
    items = [
        RhythmItem(F(2), 0, beamable=True),
        RhythmItem(F(1, 4), 0, is_rest=True),
        RhythmItem(F(1), 0, beamable=True),
    ]
    rep = repair_voice(items, F(4))
    assert rep.fits and rep.items[1].value == F(1) and "rest value" in rep.edit
    # four sixteenths read as eighths (the second beam missed along the group): 2 + 2 = 4 > 3 quarters
    group = [RhythmItem(F(1, 2), 0, beamable=True, beam_group=0) for _ in range(4)]
    rep = repair_voice([RhythmItem(F(2), 0, beamable=True), *group], F(3))
    assert rep.fits and all(it.value == F(1, 4) for it in rep.items[1:])
    assert "beam level on events 2-5" in rep.edit


def test_a_lone_detected_half_rest_in_a_longer_measure_is_a_whole_measure_rest() -> None:
    glyphs = _glyph_system(1, [3, 0, 3], {0: ["timeSig3", "timeSig4"]})
    # the empty second measure (x 240..280) holds one rest, detected as a half rest
    glyphs.append(Glyph("restHalf", (255, 115, 267, 120), 0.8, 9000))
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    rest = measures[1].events[0]
    assert len(measures[1].events) == 1 and getattr(rest, "measure_rest", False) and rest.duration_q == 3
    assert not measures[1].flagged
    # an annotated half rest (score 1) is not reread as a whole rest (here the repair adds a dot)
    glyphs[-1] = Glyph("restHalf", (255, 115, 267, 120), 1.0, 9000)
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert not getattr(measures[1].events[0], "measure_rest", True)


def test_connectors_from_pixels_tell_a_bracket_from_a_brace_and_from_a_part_name() -> None:
    from frontline.music.assemble.staves import find_connectors

    img = _page([40, 140, 300, 400, 560, 660], width=500)
    for top, bottom in ((40, 180), (300, 440), (560, 700)):
        _bar(img, 100, top, bottom)  # the start line through each system
    for x in (100, 300):
        _bar(img, x, 40, 180)
    img[30:191, 88:94] = 0  # a bracket: one thick straight stroke (hooks past the staves)
    for k, y in enumerate(range(300, 441)):  # a brace: a curved stroke through every row
        x = 92 - int(6 * np.sin(np.pi * k / 140))
        img[y, x : x + 3] = 0
    img[570:590, 80:95] = 0  # a part's name beside each staff of the third system, no connector
    img[670:690, 80:95] = 0
    staves = [s for s in find_staves(img)]
    staves = [type(s)(k, s.line_ys, 100.0, s.x1) for k, s in enumerate(staves)]
    found = {(round(c.bbox_xyxy[1] / 10) * 10): c.class_name for c in find_connectors(img, staves)}
    assert found == {30: "bracket", 300: "brace"}


def _shifted(glyphs: list[Glyph], dy: float, id0: int) -> list[Glyph]:
    return [
        Glyph(
            g.class_name,
            (g.bbox_xyxy[0], g.bbox_xyxy[1] + dy, g.bbox_xyxy[2], g.bbox_xyxy[3] + dy),
            g.score,
            id0 + g.glyph_id,
        )
        for g in glyphs
    ]


def test_a_clef_misread_at_a_system_start_is_overruled_by_the_pitch_range() -> None:
    first = _glyph_system(1, [3, 3], {0: ["timeSig3", "timeSig4"]})
    second = _shifted(_glyph_system(1, [3, 3]), 200, 5000)
    second = [Glyph("clefF", g.bbox_xyxy, 0.6, g.glyph_id) if g.class_name == "clefG" else g for g in second]
    cfg = AssembleConfig(clef_continuity=True)
    asm = assemble_pages([(first + second, None)], cfg)
    notes = asm.score.parts[0].measures[3].notes()
    assert {str(n.pitch) for n in notes} == {"B4"}  # treble kept: a bass clef would give D3
    assert any("kept the clef before" in w for w in asm.warnings)
    # a clef that was only assumed (none read) is not defended
    first_no_clef = [g for g in first if g.class_name != "clefG"]
    asm = assemble_pages([(first_no_clef + second, None)], cfg)
    assert {str(n.pitch) for n in asm.score.parts[0].measures[3].notes()} == {"D3"}
    # off by default: the clef read is taken
    asm = assemble_pages([(first + second, None)])
    assert {str(n.pitch) for n in asm.score.parts[0].measures[3].notes()} == {"D3"}


def test_find_stem_reads_a_missed_stem_from_the_ink() -> None:
    from frontline.music.assemble.pixels import find_stem, ink_mask

    img = np.full((200, 200), 255, np.uint8)
    img[100:110, 50:62] = 0  # a black head
    img[60:106, 61] = 0  # its up stem at the right edge, four spaces long
    img[100:110, 120:132] = 0  # a head with no stem
    img[100:110, 160:172] = 0  # a head beside a thick upright (a barline pair, not a stem)
    img[40:106, 171:176] = 0
    ink = ink_mask(img)
    box = find_stem(ink, (50, 100, 62, 110), SPACE)
    assert (
        box is not None
        and box[0] == pytest.approx(61, abs=1)
        and box[1] <= 62
        and box[3] == pytest.approx(105)
    )
    assert find_stem(ink, (120, 100, 132, 110), SPACE) is None
    assert find_stem(ink, (160, 100, 172, 110), SPACE) is None


def _beamed_pair_page(stem_glyphs: bool) -> tuple[list[Glyph], np.ndarray]:
    """One treble staff in 1/4: two eighths beamed together in the ink, one measure. The detector saw
    the heads (and the stems when `stem_glyphs`), never the beam."""
    img = _page([40], width=400)
    glyphs = [Glyph("clefG", (25, 30, 45, 95), 0.9, 0)]
    glyphs += [Glyph("timeSig1", (50, 40, 60, 60), 0.9, 1), Glyph("timeSig4", (50, 60, 60, 80), 0.9, 2)]
    for k, x in enumerate((150, 200)):
        img[55:66, x : x + 12] = 0
        img[20:61, x + 11] = 0
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 55, x + 12, 65), 0.9, 10 + k))
        if stem_glyphs:
            glyphs.append(Glyph("stem", (x + 11, 20, x + 12, 60), 0.9, 20 + k))
    img[20:25, 161:212] = 0  # the beam joining the stems' tops
    _bar(img, 300, 40, 80)
    return glyphs, img


def test_stemless_detected_heads_under_a_beam_get_their_stems_and_beams_from_the_page() -> None:
    # two eighths beamed together; the detector saw the heads only (no stems, no beam glyph)
    glyphs, img = _beamed_pair_page(stem_glyphs=False)
    measures = assemble_pages([(glyphs, img)]).score.parts[0].measures
    notes = measures[0].notes()
    assert [n.duration_q for n in notes] == [F(1, 2), F(1, 2)]
    assert not measures[0].flagged


def test_barlines_inside_the_header_symbols_close_no_measure() -> None:
    # a line finder's false barlines: through the clef, the time digits and the last flat of the key
    glyphs = _glyph_system(1, [3, 3], {0: ["timeSig3", "timeSig4"]})
    glyphs += [Glyph("keyFlat", (x, 105, x + 6, 125), 0.9, 7000 + x) for x in (62, 70, 78)]
    glyphs += [Glyph("barline", (x, 100, x + 1, 140), 1.0, 8000 + x) for x in (37, 55, 81)]
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert len(measures) == 2 and all(len(m.notes()) == 3 and not m.flagged for m in measures)


def test_a_barline_on_one_staff_of_a_system_whose_barlines_cross_all_staves_is_ignored() -> None:
    glyphs = _glyph_system(2, [3, 3])  # staves at 100 and 200, barlines through both
    glyphs.append(Glyph("barline", (170, 200, 171, 240), 1.0, 9100))  # a stem seen as a barline
    asm = assemble_pages([(glyphs, None)])
    assert [len(p.measures) for p in asm.score.parts] == [2, 2]


def test_repair_gives_stemless_black_heads_one_value_that_fills_the_measure() -> None:
    from frontline.music.assemble.repair import RhythmItem, repair_voice

    # two sixteenths read with their beams, two whose stems were missed (read as quarters), in 1/4
    items = [
        RhythmItem(F(1, 4), 0, beamable=True),
        RhythmItem(F(1), 0, beamable=True, free=True),
        RhythmItem(F(1, 4), 0, beamable=True),
        RhythmItem(F(1), 0, beamable=True, free=True),
    ]
    rep = repair_voice(items, F(1))
    assert rep.fits and [it.value for it in rep.items] == [F(1, 4)] * 4 and "stemless" in rep.edit


def test_meter_from_the_measures_keeps_the_beat_type_of_the_digits() -> None:
    # digits read as 3/8 while the measures hold three quarters: 6/8, not 3/4
    glyphs = _glyph_system(1, [3, 3, 3, 3], {0: ["timeSig3", "timeSig8"]})
    t = assemble_pages([(glyphs, None)]).score.parts[0].measures[0].time
    assert t is not None and (t.beats, t.beat_type) == (6, 8)


def test_beams_seen_only_in_the_ink_group_the_notes_for_their_beam_labels() -> None:
    glyphs, img = _beamed_pair_page(stem_glyphs=True)  # the beam is in the ink only
    notes = assemble_pages([(glyphs, img)]).score.parts[0].measures[0].notes()
    assert [n.beams for n in notes] == [("begin",), ("end",)]


def test_staccato_dot_from_the_ink_but_not_a_ledger_line() -> None:
    from frontline.music.assemble.pixels import ink_mask, staccato_dot

    img = np.full((200, 200), 255, np.uint8)
    for x in (40, 100, 160):
        img[100:110, x : x + 12] = 0  # heads with up stems
        img[60:106, x + 11] = 0
    img[116:120, 44:48] = 0  # a staccato dot under the first head
    img[114:116, 96:120] = 0  # a ledger line under the second
    ink = ink_mask(img)
    assert staccato_dot(ink, (40, 100, 52, 110), True, SPACE)
    assert not staccato_dot(ink, (100, 100, 112, 110), True, SPACE)
    assert not staccato_dot(ink, (160, 100, 172, 110), True, SPACE)


def test_a_tuplet_digit_beside_the_notes_marks_nothing() -> None:
    # a measure number "6" above the clef at a system start, read as tuplet6: no bracket, no beam, and
    # no notes under it, so it must not turn the staff's first six quarters into a sextuplet
    glyphs = _glyph_system(1, [4, 4], {0: ["timeSig4", "timeSig4"]})
    glyphs.append(Glyph("tuplet6", (21, 80, 29, 93), 0.4, 9_999))
    part = assemble_pages([(glyphs, None)]).score.parts[0]
    notes = [e for m in part.measures for e in m.events if isinstance(e, Note)]
    assert len(notes) == 8
    assert all(n.duration_q == F(1) for n in notes)
    assert not any(m.flagged for m in part.measures)
