"""Rhythm rules: note values from notehead + flags/beams + dots, rest values, tuplets, beam labels.

Durations are in quarter notes (Fraction). Pure functions.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = [
    "FLAG_COUNT",
    "REST_VALUE",
    "TUPLET_RATIO",
    "beam_labels",
    "dotted",
    "head_kind",
    "note_type_of",
    "note_value",
]

_TYPES = {
    Fraction(8): "breve",
    Fraction(4): "whole",
    Fraction(2): "half",
    Fraction(1): "quarter",
    Fraction(1, 2): "eighth",
    Fraction(1, 4): "16th",
    Fraction(1, 8): "32nd",
    Fraction(1, 16): "64th",
    Fraction(1, 32): "128th",
}

FLAG_COUNT: dict[str, int] = {
    "flag8thUp": 1,
    "flag8thUpSmall": 1,
    "flag8thDown": 1,
    "flag8thDownSmall": 1,
    "flag16thUp": 2,
    "flag16thDown": 2,
    "flag32ndUp": 3,
    "flag32ndDown": 3,
    "flag64thUp": 4,
    "flag64thDown": 4,
    "flag128thUp": 5,
    "flag128thDown": 5,
}
"""Flag class -> number of flags (8th = 1)."""

REST_VALUE: dict[str, Fraction] = {
    "restDoubleWhole": Fraction(8),
    "restWhole": Fraction(4),
    "restHalf": Fraction(2),
    "restQuarter": Fraction(1),
    "rest8th": Fraction(1, 2),
    "rest16th": Fraction(1, 4),
    "rest32nd": Fraction(1, 8),
    "rest64th": Fraction(1, 16),
    "rest128th": Fraction(1, 32),
}
"""Rest class -> undotted value in quarter notes."""

TUPLET_RATIO: dict[str, tuple[int, int]] = {
    "tuplet2": (2, 3),
    "tuplet3": (3, 2),
    "tuplet4": (4, 3),
    "tuplet5": (5, 4),
    "tuplet6": (6, 4),
    "tuplet7": (7, 4),
    "tuplet8": (8, 6),
    "tuplet9": (9, 8),
}
"""Tuplet number class -> (actual, normal) notes."""


def head_kind(class_name: str) -> str:
    """ "black", "half", "whole", "breve" or "" for a notehead class (small heads included)."""
    for prefix, kind in (
        ("noteheadBlack", "black"),
        ("noteheadHalf", "half"),
        ("noteheadWhole", "whole"),
        ("noteheadDoubleWhole", "breve"),
    ):
        if class_name.startswith(prefix):
            return kind
    return ""


def note_value(kind: str, flags_or_beams: int) -> Fraction:
    """Undotted value in quarter notes of a notehead kind with a number of flags or beams."""
    if kind == "breve":
        return Fraction(8)
    if kind == "whole":
        return Fraction(4)
    if kind == "half":
        return Fraction(2)
    return Fraction(1, 2 ** min(5, max(0, flags_or_beams)))  # 128th notes at most


def dotted(value: Fraction, dots: int) -> Fraction:
    """Value with `dots` augmentation dots (each adds half of the previous addition)."""
    return value * (2 - Fraction(1, 2**dots))


def note_type_of(value: Fraction) -> str:
    """MusicXML type name of an undotted value ("quarter" for 1, "eighth" for 1/2, ...)."""
    return _TYPES.get(value, "quarter")


def beam_labels(levels: list[int], spans: list[int] | None = None) -> list[tuple[str, ...]]:
    """MusicXML beam values per note of one beamed group, given each note's number of beams.

    Level 1 runs through the whole group (begin, continue..., end); deeper levels begin/continue/end
    over runs of neighbours that have them, and a lone note gets a hook pointing at its neighbour.
    `spans[k]`, when given, is how many beams are drawn between notes k and k+1: a deeper level is
    broken there when fewer are (sixteenths beamed in pairs under one eighth beam).
    """
    n = len(levels)
    out: list[list[str]] = [[] for _ in range(n)]
    if n == 0:
        return []
    for level in range(1, max(levels) + 1):
        i = 0
        while i < n:
            if levels[i] < level:
                i += 1
                continue
            j = i
            while j + 1 < n and levels[j + 1] >= level and (spans is None or level == 1 or spans[j] >= level):
                j += 1
            if level == 1 or j > i:
                for k in range(i, j + 1):
                    out[k].append("begin" if k == i else "end" if k == j else "continue")
            else:
                out[i].append("forward hook" if i == 0 else "backward hook")
            i = j + 1
    return [tuple(v) for v in out]
