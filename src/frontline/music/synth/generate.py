"""Random common-practice music: a small score model and its MusicXML writer.

The generator draws plausible music (scale-wise melodies, beat-aligned rhythms, beams by beat, cadential
fermatas) with frequencies roughly like real scores; `rare_boost` multiplies the probability of rare
symbols. `score_to_musicxml(score, start, stop)` writes any contiguous range of measures as a complete
MusicXML file (clef, key and time restated, ties and spanners cut at the range ends), which is how the
engine writes the ground truth of exactly the measures on one page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np

__all__ = ["GenerateConfig", "SynthScore", "random_score", "score_to_musicxml"]

DIVISIONS = 480
"""MusicXML divisions per quarter note (divisible by 2, 3, 5 and by the 32nd/64th and their dots)."""

_TYPE_DIVS = {
    "breve": 3840,
    "whole": 1920,
    "half": 960,
    "quarter": 480,
    "eighth": 240,
    "16th": 120,
    "32nd": 60,
    "64th": 30,
}
_BEAMS = {"eighth": 1, "16th": 2, "32nd": 3, "64th": 4}
_STEPS = "CDEFGAB"
_SHARP_ORDER = "FCGDAEB"
_FLAT_ORDER = "BEADGCF"
# diatonic index (octave * 7 + step) of the middle staff line for each clef
_CLEFS: dict[str, tuple[str, int, int, int]] = {
    # name: (sign, line, octave-change, middle-line diatonic index)
    "G": ("G", 2, 0, 4 * 7 + 6),  # B4
    "F": ("F", 4, 0, 3 * 7 + 1),  # D3
    "C3": ("C", 3, 0, 4 * 7 + 0),  # C4
    "C4": ("C", 4, 0, 3 * 7 + 5),  # A3
    "G8vb": ("G", 2, -1, 3 * 7 + 6),  # B3
    "G8va": ("G", 2, 1, 5 * 7 + 6),
    "F8vb": ("F", 4, -1, 2 * 7 + 1),
    "F8va": ("F", 4, 1, 4 * 7 + 1),
}
_TIMES = [
    # (beats, beat-type, symbol, weight)
    ("4", "4", "", 0.24),
    ("3", "4", "", 0.2),
    ("2", "4", "", 0.14),
    ("4", "4", "common", 0.1),
    ("2", "2", "cut", 0.06),
    ("2", "2", "", 0.03),
    ("6", "8", "", 0.1),
    ("3", "8", "", 0.05),
    ("9", "8", "", 0.04),
    ("12", "8", "", 0.04),
]
_DYNAMICS = ["pp", "p", "mp", "mf", "f", "ff", "sf", "sfz", "fp", "fz", "ppp", "fff", "rf", "rfz"]
_DYN_WEIGHTS = [6, 12, 8, 10, 12, 6, 3, 3, 2, 1, 1, 1, 0.5, 0.5]
_TEMPI = [
    ("Allegro", 132),
    ("Andante", 76),
    ("Moderato", 108),
    ("Adagio", 60),
    ("Presto", 170),
    ("Allegretto", 116),
    ("Largo", 50),
    ("Vivace", 150),
    ("Andantino", 84),
    ("Allegro moderato", 120),
    ("Lento", 54),
    ("Grave", 44),
]
_SYLLABLES = [
    "la",
    "lo",
    "ve",
    "mi",
    "do",
    "re",
    "sol",
    "ti",
    "ah",
    "glo",
    "ri",
    "a",
    "in",
    "ex",
    "cel",
    "sis",
    "a",
    "men",
]
_SYLLABLES += [
    "san",
    "ctus",
    "be",
    "ne",
    "di",
    "ctus",
    "qui",
    "ve",
    "nit",
    "the",
    "sun",
    "shines",
    "bright",
    "and",
    "fair",
]
_NAMES = {
    "G": ["Flute", "Oboe", "Violin", "Violin I", "Violin II", "Clarinet", "Trumpet", "Soprano", "Melody"],
    "F": ["Cello", "Bassoon", "Bass", "Trombone", "Contrabass", "Tuba"],
    "C3": ["Viola", "Alto"],
    "C4": ["Cello", "Tenor Trombone", "Bassoon"],
    "G8vb": ["Tenor", "Guitar"],
    "G8va": ["Piccolo"],
    "F8vb": ["Contrabass"],
    "F8va": ["Bass"],
}


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Knobs of the random score generator."""

    rare_boost: float = 1.0
    """Multiplier on the probability of rare symbols (32nd/64th, double dots, tuplets, ornaments, ...)."""
    long_notes: float = 1.0
    """Multiplier on the probability of whole and dotted-half notes filling a measure (training data for them)."""
    min_measures: int = 12
    """Fewest measures to draw; the engraver cuts the score to what fits on one page."""
    max_measures: int = 40
    """Most measures to draw."""


@dataclass(slots=True)
class _Note:
    """One note, chord or rest of a voice (mutable while the generator builds it)."""

    duration: int
    type: str
    dots: int = 0
    rest: bool = False
    pitches: list[int] = field(default_factory=list)  # diatonic indices
    alters: list[int] = field(default_factory=list)
    show_acc: list[str] = field(default_factory=list)  # "", "show", "courtesy"
    tie_start: list[bool] = field(default_factory=list)
    tie_stop: list[bool] = field(default_factory=list)
    beams: list[str] = field(default_factory=list)  # per level: begin/continue/end/forward hook/backward hook
    tuplet: tuple[int, int] | None = None  # actual, normal
    tuplet_mark: str = ""  # "start" / "stop" / ""
    tuplet_bracket: bool = False
    grace: bool = False
    grace_slash: bool = False
    artic: str = ""
    ornament: str = ""
    fermata: bool = False
    slur: str = ""  # start / stop / ""
    lyric: str = ""
    syllabic: str = ""
    directions: list[str] = field(default_factory=list)  # MusicXML <direction> snippets before the note
    directions_after: list[str] = field(default_factory=list)
    stem: str = ""


