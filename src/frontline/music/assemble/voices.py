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


def _overlapping(slots: list[VoiceSlot], tol: float) -> bool:
    """Whether an up-stem and a down-stem event stand at the same x (struck together in two voices)."""
    ups = [s.x for s in slots if s.stem == "up"]
    downs = [s.x for s in slots if s.stem == "down"]
    return any(abs(u - d) <= tol for u in ups for d in downs)


def split_voices(slots: list[VoiceSlot], expected: Fraction | None, x_tol: float) -> list[int]:
    """Voice number (1 or 2) per slot, in the order given.

    Two voices when an up-stem and a down-stem event share an x (within `x_tol` pixels), or when one
    voice would be longer than `expected` quarters and stems of both directions are present.
    """
    if not slots:
        return []
    total = sum((s.duration for s in slots), Fraction(0))
    has_both = any(s.stem == "up" for s in slots) and any(s.stem == "down" for s in slots)
    two = has_both and (_overlapping(slots, x_tol) or (expected is not None and total > expected))
    if not two:
        return [1] * len(slots)
    out: list[int] = []
    for s in slots:
        if s.stem == "up":
            out.append(1)
        elif s.stem == "down":
            out.append(2)
        else:
            out.append(1 if s.height >= 4 else 2)
    return out
