"""Assembly rules of session 6, found on genre development pages (non-reserved corpus pieces and generator
pages, seeds 981000+; never the benchmark's): each test fails without its change."""

from __future__ import annotations

from fractions import Fraction as F

from assembly_glyphs import header as _header
from assembly_glyphs import note as _note
from assembly_glyphs import notes_of as _notes_of

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Glyph


def _four_quarters(x0: float, gid: int, cy: float = 125) -> list[Glyph]:
    out: list[Glyph] = []
    for k in range(4):
        out += _note(x0 + 40 * k, cy, True, gid + 2 * k)
    return out


def test_a_key_change_between_a_barline_and_a_start_repeat_is_no_measure() -> None:
    # 4/4: a measure, a barline, three flats, a start repeat, a measure (generator dev page rare-7: the
    # key's region was read as an empty measure and every later measure of the piece shifted by one)
    glyphs = _header("4", "4") + _four_quarters(80, 10)
    glyphs.append(Glyph("barline", (240, 100, 241, 140), 1.0, 20))
    glyphs += [
        Glyph("keyFlat", (250, 100, 256, 124), 1.0, 21),
        Glyph("keyFlat", (258, 85, 264, 109), 1.0, 22),
        Glyph("keyFlat", (266, 105, 272, 129), 1.0, 23),
        Glyph("repeatLeft", (282, 100, 290, 140), 1.0, 24),
        Glyph("repeatDot", (293, 113, 296, 116), 1.0, 25),
        Glyph("repeatDot", (293, 123, 296, 126), 1.0, 26),
    ]
    glyphs += _four_quarters(320, 30, cy=120)  # four B4: B flat under the new key
    glyphs.append(Glyph("barlineFinal", (480, 100, 484, 140), 1.0, 40))
    on = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert len(on) == 2
    assert on[1].repeat_start and on[1].key is not None and on[1].key.fifths == -3
    assert [n.pitch.midi for n in _notes_of(on[1])] == [70] * 4
    assert not any(m.flagged for m in on)
    off = assemble_pages([(glyphs, None)], AssembleConfig(header_regions=False)).score.parts[0].measures
    assert len(off) == 3 and off[1].flagged


def _two_voice_triplet() -> list[Glyph]:
    # 3/4: upper voice (stems up) a quarter G4 and a half G4; lower voice (stems down) a triplet of beamed
    # eighths E4 F4 E4, the first struck with the quarter, and a half E4. The triplet's bracket and "3"
    # stand above the staff (over the upper voice), as Verovio set them in Chopin's mazurka (dev page)
    glyphs = _header("3", "4")
    glyphs += _note(100, 130, True, 10)
    glyphs += _note(100, 140, False, 12) + _note(130, 135, False, 14) + _note(160, 140, False, 16)
    glyphs.append(Glyph("beam", (100, 170, 161, 175), 1.0, 18))
    glyphs += [
        Glyph("tupletBracket", (98, 80, 174, 88), 1.0, 19),
        Glyph("tuplet3", (131, 76, 139, 88), 1.0, 20),
    ]
    glyphs += _note(200, 130, True, 22, "noteheadHalf") + _note(200, 140, False, 24, "noteheadHalf")
    glyphs.append(Glyph("barline", (260, 100, 261, 140), 1.0, 26))
    return glyphs


def test_a_tuplet_over_two_voices_marks_the_voice_with_as_many_notes_as_its_number() -> None:
    glyphs = _two_voice_triplet()
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    got = [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(m)]
    assert got == [
        (F(0), 64, F(1, 3)),
        (F(0), 67, F(1)),
        (F(1, 3), 65, F(1, 3)),
        (F(2, 3), 64, F(1, 3)),
        (F(1), 64, F(2)),
        (F(1), 67, F(2)),
    ]
    assert not m.flagged
    off = (
        assemble_pages([(glyphs, None)], AssembleConfig(tuplet_other_voice=False)).score.parts[0].measures[0]
    )
    assert (F(0), 67, F(1)) not in [(n.onset_q, n.pitch.midi, n.duration_q) for n in off.notes()]


