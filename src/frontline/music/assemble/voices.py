"""Voices on one staff in one measure: one voice unless stems and timing say there are two.

Why: in piano and choral writing two voices often share a staff (stems up for the upper, down for the
lower). We read a measure as one voice when that fits the time signature, and as two voices split by
stem direction when events overlap in time or a single voice would overflow the measure. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["VoiceSlot", "split_voices"]


@dataclass(frozen=True, slots=True)
class VoiceSlot:
    """What the voice splitter needs from an event: x, stem direction ("up"/"down"/""), height, length.

    `height` is the staff position of the event's centre (half spaces above the bottom line; 4 is the
    middle line); `duration` in quarter notes (0 for grace notes).
    """

    x: float
    stem: str
    height: float
    duration: Fraction
    is_rest: bool = False
    beam_group: int = -1
    """Id of the beamed group the event belongs to (-1: none): events of one group follow each other."""


def _beamed_pair(a: VoiceSlot, b: VoiceSlot) -> bool:
    """Whether two events hang from one beam (consecutive notes of one voice, never struck together)."""
    return a.beam_group >= 0 and a.beam_group == b.beam_group


def _overlapping(slots: list[VoiceSlot], tol: float) -> bool:
    """Whether an up-stem and a down-stem event stand at the same x (struck together in two voices)."""
    ups = [s.x for s in slots if s.stem == "up"]
    downs = [s.x for s in slots if s.stem == "down"]
    return any(abs(u - d) <= tol for u in ups for d in downs)


def _coincide(slots: list[VoiceSlot], tol: float, beams: bool = False) -> bool:
    """Whether two events, at least one a note, stand at the same x (struck together, so in different
    voices: a rest at a note's x is the other voice's rest). Two notes within `tol` (a second's heads
    sit side by side), a rest and a note within `tol / 2` (a rest beside a note is the next event).
    With `beams`, two notes of one beamed group never count (a dense run's neighbours)."""
    if beams:
        srt = sorted(slots, key=lambda s: s.x)
        for i, a in enumerate(srt):
            for b in srt[i + 1 :]:
                if b.x - a.x > tol:
                    break
                near = b.x - a.x <= (tol / 2 if a.is_rest or b.is_rest else tol)
                if near and not (a.is_rest and b.is_rest) and not _beamed_pair(a, b):
                    return True
        return False
    pts = sorted((s.x, s.is_rest) for s in slots)
    return any(
        b[0] - a[0] <= (tol / 2 if a[1] or b[1] else tol) and not (a[1] and b[1])
        for a, b in zip(pts, pts[1:], strict=False)
    )


def _split_by_time(slots: list[VoiceSlot], tol: float, beams: bool = False) -> list[int]:
    """Two voices when stems do not tell: events at one x go upper to voice 1, lower to voice 2; a lone
    event joins the voice that is further behind in time (voice 1 on a tie). With `beams`, an event
    that hangs from the same beam as one already at that x starts the next x instead."""
    order = sorted(range(len(slots)), key=lambda i: slots[i].x)
    out = [1] * len(slots)
    clock = {1: Fraction(0), 2: Fraction(0)}
    k = 0
    while k < len(order):
        j = k
        while (
            j + 1 < len(order)
            and slots[order[j + 1]].x - slots[order[k]].x <= tol
            and not (beams and any(_beamed_pair(slots[order[j + 1]], slots[i]) for i in order[k : j + 1]))
        ):
            j += 1
        cluster = sorted(order[k : j + 1], key=lambda i: -slots[i].height)
        if len(cluster) > 1:
            out[cluster[0]] = 1
            for i in cluster[1:]:
                out[i] = 2
            clock[1] += slots[cluster[0]].duration
            clock[2] += max(slots[i].duration for i in cluster[1:])
        else:
            v = 1 if clock[1] <= clock[2] else 2
            out[cluster[0]] = v
            clock[v] += slots[cluster[0]].duration
        k = j + 1
    return out


def _displaced_rests(slots: list[VoiceSlot], total: Fraction, expected: Fraction | None) -> list[int]:
    """Rests moved well below (or above) the staff's middle: another voice's rests, as engravers place
    them when two voices share a staff. Returned (indices) only when they are all on one side and taking
    them out makes the rest of the measure fill it exactly (`expected` quarters), else []."""
    if expected is None:
        return []
    low = [i for i, s in enumerate(slots) if s.is_rest and s.height <= 2]
    high = [i for i, s in enumerate(slots) if s.is_rest and s.height >= 7]
    moved = low if low and not high else high if high and not low else []
    if not moved or len(moved) == len(slots):
        return []
    out = sum((slots[i].duration for i in moved), Fraction(0))
    return moved if total - out == expected and out <= expected else []


def _between_measure_rest(slots: list[VoiceSlot], total: Fraction, expected: Fraction | None) -> int | None:
    """The index of the one whole or breve rest that stands between other events (some left, some right of
    it) and without which they fill `expected` exactly while with it they overflow; else None."""
    if expected is None or total <= expected:
        return None
    big = [i for i, s in enumerate(slots) if s.is_rest and s.duration in (4, 8)]
    if len(big) != 1 or len(slots) < 3:
        return None
    i = big[0]
    xs = [s.x for k, s in enumerate(slots) if k != i]
    if not min(xs) < slots[i].x < max(xs) or total - slots[i].duration != expected:
        return None
    return i


def split_voices(
    slots: list[VoiceSlot],
    expected: Fraction | None,
    x_tol: float,
    split_on_overflow: bool = False,
    stem_exceptions: bool = False,
    beams_apart: bool = False,
    whole_rest_voice: bool = False,
) -> list[int]:
    """Voice number (1 or 2) per slot, in the order given.

    Two voices when an up-stem and a down-stem event share an x (within `x_tol` pixels), or, with
    `split_on_overflow` (trusted symbols), when one voice would be longer than `expected` quarters and
    stems of both directions are present; when one voice would overflow and rests stand well below (or
    above) the staff's middle, those rests are the other voice when that makes the rest fit; when the
    stems all point one way but events coincide and one voice would overflow, the split follows time.
    With `stem_exceptions`, a split by stems that leaves one voice longer than the measure and the other
    shorter by the same amount moves the one event that makes both fill it, when exactly one does and
    its onset then agrees with where it stands (a lower voice's note drawn with an up stem). With
    `beams_apart`, two events of one beamed group (`VoiceSlot.beam_group`) are never taken as struck
    together by the split that follows time (neighbours in a dense run of sixteenths stand closer than
    a second's heads). With `whole_rest_voice`, a whole or breve rest between other events whose
    removal leaves them filling the measure exactly is the other voice (its measure rest).
    """
    if not slots:
        return []
    total = sum((s.duration for s in slots), Fraction(0))
    if whole_rest_voice:
        lone = _between_measure_rest(slots, total, expected)
        if lone is not None:
            low = slots[lone].height < 4
            return [(2 if low else 1) if i == lone else (1 if low else 2) for i in range(len(slots))]
    has_both = any(s.stem == "up" for s in slots) and any(s.stem == "down" for s in slots)
    overflow = expected is not None and total > expected
    # exactly two measures' worth with nothing struck together is likelier a missed barline than two voices
    double = expected is not None and total == 2 * expected
    # with detected symbols an overflow alone does not make two voices: with nothing struck together it
    # is likelier a misread value (one wrong duration then stays local instead of shifting every onset
    # of a split voice); with trusted symbols (`split_on_overflow`) it does
    struck = has_both and _overlapping(slots, x_tol)
    two = struck
    if has_both and split_on_overflow and overflow and not struck and expected is not None:
        # an overflow with nothing struck together: two voices when splitting by stem direction leaves
        # no voice longer than the measure and fills it in at least one (else one voice with, say, an
        # unmarked triplet, for the repair); two measures' worth only when both voices fill it (else a
        # missed barline)
        by_stem = _by_stem(slots)
        sums = [
            sum((s.duration for s, v in zip(slots, by_stem, strict=True) if v == k), Fraction(0))
            for k in (1, 2)
        ]
        two = all(t == expected for t in sums) if double else max(sums) <= expected
    if not two and overflow:
        moved = _displaced_rests(slots, total, expected)
        if moved:
            low = slots[moved[0]].height < 4
            return [(2 if low else 1) if i in moved else (1 if low else 2) for i in range(len(slots))]
    if not two:
        # a second's displaced notehead sits about one head width off: allow for it
        if overflow and _coincide(slots, 2.0 * x_tol, beams_apart):
            return _split_by_time(slots, 2.0 * x_tol, beams_apart)
        return [1] * len(slots)
    voices = _by_stem(slots)
    if stem_exceptions and expected is not None:
        voices = _move_stem_exception(slots, voices, expected, x_tol)
    return voices


def _onset_conflicts(slots: list[VoiceSlot], voices: list[int], x_tol: float) -> int:
    """Pairs of sounding events in different voices whose onsets disagree with their x order: struck
    together (within `x_tol`) but starting apart, or well apart (over 2 `x_tol`) in the other order."""
    onset: dict[int, Fraction] = {}
    for v in set(voices):
        t = Fraction(0)
        for i in sorted((i for i in range(len(slots)) if voices[i] == v), key=lambda i: slots[i].x):
            onset[i] = t
            t += slots[i].duration
    live = [i for i in range(len(slots)) if slots[i].duration > 0]
    bad = 0
    for a in live:
        for b in live:
            if voices[a] >= voices[b]:
                continue
            dx = slots[b].x - slots[a].x
            if abs(dx) <= x_tol:
                bad += onset[a] != onset[b]
            elif dx > 2 * x_tol:
                bad += onset[a] >= onset[b]
            elif dx < -2 * x_tol:
                bad += onset[a] <= onset[b]
    return bad


def _move_stem_exception(
    slots: list[VoiceSlot], voices: list[int], expected: Fraction, x_tol: float
) -> list[int]:
    """`voices` with one note moved to the other voice when that alone makes both voices fill the
    measure and leaves no onset at odds with the x order (exactly one such note), else unchanged."""
    sums = {
        v: sum((s.duration for s, w in zip(slots, voices, strict=True) if w == v), Fraction(0))
        for v in (1, 2)
    }
    for src, dst in ((1, 2), (2, 1)):
        d = sums[src] - expected
        if d <= 0 or sums[dst] + d != expected:
            continue
        found: list[list[int]] = []
        for i, s in enumerate(slots):
            if voices[i] != src or s.is_rest or not s.stem or s.duration != d:
                continue
            moved = [dst if k == i else v for k, v in enumerate(voices)]
            if _onset_conflicts(slots, moved, x_tol) == 0:
                found.append(moved)
        if len(found) == 1:
            return found[0]
    return voices


def _by_stem(slots: list[VoiceSlot]) -> list[int]:
    """Voice 1 for up stems, 2 for down stems; stemless events (rests, whole notes) by height."""
    return [1 if s.stem == "up" else 2 if s.stem == "down" else 1 if s.height >= 4 else 2 for s in slots]