@dataclass(slots=True)
class _Measure:
    """One measure of one part: voices per staff plus attribute state."""

    key: int
    time: tuple[str, str, str]
    clefs: list[str]
    key_changed: bool
    time_changed: bool
    clef_changed: list[bool]
    voices: list[tuple[int, int, list[_Note]]]  # (staff 1-based, voice number, notes)
    left_bar: str = ""  # "" or "repeat"
    right_bar: str = ""  # "", "repeat", "double", "final", "heavy"
    ending: str = ""  # "" or the ending number ("1", "2")


@dataclass(slots=True)
class _Part:
    name: str
    abbreviation: str
    staves: int
    measures: list[_Measure] = field(default_factory=list)


@dataclass(slots=True)
class SynthScore:
    """A generated score: parts (each with 1-2 staves) of equally many measures, plus header text."""

    parts: list[_Part]
    group: str  # "", "bracket" or "brace" grouping the parts
    title: str
    composer: str
    show_names: bool

    @property
    def n_measures(self) -> int:
        """Number of measures (every part has the same)."""
        return len(self.parts[0].measures)

    def count_notes(self, start: int = 0, stop: int | None = None) -> int:
        """Number of sounding noteheads (chord members counted, rests not) in measures [start, stop)."""
        stop = self.n_measures if stop is None else stop
        return sum(
            len(n.pitches)
            for p in self.parts
            for m in p.measures[start:stop]
            for _, _, notes in m.voices
            for n in notes
            if not n.rest
        )


# ---------------------------------------------------------------------------------------------------------------
# rhythm


def _p(rng: np.random.Generator, prob: float) -> bool:
    return bool(rng.random() < min(1.0, prob))


def _beat_patterns(compound: bool, boost: float) -> list[tuple[list[tuple[str, int, int]], float]]:
    """Fillings of one beat: lists of (type, dots, tuplet-actual) with weights (rare ones scaled by boost)."""
    if not compound:
        return [
            ([("quarter", 0, 0)], 30),
            ([("eighth", 0, 0), ("eighth", 0, 0)], 26),
            ([("eighth", 1, 0), ("16th", 0, 0)], 6),
            ([("16th", 0, 0)] * 4, 6),
            ([("eighth", 0, 0), ("16th", 0, 0), ("16th", 0, 0)], 5),
            ([("16th", 0, 0), ("16th", 0, 0), ("eighth", 0, 0)], 4),
            ([("16th", 0, 0), ("eighth", 0, 0), ("16th", 0, 0)], 1.5),
            ([("eighth", 0, 3)] * 3, 3 * boost),
            ([("16th", 1, 0), ("32nd", 0, 0), ("eighth", 0, 0)], 0.8 * boost),
            ([("32nd", 0, 0)] * 8, 0.5 * boost),
            ([("16th", 0, 0), ("32nd", 0, 0), ("32nd", 0, 0), ("eighth", 0, 0)], 0.8 * boost),
            ([("16th", 0, 6)] * 6, 0.6 * boost),
            ([("16th", 0, 5)] * 5, 0.4 * boost),
            ([("eighth", 2, 0), ("32nd", 0, 0)], 0.4 * boost),
            ([("64th", 0, 0)] * 4 + [("16th", 0, 0)] * 3, 0.15 * boost),
        ]
    return [
        ([("quarter", 1, 0)], 20),
        ([("eighth", 0, 0)] * 3, 24),
        ([("quarter", 0, 0), ("eighth", 0, 0)], 20),
        ([("eighth", 1, 0), ("16th", 0, 0), ("eighth", 0, 0)], 8),
        ([("16th", 0, 0)] * 6, 3),
        ([("eighth", 0, 0), ("16th", 0, 0), ("16th", 0, 0), ("eighth", 0, 0)], 3),
        ([("eighth", 0, 0), ("quarter", 0, 0)], 3),
        ([("eighth", 0, 2)] * 2, 0.5 * boost),
        ([("32nd", 0, 0)] * 4 + [("eighth", 0, 0)] * 2, 0.4 * boost),
    ]


def _dur(t: str, dots: int, tup: int) -> int:
    d = _TYPE_DIVS[t]
    add = d
    for _ in range(dots):
        add //= 2
        d += add
    if tup:
        normal = {3: 2, 5: 4, 6: 4, 2: 3}[tup]
        d = d * normal // tup
    return d


