"""The time signature as a constraint: repair a voice whose durations do not fill its measure.

A voice is repaired only where exactly one edit (of one event, one group, or optionally of two notes
alike) makes it fit, trying in turn: play the events
under a weakly detected tuplet number as that tuplet (one number, then all of them), give black heads
whose stems were missed one common value, add one dot, make
three equal beamed notes a triplet (editions often omit the 3), or every such group, drop a tuplet (a stray "3" read over a
group: its notes at face value), drop one dot, add or drop one beam
level, change one rest's value (a detector confuses neighbouring rest classes), add or drop one beam
level along a whole beamed group, (optionally) give an unbeamed note its beamed neighbour's value or
make one beam (or dot) edit on two notes; when several edits of a tier fit the measure is flagged for review
(with `metric_ties`: unless one of them alone puts the onsets on the simplest beat grid), and so when
none does. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from frontline.music.assemble.rhythm import dotted

__all__ = ["TRUSTED_TIERS", "Repair", "RhythmItem", "repair_voice"]


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
    beam_group: int = -1
    """Id of the beamed group the event belongs to (-1: none); three equal notes may be a triplet."""
    is_rest: bool = False
    """A rest: its value may be read as a neighbouring rest class."""
    free: bool = False
    """A black notehead without a stem (one was missed): its value is unknown (read as a quarter)."""
    hint_scale: Fraction = Fraction(1)
    """Tuplet scale a weakly detected tuplet number over the event suggests (1: none)."""
    hint_group: int = -1
    """Id of the events that weak number marks (-1: none): the repair may play them as that tuplet."""

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


_MAX_PAIRS = 12
"""More fitting pairs of edits than this leave a voice as read (the choice would be a guess, and
comparing them costs time on long runs)."""

_REST_VALUES = (Fraction(4), Fraction(2), Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(1, 8))


def _total(items: tuple[RhythmItem, ...] | list[RhythmItem]) -> Fraction:
    return sum((i.duration for i in items), Fraction(0))


def _onset_cost(items: Sequence[RhythmItem]) -> float:
    """How far a voice's onsets lie off the beat: the sum over events of log2 of the onset's denominator.

    Onsets in quarter notes from the measure start: on a beat 0, on an eighth 1, on a sixteenth 2, on
    a triplet eighth log2(3). Music places most notes on simple subdivisions of the beat.
    """
    t, cost = Fraction(0), 0.0
    for it in items:
        cost += math.log2(t.denominator)
        t += it.duration
    return cost


def _candidates(items: list[RhythmItem]) -> list[tuple[int, RhythmItem, str]]:
    out: list[tuple[int, RhythmItem, str]] = []
    for k, it in enumerate(items):
        if it.dots < 2:
            out.append(
                (
                    k,
                    RhythmItem(it.value, it.dots + 1, it.scale, it.beamable, it.beam_group, it.is_rest),
                    "add dot",
                )
            )
        if it.dots > 0:
            out.append(
                (
                    k,
                    RhythmItem(it.value, it.dots - 1, it.scale, it.beamable, it.beam_group, it.is_rest),
                    "drop dot",
                )
            )
        if it.beamable and Fraction(1, 16) <= it.value <= 1:
            out.append((k, RhythmItem(it.value / 2, it.dots, it.scale, True, it.beam_group), "add beam"))
            if it.value < 1:
                out.append((k, RhythmItem(it.value * 2, it.dots, it.scale, True, it.beam_group), "drop beam"))
    return out


TRUSTED_TIERS = ("triplet", "triplets")
"""The only edits for annotated (exact) symbols that fall short of their measure: an unmarked triplet,
which no symbol shows. Every other edit stands for a symbol a detector missed or misread; on annotated
pages those edits turned measures that really are short (a phrase-end measure under a fermata, a section's last
measure before its pickup) into wrong ones (development pages: 20 of 28 such edits on annotated
symbols left their measure wrong)."""


def _as_triplets(items: Sequence[RhythmItem], idx: Sequence[int]) -> list[RhythmItem]:
    """`items` with the events at positions `idx` played as triplets (scale 2/3, no longer `free`)."""
    return [replace(it, scale=Fraction(2, 3), free=False) if k in idx else it for k, it in enumerate(items)]


def _triplet_groups(items: list[RhythmItem]) -> list[list[int]]:
    """Indices of each beamed group of three equal notes at face value (a triplet without its 3)."""
    out: list[list[int]] = []
    for gid in sorted({it.beam_group for it in items if it.beam_group >= 0}):
        idx = [k for k, it in enumerate(items) if it.beam_group == gid]
        group = [items[k] for k in idx]
        if len(idx) == 3 and len({(it.value, it.dots) for it in group}) == 1 and group[0].scale == 1:
            out.append(idx)
    return out


def repair_voice(
    items: list[RhythmItem],
    expected: Fraction,
    allow_short: bool = False,
    only: tuple[str, ...] | None = None,
    rest_neighbours: bool = False,
    dotted_pairs: bool = False,
    agrees: Callable[[list[RhythmItem]], bool] | None = None,
    drop_tuplets: bool = False,
    metric_ties: bool = False,
    beam_bridge: bool = False,
    beam_pairs: bool = False,
    dot_pairs: bool = False,
) -> Repair:
    """Make a voice fill `expected` quarter notes with at most one edit, if exactly one edit does.

    `allow_short` accepts a voice shorter than the measure (a pickup or a voice that pauses); `only`
    limits the edits to those tiers (e.g. `TRUSTED_TIERS` for annotated symbols); `rest_neighbours`
    lets the rest-value edit change a rest only to the class next to it (half or double the value), the
    classes a detector confuses; `dotted_pairs` settles a tie between several notes that one added dot
    would fill by the one followed in its beamed group by a note of half its value (a dotted eighth and a
    sixteenth: the dot a detector missed). With `agrees` (whether an edited voice's onsets agree with the
    notes another voice strikes with it), edits it rejects are left out of every tier first, so a later
    tier's edit that agrees wins over an earlier one that does not; when no edit agrees, as without it.
    `drop_tuplets` adds a tier after "drop tuplet" that drops every tuplet of the voice at once (numbers
    read in a figured bass under the staff, two or more in one measure). `metric_ties` settles a tie
    between several edits of one tier by the one whose onsets lie on the simplest beat grid
    (`_onset_cost`), when exactly one is lowest: a dust speck read as a dot on a sixteenth, where dropping
    the dot of the dotted eighth beside it would fill the measure as well, shifts the notes after it off
    the eighths. `beam_bridge` adds a tier after the group beam edit: a stemmed note without beams next
    to a beamed note takes that note's value (the beam across it was missed); `beam_pairs` a last tier,
    one beam edit of the same kind on two notes (two groups whose first notes lost their second beam);
    `dot_pairs` a tier after it, one dot edit of the same kind on two notes.
    """
    total = _total(items)
    if total == expected or (allow_short and total < expected):
        return Repair(tuple(items), True)
    # with the agreement test first (when there is one), then without it
    tiers = (drop_tuplets, metric_ties, beam_bridge, beam_pairs, dot_pairs)
    if agrees is not None:
        rep = _repair(items, expected, total, only, rest_neighbours, dotted_pairs, agrees, *tiers)
        if rep.fits:
            return rep
    return _repair(items, expected, total, only, rest_neighbours, dotted_pairs, None, *tiers)


def _repair(
    items: list[RhythmItem],
    expected: Fraction,
    total: Fraction,
    only: tuple[str, ...] | None,
    rest_neighbours: bool,
    dotted_pairs: bool,
    agrees: Callable[[list[RhythmItem]], bool] | None,
    drop_tuplets: bool = False,
    metric_ties: bool = False,
    beam_bridge: bool = False,
    beam_pairs: bool = False,
    dot_pairs: bool = False,
) -> Repair:
    """`repair_voice`'s tiers, keeping only the edits `agrees` accepts (all when None)."""
    # likeliest detector or engraving omissions first: a missed dot, an unmarked triplet (three equal
    # beamed notes), then a spurious dot, then a missed or spurious beam level
    tiers: tuple[tuple[str, ...], ...] = (
        ("hinted tuplet",),
        ("hinted tuplets",),
        ("free value",),
        ("add dot",),
        ("triplet",),
        ("triplets",),
        ("drop tuplet",),
        ("drop tuplets",),
        ("drop dot",),
        ("add beam", "drop beam"),
        ("rest value",),
        ("group beam",),
        ("beam bridge",),
        ("two beams",),
        ("two dots",),
    )
    for tier in tiers:
        if (
            tier == ("beam bridge",)
            and not beam_bridge
            or tier == ("two beams",)
            and not beam_pairs
            or tier == ("two dots",)
            and not dot_pairs
        ):
            continue
        if only is not None and not set(tier) & set(only):
            continue
        fixes: list[tuple[list[RhythmItem], str]] = []
        if tier in (("hinted tuplet",), ("hinted tuplets",)):
            # a tuplet number the detector saw but was unsure of (too weak to mark its events by
            # itself): its events as that tuplet, one number at a time, then all of them together
            hinted = sorted({it.hint_group for it in items if it.hint_group >= 0 and it.scale == 1})
            sets = (
                [[g] for g in hinted] if tier == ("hinted tuplet",) else ([hinted] if len(hinted) > 1 else [])
            )
            for gids in sets:
                idx = [k for k, it in enumerate(items) if it.hint_group in gids and it.scale == 1]
                edited = [replace(it, scale=it.hint_scale) if k in idx else it for k, it in enumerate(items)]
                if _total(edited) == expected:
                    fixes.append((edited, f"hinted tuplet on events {idx[0] + 1}-{idx[-1] + 1}"))
        elif tier == ("free value",):
            # black heads whose stems were missed: one common value for all of them that fills the measure
            idx = [k for k, it in enumerate(items) if it.free]
            for v in (Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(1, 8)):
                if not idx or all(items[k].value == v for k in idx):
                    continue
                edited = [
                    RhythmItem(v, it.dots, it.scale, True, it.beam_group, False, True) if k in idx else it
                    for k, it in enumerate(items)
                ]
                if _total(edited) == expected:
                    fixes.append((edited, f"stemless heads read as {v} quarter"))
        elif tier == ("rest value",):
            # a rest read as its neighbour class (quarter vs eighth vs sixteenth, whole vs half)
            for k, it in enumerate(items):
                if not it.is_rest:
                    continue
                for v in _REST_VALUES:
                    if rest_neighbours and v not in (2 * it.value, it.value / 2):
                        continue
                    new = RhythmItem(v, it.dots, it.scale, False, it.beam_group, True)
                    if v != it.value and total - it.duration + new.duration == expected:
                        edited = list(items)
                        edited[k] = new
                        fixes.append((edited, f"rest value on event {k + 1}"))
        elif tier == ("beam bridge",):
            # a beam missed across one stemmed note between beamed neighbours (or at a group's end):
            # the note takes the value of the beamed note beside it
            for k, it in enumerate(items):
                if not it.beamable or it.beam_group >= 0 or it.free or it.value > 1 or it.scale != 1:
                    continue
                for j in (k - 1, k + 1):
                    if not 0 <= j < len(items) or items[j].beam_group < 0 or items[j].is_rest:
                        continue
                    v = items[j].value
                    if v == it.value or any(f[0][k].value == v for f in fixes if len(f[0]) == len(items)):
                        continue
                    new = replace(it, value=v)
                    if total - it.duration + new.duration == expected:
                        edited = list(items)
                        edited[k] = new
                        fixes.append((edited, f"beam bridge on event {k + 1}"))
        elif tier in (("two beams",), ("two dots",)):
            # a beam level (or a dot) missed or misread on two notes: pairs of single-note edits of one
            # kind
            kinds = ("add beam", "drop beam") if tier == ("two beams",) else ("add dot", "drop dot")
            single = [(k, new, what) for k, new, what in _candidates(items) if what in kinds]
            # pairs whose two changes add up to what the voice lacks (or has too much), found through a
            # table of changes: linear in the candidates, not quadratic in Fraction sums
            by_delta: dict[tuple[Fraction, str], list[int]] = {}
            deltas = [new.duration - items[k].duration for k, new, _ in single]
            for i, (_, _, what) in enumerate(single):
                by_delta.setdefault((deltas[i], what), []).append(i)
            for i, (ka, na, wa) in enumerate(single):
                for j in by_delta.get((expected - total - deltas[i], wa), []):
                    kb, nb, _ = single[j]
                    if j <= i or kb == ka:
                        continue
                    edited = list(items)
                    edited[ka], edited[kb] = na, nb
                    fixes.append((edited, f"{wa} on events {ka + 1} and {kb + 1}"))
            if len(fixes) > _MAX_PAIRS:
                break  # too many readings to choose from (a long run of equal notes): left as read
        elif tier == ("group beam",):
            # a beam level missed (or doubled) along a whole beamed group: every member changes
            for gid in sorted({it.beam_group for it in items if it.beam_group >= 0}):
                idx = [k for k, it in enumerate(items) if it.beam_group == gid]
                for factor, what in ((Fraction(1, 2), "add"), (Fraction(2), "drop")):
                    if any(not Fraction(1, 32) <= items[k].value * factor <= Fraction(1, 2) for k in idx):
                        continue
                    edited = [
                        RhythmItem(it.value * factor, it.dots, it.scale, True, it.beam_group)
                        if k in idx
                        else it
                        for k, it in enumerate(items)
                    ]
                    if _total(edited) == expected:
                        fixes.append((edited, f"{what} a beam level on events {idx[0] + 1}-{idx[-1] + 1}"))
        elif tier == ("drop tuplet",):
            # a tuplet number read where there is none (a stray "3"): the group's notes at face value
            groups: dict[tuple[int, int], list[int]] = {}
            run = 0
            for k, it in enumerate(items):
                if it.scale == 1:
                    run += 1
                    continue
                groups.setdefault((run, it.beam_group), []).append(k)
            for idx in groups.values():
                edited = [replace(it, scale=Fraction(1)) if k in idx else it for k, it in enumerate(items)]
                if _total(edited) == expected:
                    fixes.append((edited, f"drop tuplet on events {idx[0] + 1}-{idx[-1] + 1}"))
        elif tier == ("drop tuplets",):
            # several numbers read where there are none (a figured bass under the staff): every
            # tuplet of the voice at face value
            idx = [k for k, it in enumerate(items) if it.scale != 1]
            runs = {(sum(1 for it in items[:k] if it.scale == 1), items[k].beam_group) for k in idx}
            if drop_tuplets and len(runs) > 1:
                edited = [replace(it, scale=Fraction(1)) if k in idx else it for k, it in enumerate(items)]
                if _total(edited) == expected:
                    fixes.append((edited, f"drop tuplets on events {idx[0] + 1}-{idx[-1] + 1}"))
        elif tier == ("triplets",):
            # every beamed group of three equal notes a triplet (editions mark the first, or none)
            idx = [k for gid in _triplet_groups(items) for k in gid]
            if len(idx) > 3:
                edited = _as_triplets(items, idx)
                if _total(edited) == expected:
                    fixes.append((edited, f"triplets on events {idx[0] + 1}-{idx[-1] + 1}"))
        elif tier == ("triplet",):
            for idx in _triplet_groups(items):
                edited = _as_triplets(items, idx)
                if _total(edited) == expected:
                    fixes.append((edited, f"triplet on events {idx[0] + 1}-{idx[-1] + 1}"))
        else:
            at: list[int] = []
            for k, new, what in _candidates(items):
                if what in tier and total - items[k].duration + new.duration == expected:
                    edited = list(items)
                    edited[k] = new
                    fixes.append((edited, f"{what} on event {k + 1}"))
                    at.append(k)
            if dotted_pairs and tier == ("add dot",) and len(fixes) > 1:
                paired = [
                    f
                    for f, k in zip(fixes, at, strict=True)
                    if k + 1 < len(items)
                    and items[k].beam_group >= 0
                    and items[k + 1].beam_group == items[k].beam_group
                    and items[k + 1].value * 2 == items[k].value
                    and not items[k].is_rest
                ]
                if len(paired) == 1:
                    fixes = paired
        if agrees is not None:
            fixes = [f for f in fixes if agrees(f[0])]
        if len(fixes) > 1 and metric_ties:
            costs = [_onset_cost(f[0]) for f in fixes]
            low = min(costs)
            if sum(c <= low + 1e-9 for c in costs) == 1:
                fixes = [fixes[costs.index(low)]]
        if len(fixes) == 1:
            return Repair(tuple(fixes[0][0]), True, fixes[0][1])
        if len(fixes) > 1:
            break
    return Repair(tuple(items), False)