def _stem_exception() -> list[Glyph]:
    # 3/4: upper voice (stems up) a quarter and a half G4; lower voice two beamed eighths E4 D4, a dotted
    # quarter D4 and an eighth D4 drawn with an UP stem and flag (Chopin's mazurka, dev page: split by
    # stem direction the upper voice overflowed and the repair turned its quarter into an eighth)
    glyphs = _header("3", "4")
    glyphs += _note(100, 130, True, 10)
    glyphs += _note(100, 140, False, 12) + _note(130, 145, False, 14)
    glyphs.append(Glyph("beam", (100, 175, 131, 180), 1.0, 16))
    glyphs += _note(160, 130, True, 18, "noteheadHalf")
    glyphs += _note(160, 145, False, 20) + [Glyph("augmentationDot", (176, 143, 180, 147), 1.0, 22)]
    glyphs += _note(230, 145, True, 24) + [Glyph("flag8thUp", (242, 110, 250, 130), 1.0, 26)]
    glyphs.append(Glyph("barline", (280, 100, 281, 140), 1.0, 27))
    return glyphs


def test_a_lower_voice_note_with_an_up_stem_stays_in_the_lower_voice() -> None:
    glyphs = _stem_exception()
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    got = [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(m)]
    assert got == [
        (F(0), 64, F(1, 2)),
        (F(0), 67, F(1)),
        (F(1, 2), 62, F(1, 2)),
        (F(1), 62, F(3, 2)),
        (F(1), 67, F(2)),
        (F(5, 2), 62, F(1, 2)),
    ]
    assert not m.flagged and not any(r.edit for r in assemble_pages([(glyphs, None)]).measures)
    off = assemble_pages([(glyphs, None)], AssembleConfig(stem_exceptions=False)).score.parts[0].measures[0]
    assert (F(0), 67, F(1)) not in [(n.onset_q, n.pitch.midi, n.duration_q) for n in off.notes()]


def test_a_stem_exception_moves_only_a_note_whose_onset_agrees_with_its_place() -> None:
    q, e = F(1), F(1, 2)
    # upper: quarter, half; lower: two eighths, a dotted quarter and an up-stem eighth at the end: moved
    slots = [
        VoiceSlot(100, "up", 6, q),
        VoiceSlot(100, "down", 1, e),
        VoiceSlot(130, "down", 0, e),
        VoiceSlot(160, "up", 6, F(2)),
        VoiceSlot(160, "down", 0, F(3, 2)),
        VoiceSlot(230, "up", 0, e),
    ]
    assert split_voices(slots, F(3), 8.0, True, stem_exceptions=True) == [1, 2, 2, 1, 2, 2]
    assert split_voices(slots, F(3), 8.0, True, stem_exceptions=False) == [1, 2, 2, 1, 2, 1]
    # the only notes of the right length would start in the lower voice after a note standing right
    # of them: no move (the measure stays as the stems split it, for the repair or the flag)
    slots = [
        VoiceSlot(100, "up", 6, e),
        VoiceSlot(100, "down", 1, q),
        VoiceSlot(130, "up", 6, e),
        VoiceSlot(200, "down", 1, e),
        VoiceSlot(230, "up", 6, F(3, 2)),
    ]
    assert split_voices(slots, F(2), 8.0, True, stem_exceptions=True) == [1, 2, 1, 2, 1]


