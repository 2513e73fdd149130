"""Records of the music pipeline: detected symbols (the detector -> assembly contract), page geometry and the score.

Coordinates are pixels of the page image they were found in, x to the right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "Chord",
    "Clef",
    "ClefChange",
    "Direction",
    "Event",
    "Glyph",
    "KeySignature",
    "Measure",
    "Note",
    "Part",
    "Pitch",
    "Rest",
    "Score",
    "Staff",
    "System",
    "TimeSignature",
]


@dataclass(frozen=True, slots=True)
class Glyph:
    """One symbol on a page: a DeepScoresV2 class name (or one of our extensions) and its box.

    `bbox_xyxy` is (x0, y0, x1, y1) in page pixels; `score` is the detector's confidence in [0, 1]
    (1.0 for ground truth); `glyph_id` is unique within a page (-1 when unknown). Line-like primitives
    (stems, beams, ledger lines, barlines, staff lines) use the same record with their class name.
    """

    class_name: str
    bbox_xyxy: tuple[float, float, float, float]
    score: float = 1.0
    glyph_id: int = -1

    @property
    def center_xy(self) -> tuple[float, float]:
        """Centre of the box in page pixels."""
        x0, y0, x1, y1 = self.bbox_xyxy
        return ((x0 + x1) / 2.0, (y0 + y1) / 2.0)


# --- page geometry -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Staff:
    """One five-line staff on a page: the y of each line (top to bottom) and its horizontal extent.

    `index` counts staves from the top of the page; `staff_space_px` is the mean line distance.
    """

    index: int
    line_ys: tuple[float, ...]
    x0: float
    x1: float

    @property
    def top(self) -> float:
        """y of the top line in page pixels."""
        return self.line_ys[0]

    @property
    def bottom(self) -> float:
        """y of the bottom line in page pixels."""
        return self.line_ys[-1]

    @property
    def staff_space_px(self) -> float:
        """Distance between neighbouring lines in pixels."""
        return (self.bottom - self.top) / max(1, len(self.line_ys) - 1)

    def position_of(self, y: float) -> int:
        """Staff position of a y: 0 on the bottom line, +1 per line-or-space step upwards."""
        return int(round((self.bottom - y) / (self.staff_space_px / 2.0)))


@dataclass(frozen=True, slots=True)
class System:
    """Staves read together, top to bottom, grouped into parts (a grand staff is one part of two staves).

    `part_staves[i]` lists the indices into `staves` that belong to the i-th part of the system.
    """

    staves: tuple[Staff, ...]
    part_staves: tuple[tuple[int, ...], ...]
    barline_xs: tuple[float, ...] = ()
    part_brackets: tuple[tuple[int, int], ...] = ()
    """(first, last) indices into `part_staves` of parts joined by a bracket drawn left of the system."""


# --- score model ---------------------------------------------------------------------------------------

_STEP_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True, slots=True)
class Pitch:
    """A spelled pitch: step C..B, alter in semitones (-2..2), octave in scientific notation (C4 = middle C)."""

    step: str
    alter: int
    octave: int

    @property
    def midi(self) -> int:
        """MIDI key number (C4 = 60)."""
        return 12 * (self.octave + 1) + _STEP_SEMITONES[self.step] + self.alter

    def __str__(self) -> str:
        return f"{self.step}{'#' * max(0, self.alter)}{'b' * max(0, -self.alter)}{self.octave}"


@dataclass(frozen=True, slots=True)
class Clef:
    """A clef: MusicXML sign (G, F, C, percussion), the staff line it sits on (1 = bottom), octave shift."""

    sign: str = "G"
    line: int = 2
    octave_change: int = 0


@dataclass(frozen=True, slots=True)
class KeySignature:
    """Key signature as the number of fifths: -7 (7 flats) .. +7 (7 sharps)."""

    fifths: int = 0


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """Time signature `beats`/`beat_type`; `symbol` is "common" or "cut" when drawn as C or cut C."""

    beats: int = 4
    beat_type: int = 4
    symbol: str = ""

    @property
    def measure_quarters(self) -> Fraction:
        """Length of a full measure in quarter notes."""
        return Fraction(4 * self.beats, self.beat_type)


@dataclass(frozen=True, slots=True)
class Note:
    """One notehead: pitch, written value and the onset/duration it sounds, in quarter notes.

    `onset_q` is measured from the start of the measure; `duration_q` is the sounding length (0 for
    grace notes); `note_type` is the MusicXML type name ("quarter", "eighth", ...); `tuplet` is
    (actual, normal) notes, e.g. (3, 2) for a triplet, with `tuplet_edge` "start"/"stop"/"" for the
    bracket. `accidental` is the displayed accidental ("sharp", "flat", "natural", "double-sharp",
    "flat-flat") or "". `beams` holds one MusicXML beam value per level ("begin", "continue", "end",
    "forward hook", "backward hook"). `glyph_ids` links the note to the symbols it was read from.
    """

    pitch: Pitch
    onset_q: Fraction
    duration_q: Fraction
    note_type: str = "quarter"
    dots: int = 0
    voice: int = 1
    staff: int = 1
    stem: str = ""
    accidental: str = ""
    tie_start: bool = False
    tie_stop: bool = False
    slur_start: bool = False
    slur_stop: bool = False
    tuplet: tuple[int, int] | None = None
    tuplet_edge: str = ""
    grace: bool = False
    grace_slash: bool = False
    articulations: tuple[str, ...] = ()
    ornaments: tuple[str, ...] = ()
    fermata: bool = False
    beams: tuple[str, ...] = ()
    glyph_ids: tuple[int, ...] = ()
    lyrics: tuple[tuple[int, str, str], ...] = ()
    """Sung text under the note: (verse number, MusicXML syllabic, text) per verse."""


@dataclass(frozen=True, slots=True)
class Rest:
    """A rest: onset and duration in quarter notes; `measure_rest` for a whole-measure rest; `hidden` for
    one the page does not show (a staff left blank in a measure: MusicXML print-object="no")."""

    onset_q: Fraction
    duration_q: Fraction
    note_type: str = "quarter"
    dots: int = 0
    voice: int = 1
    staff: int = 1
    measure_rest: bool = False
    tuplet: tuple[int, int] | None = None
    tuplet_edge: str = ""
    fermata: bool = False
    glyph_ids: tuple[int, ...] = ()
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Chord:
    """Notes struck together in one voice with one stem; timing, voice and staff are those of `notes[0]`."""

    notes: tuple[Note, ...]

    @property
    def onset_q(self) -> Fraction:
        """Onset in quarter notes from the start of the measure."""
        return self.notes[0].onset_q

    @property
    def duration_q(self) -> Fraction:
        """Sounding duration in quarter notes."""
        return self.notes[0].duration_q

    @property
    def voice(self) -> int:
        """Voice number (1-based)."""
        return self.notes[0].voice

    @property
    def staff(self) -> int:
        """Staff number within the part (1-based)."""
        return self.notes[0].staff


Event = Note | Rest | Chord


@dataclass(frozen=True, slots=True)
class Direction:
    """A dynamic, hairpin, octave-shift or text mark: `kind` "dynamic" (value "p", "mf", ...), "wedge" (value
    "crescendo", "diminuendo" or "stop"), "octave-shift" (value "down" for an 8va, "up" for an 8vb,
    "stop" dated at the last shifted note's onset) or "words" (value the text, e.g. "dolce", "a tempo"),
    at `onset_q` quarter notes into the measure, below/above `staff` (`placement` "above" or "below";
    empty: the kind's usual side)."""

    kind: str
    value: str
    onset_q: Fraction
    staff: int = 1
    placement: str = ""


@dataclass(frozen=True, slots=True)
class ClefChange:
    """A clef that takes effect on `staff` (1-based within the part) at `onset_q` quarters into the measure."""

    staff: int
    clef: Clef
    onset_q: Fraction = Fraction(0)


@dataclass(frozen=True, slots=True)
class Measure:
    """One measure of a part: attribute changes at its start, the events of all its staves and voices.

    `key`/`time` are set only where they change (or in the first measure). `right_barline` is a MusicXML
    bar-style ("regular", "light-light", "light-heavy", "heavy-light"); `repeat_start`/`repeat_end` add
    repeat signs; `ending` is (number, type) or None, type "start", "stop", "discontinue", or for a
    one-measure ending "start-stop" / "start-discontinue". `flagged` marks a measure
    whose durations did not add up even after repair; `confidence` is in [0, 1].
    """

    number: int
    events: tuple[Event, ...] = ()
    clefs: tuple[ClefChange, ...] = ()
    key: KeySignature | None = None
    time: TimeSignature | None = None
    directions: tuple[Direction, ...] = ()
    right_barline: str = "regular"
    repeat_start: bool = False
    repeat_end: bool = False
    ending: tuple[str, str] | None = None
    new_system: bool = False
    flagged: bool = False
    confidence: float = 1.0

    def notes(self) -> list[Note]:
        """All notes of the measure, chords flattened, in event order."""
        out: list[Note] = []
        for e in self.events:
            if isinstance(e, Chord):
                out.extend(e.notes)
            elif isinstance(e, Note):
                out.append(e)
        return out


@dataclass(frozen=True, slots=True)
class Part:
    """One instrument: its measures in order; `staves` is 2 for a grand staff."""

    part_id: str
    name: str
    measures: tuple[Measure, ...]
    staves: int = 1


@dataclass(frozen=True, slots=True)
class Score:
    """A piece: its parts (all with the same number of measures) and a title."""

    parts: tuple[Part, ...]
    title: str = ""
    part_groups: tuple[tuple[int, int], ...] = ()
    """(first, last) indices into `parts` of each bracketed group of parts (MusicXML <part-group>)."""
