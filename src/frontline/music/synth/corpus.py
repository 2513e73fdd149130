"""Real music from the music21 corpus, with the evaluation folders kept out of training data.

The folders in RESERVED are for evaluation only: `training_corpus_paths()` never returns them and
`corpus_page_source(..., evaluation=True)` returns only them (benchmarks render them on purpose).
Multi-tune ABC collections are split on their `X:` lines into one source per tune.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "RESERVED",
    "corpus_page_source",
    "eval_corpus_paths",
    "exact_durations",
    "exclude_reserved",
    "is_reserved",
    "split_abc_tunes",
    "training_corpus_paths",
    "unslash_beamed_graces",
]

RESERVED = ("beethoven", "mozart", "haydn", "schubert", "schumann_robert", "schumann_clara", "joplin")
"""music21 corpus folders reserved for evaluation: never in training data."""

_SUFFIXES = {".mxl", ".xml", ".musicxml", ".krn", ".abc"}


def is_reserved(path: str | Path) -> bool:
    """True when any folder of `path` (or a 'folder/piece' corpus name) is one of RESERVED (case-insensitive)."""
    parts = [p.lower() for p in Path(str(path).split("#", 1)[0]).parts]
    return any(p in RESERVED for p in parts[:-1]) or (len(parts) == 1 and parts[0] in RESERVED)


def exclude_reserved(paths: Iterable[str | Path]) -> list[str]:
    """The paths that are not in a reserved evaluation folder, in their given order."""
    return [str(p) for p in paths if not is_reserved(p)]


def _corpus_root() -> Path:
    from music21 import common

    return Path(common.getCorpusFilePath())


@functools.cache
def _all_paths() -> tuple[str, ...]:
    from music21 import corpus

    root = _corpus_root()
    out = []
    for p in corpus.getCorePaths():
        p = Path(p)
        if p.suffix.lower() in _SUFFIXES:
            try:
                out.append(str(p.relative_to(root)))
            except ValueError:
                out.append(str(p))
    return tuple(sorted(out))


def training_corpus_paths() -> list[str]:
    """Corpus files (relative to the music21 corpus root) allowed for training: reserved folders removed."""
    return exclude_reserved(_all_paths())


def eval_corpus_paths() -> list[str]:
    """Corpus files of the reserved evaluation folders only."""
    return [p for p in _all_paths() if is_reserved(p)]


_X_RE = re.compile(r"^X:\s*(\d+)", re.MULTILINE)


def split_abc_tunes(text: str) -> list[str]:
    """Split a multi-tune ABC file into one ABC text per tune (each starting at its `X:` line)."""
    starts = [m.start() for m in _X_RE.finditer(text)]
    if not starts:
        return [text] if text.strip() else []
    starts.append(len(text))
    return [
        text[a:b].strip() + "\n" for a, b in zip(starts[:-1], starts[1:], strict=False) if text[a:b].strip()
    ]


@functools.lru_cache(maxsize=4)
def _abc_tunes(rel: str) -> tuple[str, ...]:
    text = (_corpus_root() / rel).read_text(encoding="utf-8", errors="replace")
    return tuple(split_abc_tunes(text))


@functools.lru_cache(maxsize=4)
def _parse(source: str) -> Any:
    """Parse a corpus source ('rel/path' or 'rel/path#tune') into a music21 Score."""
    from music21 import converter, stream

    rel, _, tune = source.partition("#")
    s: Any
    if tune:
        s = converter.parseData(_abc_tunes(rel)[int(tune)], format="abc")
    else:
        s = converter.parse(str(_corpus_root() / rel))
    if isinstance(s, stream.Opus):
        s = s.scores[0] if s.scores else None
    if s is None or not isinstance(s, stream.Score):
        raise ValueError("not a score")
    exact_durations(s)
    return s


def _show_accidentals(score: Any) -> None:
    """Mark every accidental the key signature and the measure's earlier notes call for as shown.

    Why: Humdrum pitches are absolute, so a B natural under one flat is parsed with no accidental
    object and was engraved as a plain B, which reads as B flat: the page and its ground-truth
    MusicXML disagreed (development page palestrina/Benedictus_78: 4 of 159 notes). music21 decides
    the display per measure against the key signature in force (courtesy accidentals are left out),
    then across the voices of a staff (`_share_accidentals`).
    """
    for part in score.parts:
        for m in part.getElementsByClass("Measure"):
            # the measure's own signature first: the context lookup finds only earlier ones, which
            # skipped every excerpt's first measure and read a key change's measure in the old key
            ks = m.keySignature or m.getContextByClass("KeySignature")
            if ks is not None:
                m.makeAccidentals(useKeySignature=ks, inPlace=True)
                if m.voices:
                    _share_accidentals(m, ks)


def _share_accidentals(measure: Any, key_signature: Any) -> None:
    """Show an accidental wherever another voice of the staff changed the alteration in force.

    Why: music21 decides the display voice by voice, so after the second voice's A sharp the first
    voice's A in the same measure got no natural; a reader (and MuseScore) carries an accidental
    across the voices of a staff, so the page read A sharp while the ground truth said A (development
    pages: Weber, 4 notes). Notes are visited in onset order over all voices; only missing accidentals
    are added; a tied-over note shows none.
    """
    from music21 import pitch

    state: dict[tuple[str, int | None], float] = {}
    for el in measure.flatten().notes:
        tied_over = el.tie is not None and el.tie.type in ("stop", "continue")
        for p in el.pitches:
            key_acc = key_signature.accidentalByStep(p.step)
            in_force = state.get((p.step, p.octave), key_acc.alter if key_acc is not None else 0.0)
            if p.alter != in_force and not tied_over:
                if p.accidental is None:
                    p.accidental = pitch.Accidental(p.alter)
                if p.accidental.displayStatus is not True:
                    p.accidental.displayStatus = True
                    p.accidental.displayType = "normal"
            state[(p.step, p.octave)] = p.alter


def _notated_length(el: Any) -> Fraction | None:
    """The length a note's or rest's notation shows (type, dots, tuplets), or None if it shows none."""
    from music21 import duration

    d = el.duration
    if d.isGrace or d.type in ("complex", "zero", "inexpressible") or len(d.components) != 1:
        return None
    shown = duration.Duration(type=d.type, dots=d.dots)
    for t in d.tuplets:
        shown.appendTuplet(copy.deepcopy(t))
    return Fraction(shown.quarterLength)


def exact_durations(score: Any, tolerance: float = 0.02) -> int:
    """Give notes and rests the length their notation shows where the source file rounded it.

    Why: corpus files whose MusicXML divisions cannot express a tuplet store rounded lengths (a
    13-tuplet sixteenth as 311/2016 or 103/672 of a quarter, a triplet sixteenth as 187/1120, a
    whole-bar note as 40319/10080). The page draws the tuplet, so its ground truth said something no
    page shows, and every later onset of the voice was off by the rounding (development pages: 226 of
    the oracle's 288 missed notes on one set). A length within `tolerance` (relative) of its notated
    value, or of that value times 2**k (music21 misreads some nested tuplets by a factor of two), takes
    the notated value; later elements of the same voice and the measure's directions move with it.
    Returns the number of elements changed (0 leaves the score untouched).
    """
    changed = 0
    for part in score.parts:
        for m in part.getElementsByClass("Measure"):
            streams = [m, *m.voices]
            shifts: list[tuple[Fraction, Fraction]] = []  # (original end, added length) of the busiest voice
            busiest = max(streams, key=lambda s: len(s.notesAndRests))
            for s in streams:
                own: list[tuple[Fraction, Fraction]] = []
                els = sorted(s.getElementsByClass("GeneralNote"), key=lambda e: Fraction(e.offset))
                moves: list[tuple[Any, Fraction, Fraction | None]] = []
                for el in els:
                    ql = Fraction(el.quarterLength)
                    shown = _notated_length(el)
                    best = None
                    if shown is not None and ql > 0:
                        cands = [shown * Fraction(2) ** k for k in range(-2, 3)]
                        best = min(cands, key=lambda c: abs(c - ql))
                        if best == ql or abs(best - ql) > tolerance * ql:
                            best = None
                    moves.append((el, Fraction(el.offset), best))
                for el, off, best in moves:
                    shift = sum((d for end, d in own if end <= off + Fraction(1, 2000)), Fraction(0))
                    if shift:
                        s.setElementOffset(el, off + shift)
                    if best is not None:
                        own.append((off + Fraction(el.quarterLength), best - Fraction(el.quarterLength)))
                        el.duration.linked = False  # keep the notation (type, dots, tuplets) as read
                        el.duration.quarterLength = best
                        changed += 1
                if s is busiest:
                    shifts = own
                if own:
                    s.coreElementsChanged()
            if shifts:
                for el in m.getElementsNotOfClass(["GeneralNote", "Voice"]):
                    off = Fraction(el.offset)
                    shift = sum((d for end, d in shifts if end <= off + Fraction(1, 2000)), Fraction(0))
                    if shift:
                        m.setElementOffset(el, off + shift)
                m.coreElementsChanged()
    return changed


def _divisions(score: Any) -> int:
    """MusicXML divisions per quarter that express every length and onset of the score exactly."""
    div = 10080  # music21's default: 2**5 * 9 * 5 * 7
    for el in score.recurse().getElementsByClass("GeneralNote"):
        for v in (el.quarterLength, el.offset):
            div = math.lcm(div, Fraction(v).denominator)
    return div


def _measures_xml(score: Any, start: int, count: int) -> str:
    from music21 import defaults
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    sub = score.measures(start, start + count, indicesNotNumbers=True)
    _show_accidentals(sub)
    default = defaults.divisionsPerQuarter
    defaults.divisionsPerQuarter = _divisions(sub)  # read by the exporter; restored below
    try:
        data = GeneralObjectExporter(sub).parse()
    finally:
        defaults.divisionsPerQuarter = default
    return single_signatures(
        unslash_beamed_graces(
            balance_octave_shifts(data.decode("utf-8") if isinstance(data, bytes) else str(data))
        )
    )


_MEASURE = re.compile(r"<measure\b[^>]*>.*?</measure>", re.S)
_SIGNATURE = re.compile(r"<(key|time)>(.*?)</\1>", re.S)
_EMPTY_ATTRIBUTES = re.compile(r"<attributes>\s*</attributes>\s*")


def single_signatures(xml: str) -> str:
    """A key or time signature (for all staves) that a measure states twice is written once.

    Why: music21 writes a grand staff's key or time change inside a piece once per staff, the second
    after the `<backup>` to the lower staff, with no staff number, so each says "all staves". Verovio
    draws the change once per staff, but a reader of the file (music21, and so `musicdiff`) gets two
    signatures on every staff: a scan that writes the change once scores two edits per staff for it.
    The page shows one change, and that is what the ground truth must say.
    """
    if "<backup>" not in xml:
        return xml

    def fix(m: re.Match[str]) -> str:
        measure = m.group(0)
        seen: set[str] = set()
        drop: list[tuple[int, int]] = []
        for sig in _SIGNATURE.finditer(measure):
            key = sig.group(1) + re.sub(r"\s+", "", sig.group(2))
            if key in seen:
                drop.append(sig.span())
            seen.add(key)
        if not drop:
            return measure
        for a, b in reversed(drop):
            measure = measure[:a] + measure[b:]
        return _EMPTY_ATTRIBUTES.sub("", measure)

    return _MEASURE.sub(fix, xml)


_GRACE_NOTE = re.compile(r"<note\b[^>]*>(?:(?!</note>).)*?</note>", re.S)


def unslash_beamed_graces(xml: str) -> str:
    """A beamed grace note marked slashed is written unslashed.

    Why: Verovio draws the acciaccatura slash only through a lone grace note's flag; a beamed group of
    slashed grace notes (a corpus file's Weber concertino, 16ths) shows no slash at all, so the page
    shows appoggiaturas and that is what the ground truth must say (a reader cannot see the slash).
    """
    if '<grace slash="yes"' not in xml:
        return xml

    def fix(m: re.Match[str]) -> str:
        note = m.group(0)
        if '<grace slash="yes"' in note and "<beam" in note:
            return note.replace('<grace slash="yes"', '<grace slash="no"', 1)
        return note

    return _GRACE_NOTE.sub(fix, xml)


_DIRECTION = re.compile(r"<direction\b[^>]*>.*?</direction>", re.S)
_SHIFT = re.compile(r"<octave-shift\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def balance_octave_shifts(xml: str) -> str:
    """Drop 8va/8vb marks that an excerpt cut in two and name the staff of the rest.

    Why: an excerpt that starts or ends inside an ottava keeps only one end of it (music21 writes a
    start with no stop, or a stop with no start). Verovio then shifts the notes but draws no bracket,
    so the page shows notes an octave off with nothing to tell a reader; without the mark the notes
    are drawn where they sound, which is what the ground truth says. And Verovio puts an octave shift
    with no `<staff>` on the first staff of the score, not of its part, so each kept mark gets
    `<staff>1</staff>` (MusicXML's default) when it has none.
    """
    if "<octave-shift" not in xml:
        return xml
    out: list[str] = []
    pos = 0
    for part in re.finditer(r"<part\b[^>]*>.*?</part>", xml, re.S):
        out.append(xml[pos : part.start()])
        out.append(_balance_part(part.group(0)))
        pos = part.end()
    out.append(xml[pos:])
    return "".join(out)


def _balance_part(text: str) -> str:
    blocks = [m for m in _DIRECTION.finditer(text) if "<octave-shift" in m.group(0)]
    open_at: dict[str, int] = {}  # shift number -> index of its open start in `blocks`
    drop: set[int] = set()
    for i, m in enumerate(blocks):
        shift = _SHIFT.search(m.group(0))
        attrs = dict(_ATTR.findall(shift.group(1))) if shift else {}
        kind, number = attrs.get("type", ""), attrs.get("number", "1")
        if kind in ("up", "down"):
            if number in open_at:
                drop.add(open_at[number])
            open_at[number] = i
        elif kind == "stop":
            if number in open_at:
                del open_at[number]
            else:
                drop.add(i)
    drop.update(open_at.values())
    out: list[str] = []
    pos = 0
    for i, m in enumerate(blocks):
        out.append(text[pos : m.start()])
        block = m.group(0)
        if i not in drop:
            if "<staff>" not in block:
                at = block.find("<sound") if "<sound" in block else block.rfind("</direction>")
                block = block[:at] + "<staff>1</staff>" + block[at:]
            out.append(block)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def corpus_page_source(
    rng: np.random.Generator, evaluation: bool = False
) -> tuple[str, Callable[[int], str], int] | Any:
    """Draw a corpus piece: (name, measures-to-MusicXML function, measure count), or a SkippedItem.

    `evaluation=False` draws only from training folders; `True` only from the reserved ones. The
    returned function writes the first k measures (from a drawn start) as a self-contained MusicXML.
    """
    from frontline.music.synth.page import SkippedItem

    paths = eval_corpus_paths() if evaluation else training_corpus_paths()
    if not paths:
        return SkippedItem("music21 corpus", "no corpus files found")
    rel = paths[int(rng.integers(0, len(paths)))]
    source = rel
    name = f"corpus:{rel}"
    try:
        if rel.lower().endswith(".abc"):
            tunes = _abc_tunes(rel)
            if not tunes:
                return SkippedItem(name, "ABC file holds no tune")
            t = int(rng.integers(0, len(tunes)))
            source = f"{rel}#{t}"
            name = f"corpus:{source}"
        score = _parse(source)
        n = len(score.parts[0].getElementsByClass("Measure")) if score.parts else 0
    except Exception as exc:  # music21 raises many unrelated types on corrupt files
        return SkippedItem(name, f"unreadable ({type(exc).__name__}: {str(exc)[:80]})")
    if n == 0:
        return SkippedItem(name, "no measures")
    start = int(rng.integers(0, max(1, n - 8))) if n > 16 and rng.random() < 0.6 else 0
    avail = n - start

    def count_xml(k: int) -> str:
        return _measures_xml(score, start, k)

    return name, count_xml, avail