def test_notes_under_an_ottava_bracket_sound_an_octave_off() -> None:
    # 4/4, four A4 quarters; an 8va bracket above the staff over the last two (dev pages with ottavas
    # added to non-reserved piano pieces: the page shows them an octave low), then the same with an 8vb
    # bracket below the staff over the first two
    glyphs = _header("4", "4") + _four_quarters(80, 10)
    glyphs.append(Glyph("barline", (240, 100, 241, 140), 1.0, 20))
    above = [*glyphs, Glyph("ottavaBracket", (158, 70, 215, 82), 1.0, 21)]
    on = AssembleConfig(ottava=True)
    m = assemble_pages([(above, None)], on).score.parts[0].measures[0]
    assert [n.pitch.midi for n in _notes_of(m)] == [69, 69, 81, 81]
    below = [*glyphs, Glyph("ottavaBracket", (78, 170, 135, 182), 1.0, 21)]
    m = assemble_pages([(below, None)], on).score.parts[0].measures[0]
    assert [n.pitch.midi for n in sorted(m.notes(), key=lambda n: n.onset_q)] == [57, 57, 69, 69]
    off = assemble_pages([(above, None)], AssembleConfig(ottava=False)).score.parts[0].measures[0]
    assert [n.pitch.midi for n in _notes_of(off)] == [69] * 4


def test_each_tie_of_a_chord_goes_to_the_head_half_a_space_from_it() -> None:
    # 4/4: a chord F4 A4 C5 tied to the same chord, then two quarters; the lower two heads' arcs lie
    # below them, the top one's above (Weber's concertino, dev page: the arc under A4 is nearer F4's
    # centre than A4's, so F4 took both arcs and A4 lost its tie)
    glyphs = _header("4", "4")
    gid = 10
    for x in (100, 160):
        for cy in (135, 125, 115):
            on = "OnLine" if cy % 10 == 0 else "InSpace"
            glyphs.append(Glyph(f"noteheadBlack{on}", (x, cy - 5, x + 12, cy + 5), 1.0, gid))
            gid += 1
        glyphs.append(Glyph("stem", (x + 11, 80, x + 12, 135), 1.0, gid))
        gid += 1
    glyphs += [
        Glyph("tie", (114, 138, 158, 143), 1.0, 40),
        Glyph("tie", (114, 128, 158, 133), 1.0, 41),
        Glyph("tie", (114, 107, 158, 112), 1.0, 42),
    ]
    glyphs += _note(200, 125, True, 50) + _note(240, 125, True, 52)
    glyphs.append(Glyph("barline", (280, 100, 281, 140), 1.0, 54))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    ties = [(n.onset_q, n.pitch.midi, n.tie_start, n.tie_stop) for n in _notes_of(m)][:6]
    assert ties == [
        (F(0), 65, True, False),
        (F(0), 69, True, False),
        (F(0), 72, True, False),
        (F(1), 65, False, True),
        (F(1), 69, False, True),
        (F(1), 72, False, True),
    ]
    off = assemble_pages([(glyphs, None)], AssembleConfig(chord_ties=False)).score.parts[0].measures[0]
    assert (F(0), 69, True, False) not in [
        (n.onset_q, n.pitch.midi, n.tie_start, n.tie_stop) for n in off.notes()
    ]


def test_a_head_beside_another_voices_stem_keeps_the_stem_that_leaves_from_its_chord() -> None:
    # 2/4: a half-note chord G4 B4 (stem up at its right edge) and, a second above B4 and set a head width
    # to the right, a quarter C5 of the lower voice whose down stem runs down past G4 right beside the
    # chord's stem (Handel's Rinaldo, dev page: G4 took the nearer down stem and became a quarter)
    glyphs = _header("2", "4")
    glyphs += [
        Glyph("noteheadHalfOnLine", (100, 125, 112, 135), 1.0, 10),
        Glyph("noteheadHalfOnLine", (100, 115, 112, 125), 1.0, 11),
        Glyph("stem", (110.5, 85, 111.5, 130), 1.0, 12),
        Glyph("noteheadBlackInSpace", (112, 110, 124, 120), 1.0, 13),
        Glyph("stem", (112, 115, 113, 150), 1.0, 14),
    ]
    glyphs += _note(160, 115, False, 15)
    glyphs.append(Glyph("barline", (220, 100, 221, 140), 1.0, 17))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    got = [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(m)]
    assert got == [(F(0), 67, F(2)), (F(0), 71, F(2)), (F(0), 72, F(1)), (F(1), 72, F(1))]
    assert not m.flagged
    off = assemble_pages([(glyphs, None)], AssembleConfig(anchored_stems=False)).score.parts[0].measures[0]
    assert [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(off)] != got


