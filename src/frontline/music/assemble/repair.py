"""The time signature as a constraint: repair a voice whose durations do not fill its measure.

A voice is repaired only where exactly one single edit makes it fit: first among dot edits (add or drop
one augmentation dot), then, if no dot edit fits, among beam edits (add or drop one beam level on one
note); when several edits of a tier fit, or none does, the measure is flagged for review. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from frontline.music.assemble.rhythm import dotted

__all__ = ["Repair", "RhythmItem", "repair_voice"]


@dataclass(frozen=True, slots=True)
class RhythmItem:
    """What a voice event contributes: undotted value (quarters), dots, tuplet scale, whether it may change.

    `scale` is normal/actual for tuplet members (2/3 in a triplet), 1 otherwise. Rests and whole-measure
    rests are not `editable` by beam edits (they have none), but dots may still be missed on them.
    """

    value: Fraction
    dots: int
    scale: Fraction = Fraction(1)
    beamable: bool = False

    @property
    def duration(self) -> Fraction:
        """Sounding duration in quarter notes."""
        return dotted(self.value, self.dots) * self.scale


@dataclass(frozen=True, slots=True)
class Repair:
    """Outcome for one voice: the (possibly edited) items, whether it fits, and what was changed."""

    items: tuple[RhythmItem, ...]
    fits: bool
    edit: str = ""


def _total(items: tuple[RhythmItem, ...] | list[RhythmItem]) -> Fraction:
    return sum((i.duration for i in items), Fraction(0))


def _candidates(items: list[RhythmItem]) -> list[tuple[int, RhythmItem, str]]:
    out: list[tuple[int, RhythmItem, str]] = []
    for k, it in enumerate(items):
        if it.dots < 2:
            out.append((k, RhythmItem(it.value, it.dots + 1, it.scale, it.beamable), "add dot"))
        if it.dots > 0:
            out.append((k, RhythmItem(it.value, it.dots - 1, it.scale, it.beamable), "drop dot"))
        if it.beamable and it.value <= 1:
            out.append((k, RhythmItem(it.value / 2, it.dots, it.scale, True), "add beam"))
            if it.value < 1:
                out.append((k, RhythmItem(it.value * 2, it.dots, it.scale, True), "drop beam"))
    return out


def repair_voice(items: list[RhythmItem], expected: Fraction, allow_short: bool = False) -> Repair:
    """Make a voice fill `expected` quarter notes with at most one edit, if exactly one edit does.

    `allow_short` accepts a voice shorter than the measure (a pickup or a voice that pauses).
    """
    total = _total(items)
    if total == expected or (allow_short and total < expected):
        return Repair(tuple(items), True)
    # missed or spurious dots (tiny glyphs) are likelier detector errors than beam levels: try them first
    for tier in (("add dot", "drop dot"), ("add beam", "drop beam")):
        fixes = [
            (k, new, what)
            for k, new, what in _candidates(items)
            if what in tier and total - items[k].duration + new.duration == expected
        ]
        if len(fixes) == 1:
            k, new, what = fixes[0]
            edited = list(items)
            edited[k] = new
            return Repair(tuple(edited), True, f"{what} on event {k + 1}")
        if len(fixes) > 1:
            break
    return Repair(tuple(items), False)
