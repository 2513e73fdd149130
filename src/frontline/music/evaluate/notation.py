"""Notation-level scores of a predicted score against ground truth: OMR-NED and note-level F1.

OMR-NED is the Sheet Music Benchmark's normalised edit distance, computed by the `musicdiff` package
(5.x; a `bench` extra): edit distance between the two scores' notation symbols divided by the number of
symbols in both. Note F1 matches notes by (staff, measure, onset, MIDI pitch, duration), the staff
counted from the top of the score and the measure by position in the part.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from frontline.errors import JobError
from frontline.music.musicxml import load_musicxml
from frontline.music.records import Score

__all__ = ["NoteScore", "OmrNed", "note_f1", "note_keys", "omr_ned"]


@dataclass(frozen=True, slots=True)
class NoteScore:
    """Note-level precision, recall and F1, with the counts they come from."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    ground_truth: int


@dataclass(frozen=True, slots=True)
class OmrNed:
    """OMR-NED and its parts: edit distance and the symbol counts of both scores."""

    ned: float
    edit_distance: int
    symbols_predicted: int
    symbols_ground_truth: int


def _on_grid(q: float | Fraction, grid: int | None) -> Fraction:
    f = Fraction(q)
    return f if grid is None else Fraction(round(f * grid), grid)


def note_keys(score: Score, grid: int | None = None) -> Counter[tuple[int, int, Fraction, int, Fraction]]:
    """Multiset of (staff, measure position, onset, MIDI key, duration) over every note of the score.

    The staff is counted over the whole score from the top (a part's staves in order, then the next
    part's), so a braced grand staff scores the same whether a file writes it as one part of two
    staves or as two one-staff parts (both are the same page); with one staff per part it is the part.
    `grid`: onsets and durations rounded to the nearest 1/grid of a quarter (None: exact). Some corpus
    files give ornaments and grace notes real lengths no page shows (187/1120 of a quarter where the
    page shows 1/6), which moves every later onset of the measure by 1/10080 of a quarter; a grid of
    96 forgives that and nothing a page can show (a 256th-note triplet is 1/24).
    """
    keys: Counter[tuple[int, int, Fraction, int, Fraction]] = Counter()
    first = 0
    for part in score.parts:
        for mi, m in enumerate(part.measures):
            for n in m.notes():
                staff = first + min(max(n.staff, 1), max(part.staves, 1)) - 1
                keys[(staff, mi, _on_grid(n.onset_q, grid), n.pitch.midi, _on_grid(n.duration_q, grid))] += 1
        first += max(part.staves, 1)
    return keys


def note_f1(predicted: Score, ground_truth: Score, grid: int | None = None) -> NoteScore:
    """Note-level P/R/F1: a predicted note counts when staff, measure, onset, pitch and duration all match
    (onsets and durations on a 1/`grid` quarter grid when `grid` is given, see `note_keys`)."""
    p, g = note_keys(predicted, grid), note_keys(ground_truth, grid)
    tp = sum((p & g).values())
    n_p, n_g = sum(p.values()), sum(g.values())
    prec = tp / n_p if n_p else (1.0 if not n_g else 0.0)
    rec = tp / n_g if n_g else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return NoteScore(prec, rec, f1, tp, n_p, n_g)


def omr_ned(predicted: str | Path, ground_truth: str | Path, lyrics: bool = True) -> OmrNed:
    """OMR-NED between a predicted and a ground-truth MusicXML file (0 = identical, 1 = nothing shared).

    Needs `musicdiff` 5.x (`pip install frontline[bench]`); an unreadable prediction counts as an empty
    score, as in the benchmark. `lyrics=False` leaves lyrics out of both scores (we do not read text).
    """
    try:
        import music21 as m21
        from musicdiff import DetailLevel
        from musicdiff.annotation import AnnScore
        from musicdiff.comparison import Comparison
        from musicdiff.visualization import Visualization
    except ImportError as exc:
        raise JobError(f"OMR-NED needs musicdiff 5.x ({exc}); run pip install 'frontline[bench]'") from None

    def parse(path: str | Path, lenient: bool) -> Any:
        try:
            s = m21.converter.parse(str(path), forceSource=True, acceptSyntaxErrors=lenient)
            if isinstance(s, m21.stream.Opus):
                s = s.scores[0]
            return s
        except Exception:
            return m21.stream.Score()

    gt = parse(ground_truth, False)
    pred = parse(predicted, True)
    detail = DetailLevel.Default if lyrics else DetailLevel.Default & ~DetailLevel.Lyrics
    ann_pred = AnnScore(pred, detail)
    ann_gt = AnnScore(gt, detail)
    _, dist = Comparison.annotated_scores_diff(ann_pred, ann_gt)
    n_p, n_g = ann_pred.notation_size(), ann_gt.notation_size()
    return OmrNed(Visualization.get_omr_ned(dist, n_p, n_g), int(dist), n_p, n_g)


def load_reference(path: str | Path) -> Score:
    """Ground-truth MusicXML as a Score (for `note_f1`)."""
    return load_musicxml(path)