def _rhythm(
    rng: np.random.Generator,
    beats: int,
    beat_divs: int,
    compound: bool,
    boost: float,
    rest_prob: float,
    long_notes: float = 1.0,
) -> list[_Note]:
    """Fill one measure of one voice with beat-aligned durations; beams grouped within each beat."""
    pats = _beat_patterns(compound, boost)
    weights = np.array([w for _, w in pats], dtype=float)
    weights /= weights.sum()
    out: list[_Note] = []
    groups: list[list[int]] = []  # indices of notes beamable together (one beat)
    b = 0
    while b < beats:
        left = beats - b
        r = rng.random()
        # long values spanning several beats (aligned to the measure start or half-measure)
        if not compound and left >= 4 and b == 0 and r < 0.06 * long_notes:
            out.append(_Note(1920, "whole"))
            b += 4
            continue
        if not compound and left >= 3 and b in (0, 1) and r < min(0.06 * long_notes + 0.06, 0.95):
            out.append(_Note(1440, "half", 1))
            b += 3
            continue
        if not compound and left >= 2 and b % 2 == 0 and r < 0.3:
            if _p(rng, 0.05 * boost) and left >= 2:
                # quarter-note triplet over a half
                for k in range(3):
                    out.append(_Note(320, "quarter", tuplet=(3, 2), tuplet_mark=("start", "", "stop")[k]))
                    out[-1].tuplet_bracket = True
            else:
                out.append(_Note(960, "half"))
            b += 2
            continue
        if compound and left >= 2 and r < 0.12:
            out.append(_Note(1440, "half", 1))
            b += 2
            continue
        if not compound and left >= 2 and r < 0.36:
            out.append(_Note(720, "quarter", 1))
            out.append(_Note(240, "eighth"))
            groups.append([len(out) - 1])
            b += 2
            continue
        pat = pats[int(rng.choice(len(pats), p=weights))][0]
        idx = []
        for k, (t, dots, tup) in enumerate(pat):
            n = _Note(_dur(t, dots, tup), t, dots)
            if tup:
                n.tuplet = (tup, {3: 2, 5: 4, 6: 4, 2: 3}[tup])
                n.tuplet_mark = "start" if k == 0 else ("stop" if k == len(pat) - 1 else "")
            out.append(n)
            idx.append(len(out) - 1)
        groups.append(idx)
        b += 1
    assert sum(n.duration for n in out) == beats * beat_divs, "rhythm does not fill the measure"
    # rests: some notes become rests (not inside tuplets' first/last to keep the brackets anchored)
    for n in out:
        if _p(rng, rest_prob) and not n.tuplet_mark:
            n.rest = True
    if all(n.rest for n in out) and len(out) > 1:
        out[0].rest = False
    # beams: within each group, over beamable values; rests inside a group do not break it
    for g in groups:
        beamable = [i for i in g if out[i].type in _BEAMS]
        # trim rests at the group ends
        while beamable and out[beamable[0]].rest:
            beamable.pop(0)
        while beamable and out[beamable[-1]].rest:
            beamable.pop()
        if len(beamable) < 2 or beamable != list(range(beamable[0], beamable[-1] + 1)):
            continue
        _set_beams(out, beamable)
    return out


def _set_beams(notes: list[_Note], idx: list[int]) -> None:
    levels = [(_BEAMS[notes[i].type] if not notes[i].rest else 0) for i in idx]
    maxl = max(levels)
    per: list[list[str]] = [[] for _ in idx]
    for lev in range(1, maxl + 1):
        if lev == 1:
            for k in range(len(idx)):
                per[k].append("begin" if k == 0 else ("end" if k == len(idx) - 1 else "continue"))
            continue
        k = 0
        while k < len(idx):
            if levels[k] >= lev:
                j = k
                while j + 1 < len(idx) and levels[j + 1] >= lev:
                    j += 1
                if j == k:
                    per[k].append(
                        "forward hook" if k == 0 or k < len(idx) - 1 and k == 0 else "backward hook"
                    )
                else:
                    per[k].append("begin")
                    for m in range(k + 1, j):
                        per[m].append("continue")
                    per[j].append("end")
                k = j + 1
            else:
                k += 1
    for k, i in enumerate(idx):
        notes[i].beams = per[k] if not notes[i].rest else []


# ---------------------------------------------------------------------------------------------------------------
# pitch


def _key_alter(key: int, step: int) -> int:
    name = _STEPS[step]
    if key > 0 and name in _SHARP_ORDER[:key]:
        return 1
    if key < 0 and name in _FLAT_ORDER[:-key]:
        return -1
    return 0


