"""Unit tests of the assembly's music rules: pitch, rhythm, repair, voices, staff finding."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from frontline.music.assemble.pitch import AccidentalState, clef_from_class, diatonic_of, key_alter, pitch_at
from frontline.music.assemble.repair import RhythmItem, repair_voice
from frontline.music.assemble.rhythm import beam_labels, dotted, head_kind, note_type_of, note_value
from frontline.music.assemble.staves import find_staves, group_systems, staves_from_glyphs
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Clef, Glyph, Pitch


@pytest.mark.parametrize(
    ("clef", "position", "expected"),
    [
        (Clef("G", 2), 0, "E4"),  # bottom line of the treble staff
        (Clef("G", 2), 8, "F5"),
        (Clef("G", 2), -2, "C4"),  # middle C on a ledger line
        (Clef("F", 4), 8, "A3"),
        (Clef("F", 4), 0, "G2"),
        (Clef("C", 3), 4, "C4"),  # alto clef: middle line is middle C
        (Clef("C", 4), 6, "C4"),  # tenor clef: fourth line
        (Clef("G", 2, -1), 0, "E3"),  # treble 8vb
    ],
)
def test_pitch_from_clef_and_position(clef: Clef, position: int, expected: str) -> None:
    assert str(pitch_at(clef, position, 0)) == expected


def test_key_signature_and_measure_scope_accidentals() -> None:
    assert key_alter(2, "F") == 1 and key_alter(2, "C") == 1 and key_alter(2, "G") == 0
    assert key_alter(-3, "A") == -1 and key_alter(-3, "D") == 0
    g = Clef("G", 2)
    f4 = diatonic_of(g, 1)
    state = AccidentalState(fifths=1)  # G major: F is sharp
    assert state.apply(f4, None) == 1
    assert state.apply(f4, 0) == 0  # a natural sign
    assert state.apply(f4, None) == 0  # still natural later in the measure
    assert state.apply(f4 + 7, None) == 1  # another octave keeps the key's sharp
    assert AccidentalState(fifths=1).apply(f4, None) == 1  # the next measure starts afresh
    assert clef_from_class("clefCAlto", c_clef_line=1) == Clef("C", 1)
    assert clef_from_class("noteheadBlackOnLine") is None


def test_rhythm_values_and_beam_labels() -> None:
    assert head_kind("noteheadHalfInSpaceSmall") == "half" and head_kind("rest8th") == ""
    assert note_value("black", 0) == 1 and note_value("black", 2) == F(1, 4) and note_value("whole", 3) == 4
    assert dotted(F(1), 1) == F(3, 2) and dotted(F(2), 2) == F(7, 2)
    assert note_type_of(F(1, 4)) == "16th"
    # eighth + two sixteenths; dotted eighth + sixteenth (backward hook)
    assert beam_labels([1, 2, 2]) == [("begin",), ("continue", "begin"), ("end", "end")]
    assert beam_labels([1, 2]) == [("begin",), ("end", "backward hook")]
    assert beam_labels([2, 1]) == [("begin", "forward hook"), ("end",)]


def test_repair_adds_a_missed_dot_when_exactly_one_reading_fits() -> None:
    items = [RhythmItem(F(2), 0), RhythmItem(F(1), 0, beamable=True), RhythmItem(F(1, 2), 0, beamable=True)]
    rep = repair_voice(items, F(4))  # 3.5 of 4 quarters: only a dot on the quarter fits
    assert rep.fits and rep.items[1].dots == 1 and "add dot" in rep.edit


def test_repair_flags_when_the_reading_is_ambiguous_or_impossible() -> None:
    ambiguous = repair_voice([RhythmItem(F(1), 0), RhythmItem(F(1), 0), RhythmItem(F(1), 0)], F(7, 2))
    assert not ambiguous.fits and ambiguous.edit == ""
    impossible = repair_voice([RhythmItem(F(1), 0)], F(4))
    assert not impossible.fits
    assert repair_voice([RhythmItem(F(1), 0)], F(4), allow_short=True).fits  # a pickup measure


def test_repair_removes_a_spurious_beam() -> None:
    items = [RhythmItem(F(2), 0), RhythmItem(F(1), 0), RhythmItem(F(1, 4), 0, beamable=True)]
    rep = repair_voice(items, F(7, 2))  # 7/8 time: the last note read as a 16th but it is an eighth
    assert rep.fits and rep.items[2].value == F(1, 2)


def test_two_voices_by_stem_direction_when_events_coincide() -> None:
    slots = [
        VoiceSlot(10, "up", 6, F(2)),
        VoiceSlot(10, "down", 1, F(1)),
        VoiceSlot(30, "down", 1, F(1)),
        VoiceSlot(50, "up", 6, F(2)),
        VoiceSlot(50, "", 0, F(2), is_rest=True),
    ]
    assert split_voices(slots, F(4), 3.0) == [1, 2, 2, 1, 2]
    one = [VoiceSlot(10, "up", 2, F(2)), VoiceSlot(30, "down", 7, F(2))]
    assert split_voices(one, F(4), 3.0) == [1, 1]  # stems flip with pitch in a single voice


def _staff_image(tops: list[int], space: int = 10, width: int = 400) -> np.ndarray:
    img = np.full((tops[-1] + 8 * space, width), 255, np.uint8)
    for top in tops:
        for k in range(5):
            img[top + k * space, 20 : width - 20] = 0
    return img


def test_find_staves_on_a_drawn_page() -> None:
    staves = find_staves(_staff_image([40, 140, 300]))
    assert len(staves) == 3
    assert staves[1].line_ys == pytest.approx((140, 150, 160, 170, 180))
    assert staves[0].staff_space_px == pytest.approx(10) and staves[0].x0 == pytest.approx(20)
    assert staves[1].position_of(150) == 6 and staves[0].position_of(80) == 0
    assert find_staves(np.full((50, 50), 255, np.uint8)) == []


def test_grand_staff_is_one_part_and_a_choir_bracket_is_not() -> None:
    staff = lambda y: Glyph("staff", (10, y, 500, y + 41.25), 1.0, y)  # noqa: E731
    glyphs = [staff(100), staff(200), staff(400), staff(500), staff(600)]
    glyphs.append(Glyph("brace", (0, 100, 8, 241), 1.0, 1))
    glyphs.append(Glyph("barline", (300, 100, 301, 241), 1.0, 2))
    glyphs.append(Glyph("bracket", (0, 400, 8, 641), 1.0, 3))  # three staves, barlines per staff
    for y in (400, 500, 600):
        glyphs.append(Glyph("barline", (300, y, 301, y + 41), 1.0, 4 + y))
    staves = staves_from_glyphs(glyphs)
    systems = group_systems(staves, glyphs)
    assert [len(s.staves) for s in systems] == [2, 3]
    assert systems[0].part_staves == ((0, 1),)
    assert systems[1].part_staves == ((0,), (1,), (2,))
    assert Pitch("C", 0, 4).midi == 60


def test_repair_finds_an_unmarked_triplet() -> None:
    eighths = [RhythmItem(F(1, 2), 0, beamable=True, beam_group=0) for _ in range(3)]
    items = [RhythmItem(F(2), 0), *eighths, RhythmItem(F(1), 0, beamable=True)]
    rep = repair_voice(items, F(4))  # 4.5 of 4 quarters: the beamed three are a triplet
    assert rep.fits and "triplet" in rep.edit
    assert [it.scale for it in rep.items[1:4]] == [F(2, 3)] * 3


def test_two_voices_with_all_stems_up_split_by_time() -> None:
    # a half-note chord and four eighths under one beam, all stems up, in 2/4: two voices
    slots = [VoiceSlot(100, "up", 7, F(2)), *(VoiceSlot(x, "up", 5, F(1, 2)) for x in (112, 140, 160, 180))]
    assert split_voices(slots, F(2), 8.0) == [1, 2, 2, 2, 2]


def test_dynamic_word_rules() -> None:
    from frontline.music.assemble import dynamic_word

    def crop(w: int, h: int, top: float, mid: float, bottom: float) -> np.ndarray:
        img = np.full((h, w), 255, np.uint8)
        for (a, b), frac in (((0, h // 3), top), ((h // 3, 2 * h // 3), mid), ((2 * h // 3, h), bottom)):
            img[a:b, : int(round(frac * w))] = 0
        return img

    sp = 10.0
    assert dynamic_word(crop(30, 18, 0.5, 0.5, 0.28), sp) == "pp"  # short, ink low and high
    assert dynamic_word(crop(30, 18, 0.5, 0.5, 0.12), sp) == "mp"
    assert dynamic_word(crop(30, 26, 0.25, 0.4, 0.12), sp) == "mf"
    assert dynamic_word(crop(30, 26, 0.4, 0.4, 0.25), sp) == "ff"
    assert dynamic_word(crop(24, 26, 0.3, 0.4, 0.2), sp) == "sf"
    assert dynamic_word(np.zeros((2, 2), np.uint8), sp) == ""


def test_treble_over_bass_without_a_brace_is_a_grand_staff() -> None:
    staff = lambda y: Glyph("staff", (10, y, 500, y + 41.25), 1.0, y)  # noqa: E731
    glyphs = [staff(100), staff(200), Glyph("barline", (300, 100, 301, 241), 1.0, 1)]
    glyphs += [Glyph("clefG", (15, 90, 35, 150), 1.0, 2), Glyph("clefF", (15, 200, 35, 230), 1.0, 3)]
    systems = group_systems(staves_from_glyphs(glyphs), glyphs)
    assert systems[0].part_staves == ((0, 1),)
    glyphs[-1] = Glyph("clefG", (15, 190, 35, 250), 1.0, 3)  # two treble staves: two parts
    assert group_systems(staves_from_glyphs(glyphs), glyphs)[0].part_staves == ((0,), (1,))


def test_a_whole_rest_between_the_notes_of_a_measure_is_the_other_voices_measure_rest() -> None:
    # 3/8: a quarter, a dotted sixteenth and a thirty-second (1.5 quarters) with a whole rest drawn
    # between them a little under the middle line: the second voice rests for the measure
    slots = [
        VoiceSlot(100.0, "up", 9.0, F(1)),
        VoiceSlot(160.0, "", 3.5, F(4), is_rest=True),
        VoiceSlot(200.0, "up", 5.0, F(3, 8), beam_group=0),
        VoiceSlot(220.0, "up", 9.0, F(1, 8), beam_group=0),
    ]
    assert split_voices(slots, F(3, 2), 3.0, split_on_overflow=True, whole_rest_voice=True) == [1, 2, 1, 1]
    assert split_voices(slots, F(3, 2), 3.0, split_on_overflow=True) == [1, 1, 1, 1]
    # not when it stands left of every note (a measure of its own whose barline was missed) or when the
    # notes without it do not fill the measure
    left = [VoiceSlot(40.0, "", 3.5, F(4), is_rest=True), slots[0], *slots[2:]]
    assert split_voices(left, F(3, 2), 3.0, whole_rest_voice=True) == [1, 1, 1, 1]
    assert split_voices(slots, F(2), 3.0, whole_rest_voice=True) == [1, 1, 1, 1]
