"""Pitch rules: clef + staff position + key signature + measure-scope accidentals -> spelled pitch.

Pure functions; staff positions count half staff spaces from the bottom line (0), upwards positive.
"""

from __future__ import annotations

from frontline.music.records import Clef, Pitch

__all__ = [
    "ACCIDENTAL_ALTER",
    "AccidentalState",
    "c_clef_line",
    "clef_from_class",
    "diatonic_of",
    "key_alter",
    "pitch_at",
]

_STEPS = "CDEFGAB"
_SHARP_ORDER = "FCGDAEB"
_FLAT_ORDER = "BEADGCF"

ACCIDENTAL_ALTER: dict[str, tuple[int, str]] = {
    "accidentalSharp": (1, "sharp"),
    "accidentalSharpSmall": (1, "sharp"),
    "accidentalFlat": (-1, "flat"),
    "accidentalFlatSmall": (-1, "flat"),
    "accidentalNatural": (0, "natural"),
    "accidentalNaturalSmall": (0, "natural"),
    "accidentalDoubleSharp": (2, "double-sharp"),
    "accidentalDoubleFlat": (-2, "flat-flat"),
}
"""Accidental class -> (alter in semitones, MusicXML accidental name)."""

_CLEFS: dict[str, Clef] = {
    "clefG": Clef("G", 2),
    "clefG8vb": Clef("G", 2, -1),
    "clefG8va": Clef("G", 2, 1),
    "clefF": Clef("F", 4),
    "clefF8vb": Clef("F", 4, -1),
    "clefF8va": Clef("F", 4, 1),
    "clefCAlto": Clef("C", 3),
    "clefCTenor": Clef("C", 4),
    "clefUnpitchedPercussion": Clef("G", 2),
}


def clef_from_class(class_name: str, c_clef_line: int | None = None) -> Clef | None:
    """The clef a glyph class stands for (None if it is no clef); a C clef may sit on any line."""
    clef = _CLEFS.get(class_name)
    if clef is not None and clef.sign == "C" and c_clef_line is not None and 1 <= c_clef_line <= 5:
        return Clef("C", c_clef_line)
    return clef


def c_clef_line(position: float) -> int:
    """Staff line (1 = bottom) of a C clef whose centre sits at `position` (half spaces above the bottom
    line): the nearest line, and on a tie (a box half a space off) the one nearer the alto line (3),
    by far the commonest."""
    return min(range(1, 6), key=lambda line: (abs(position - 2 * (line - 1)), abs(line - 3)))


def _diatonic(step: str, octave: int) -> int:
    return 7 * octave + _STEPS.index(step)


def diatonic_of(clef: Clef, position: int) -> int:
    """Diatonic number (7 * octave + step index, C4 = 28) of a staff position under a clef."""
    anchor = {"G": _diatonic("G", 4), "F": _diatonic("F", 3), "C": _diatonic("C", 4)}.get(clef.sign, 32)
    line_position = 2 * (clef.line - 1)  # the clef's line as a staff position
    return anchor + (position - line_position) + 7 * clef.octave_change


def key_alter(fifths: int, step: str) -> int:
    """Alteration the key signature gives a step: +1 for sharpened, -1 for flattened, else 0."""
    if fifths > 0 and step in _SHARP_ORDER[:fifths]:
        return 1
    if fifths < 0 and step in _FLAT_ORDER[:-fifths]:
        return -1
    return 0


class AccidentalState:
    """Accidentals in force within one measure on one staff, by diatonic number (measure scope)."""

    def __init__(self, fifths: int) -> None:
        self.fifths = fifths
        self._alters: dict[int, int] = {}

    def apply(self, diatonic: int, accidental_alter: int | None) -> int:
        """Alter for a note at `diatonic`; an accidental on it (if any) stays in force for the measure."""
        if accidental_alter is not None:
            self._alters[diatonic] = accidental_alter
            return accidental_alter
        if diatonic in self._alters:
            return self._alters[diatonic]
        return key_alter(self.fifths, _STEPS[diatonic % 7])


def pitch_at(clef: Clef, position: int, alter: int) -> Pitch:
    """Spelled pitch of a staff position under a clef with a given alteration."""
    d = diatonic_of(clef, position)
    return Pitch(_STEPS[d % 7], alter, d // 7)