def _pitch_voice(
    rng: np.random.Generator,
    measures: list[list[_Note]],
    keys: list[int],
    center: int,
    boost: float,
    chord_prob: float,
    spread: int,
    shifts: list[int],
) -> None:
    """Give every note of one voice (over all measures) pitches, accidentals and ties.

    `shifts[m]` moves the register of measure m (diatonic steps) after a clef change; no tie crosses
    a change of shift.
    """
    home = center
    cur = center + int(rng.integers(-2, 3))
    prev_acc: dict[int, int] = {}  # accidentals shown in the previous measure (for courtesy)
    last: _Note | None = None
    for mi, notes in enumerate(measures):
        key = keys[mi]
        if mi > 0 and shifts[mi] != shifts[mi - 1]:
            cur += shifts[mi] - shifts[mi - 1]
            last = None  # no tie across a clef change
        center = home + shifts[mi]
        state: dict[int, int] = {}  # diatonic -> alter in force in this measure
        shown_now: dict[int, int] = {}
        for n in notes:
            if n.rest:
                last = None
                continue
            # tie from the previous note (same pitch), occasionally across the barline
            if last is not None and not n.grace and not last.grace and _p(rng, 0.06) and not last.rest:
                n.pitches = list(last.pitches)
                n.alters = list(last.alters)
                n.show_acc = [""] * len(n.pitches)
                last.tie_start = [True] * len(last.pitches)
                n.tie_stop = [True] * len(n.pitches)
                n.tie_start = [False] * len(n.pitches)
                for d, a in zip(n.pitches, n.alters, strict=True):
                    state[d] = a
                last = n
                continue
            step = int(rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3, 4, -4], p=None))
            cur += step
            if cur > center + spread:
                cur -= int(rng.integers(2, 6))
            if cur < center - spread:
                cur += int(rng.integers(2, 6))
            ps = [cur]
            if _p(rng, chord_prob):
                for _ in range(int(rng.integers(1, 3))):
                    ps.append(ps[-1] - int(rng.choice([2, 2, 3, 4, 5])))
            ps = sorted(set(ps))
            n.pitches = ps
            n.alters = []
            n.show_acc = []
            for d in ps:
                base = _key_alter(key, d % 7)
                alter = base
                if _p(rng, 0.07 * boost):
                    alter = base + int(rng.choice([-1, 1]))
                    if abs(alter) > 1 and not _p(rng, 0.2 * boost):
                        alter = base
                    alter = max(-2, min(2, alter))
                in_force = state.get(d, base)
                show = ""
                if alter != in_force:
                    show = "show"
                elif d in prev_acc and prev_acc[d] != alter and d not in state and _p(rng, 0.6):
                    show = "courtesy"
                state[d] = alter
                if show == "show":
                    shown_now[d] = alter
                n.alters.append(alter)
                n.show_acc.append(show)
            n.tie_start = [False] * len(ps)
            n.tie_stop = [False] * len(ps)
            last = n
        prev_acc = shown_now


# ---------------------------------------------------------------------------------------------------------------
# score


def _choose(rng: np.random.Generator, items: list[str], weights: list[float]) -> str:
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


