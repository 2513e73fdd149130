"""Assembly rules and speed-ups of session 4, found on the development pages (data-engine seeds 96000+,
97000+ and 99000+; never the benchmark's): each test fails without its change."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from frontline.music.assemble import assemble_pages
from frontline.music.assemble.pixels import darkness, ink_mask, tie_arc
from frontline.music.assemble.staves import find_barlines, find_staves
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Glyph, Note

SPACE = 10.0


def _staff(top: float, gid: int, x1: float = 500.0) -> Glyph:
    return Glyph("staff", (20.0, top - 0.6, x1, top + 4 * SPACE + 0.6), 1.0, gid)


def test_two_measures_worth_that_splits_by_stem_into_two_full_voices_is_two_voices() -> None:
    # 2/4, annotated: a sixteenth (stem down) just before a half note (stem up), then the lower voice's
    # rests below the staff and an eighth: 4 quarters in all, 2 in each voice by stem direction
    slots = [
        VoiceSlot(100, "down", 2, F(1, 4)),
        VoiceSlot(116, "up", 2, F(2)),
        VoiceSlot(131, "", -2, F(1, 4), is_rest=True),
        VoiceSlot(149, "", -2, F(1, 2), is_rest=True),
        VoiceSlot(181, "", -2, F(1, 2), is_rest=True),
        VoiceSlot(215, "down", 2, F(1, 2)),
    ]
    assert split_voices(slots, F(2), 8.0, split_on_overflow=True) == [2, 1, 2, 2, 2, 2]
    # two measures' worth whose stem split does not fill both voices stays one voice (a missed barline)
    uneven = [VoiceSlot(80, "down", 2, F(1, 4)), *slots[1:5], VoiceSlot(215, "down", 2, F(1))]
    uneven[1] = VoiceSlot(116, "up", 2, F(3, 2))
    assert split_voices(uneven, F(2), 8.0, split_on_overflow=True) == [1] * 6


def test_a_tuplet_number_over_as_many_events_takes_them_all_whatever_their_stems() -> None:
    # 4/4: a triplet of quarters whose first stem points up and the others down (bracket below the
    # staff), then a half note: each triplet quarter lasts 2/3
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    gid = 10
    for x, y, up in ((100, 125, True), (140, 95, False), (180, 100, False)):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, y, x + 12, y + 10), 1.0, gid))
        stem = (x + 11, y - 30, x + 12, y + 5) if up else (x, y + 5, x + 1, y + 40)
        glyphs.append(Glyph("stem", stem, 1.0, gid + 1))
        gid += 2
    glyphs.append(Glyph("tupletBracket", (100, 150, 192, 158), 1.0, gid))
    glyphs.append(Glyph("tuplet3", (140, 152, 150, 166), 1.0, gid + 1))
    glyphs.append(Glyph("noteheadHalfOnLine", (240, 115, 252, 125), 1.0, gid + 2))
    glyphs.append(Glyph("stem", (251, 85, 252, 120), 1.0, gid + 3))
    glyphs.append(Glyph("barline", (290, 100, 291, 140), 1.0, gid + 4))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    notes = sorted((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)
    assert [n.duration_q for n in notes] == [F(2, 3)] * 3 + [F(2)]
    assert [n.onset_q for n in notes] == [0, F(2, 3), F(4, 3), 2]
    assert not m.flagged


def _page() -> np.ndarray:
    img = np.full((300, 400), 250, np.uint8)
    for top in (50, 170):
        for k in range(5):
            img[top + 10 * k, 20:380] = 30
        img[top : top + 41, 200] = 30  # a barline
        img[top + 12 : top + 18, 120:132] = 20  # a notehead
    return img


def test_pixel_helpers_give_the_same_results_with_a_shared_ink_mask_and_uint8_darkness() -> None:
    img = _page()
    paper = float(np.median(img))
    dark = darkness(img, paper)
    assert dark.dtype == np.uint8
    assert np.array_equal(dark.astype(np.float32), np.clip(paper - img.astype(np.float32), 0, 255))
    # a paper level between two grey values keeps the float path
    odd = np.concatenate([img, np.full((1, 400), 251, np.uint8)])
    assert darkness(odd, 250.5).dtype == np.float32
    staves = find_staves(img)
    assert [round(s.staff_space_px) for s in staves] == [10, 10]
    found = find_barlines(img, staves, [])
    assert found == find_barlines(img, staves, [], ink_mask(img)) and len(found) == 2


def test_an_overflow_splits_into_two_voices_only_when_no_voice_then_overflows() -> None:
    # 4/4, annotated: stems down hold 4.5 quarters by themselves, two eighths stems up: no split
    slots = [
        VoiceSlot(100, "down", 4, F(3, 2)),
        VoiceSlot(160, "down", 4, F(1)),
        *(VoiceSlot(x, "down", 4, F(2)) for x in (200,)),
        VoiceSlot(300, "up", 4, F(1, 2)),
        VoiceSlot(330, "up", 4, F(1, 2)),
    ]
    assert split_voices(slots, F(4), 8.0, split_on_overflow=True) == [1] * 5
    # 2/4: two quarters stems up around a quarter stems down (not struck together): 3 quarters, no voice
    # overflows: two voices
    alt = [VoiceSlot(100, "up", 6, F(1)), VoiceSlot(125, "down", 2, F(1)), VoiceSlot(150, "up", 6, F(1))]
    assert split_voices(alt, F(2), 8.0, split_on_overflow=True) == [1, 2, 1]


def test_an_unmarked_triplet_with_stems_both_ways_stays_one_voice() -> None:
    # 4/4, annotated: a dotted quarter and an eighth (stems down), three beamed eighths stems down with
    # no "3" (an unmarked triplet), two beamed eighths stems up: 4.5 quarters read, but one repair (the
    # triplet) makes one voice fit, so the stems do not split it into two voices
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    gid = 10

    def note(x: float, up: bool) -> None:
        nonlocal gid
        glyphs.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), 1.0, gid))
        stem = (x + 11, 85, x + 12, 120) if up else (x, 120, x + 1, 155)
        glyphs.append(Glyph("stem", stem, 1.0, gid + 1))
        gid += 2

    note(100, False)
    glyphs.append(Glyph("augmentationDot", (116, 113, 119, 116), 1.0, 90))
    note(140, False)
    glyphs.append(Glyph("flag8thDown", (140, 140, 148, 155), 1.0, 91))
    for x in (180, 210, 240):
        note(x, False)
    glyphs.append(Glyph("beam", (180, 150, 241, 155), 1.0, 92))
    for x in (280, 310):
        note(x, True)
    glyphs.append(Glyph("beam", (291, 85, 322, 90), 1.0, 93))
    glyphs.append(Glyph("barline", (360, 100, 361, 140), 1.0, 94))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[1 - 1]
    notes = sorted(m.notes(), key=lambda n: n.onset_q)
    assert {n.voice for n in notes} == {1}
    assert [n.duration_q for n in notes] == [F(3, 2), F(1, 2), F(1, 3), F(1, 3), F(1, 3), F(1, 2), F(1, 2)]
    assert not m.flagged


def test_a_courtesy_key_after_the_last_barline_gives_the_next_system_its_key() -> None:
    # system 1: two sharps, a whole note, the barline, then two naturals (a change to C major announced);
    # system 2 shows no key signature (C major draws none): its F is F natural, not F sharp
    glyphs = [_staff(100, 0), _staff(250, 1)]
    glyphs += [Glyph("clefG", (25, 90, 40, 150), 1.0, 2), Glyph("clefG", (25, 240, 40, 300), 1.0, 3)]
    glyphs += [Glyph("keySharp", (45, 92, 52, 112), 1.0, 4), Glyph("keySharp", (54, 107, 61, 127), 1.0, 5)]
    glyphs += [Glyph("timeSig4", (70, 100, 80, 120), 1.0, 6), Glyph("timeSig4", (70, 120, 80, 140), 1.0, 7)]
    glyphs.append(Glyph("noteheadWholeOnLine", (150, 95, 164, 105), 1.0, 8))  # F#5
    glyphs.append(Glyph("barline", (450, 100, 451, 140), 1.0, 9))
    glyphs += [
        Glyph("keyNatural", (460, 92, 466, 112), 1.0, 10),
        Glyph("keyNatural", (470, 107, 476, 127), 1.0, 11),
    ]
    glyphs.append(Glyph("noteheadWholeOnLine", (150, 245, 164, 255), 1.0, 12))  # F5
    glyphs.append(Glyph("barline", (450, 250, 451, 290), 1.0, 13))
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    pitches = [str(n.pitch) for m in measures for n in m.notes()]
    assert pitches == ["F#5", "F5"]
    assert measures[1].key is not None and measures[1].key.fifths == 0


def test_a_chord_whose_low_head_sits_nearer_the_next_staff_stays_with_its_stem() -> None:
    # two treble staves (bottom line of the upper at 140, top of the lower at 170); a chord stem up on
    # the upper staff with C4 (one ledger below, y 150) and A3 (y 160, nearer the lower staff)
    glyphs = [_staff(100, 0), _staff(170, 1), Glyph("systemicBarline", (19, 100, 21, 210), 1.0, 2)]
    glyphs += [Glyph("clefG", (25, 90, 40, 150), 1.0, 3), Glyph("clefG", (25, 160, 40, 220), 1.0, 4)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 1.0, 5), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 6)]
    glyphs += [Glyph("timeSig4", (50, 170, 60, 190), 1.0, 7), Glyph("timeSig4", (50, 190, 60, 210), 1.0, 8)]
    glyphs.append(Glyph("noteheadWholeOnLine", (100, 155, 112, 165), 1.0, 9))  # A3 (listed first)
    glyphs.append(Glyph("noteheadWholeOnLine", (100, 145, 112, 155), 1.0, 10))  # C4
    glyphs = [replace_class(g, "noteheadBlackOnLine") if g.glyph_id in (9, 10) else g for g in glyphs]
    glyphs.append(Glyph("stem", (111, 110, 112, 160), 1.0, 11))
    glyphs.append(Glyph("noteheadWholeOnLine", (100, 185, 114, 195), 1.0, 12))  # lower staff: B4
    glyphs.append(Glyph("barline", (300, 100, 301, 210), 1.0, 13))
    parts = assemble_pages([(glyphs, None)]).score.parts
    upper = sorted(str(n.pitch) for n in parts[0].measures[0].notes())
    lower = [str(n.pitch) for n in parts[1].measures[0].notes()]
    assert upper == ["A3", "C4"]
    assert lower == ["B4"]


def replace_class(g: Glyph, name: str) -> Glyph:
    return Glyph(name, g.bbox_xyxy, g.score, g.glyph_id)


def test_a_grace_slash_marks_only_the_grace_note_not_the_note_after_it() -> None:
    # 1/4: a slashed grace note (small head, stem up) right before a quarter whose stem is within a
    # space of the slash: the quarter stays a regular quarter
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig1", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    glyphs.append(Glyph("noteheadBlackOnLineSmall", (100, 116, 108, 122), 1.0, 4))
    glyphs.append(Glyph("stem", (107, 96, 108, 119), 1.0, 5))
    glyphs.append(Glyph("flag8thUp", (107, 96, 113, 108), 1.0, 6))
    glyphs.append(Glyph("graceSlash", (102, 100, 116, 109), 1.0, 7))
    glyphs.append(Glyph("noteheadBlackOnLine", (112, 115, 124, 125), 1.0, 8))
    glyphs.append(Glyph("stem", (123, 85, 124, 120), 1.0, 9))
    glyphs.append(Glyph("barline", (200, 100, 201, 140), 1.0, 10))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    notes = sorted(m.notes(), key=lambda n: n.grace, reverse=True)
    assert [(n.grace, n.grace_slash) for n in notes] == [(True, True), (False, False)]
    assert notes[1].duration_q == 1 and not m.flagged


def _quarters(xs: list[float], score: float = 0.9) -> list[Glyph]:
    out: list[Glyph] = []
    for k, x in enumerate(xs):
        out.append(Glyph("noteheadBlackOnLine", (x, 115, x + 12, 125), score, 100 + 2 * k))
        out.append(Glyph("stem", (x + 11, 85, x + 12, 120), score, 101 + 2 * k))
    return out


def test_a_low_scored_tuplet_number_marks_nothing() -> None:
    # the first measure (a pickup may be short, so no repair looks at it): four detected quarters and a
    # "3" over the first three read with a low score (a stray digit): quarters, not a triplet
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    glyphs += _quarters([100, 140, 180, 220])
    glyphs.append(Glyph("barline", (290, 100, 291, 140), 0.9, 4))
    stray = Glyph("tuplet3", (140, 70, 150, 82), 0.4, 5)
    m = assemble_pages([([*glyphs, stray], None)]).score.parts[0].measures[0]
    assert [n.duration_q for n in m.notes()] == [1, 1, 1, 1]
    # a number read with a good score still makes the triplet
    sure = Glyph("tuplet3", (140, 70, 150, 82), 0.8, 5)
    m = assemble_pages([([*glyphs, sure], None)]).score.parts[0].measures[0]
    assert [n.duration_q for n in m.notes()] == [F(2, 3)] * 3 + [1]


def _one_quarter(marks: list[Glyph]) -> Note:
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig1", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    glyphs += _quarters([100])
    glyphs.append(Glyph("barline", (200, 100, 201, 140), 0.9, 4))
    notes = assemble_pages([(glyphs + marks, None)]).score.parts[0].measures[0].notes()
    assert len(notes) == 1
    return notes[0]


def test_detected_marks_need_a_fair_score_stand_by_their_note_and_count_once() -> None:
    # a quarter (head 115-125, stem up to 85) and staccato dots read below its head at 1 space
    def dot(y: float, score: float, gid: int) -> Glyph:
        return Glyph("articStaccatoBelow", (104, y, 108, y + 4), score, gid)

    assert _one_quarter([dot(133, 0.8, 50)]).articulations == ("staccato",)
    # a low score (the detector reads many on lyrics and text) leaves it out
    assert _one_quarter([dot(133, 0.4, 50)]).articulations == ()
    # four spaces below the head (a lyric's full stop): no note's mark
    assert _one_quarter([dot(163, 0.8, 50)]).articulations == ()
    # the same mark read twice counts once
    assert _one_quarter([dot(133, 0.8, 50), dot(134, 0.7, 51)]).articulations == ("staccato",)
    # annotated marks (score 1) are taken as given wherever they are
    assert _one_quarter([dot(163, 1.0, 50)]).articulations == ("staccato",)


def test_a_lone_detected_whole_note_in_a_measure_of_two_wholes_is_a_breve() -> None:
    # 4/2 (alla breve, Palestrina): one detected whole note per measure is a breve the detector misread
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig2", (50, 120, 60, 140), 0.9, 3)]
    glyphs.append(Glyph("noteheadWholeOnLine", (100, 115, 114, 125), 0.9, 4))
    glyphs.append(Glyph("barline", (200, 100, 201, 140), 0.9, 5))
    glyphs.append(Glyph("noteheadWholeOnLine", (250, 115, 264, 125), 0.9, 6))
    glyphs.append(Glyph("noteheadWholeOnLine", (300, 115, 314, 125), 0.9, 7))
    glyphs.append(Glyph("barline", (350, 100, 351, 140), 0.9, 8))
    measures = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert [(n.duration_q, n.note_type) for n in measures[0].notes()] == [(8, "breve")]
    assert [n.duration_q for n in measures[1].notes()] == [4, 4]  # two whole notes stay whole notes
    assert not any(m.flagged for m in measures)


def _tied_page(arc: bool) -> tuple[list[Glyph], np.ndarray]:
    """A one-staff page (space 10, lines 100-140) with two detected half notes on the top space (E5,
    y 105) at x 100 and 200, and, when `arc`, a thin tie arc above them between the heads."""
    img = np.full((260, 400), 255, np.uint8)
    for k in range(5):
        img[100 + 10 * k, 20:380] = 0
    for x0 in (100, 200):
        img[101:110, x0 : x0 + 12] = 0  # heads (filled: the ink test only looks between them)
        img[60:105, x0 + 11 : x0 + 13] = 0  # stems up
    if arc:
        for x in range(114, 199):
            t = (x - 114) / 85
            y = int(round(112 + 5 * 4 * t * (1 - t)))  # below the heads (stems up): bulging down
            img[y : y + 3, x] = 0
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig2", (50, 120, 60, 140), 0.9, 3)]
    for k, x0 in enumerate((100, 200)):
        glyphs.append(Glyph("noteheadHalfInSpace", (x0, 100.5, x0 + 12, 109.5), 0.9, 10 + 2 * k))
        glyphs.append(Glyph("stem", (x0 + 11, 60, x0 + 13, 105), 0.9, 11 + 2 * k))
    glyphs.append(Glyph("barline", (170, 100, 171, 140), 0.9, 20))
    glyphs.append(Glyph("barline", (300, 100, 301, 140), 0.9, 21))
    img[100:141, 170] = 0
    img[100:141, 300] = 0
    return glyphs, img


def test_a_tie_across_the_barline_is_read_from_the_ink() -> None:
    glyphs, img = _tied_page(arc=True)
    measures = assemble_pages([(glyphs, img)]).score.parts[0].measures
    first, second = measures[0].notes()[0], measures[1].notes()[0]
    assert (first.tie_start, second.tie_stop) == (True, True)
    # no arc: two separate notes
    glyphs, img = _tied_page(arc=False)
    measures = assemble_pages([(glyphs, img)]).score.parts[0].measures
    assert not measures[0].notes()[0].tie_start and not measures[1].notes()[0].tie_stop


def test_tie_arc_wants_one_thin_stroke_bulging_away_from_the_heads() -> None:
    ink = np.zeros((100, 200), bool)
    a, b = (20.0, 45.0, 32.0, 55.0), (120.0, 45.0, 132.0, 55.0)
    assert tie_arc(ink, a, b, 10.0) == ""
    for x in range(33, 120):
        t = (x - 33) / 87
        ink[int(round(40 - 8 * 4 * t * (1 - t))), x] = True  # above, bulging up
    assert tie_arc(ink, a, b, 10.0) == "above"
    ink[20:90, 60:120] = True  # a thick block (a beam or text) hides it: no tie
    assert tie_arc(ink, a, b, 10.0) == ""


def test_low_scored_multi_letter_dynamics_are_no_dynamics() -> None:
    img = np.full((200, 400), 255, np.uint8)
    for k in range(5):
        img[100 + 10 * k, 20:380] = 0
    img[160:175, 100:130] = 0  # the "word" (its letters are not read: the box score decides)
    base = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    base += [Glyph("timeSig1", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    base += _quarters([100])
    base.append(Glyph("barline", (300, 100, 301, 140), 0.9, 4))
    for score, n in ((0.95, 1), (0.6, 0)):
        dyn = Glyph("dynamicText", (100, 160, 130, 175), score, 5)
        m = assemble_pages([([*base, dyn], img)]).score.parts[0].measures[0]
        assert len([d for d in m.directions if d.kind == "dynamic"]) == n


def test_a_final_barline_reported_as_plain_takes_its_kind_from_the_ink() -> None:
    # detected notes; the line finder reports the last barline as a plain one (score 1), the ink shows a
    # thin and a thick stroke: a final barline
    img = np.full((220, 400), 255, np.uint8)
    for k in range(5):
        img[100 + 10 * k, 20:351] = 0
    img[100:141, 20] = 0  # the system's start line
    img[100:141, 340:342] = 0  # thin
    img[100:141, 345:351] = 0  # thick
    glyphs = [_staff(100, 0, 351), Glyph("clefG", (25, 90, 40, 150), 0.9, 1)]
    glyphs += [Glyph("timeSig2", (50, 100, 60, 120), 0.9, 2), Glyph("timeSig4", (50, 120, 60, 140), 0.9, 3)]
    glyphs += _quarters([150, 250])
    for x in (150, 250):
        img[115:125, x : x + 12] = 0
        img[85:120, x + 11 : x + 13] = 0
    glyphs.append(Glyph("barline", (340, 100, 342, 140), 1.0, 4))
    m = assemble_pages([(glyphs, img)]).score.parts[0].measures[-1]
    assert m.right_barline == "light-heavy"
    # annotated symbols (all scores 1) keep the kind they give
    given = [Glyph(g.class_name, g.bbox_xyxy, 1.0, g.glyph_id) for g in glyphs]
    assert assemble_pages([(given, img)]).score.parts[0].measures[-1].right_barline == "regular"


def test_a_tie_from_a_systems_last_note_runs_to_the_end_of_the_staff() -> None:
    glyphs, img = _tied_page(arc=False)
    glyphs = [g for g in glyphs if g.glyph_id not in (12, 13, 21)]  # the second note and last barline go
    img[100:141, 300] = 255
    img[101:110, 200:212] = 255
    img[60:105, 211:213] = 255
    for x in range(114, 379):  # the first note's tie runs on to the staff's end (x 379)
        t = (x - 114) / 265
        img[int(round(112 + 5 * 4 * t * (1 - t))) : int(round(112 + 5 * 4 * t * (1 - t))) + 3, x] = 0
    img[112:125, 170] = 255  # (the barline at 170 is a glyph; its column is skipped)
    notes = assemble_pages([(glyphs, img)]).score.parts[0].measures[0].notes()
    assert len(notes) == 1 and notes[0].tie_start
    glyphs, img = _tied_page(arc=False)
    glyphs = [g for g in glyphs if g.glyph_id not in (12, 13, 21)]
    assert not assemble_pages([(glyphs, img)]).score.parts[0].measures[0].notes()[0].tie_start
