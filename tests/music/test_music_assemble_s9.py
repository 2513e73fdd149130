"""Assembly rules of session 9, found on clean development pages with the shipped detector (non-reserved
corpus pieces and generator pages; never the benchmark's). Each test fails without its change."""

from __future__ import annotations

from fractions import Fraction as F

from assembly_glyphs import detected_header as _staff
from assembly_glyphs import detected_note as _head

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.repair import RhythmItem, repair_voice
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Glyph, Measure


def _events(m: Measure) -> list[tuple[F, F, int]]:
    """(onset, duration, voice) of each note by onset, then voice."""
    return sorted((n.onset_q, n.duration_q, n.voice) for n in m.notes())


def _dense_run() -> list[Glyph]:
    """2/4: eight beamed sixteenths 14 px apart (1.4 spaces), the fifth head's stem missed."""
    glyphs = _staff("2", "4")
    for k, x in enumerate((100, 114, 128, 142, 159, 176, 190, 204)):
        glyphs += _head(x, 120, True, 10 + 2 * k, stem=k != 4)
    return glyphs + [
        Glyph("beam", (111, 85, 216, 90), 0.9, 50),
        Glyph("beam", (111, 93, 216, 98), 0.9, 51),
        Glyph("barline", (300, 100, 301, 140), 1.0, 52),
    ]


def test_neighbours_on_one_beam_are_not_struck_together() -> None:
    # piano dev page (a run of eighths, one stem missed): the measure overflowed, neighbours of the run
    # stood within the distance that makes two heads "struck together", and the split by time put every
    # other note into a second voice; on one beam they follow each other, so one voice, and the repair
    # gives the stemless head the run's value
    glyphs = _dense_run()
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    assert _events(m) == [(F(k, 4), F(1, 4), 1) for k in range(8)]
    off = assemble_pages([(glyphs, None)], AssembleConfig(beams_apart=False)).score.parts[0].measures[0]
    assert {v for _, _, v in _events(off)} == {1, 2}


def test_split_voices_keeps_a_beamed_run_in_one_voice() -> None:
    # the run of the test above: sixteenths 14 px apart on one beam, a stemless quarter 17 px from each
    xs = (100, 114, 128, 142, 159, 176, 190, 204)
    slots = [VoiceSlot(x, "up", 4, F(1, 4), False, 0) for x in xs]
    slots[4] = VoiceSlot(159, "", 4, F(1), False, -1)
    assert split_voices(slots, F(2), 8.0, beams_apart=True) == [1] * 8
    assert split_voices(slots, F(2), 8.0) != [1] * 8


def test_a_measure_whose_onsets_disagree_with_positions_is_flagged() -> None:
    # the upper voice's second note was read a quarter (its beam or flag missed), the voice still fills
    # the measure, but its last note then starts half a beat after the lower voice's note at the same x
    glyphs = _staff("2", "4")
    glyphs += _head(100, 110, True, 10) + [Glyph("flag8thUp", (112, 75, 120, 90), 0.9, 12)]
    glyphs += _head(140, 110, True, 14)
    glyphs += _head(200, 110, True, 16) + [Glyph("flag8thUp", (212, 75, 220, 90), 0.9, 18)]
    glyphs += _head(100, 135, False, 20) + _head(200, 135, False, 22)
    glyphs += [Glyph("barline", (300, 100, 301, 140), 1.0, 30)]
    a = assemble_pages([(glyphs, None)])
    assert a.score.parts[0].measures[0].flagged
    assert a.measures[0].flagged and "onsets at odds" in a.measures[0].reason
    off = assemble_pages([(glyphs, None)], AssembleConfig(onset_check=False))
    assert not off.measures[0].flagged
    # the same measure read right (the second note an eighth, the third a quarter) is not flagged
    good = [g for g in glyphs if g.glyph_id != 18] + [Glyph("flag8thUp", (152, 75, 160, 90), 0.9, 18)]
    assert not assemble_pages([(good, None)]).measures[0].flagged