def random_score(rng: np.random.Generator, config: GenerateConfig | None = None) -> SynthScore:
    """Draw one random score (1-4 staves per system) with `config.min_measures`-`max_measures` measures.

    Pure function of `rng`: the same generator state gives the same score.
    """
    cfg = config or GenerateConfig()
    boost = max(0.0, cfg.rare_boost)
    ensemble = _choose(
        rng, ["single", "piano", "voice_piano", "satb", "satb2", "chamber"], [35, 28, 12, 7, 6, 12]
    )
    # parts: (name, staves, clefs, voices per staff, chord prob, lyrics)
    specs: list[tuple[str, int, list[str], list[int], float, bool]] = []
    if ensemble == "single":
        clef = _choose(
            rng, ["G", "F", "C3", "C4", "G8vb", "G8va", "F8vb", "F8va"], [55, 22, 7, 4, 6, 1.5, 1.5, 0.5]
        )
        clef = clef if clef not in ("G8va", "F8vb", "F8va") or _p(rng, min(1.0, boost)) else "G"
        specs.append(
            (
                _choose(rng, _NAMES[clef], [1] * len(_NAMES[clef])),
                1,
                [clef],
                [2 if _p(rng, 0.12) else 1],
                0.06,
                _p(rng, 0.1),
            )
        )
    elif ensemble == "piano":
        specs.append(
            ("Piano", 2, ["G", "F"], [2 if _p(rng, 0.25) else 1, 2 if _p(rng, 0.15) else 1], 0.3, False)
        )
    elif ensemble == "voice_piano":
        vclef = "G8vb" if _p(rng, 0.25) else ("F" if _p(rng, 0.15) else "G")
        specs.append(("Voice", 1, [vclef], [1], 0.0, True))
        specs.append(("Piano", 2, ["G", "F"], [1, 1], 0.35, False))
    elif ensemble == "satb":
        for nm, c in (("Soprano", "G"), ("Alto", "G"), ("Tenor", "G8vb"), ("Bass", "F")):
            specs.append((nm, 1, [c], [1], 0.0, _p(rng, 0.6)))
    elif ensemble == "satb2":
        specs.append(("S. A.", 1, ["G"], [2], 0.0, False))
        specs.append(("T. B.", 1, ["F"], [2], 0.0, False))
    else:
        k = int(rng.integers(2, 5))
        pool = [
            ("Violin I", "G"),
            ("Violin II", "G"),
            ("Viola", "C3"),
            ("Cello", "F"),
            ("Flute", "G"),
            ("Bassoon", "F"),
        ]
        order = rng.permutation(len(pool))[:k]
        for i in sorted(order):
            nm, c = pool[i]
            if nm == "Cello" and _p(rng, 0.15):
                c = "C4"
            specs.append((nm, 1, [c], [1], 0.05, False))
    # single staves need more measures to fill a page
    extra = 24 if sum(sp[1] for sp in specs) == 1 else 0
    n_meas = int(rng.integers(cfg.min_measures, cfg.max_measures + 1)) + extra
    group = "" if len(specs) == 1 else ("bracket" if ensemble in ("satb", "satb2", "chamber") else "")

    # global attribute plan: key, time, clef changes, repeats, endings
    key0 = int(rng.integers(-7, 8)) if _p(rng, 0.25 * boost) else int(rng.integers(-4, 5))
    tw = [t[3] for t in _TIMES]
    t0 = _TIMES[int(rng.choice(len(_TIMES), p=np.array(tw) / sum(tw)))][:3]
    keys = [key0] * n_meas
    times = [t0] * n_meas
    for m in range(4, n_meas - 2):
        if _p(rng, 0.025 * boost):
            k2 = int(np.clip(keys[m - 1] + rng.choice([-3, -2, -1, 1, 2, 3]), -7, 7))
            keys[m:] = [k2] * (n_meas - m)
        if _p(rng, 0.012 * boost):
            t2 = _TIMES[int(rng.integers(0, len(_TIMES)))][:3]
            times[m:] = [t2] * (n_meas - m)
    bars_left = [""] * n_meas
    bars_right = [""] * n_meas
    endings = [""] * n_meas
    m = 2
    while m < n_meas - 3:
        if _p(rng, 0.04 * boost):
            bars_left[m] = "repeat"
            end = min(n_meas - 3, m + int(rng.integers(2, 6)))
            if _p(rng, 0.5):
                endings[end] = "1"
                endings[end + 1] = "2"
            bars_right[end] = "repeat"
            m = end + 3
        elif _p(rng, 0.03):
            bars_right[m] = "double"
            m += 2
        else:
            m += 1
    bars_right[-1] = "final" if _p(rng, 0.7) else ""
    tempo = _TEMPI[int(rng.integers(0, len(_TEMPI)))] if _p(rng, 0.6) else None

    parts: list[_Part] = []
    for pi, (name, staves, clefs0, nvoices, chord_prob, lyrics) in enumerate(specs):
        abbreviation = name[:3] + "." if len(name) > 4 else name
        part = _Part(name, abbreviation, staves)
        clef_plan = [[c] * n_meas for c in clefs0]
        for s in range(staves):
            for mm in range(3, n_meas - 2):
                if _p(rng, 0.02 * boost):
                    alt = {"G": "F", "F": "G", "C3": "G", "C4": "F", "G8vb": "F"}.get(clefs0[s], "G")
                    span = int(rng.integers(1, 4))
                    for q in range(mm, min(n_meas, mm + span)):
                        clef_plan[s][q] = alt
        voice_measures: dict[tuple[int, int], list[list[_Note]]] = {}
        for s in range(staves):
            for v in range(nvoices[s]):
                ms: list[list[_Note]] = []
                for mm in range(n_meas):
                    beats_s, btype, _ = times[mm]
                    compound = btype == "8" and int(beats_s) % 3 == 0 and int(beats_s) > 3
                    if btype == "8" and beats_s == "3":
                        beats, beat_divs, comp = 3, 240, False
                    elif compound:
                        beats, beat_divs, comp = int(beats_s) // 3, 720, True
                    elif btype == "2":
                        beats, beat_divs, comp = int(beats_s) * 2, 480, False
                    else:
                        beats, beat_divs, comp = int(beats_s), 480, False
                    if beat_divs == 240:
                        # 3/8: three eighth-beats, beamed as one group
                        notes = _rhythm_38(rng, boost)
                    else:
                        notes = _rhythm(
                            rng, beats, beat_divs, comp, boost, 0.05 if v == 0 else 0.15, cfg.long_notes
                        )
                    ms.append(notes)
                voice_measures[(s, v)] = ms
        for (s, v), ms in voice_measures.items():
            mid = _CLEFS[clef_plan[s][0]][3]
            # the second voice sits lower, the first higher
            center = mid + (2 if nvoices[s] > 1 and v == 0 else (-3 if nvoices[s] > 1 else 0))
            # clef changes move the register so the notes stay on the staff
            shifts = [_CLEFS[clef_plan[s][mm]][3] - mid for mm in range(n_meas)]
            _pitch_voice(rng, ms, keys, center, boost, chord_prob if v == 0 else 0.0, 6, shifts)
            stem = "" if nvoices[s] == 1 else ("up" if v == 0 else "down")
            _decorate(rng, ms, boost, stem, lyrics and v == 0 and s == 0, True, keys)
        for s in range(staves):
            if nvoices[s] > 1:
                _share_accidentals([voice_measures[(s, v)] for v in range(nvoices[s])], keys)
        # dynamics, hairpins and tempo on the first staff's first voice
        first = voice_measures[(0, 0)]
        if pi == 0 and tempo is not None:
            word, bpm = tempo
            first[0][0].directions.append(
                '<direction placement="above"><direction-type><words font-weight="bold">'
                f'{escape(word)}</words></direction-type><sound tempo="{bpm}"/></direction>'
            )
        _dynamics(rng, first, boost)
        for mm in range(n_meas):
            meas = _Measure(
                key=keys[mm],
                time=times[mm],
                clefs=[clef_plan[s][mm] for s in range(staves)],
                key_changed=mm == 0 or keys[mm] != keys[mm - 1],
                time_changed=mm == 0 or times[mm] != times[mm - 1],
                clef_changed=[mm == 0 or clef_plan[s][mm] != clef_plan[s][mm - 1] for s in range(staves)],
                voices=[(s + 1, s * 2 + v + 1, voice_measures[(s, v)][mm]) for (s, v) in voice_measures],
                left_bar=bars_left[mm],
                right_bar=bars_right[mm],
                ending=endings[mm],
            )
            part.measures.append(meas)
        parts.append(part)
    title = " ".join(
        str(rng.choice(["Sonatina", "Air", "Study", "Minuet", "Chorale", "Song", "Prelude", "Dance", "No."]))
        for _ in range(2)
    )
    composer = str(rng.choice(["A. Composer", "J. Doe", "M. Rossi", "K. Tanaka", "L. Dubois", ""]))
    return SynthScore(parts, group, title, composer, _p(rng, 0.6))


