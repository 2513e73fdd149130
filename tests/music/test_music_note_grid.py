"""Note F1 on a 1/96-quarter grid: invisible ground-truth micro-offsets are forgiven, real errors are not."""

from __future__ import annotations

from fractions import Fraction as F

from frontline.music.evaluate.notation import note_f1
from frontline.music.records import Measure, Note, Part, Pitch, Score


def _score(onsets_durations: list[tuple[F, F]]) -> Score:
    notes = tuple(Note(Pitch("C", 0, 5), on, du, "eighth") for on, du in onsets_durations)
    return Score((Part("P1", "", (Measure(1, notes),)),))


def test_grid_forgives_ornament_lengths_no_page_shows_but_not_a_wrong_value() -> None:
    # the ground truth gives an ornament 187/1120 of a quarter where the page shows a sixth (1/6):
    # every later onset of the measure is 1/10080 of a quarter off what any reader can see
    off = F(187, 1120) - F(1, 6)
    truth = _score([(F(0), F(187, 1120)), (F(187, 1120), F(1, 2)), (F(1, 2) + F(187, 1120), F(1, 2))])
    read = _score([(F(0), F(1, 6)), (F(1, 6), F(1, 2)), (F(2, 3), F(1, 2))])
    assert off != 0
    assert note_f1(read, truth).f1 == 0.0  # exact keys: nothing matches
    assert note_f1(read, truth, grid=96).f1 == 1.0
    # a real error (a dotted value read as plain, a 64th-note shift) still counts on the grid
    wrong = _score([(F(0), F(1, 6)), (F(1, 6), F(3, 4)), (F(2, 3) + F(1, 16), F(1, 2))])
    assert note_f1(wrong, truth, grid=96).true_positives == 1