def test_a_measure_a_guessed_repair_made_fit_is_flagged() -> None:
    # a dotted quarter whose dot was missed: the repair adds the one dot that fills the measure, but a
    # dot, a beam level or a rest's value added by the repair is a guess (development pages: those
    # measures held three to eight times the note errors of unflagged ones), so the measure is flagged
    # (the middle one of three: a short first or last measure may be a pickup, so is not repaired)
    glyphs = _staff("2", "4") + _head(100, 120, True, 10) + _head(170, 120, True, 12)
    glyphs += [Glyph("barline", (240, 100, 241, 140), 1.0, 14)]
    glyphs += _head(280, 120, True, 20)
    glyphs += _head(360, 120, True, 22) + [Glyph("flag8thUp", (372, 85, 380, 100), 0.9, 24)]
    glyphs += [Glyph("barline", (440, 100, 441, 140), 1.0, 30)]
    glyphs += _head(470, 120, True, 32) + _head(520, 120, True, 34)
    glyphs += [Glyph("barline", (580, 100, 581, 140), 1.0, 36)]
    a = assemble_pages([(glyphs, None)])
    assert [d for _, d, _ in _events(a.score.parts[0].measures[1])] == [F(3, 2), F(1, 2)]
    assert "add dot" in a.measures[1].edit
    assert a.measures[1].flagged and "guessed repair" in a.measures[1].reason
    assert not a.measures[0].flagged and not a.measures[2].flagged
    off = assemble_pages([(glyphs, None)], AssembleConfig(flag_guessed_repairs=False))
    assert not off.measures[1].flagged and "add dot" in off.measures[1].edit


def test_the_repair_prefers_the_edit_that_keeps_notes_on_their_partners() -> None:
    # two voices on a staff, 2/4: the upper voice's four eighths fill the measure; the lower voice's
    # second eighth lost its flag (eighth, quarter, quarter: 2.5 quarters). Reading either quarter as an
    # eighth fills the measure (two edits of one tier: left unrepaired and flagged), but only the second
    # note's edit starts the third note with the upper eighth struck with it
    glyphs = _staff("2", "4") + _head(60, 120, True, 4) + _head(75, 120, True, 6)
    glyphs += [Glyph("barline", (90, 100, 91, 140), 1.0, 8)]
    for k, x in enumerate((100, 130, 160, 190)):
        glyphs += _head(x, 110, True, 10 + 3 * k) + [
            Glyph("flag8thUp", (x + 12, 75, x + 20, 90), 0.9, 12 + 3 * k)
        ]
    glyphs += _head(100, 135, False, 30) + [Glyph("flag8thDown", (101, 155, 109, 170), 0.9, 32)]
    glyphs += _head(130, 135, False, 33) + _head(160, 135, False, 35)
    glyphs += [Glyph("barline", (220, 100, 221, 140), 1.0, 40)]
    glyphs += _head(240, 120, True, 42) + _head(270, 120, True, 44)
    glyphs += [Glyph("barline", (300, 100, 301, 140), 1.0, 46)]
    a = assemble_pages([(glyphs, None)], AssembleConfig(repair_agrees=True))
    lower = [(o, d) for o, d, v in _events(a.score.parts[0].measures[1]) if v == 2]
    assert lower == [(F(0), F(1, 2)), (F(1, 2), F(1, 2)), (F(1), F(1))]
    assert "add beam on event 2" in a.measures[1].edit
    off = assemble_pages([(glyphs, None)], AssembleConfig(repair_metric_ties=False))  # off by default
    assert not off.measures[1].edit and "2.5 of 2 quarters" in off.measures[1].reason
    # session 13: the beat-grid tie-break (on by default) picks the same edit without the partners
    grid = assemble_pages([(glyphs, None)])
    assert "add beam on event 2" in grid.measures[1].edit


def test_repair_voice_skips_edits_the_predicate_rejects() -> None:
    items = [RhythmItem(F(1, 2), 0, beamable=True), RhythmItem(F(1), 0, beamable=True)]
    items += [RhythmItem(F(1), 0, beamable=True)]
    assert not repair_voice(items, F(2)).fits  # two single beam edits fit: ambiguous
    second = repair_voice(items, F(2), agrees=lambda its: its[1].value == F(1, 2))
    assert second.fits and second.edit == "add beam on event 2"
    # when no edit agrees, the tiers decide as without the predicate
    assert repair_voice(items, F(2), agrees=lambda its: False) == repair_voice(items, F(2))