def _rhythm_38(rng: np.random.Generator, boost: float) -> list[_Note]:
    options: list[list[tuple[str, int]]] = [
        [("eighth", 0)] * 3,
        [("quarter", 0), ("eighth", 0)],
        [("quarter", 1)],
        [("eighth", 1), ("16th", 0), ("eighth", 0)],
        [("16th", 0)] * 6,
        [("eighth", 0), ("16th", 0), ("16th", 0), ("eighth", 0)],
    ]
    w = np.array([10, 8, 5, 3, 1.5 * boost, 2])
    pat = options[int(rng.choice(len(options), p=w / w.sum()))]
    notes = [_Note(_dur(t, d, 0), t, d) for t, d in pat]
    idx = [i for i, n in enumerate(notes) if n.type in _BEAMS]
    if len(idx) >= 2 and idx == list(range(idx[0], idx[-1] + 1)):
        _set_beams(notes, idx)
    return notes


def _decorate(
    rng: np.random.Generator,
    ms: list[list[_Note]],
    boost: float,
    stem: str,
    lyrics: bool,
    last_piece: bool,
    keys: list[int],
) -> None:
    """Articulations, ornaments, fermatas, slurs, grace notes, tuplet brackets and lyrics on one voice."""
    word_pos = 0
    word_len = int(rng.integers(1, 4))
    for mi, notes in enumerate(ms):
        sounding = [i for i, n in enumerate(notes) if not n.rest]
        for i in sounding:
            n = notes[i]
            n.stem = stem
            r = rng.random()
            if r < 0.05:
                n.artic = "staccato"
            elif r < 0.065:
                n.artic = "accent"
            elif r < 0.075:
                n.artic = "tenuto"
            elif r < 0.075 + 0.006 * boost:
                n.artic = "strong-accent"
            elif r < 0.075 + 0.012 * boost:
                n.artic = "staccatissimo"
            if _p(rng, 0.008 * boost) and n.type in ("quarter", "half", "whole"):
                n.ornament = _choose(
                    rng,
                    ["trill-mark", "mordent", "inverted-mordent", "turn", "inverted-turn"],
                    [4, 2, 2, 2, 1],
                )
            if n.tuplet_mark == "start" and not n.tuplet_bracket and _p(rng, 0.3):
                n.tuplet_bracket = True
            if lyrics and not any(n.tie_stop):
                n.lyric = str(rng.choice(_SYLLABLES))
                if word_len == 1:
                    n.syllabic = "single"
                else:
                    n.syllabic = (
                        "begin" if word_pos == 0 else ("end" if word_pos == word_len - 1 else "middle")
                    )
                word_pos += 1
                if word_pos >= word_len:
                    word_pos = 0
                    word_len = int(rng.integers(1, 4))
        # slurs within the measure over 2-5 sounding notes
        if len(sounding) >= 2 and _p(rng, 0.18):
            a = int(rng.integers(0, len(sounding) - 1))
            b = min(len(sounding) - 1, a + int(rng.integers(1, 5)))
            if not notes[sounding[a]].slur and not notes[sounding[b]].slur:
                notes[sounding[a]].slur = "start"
                notes[sounding[b]].slur = "stop"
        # a grace note before a sounding note
        if sounding and _p(rng, 0.03 * boost):
            i = sounding[int(rng.integers(0, len(sounding)))]
            target = notes[i]
            if any(target.tie_stop):
                continue
            g = _Note(0, "eighth" if _p(rng, 0.7) else "16th", grace=True, grace_slash=_p(rng, 0.6))
            d = target.pitches[-1] + 1
            g.pitches = [d]
            # the alteration in force (key, or an earlier accidental on that line/space in this measure)
            alter = _key_alter(keys[mi], d % 7)
            for prev in notes[:i]:
                if d in prev.pitches:
                    alter = prev.alters[prev.pitches.index(d)]
            g.alters = [alter]
            g.show_acc = [""]
            g.tie_start = [False]
            g.tie_stop = [False]
            g.stem = "up"
            notes.insert(i, g)
        # fermata at the final measure, rarely elsewhere
        main = [n for n in notes if not n.rest and not n.grace]
        if main and (mi == len(ms) - 1 and last_piece and _p(rng, 0.5) or _p(rng, 0.01 * boost)):
            main[-1].fermata = True


def _share_accidentals(voices: list[list[list[_Note]]], keys: list[int]) -> None:
    """Show an accidental wherever another voice of the staff changed the alteration in force.

    Why: each voice is pitched on its own, so a voice's A after the other voice's A sharp in the same
    measure was drawn without its natural; a reader (and MuseScore) carries an accidental across the
    voices of a staff, so the page read A sharp while the ground truth said A (development pages: 8
    notes on 21 rare-symbol pages). Notes are visited in onset order over all voices (grace notes
    before their main note); only missing accidentals are added, so every voice's own display stays.
    `voices[v][m]`: the notes of voice v in measure m.
    """
    for mi in range(len(keys)):
        events: list[tuple[int, int, int, _Note]] = []
        for vi, ms in enumerate(voices):
            onset = 0
            for n in ms[mi]:
                if not n.rest:
                    events.append((onset, 0 if n.grace else 1, vi, n))
                onset += 0 if n.grace else n.duration
        state: dict[int, int] = {}
        for _, _, _, n in sorted(events, key=lambda e: e[:3]):
            for k, (d, a) in enumerate(zip(n.pitches, n.alters, strict=True)):
                in_force = state.get(d, _key_alter(keys[mi], d % 7))
                if a != in_force and not n.show_acc[k] and not n.tie_stop[k]:
                    n.show_acc[k] = "show"
                state[d] = a


