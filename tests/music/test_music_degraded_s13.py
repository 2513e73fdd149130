"""Session 13: the measure repair against detector errors on degraded pages. A tie between several
repair edits settled by the beat grid (`repair_voice(metric_ties=)`, `AssembleConfig.repair_metric_ties`)."""

from __future__ import annotations

from fractions import Fraction as F

from frontline.music.assemble.repair import RhythmItem, repair_voice


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