def test_a_pausing_voice_note_a_second_beside_a_struck_note_starts_with_it() -> None:
    # 3/4: the upper voice has a quarter B4 and a half A4; the lower voice only a quarter G4 struck with
    # the half, its head a second below and set a head width to the right (invisible rest before it;
    # Handel's Rinaldo, dev page: it was laid out at the measure's start)
    glyphs = _header("3", "4")
    glyphs += _note(100, 120, True, 10) + _note(160, 125, True, 12, "noteheadHalf")
    glyphs += _note(172, 130, False, 14)
    glyphs.append(Glyph("barline", (230, 100, 231, 140), 1.0, 16))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    got = [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(m)]
    assert got == [(F(0), 71, F(1)), (F(1), 67, F(1)), (F(1), 69, F(2))]
    off = assemble_pages([(glyphs, None)], AssembleConfig(align_seconds=False)).score.parts[0].measures[0]
    assert (F(1), 67, F(1)) not in [(n.onset_q, n.pitch.midi, n.duration_q) for n in off.notes()]


def test_two_whole_notes_a_second_apart_set_side_by_side_are_one_chord() -> None:
    # 4/4: whole notes A4 and B4, the B a head width to the right (Handel's Rinaldo, dev page: read one
    # after the other, a measure of 8 quarters)
    glyphs = _header("4", "4")
    glyphs += [
        Glyph("noteheadWholeInSpace", (100, 120, 117, 130), 1.0, 10),
        Glyph("noteheadWholeOnLine", (117, 115, 134, 125), 1.0, 11),
        Glyph("barline", (200, 100, 201, 140), 1.0, 12),
    ]
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    assert [(n.onset_q, n.pitch.midi, n.duration_q) for n in _notes_of(m)] == [
        (F(0), 69, F(4)),
        (F(0), 71, F(4)),
    ]
    assert not m.flagged
    off = assemble_pages([(glyphs, None)], AssembleConfig(stemless_seconds=False)).score.parts[0].measures[0]
    assert [n.onset_q for n in _notes_of(off)] != [F(0), F(0)]


def test_an_end_repeat_a_key_change_and_a_start_repeat_close_one_measure_and_open_the_next() -> None:
    # 2/4: a measure, an end repeat, two sharps, a start repeat, a measure: two measures, the first
    # ending a repeat and the second starting one
    glyphs = _header("2", "4") + _note(80, 125, True, 10) + _note(120, 125, True, 12)
    glyphs += [
        Glyph("repeatDot", (150, 113, 153, 116), 1.0, 20),
        Glyph("repeatDot", (150, 123, 153, 126), 1.0, 21),
        Glyph("repeatRight", (156, 100, 164, 140), 1.0, 22),
        Glyph("keySharp", (172, 90, 178, 114), 1.0, 23),
        Glyph("keySharp", (180, 105, 186, 129), 1.0, 24),
        Glyph("repeatLeft", (196, 100, 204, 140), 1.0, 25),
        Glyph("repeatDot", (207, 113, 210, 116), 1.0, 26),
        Glyph("repeatDot", (207, 123, 210, 126), 1.0, 27),
    ]
    glyphs += _note(230, 125, True, 30) + _note(270, 125, True, 32)
    glyphs.append(Glyph("barlineFinal", (320, 100, 324, 140), 1.0, 40))
    ms = assemble_pages([(glyphs, None)]).score.parts[0].measures
    assert len(ms) == 2
    assert ms[0].repeat_end and ms[1].repeat_start
    assert ms[1].key is not None and ms[1].key.fifths == 2
    off = assemble_pages([(glyphs, None)], AssembleConfig(header_regions=False)).score.parts[0].measures
    assert len(off) == 3