def _dynamics(rng: np.random.Generator, ms: list[list[_Note]], boost: float) -> None:
    for mi, notes in enumerate(ms):
        sounding = [n for n in notes if not n.rest and not n.grace]
        if not sounding:
            continue
        if mi == 0 and _p(rng, 0.5) or _p(rng, 0.08 * boost):
            dyn = _choose(rng, _DYNAMICS, _DYN_WEIGHTS)
            sounding[0].directions.append(
                f'<direction placement="below"><direction-type><dynamics><{dyn}/></dynamics></direction-type></direction>'
            )
        if len(sounding) >= 2 and _p(rng, 0.07 * boost):
            kind = "crescendo" if _p(rng, 0.55) else "diminuendo"
            sounding[0].directions.append(
                f'<direction placement="below"><direction-type><wedge type="{kind}"/></direction-type></direction>'
            )
            sounding[-1].directions_after.append(
                '<direction placement="below"><direction-type><wedge type="stop"/></direction-type></direction>'
            )


# ---------------------------------------------------------------------------------------------------------------
# MusicXML writer


def _on_staff(direction: str, staff: int, staves: int) -> str:
    """A direction of a part with several staves names its staff (before any `<sound>`).

    Why: without `<staff>` a reader may take it for the whole part; music21 (so the ground truth and
    musicdiff) put a copy of every dynamic and hairpin of a piano part on both staves, while the page
    draws one, under the staff of the note it belongs to (development pages: 62 dynamics inserts the
    scanner could not avoid).
    """
    if staves < 2 or "<staff>" in direction:
        return direction
    at = direction.find("<sound") if "<sound" in direction else direction.rfind("</direction>")
    return f"{direction[:at]}<staff>{staff}</staff>{direction[at:]}"


def _clef_xml(clef: str, number: int) -> str:
    sign, line, octc, _ = _CLEFS[clef]
    oc = f"<clef-octave-change>{octc}</clef-octave-change>" if octc else ""
    return f'<clef number="{number}"><sign>{sign}</sign><line>{line}</line>{oc}</clef>'


def _time_xml(t: tuple[str, str, str]) -> str:
    sym = f' symbol="{t[2]}"' if t[2] else ""
    return f"<time{sym}><beats>{t[0]}</beats><beat-type>{t[1]}</beat-type></time>"


_ACC_NAME = {-2: "flat-flat", -1: "flat", 0: "natural", 1: "sharp", 2: "double-sharp"}


def _note_xml(n: _Note, staff: int, voice: int, cut_stop: bool, cut_start: bool) -> str:
    parts: list[str] = []
    members = [(None, None)] if n.rest else list(enumerate(n.pitches))
    for ci, (k, d) in enumerate(members):
        x = ["<note>"]
        if n.grace:
            # "no" stated: music21 reads a bare <grace/> as slashed, Verovio draws it without the slash
            x.append('<grace slash="yes"/>' if n.grace_slash else '<grace slash="no"/>')
        if ci > 0:
            x.append("<chord/>")
        if n.rest or k is None or d is None:
            x.append("<rest/>")
        else:
            alter = n.alters[k]
            alt = f"<alter>{alter}</alter>" if alter else ""
            x.append(f"<pitch><step>{_STEPS[d % 7]}</step>{alt}<octave>{d // 7}</octave></pitch>")
        if not n.grace:
            x.append(f"<duration>{n.duration}</duration>")
        tie_stop = k is not None and n.tie_stop and n.tie_stop[k] and not cut_stop
        tie_start = k is not None and n.tie_start and n.tie_start[k] and not cut_start
        if tie_stop:
            x.append('<tie type="stop"/>')
        if tie_start:
            x.append('<tie type="start"/>')
        x.append(f"<voice>{voice}</voice><type>{n.type}</type>")
        x.append("<dot/>" * n.dots)
        if k is not None and n.show_acc and n.show_acc[k]:
            c = ' cautionary="yes"' if n.show_acc[k] == "courtesy" else ""
            x.append(f"<accidental{c}>{_ACC_NAME[n.alters[k]]}</accidental>")
        if n.tuplet:
            x.append(
                f"<time-modification><actual-notes>{n.tuplet[0]}</actual-notes>"
                f"<normal-notes>{n.tuplet[1]}</normal-notes></time-modification>"
            )
        if n.stem and not n.rest:
            x.append(f"<stem>{n.stem}</stem>")
        x.append(f"<staff>{staff}</staff>")
        if ci == 0:
            for lev, b in enumerate(n.beams, start=1):
                x.append(f'<beam number="{lev}">{b}</beam>')
        nots: list[str] = []
        if tie_stop:
            nots.append('<tied type="stop"/>')
        if tie_start:
            nots.append('<tied type="start"/>')
        if ci == 0:
            if n.tuplet_mark:
                br = ' bracket="yes"' if n.tuplet_bracket else ' bracket="no"'
                nots.append(f'<tuplet type="{n.tuplet_mark}"{br if n.tuplet_mark == "start" else ""}/>')
            if n.slur:
                nots.append(f'<slur type="{n.slur}" number="1"/>')
            if n.artic:
                nots.append(f"<articulations><{n.artic}/></articulations>")
            if n.ornament:
                nots.append(f"<ornaments><{n.ornament}/></ornaments>")
            if n.fermata:
                nots.append('<fermata type="upright"/>' if n.stem != "down" else '<fermata type="inverted"/>')
        if nots:
            x.append("<notations>" + "".join(nots) + "</notations>")
        if ci == 0 and n.lyric:
            x.append(
                f'<lyric number="1"><syllabic>{n.syllabic}</syllabic><text>{escape(n.lyric)}</text></lyric>'
            )
        x.append("</note>")
        parts.append("".join(x))
    return "".join(parts)


