"""Session 13: the measure repair against detector errors on degraded pages. A tie between several
repair edits settled by the beat grid (`repair_voice(metric_ties=)`, `AssembleConfig.repair_metric_ties`),
a note the beam detection missed between beamed notes (`repair_beam_bridge`), one beam edit on two notes
(`repair_beam_pairs`), and the meter check leaving out measures of two voices by their rests
(`meter_two_voices`)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F

from assembly_glyphs import detected_header, detected_note

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.repair import RhythmItem, repair_voice
from frontline.music.records import Glyph


def test_a_dot_read_on_a_sixteenth_is_dropped_rather_than_the_dotted_sixteenths_dot() -> None:
    # a sixteenth, an eighth, a sixteenth with a dust speck read as its dot, a dotted sixteenth and its
    # 32nd, eighths and sixteenths, a quarter: 4 1/8 quarters in 4/4. Dropping either dot fills the
    # measure; only dropping the speck keeps the dotted sixteenth on the beat.
    items = [
        RhythmItem(F(1, 4), 0, beamable=True, beam_group=0),
        RhythmItem(F(1, 2), 0, beamable=True, beam_group=0),
        RhythmItem(F(1, 4), 1, beamable=True, beam_group=0),
        RhythmItem(F(1, 4), 1, beamable=True, beam_group=1),
        RhythmItem(F(1, 8), 0, beamable=True, beam_group=1),
        RhythmItem(F(1, 2), 0, beamable=True, beam_group=2),
        RhythmItem(F(1, 4), 0, beamable=True, beam_group=2),
        RhythmItem(F(1, 4), 0, beamable=True, beam_group=2),
        RhythmItem(F(1, 2), 0, beamable=True, beam_group=2),
        RhythmItem(F(1), 0, beamable=True),
    ]
    assert not repair_voice(items, F(4)).fits  # two edits fit: left as read
    rep = repair_voice(items, F(4), metric_ties=True)
    assert rep.fits and rep.edit == "drop dot on event 3"
    assert [it.dots for it in rep.items][:5] == [0, 0, 0, 1, 0]


def test_a_missed_second_dot_goes_where_the_notes_after_it_fall_on_the_beat() -> None:
    # 2/4: a double-dotted eighth read with one dot, its 32nd, four sixteenths (1 7/8 quarters)
    items = [
        RhythmItem(F(1, 2), 1, beamable=True, beam_group=0),
        RhythmItem(F(1, 8), 0, beamable=True, beam_group=0),
        *[RhythmItem(F(1, 4), 0, beamable=True, beam_group=1) for _ in range(4)],
    ]
    assert not repair_voice(items, F(2)).fits
    rep = repair_voice(items, F(2), metric_ties=True)
    assert rep.fits and rep.edit == "add dot on event 1" and rep.items[0].dots == 2


def test_edits_on_an_equally_simple_grid_stay_a_tie() -> None:
    # two beamed pairs of eighths in 3/4: a beam level dropped from either pair fills the measure and
    # both put the notes on beats and eighths alike: left as read, as before
    items = [RhythmItem(F(1, 2), 0, beamable=True, beam_group=g) for g in (0, 0, 1, 1)]
    assert not repair_voice(items, F(3), metric_ties=True).fits


def test_a_note_the_beam_detection_missed_between_beamed_sixteenths_takes_their_value() -> None:
    # 3/8: two beamed sixteenths, a stemmed chord whose stretch of the beam was missed (read as a
    # quarter), three beamed sixteenths: 2 1/4 quarters for 1 1/2
    items = [
        RhythmItem(F(1, 4), 0, beamable=True, beam_group=0),
        RhythmItem(F(1, 4), 0, beamable=True, beam_group=0),
        RhythmItem(F(1), 0, beamable=True),
        *[RhythmItem(F(1, 4), 0, beamable=True, beam_group=1) for _ in range(3)],
    ]
    assert not repair_voice(items, F(3, 2)).fits
    rep = repair_voice(items, F(3, 2), beam_bridge=True)
    assert rep.fits and rep.edit == "beam bridge on event 3"
    assert rep.items[2].value == F(1, 4)


def test_two_notes_that_lost_their_second_beam_are_repaired_together() -> None:
    # 2/4: two beamed groups of four sixteenths whose first notes lost their second beam (eighths):
    # 2 1/2 quarters. No single edit fits; adding the level to both first notes does.
    group = [RhythmItem(F(1, 2), 0, beamable=True)] + [
        RhythmItem(F(1, 4), 0, beamable=True) for _ in range(3)
    ]
    items = [replace(it, beam_group=0) for it in group] + [replace(it, beam_group=1) for it in group]
    assert not repair_voice(items, F(2)).fits
    rep = repair_voice(items, F(2), metric_ties=True, beam_pairs=True)
    assert rep.fits and rep.edit == "add beam on events 1 and 5"
    assert all(it.value == F(1, 4) for it in rep.items)


def test_a_melody_over_another_voices_half_rests_keeps_its_two_four() -> None:
    # detected 2/4; three measures of two up-stem quarters over a half rest of a second voice struck
    # with the first: each staff's events sum to 4 quarters, which the meter check read as 4/4
    glyphs = detected_header("2", "4")
    gid = 100
    for x0 in (80, 200, 320):
        glyphs += detected_note(x0, 115, True, gid) + detected_note(x0 + 50, 115, True, gid + 2)
        glyphs += [Glyph("restHalf", (x0, 125, x0 + 12, 130), 0.9, gid + 4)]
        glyphs += [Glyph("barline", (x0 + 100, 100, x0 + 101, 140), 1.0, gid + 5)]
        gid += 10
    old = assemble_pages([(glyphs, None)], AssembleConfig(meter_two_voices=False))
    t = old.score.parts[0].measures[0].time
    assert t is not None and (t.beats, t.beat_type) == (4, 4)
    new = assemble_pages([(glyphs, None)])
    t = new.score.parts[0].measures[0].time
    assert t is not None and (t.beats, t.beat_type) == (2, 4)


def test_two_missed_dots_are_added_together() -> None:
    # 4/4: two dotted quarters each followed by an eighth, both dots missed (3 quarters): no single
    # edit fits; a dot on both quarters does
    items = [RhythmItem(F(1), 0), RhythmItem(F(1, 2), 0), RhythmItem(F(1), 0), RhythmItem(F(1, 2), 0)]
    assert not repair_voice(items, F(4), metric_ties=True, beam_pairs=True).fits
    rep = repair_voice(items, F(4), metric_ties=True, dot_pairs=True)
    assert rep.fits and rep.edit == "add dot on events 1 and 3"
