"""Pure metrics: confusion matrix, per-class precision/recall/F1, average precision, detection AP, box IoU.

No I/O, no global state; inputs are numpy arrays (or anything `np.asarray` accepts).
Boxes are `xyxy` in pixels: (x0, y0, x1, y1) with x1 > x0, y1 > y0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from frontline.errors import InputError

__all__ = [
    "ClassScores",
    "DetectionAP",
    "average_precision",
    "box_iou",
    "confusion_matrix",
    "detection_ap",
    "precision_recall_f1",
]

APMethod = Literal["all", "coco101"]


@dataclass(frozen=True, slots=True)
class ClassScores:
    """Per-class precision, recall, F1 and support (number of true items), each shape (C,).

    A class with no predictions has precision 0; with no true items, recall 0 (support says which).
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray


@dataclass(frozen=True, slots=True)
class DetectionAP:
    """Detection AP per class at one IoU threshold, and their mean over classes with ground truth.

    `per_class` maps class id -> AP (only classes with at least one ground-truth box);
    `n_gt` maps class id -> number of ground-truth boxes; `iou` is the matching threshold.
    """

    per_class: dict[int, float]
    mean: float
    n_gt: dict[int, int]
    iou: float


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts C[i, j] of items with true class i predicted as j; shape (C, C), int64."""
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise InputError(f"y_true and y_pred differ in length ({t.size} vs {p.size})")
    if n_classes is None:
        n_classes = int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    if t.size and (t.min() < 0 or p.min() < 0 or t.max() >= n_classes or p.max() >= n_classes):
        raise InputError(
            f"labels must lie in [0, {n_classes}); got range {min(t.min(), p.min())}..{max(t.max(), p.max())}"
        )
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def precision_recall_f1(cm: np.ndarray) -> ClassScores:
    """Per-class precision, recall and F1 from a confusion matrix (rows true, columns predicted)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    pred = cm.sum(axis=0)
    true = cm.sum(axis=1)
    precision = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    recall = np.divide(tp, true, out=np.zeros_like(tp), where=true > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return ClassScores(precision, recall, f1, true.astype(np.int64))


def _ap_from_pr(recall: np.ndarray, precision: np.ndarray, method: APMethod) -> float:
    """Area under the interpolated PR curve (precision made monotone non-increasing in recall)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # envelope: p(r) = max precision at recall >= r
    if method == "coco101":
        grid = np.linspace(0.0, 1.0, 101)
        idx = np.searchsorted(r, grid, side="left")
        vals = np.where(idx < len(p), p[np.minimum(idx, len(p) - 1)], 0.0)
        return float(vals.mean())
    if method == "all":
        steps = np.nonzero(r[1:] != r[:-1])[0]
        return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))
    raise InputError(f"unknown AP method {method!r}; use 'all' or 'coco101'")


def _pr_points(scores: np.ndarray, is_tp: np.ndarray, n_pos: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(is_tp[order])
    fp = np.cumsum(~is_tp[order])
    return tp / max(n_pos, 1), tp / np.maximum(tp + fp, 1)


def average_precision(scores: np.ndarray, labels: np.ndarray, method: APMethod = "all") -> float:
    """Average precision of binary `labels` (1 positive) ranked by `scores` (higher = more positive).

    `method="all"` (default): all-points interpolation, the area under the precision envelope at every
    recall step (PASCAL VOC 2010+). `method="coco101"`: mean interpolated precision at the 101 recall
    points 0, 0.01, ..., 1 (COCO). Raises InputError when there is no positive.
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel().astype(bool)
    if s.size == 0 or s.shape != y.shape:
        raise InputError(f"scores and labels must be non-empty and equal length ({s.size} vs {y.size})")
    n_pos = int(y.sum())
    if n_pos == 0:
        raise InputError("average_precision needs at least one positive label")
    recall, precision = _pr_points(s, y, n_pos)
    return _ap_from_pr(recall, precision, method)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in `a` (N, 4) with every box in `b` (M, 4); shape (N, M)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix0 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy0 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix1 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _as_images(x: np.ndarray | Sequence[np.ndarray], width: int | None) -> list[np.ndarray]:
    """One image's array -> [array]; a list of per-image arrays stays a list."""
    if isinstance(x, np.ndarray):
        return [x.reshape(-1, width) if width else x.ravel()]
    items = list(x)
    if items and all(np.ndim(i) == 0 for i in items):  # flat list of scalars: one image
        return [np.asarray(items).ravel()]
    if width and items and np.ndim(items[0]) == 1 and len(items[0]) == width and np.ndim(items[0][0]) == 0:
        return [np.asarray(items, dtype=np.float64).reshape(-1, width)]
    return [np.asarray(i).reshape(-1, width) if width else np.asarray(i).ravel() for i in items]


def detection_ap(
    pred_boxes: np.ndarray | Sequence[np.ndarray],
    pred_scores: np.ndarray | Sequence[np.ndarray],
    pred_classes: np.ndarray | Sequence[np.ndarray],
    gt_boxes: np.ndarray | Sequence[np.ndarray],
    gt_classes: np.ndarray | Sequence[np.ndarray],
    iou: float = 0.5,
    method: APMethod = "coco101",
) -> DetectionAP:
    """Per-class AP of detections at IoU threshold `iou`, and the mean over classes that have ground truth.

    Inputs are one image's arrays (boxes (N, 4) xyxy, scores (N,), classes (N,)) or lists of such
    arrays, one per image. Matching is COCO-style greedy: detections in descending score order each take
    the unmatched ground-truth box of the same class in the same image with the highest IoU >= `iou`;
    a detection that finds none is a false positive. AP uses COCO's 101-point interpolation by default
    (`method="all"` for all-points). Classes predicted but absent from the ground truth do not enter the mean.
    """
    pb, ps, pc = _as_images(pred_boxes, 4), _as_images(pred_scores, None), _as_images(pred_classes, None)
    gb, gc = _as_images(gt_boxes, 4), _as_images(gt_classes, None)
    if not (len(pb) == len(ps) == len(pc) == len(gb) == len(gc)):
        raise InputError("detection_ap: predictions and ground truth must cover the same number of images")
    classes = sorted({int(c) for g in gc for c in g})
    per_class: dict[int, float] = {}
    n_gt: dict[int, int] = {}
    for cls in classes:
        scores_all: list[float] = []
        tp_all: list[bool] = []
        total = 0
        for boxes, scores, pcls, gboxes, gcls in zip(pb, ps, pc, gb, gc, strict=True):
            g = gboxes[np.asarray(gcls).astype(int) == cls]
            total += len(g)
            sel = np.asarray(pcls).astype(int) == cls
            d, s = boxes[sel], np.asarray(scores, dtype=np.float64)[sel]
            order = np.argsort(-s, kind="stable")
            ious = box_iou(d[order], g) if len(g) else np.zeros((len(order), 0))
            taken = np.zeros(len(g), dtype=bool)
            for k, i in enumerate(order):
                scores_all.append(float(s[i]))
                cand = np.where(taken, -1.0, ious[k]) if len(g) else np.zeros(0)
                j = int(np.argmax(cand)) if len(g) else -1
                if j >= 0 and cand[j] >= iou:
                    taken[j] = True
                    tp_all.append(True)
                else:
                    tp_all.append(False)
        n_gt[cls] = total
        if not scores_all:
            per_class[cls] = 0.0
            continue
        recall, precision = _pr_points(np.asarray(scores_all), np.asarray(tp_all), total)
        per_class[cls] = _ap_from_pr(recall, precision, method)
    mean = float(np.mean(list(per_class.values()))) if per_class else 0.0
    return DetectionAP(per_class, mean, n_gt, float(iou))
