"""Risk minimisation: choose a decision threshold for a required recall or false-accept rate.

Convention: higher score = more likely positive; an item is accepted (predicted positive) when
score >= threshold. FAR (false-accept rate) = FP / negatives; TPR = recall = TP / positives.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError

__all__ = ["OperatingPoint", "load_scores_csv", "operating_point", "plot_risk", "pr_curve", "roc_curve"]


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """A threshold and the rates it gives on the validation scores (accept when score >= threshold).

    `precision` is 1.0 by convention when nothing is accepted (threshold above every score).
    """

    threshold: float
    precision: float
    recall: float
    far: float
    tpr: float
    n_pos: int
    n_neg: int
    tp: int
    fp: int


def _check(scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel()
    if s.size == 0:
        raise InputError("no scores given; need validation scores with labels 0/1")
    if s.shape != y.shape:
        raise InputError(f"scores and labels differ in length ({s.size} vs {y.size})")
    if not np.isfinite(s).all():
        raise InputError("scores contain NaN or infinite values")
    if not np.isin(y, (0, 1, True, False)).all():
        raise InputError("labels must be 0 (negative) or 1 (positive)")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise InputError(
            "labels hold a single class; need both positives and negatives to choose a threshold"
        )
    return s, y


def _sweep(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds (distinct scores, descending, then +inf) with cumulative TP and FP when accepting >= t."""
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], s.size - 1]  # last index of each distinct score
    thr = np.r_[np.inf, s_sorted[last]]
    return thr, np.r_[0, tp[last]], np.r_[0, fp[last]]


def _point(thr: float, tp: int, fp: int, n_pos: int, n_neg: int) -> OperatingPoint:
    precision = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / n_pos
    return OperatingPoint(
        float(thr),
        float(precision),
        float(rec),
        float(fp / n_neg),
        float(rec),
        n_pos,
        n_neg,
        int(tp),
        int(fp),
    )


def operating_point(
    scores: Any, labels: Any, recall: float | None = None, far: float | None = None
) -> OperatingPoint:
    """The threshold meeting a required recall (or a maximum FAR), with the rates it gives.

    Give exactly one of `recall` (in (0, 1]: among thresholds with recall >= it, the one with the best
    precision; ties go to the higher recall) or `far` (in [0, 1]: among thresholds with FAR <= it, the
    one with the highest recall; ties go to the best precision). The threshold returned is a score
    value (or +inf when no score can be accepted at that FAR).
    """
    if (recall is None) == (far is None):
        raise InputError("give exactly one of recall or far")
    if recall is not None and not (0.0 < recall <= 1.0):
        raise InputError(f"recall must lie in (0, 1], got {recall}")
    if far is not None and not (0.0 <= far <= 1.0):
        raise InputError(f"far must lie in [0, 1], got {far}")
    s, y = _check(scores, labels)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    thr, tp, fp = _sweep(s, y)
    rec = tp / n_pos
    prec = np.divide(tp, tp + fp, out=np.ones(len(tp)), where=(tp + fp) > 0)
    rate = fp / n_neg
    if recall is not None:
        ok = np.nonzero(rec >= recall - 1e-12)[0]
        best = ok[np.lexsort((-rec[ok], -prec[ok]))[0]]
    else:
        ok = np.nonzero(rate <= far + 1e-12)[0]  # type: ignore[operator]
        best = ok[np.lexsort((-prec[ok], -rec[ok]))[0]]
    return _point(thr[best], int(tp[best]), int(fp[best]), n_pos, n_neg)


def pr_curve(scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds), one point per distinct score from the highest down."""
    s, y = _check(scores, labels)
    thr, tp, fp = _sweep(s, y)
    prec = np.divide(tp, tp + fp, out=np.ones(len(tp), dtype=np.float64), where=(tp + fp) > 0)
    return prec[1:], tp[1:] / y.sum(), thr[1:]


def roc_curve(scores: Any, labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(far, tpr, thresholds) from (0, 0) at threshold +inf to (1, 1)."""
    s, y = _check(scores, labels)
    thr, tp, fp = _sweep(s, y)
    return fp / (~y).sum(), tp / y.sum(), thr


def plot_risk(scores: Any, labels: Any, point: OperatingPoint | None = None) -> Any:
    """Figure with the precision-recall and ROC curves (log FAR axis), the operating point marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prec, rec, _ = pr_curve(scores, labels)
    far_, tpr, _ = roc_curve(scores, labels)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    a1.plot(rec, prec, lw=1.5)
    a1.set_xlabel("recall")
    a1.set_ylabel("precision")
    a1.set_title("precision-recall")
    n_neg = int((~np.asarray(labels).astype(bool)).sum())
    floor = 0.5 / max(n_neg, 1)
    a2.plot(np.maximum(far_, floor), tpr, lw=1.5)
    a2.set_xscale("log")
    a2.set_xlabel("false-accept rate (log)")
    a2.set_ylabel("true-positive rate")
    a2.set_title("ROC")
    if point is not None:
        label = f"t={point.threshold:.4g}\nP={point.precision:.3f} R={point.recall:.3f} FAR={point.far:.2g}"
        a1.plot([point.recall], [point.precision], "ro", label=label)
        a2.plot([max(point.far, floor)], [point.tpr], "ro", label=label)
        a1.legend(fontsize=7, loc="lower left")
        a2.legend(fontsize=7, loc="lower right")
    for ax in (a1, a2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def load_scores_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV with header columns `score,label` (label 0/1) -> (scores, labels)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"score file {path} not found")
    scores: list[float] = []
    labels: list[int] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "score" not in fields or "label" not in fields:
            raise InputError(
                f"{path} must have a header with columns score,label (found {reader.fieldnames or 'nothing'})"
            )
        for n, row in enumerate(reader, 2):
            row = {str(k).strip().lower(): v for k, v in row.items()}
            try:
                scores.append(float(row["score"]))
                lab = float(row["label"])
            except (TypeError, ValueError):
                raise InputError(f"{path} line {n}: score and label must be numbers") from None
            if lab not in (0.0, 1.0):
                raise InputError(f"{path} line {n}: label must be 0 or 1, got {row['label']}")
            labels.append(int(lab))
    if not scores:
        raise InputError(f"score file {path} has no rows; need score,label lines")
    return np.asarray(scores), np.asarray(labels)
