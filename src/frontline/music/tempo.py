"""Playback tempo and loudness from the marks a score prints: tempo words ("Allegro", "Andante con moto")
and dynamics ("p", "sfz").

Why: a scanned page rarely prints a metronome mark, but nearly every movement starts with a tempo word,
and a MIDI file at one fixed tempo and loudness does not sound like the piece. The numbers are the
middle of the ranges common metronome tables give (Largo 40-60, Adagio 66-76, Andante 76-108, Allegro
120-156, Presto 168-200 quarter notes per minute); a word's qualifiers move it within its range.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ACCENT_DYNAMICS", "DYNAMIC_VELOCITY", "TEMPO_QPM", "is_tempo_reset", "tempo_qpm", "velocity_of"]

TEMPO_QPM: dict[str, float] = {
    "grave": 40, "largo": 50, "lento": 52, "larghetto": 63, "adagio": 70, "adagietto": 74,
    "andante": 88, "andantino": 96, "maestoso": 88, "moderato": 108, "allegretto": 116,
    "allegro": 132, "vivace": 150, "vivacissimo": 166, "presto": 176, "prestissimo": 200,
    "menuetto": 120, "minuetto": 120, "menuet": 120, "scherzo": 160, "langsam": 56, "mässig": 96,
    "massig": 96, "bewegt": 120, "lebhaft": 144, "rasch": 160, "schnell": 168, "slow": 60,
    "moderately": 108, "fast": 144, "lively": 144, "lent": 52, "modéré": 108, "modere": 108,
    "vif": 150, "animé": 132, "anime": 132,
}  # fmt: skip
"""Tempo words (lower case) and their quarter notes per minute."""

_QUALIFIERS: tuple[tuple[str, float], ...] = (
    ("ma non troppo", 0.94), ("non troppo", 0.94), ("non tanto", 0.94), ("molto", 1.08), ("assai", 1.08),
    ("con moto", 1.08), ("con brio", 1.05), ("con fuoco", 1.08), ("sostenuto", 0.92), ("cantabile", 0.95),
    ("moderato", 0.9), ("un poco", 0.97), ("poco", 0.97), ("più", 1.06), ("piu", 1.06),
    ("meno", 0.94), ("sehr", 1.08), ("très", 1.08), ("tres", 1.08), ("very", 1.08),
)  # fmt: skip
"""Qualifiers after a tempo word and the factor they apply (the first found counts)."""

_GENRES = frozenset({"menuetto", "minuetto", "menuet", "scherzo"})
"""Movement names that imply a tempo only when no tempo word comes with them."""

_RESET = re.compile(r"^(a tempo|tempo (i|1|primo)|tempo primo|come prima|im tempo)\b")

DYNAMIC_VELOCITY: dict[str, int] = {
    "pppp": 16, "ppp": 24, "pp": 36, "p": 49, "mp": 64, "mf": 80, "f": 96, "ff": 112, "fff": 120,
    "ffff": 127, "fp": 96, "sf": 104, "sfz": 108, "sffz": 116, "sfp": 104, "sfpp": 104, "fz": 104,
    "rf": 100, "rfz": 104, "pf": 49, "sfzp": 108,
}  # fmt: skip
"""MIDI note velocity of a dynamic mark (the middle of the usual ranges; an accent mark such as sf or
fp sets the level for its note only)."""

ACCENT_DYNAMICS = frozenset({"fp", "sf", "sfz", "sffz", "sfp", "sfpp", "fz", "rf", "rfz", "sfzp"})
"""Dynamics that mark one note; after it the earlier level returns (fp: forte, then piano)."""


def _words(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^\w\s]", " ", t).strip()


def tempo_qpm(text: str) -> float | None:
    """Quarter notes per minute a tempo phrase asks for ("Allegro ma non troppo" -> 124), or None when the
    phrase names no tempo ("dolce", "cresc.", "a tempo": see `is_tempo_reset`)."""
    words = _words(text)
    if not words or is_tempo_reset(text):
        return None
    tokens = words.split()
    # a tempo word before a movement's name ("Menuetto. Allegretto": allegretto)
    found = [k for k, tok in enumerate(tokens) if tok in TEMPO_QPM]
    if not found:
        return None
    k = min(found, key=lambda k: tokens[k] in _GENRES)  # the first, a movement's name last
    rest = " " + " ".join(tokens[:k] + tokens[k + 1 :]) + " "
    factor = next((f for q, f in _QUALIFIERS if f" {q} " in rest), 1.0)
    return round(TEMPO_QPM[tokens[k]] * factor)


def is_tempo_reset(text: str) -> bool:
    """Whether a phrase returns to the main tempo ("a tempo", "Tempo I", "come prima")."""
    return _RESET.match(_words(text)) is not None


def velocity_of(dynamic: str) -> int | None:
    """MIDI velocity of a dynamic mark, or None for an unknown one."""
    return DYNAMIC_VELOCITY.get(dynamic.strip().lower())