def _measure_xml(score: SynthScore, part: _Part, mi: int, first: bool, last: bool, number: int) -> str:
    m = part.measures[mi]
    x = [f'<measure number="{number}">']
    if first and part is score.parts[0]:
        x.append(
            "<print><system-layout><top-system-distance>70</top-system-distance></system-layout></print>"
        )
    if m.left_bar == "repeat":
        x.append(
            '<barline location="left"><bar-style>heavy-light</bar-style><repeat direction="forward"/></barline>'
        )
    if m.ending and not (first and m.ending == "2"):
        # the number alone, as music21 writes endings (musicdiff reads text "1." and number "1" apart);
        # Verovio draws "1." either way (pixels and annotations identical)
        x.append(f'<barline location="left"><ending number="{m.ending}" type="start"/></barline>')
    attrs: list[str] = []
    if first:
        attrs.append(f"<divisions>{DIVISIONS}</divisions>")
    if first or m.key_changed:
        attrs.append(f"<key><fifths>{m.key}</fifths></key>")
    if first or m.time_changed:
        attrs.append(_time_xml(m.time))
    if first and part.staves > 1:
        attrs.append(f"<staves>{part.staves}</staves>")
    for s, c in enumerate(m.clefs):
        if first or m.clef_changed[s]:
            attrs.append(_clef_xml(c, s + 1))
    if attrs:
        x.append("<attributes>" + "".join(attrs) + "</attributes>")
    total = 0
    for vi, (staff, voice, notes) in enumerate(m.voices):
        if vi > 0 and total:
            x.append(f"<backup><duration>{total}</duration></backup>")
        total = 0
        sounding = [i for i, n in enumerate(notes) if not n.rest and not n.grace]
        i_first, i_last = (sounding[0], sounding[-1]) if sounding else (-1, -1)
        for i, n in enumerate(notes):
            x.extend(_on_staff(d, staff, part.staves) for d in n.directions)
            # only ties reaching across the range ends are cut
            x.append(_note_xml(n, staff, voice, first and i == i_first, last and i == i_last))
            x.extend(_on_staff(d, staff, part.staves) for d in n.directions_after)
            total += n.duration
    right = m.right_bar
    end_ending = m.ending and not (last and m.ending == "1" and right != "repeat")
    if right or end_ending:
        style = {
            "repeat": "light-heavy",
            "double": "light-light",
            "final": "light-heavy",
            "heavy": "heavy",
        }.get(right, "regular")
        ending = ""
        if end_ending:
            etype = "stop" if right == "repeat" or m.ending == "1" else "discontinue"
            ending = f'<ending number="{m.ending}" type="{etype}"/>'
        rep = '<repeat direction="backward"/>' if right == "repeat" else ""
        x.append(f'<barline location="right"><bar-style>{style}</bar-style>{ending}{rep}</barline>')
    x.append("</measure>")
    return "".join(x)


def score_to_musicxml(score: SynthScore, start: int = 0, stop: int | None = None) -> str:
    """MusicXML (partwise 4.0) of measures [start, stop) of `score`, complete on its own.

    Clef, key and time are restated in the first written measure; ties reaching outside the range are
    dropped; measures are renumbered from 1.
    """
    stop = score.n_measures if stop is None else stop
    if not 0 <= start < stop <= score.n_measures:
        raise ValueError(f"measure range [{start}, {stop}) outside the score's {score.n_measures} measures")
    x = ['<?xml version="1.0" encoding="UTF-8"?>']
    x.append(
        '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
        '"http://www.musicxml.org/dtds/partwise.dtd">'
    )
    x.append('<score-partwise version="4.0">')
    if score.title:
        x.append(f"<work><work-title>{escape(score.title)}</work-title></work>")
    if score.composer:
        x.append(
            f'<identification><creator type="composer">{escape(score.composer)}</creator></identification>'
        )
    x.append("<part-list>")
    if score.group:
        x.append(
            f'<part-group type="start" number="1"><group-symbol>{score.group}</group-symbol>'
            "<group-barline>yes</group-barline></part-group>"
        )
    for i, p in enumerate(score.parts):
        pn = escape(p.name) if score.show_names else ""
        po = "" if score.show_names else ' print-object="no"'
        x.append(
            f'<score-part id="P{i + 1}"><part-name{po}>{pn}</part-name>'
            f"<part-abbreviation{po}>{escape(p.abbreviation) if score.show_names else ''}</part-abbreviation></score-part>"
        )
    if score.group:
        x.append('<part-group type="stop" number="1"/>')
    x.append("</part-list>")
    for i, p in enumerate(score.parts):
        x.append(f'<part id="P{i + 1}">')
        for mi in range(start, stop):
            x.append(_measure_xml(score, p, mi, mi == start, mi == stop - 1, mi - start + 1))
        x.append("</part>")
    x.append("</score-partwise>")
    return "\n".join(x)
