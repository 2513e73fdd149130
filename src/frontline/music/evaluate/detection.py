"""Detection metrics of the music detector: per-class AP@IoU for symbols, segment recall for lines.

Why: box AP is the DeepScoresV2 measure for symbols, but it punishes thin line-like classes (a 1-px
stem box misplaced by 1 px has IoU near 0), so those are scored by segment recall/precision at a
distance tolerance in staff spaces instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontline.music.records import Glyph

__all__ = ["DetectionReport", "LineScore", "evaluate_detections", "evaluate_lines"]

LINE_EVAL_CLASSES: tuple[str, ...] = ("staff", "stem", "legerLine", "barline", "beam")
"""Line-like classes scored with segment recall (what `lines.py` produces)."""


@dataclass(frozen=True, slots=True)
class DetectionReport:
    """Per-class AP at an IoU threshold and the mean over classes with ground truth."""

    per_class: dict[str, float]
    n_gt: dict[str, int]
    mean_ap: float
    iou: float


@dataclass(frozen=True, slots=True)
class LineScore:
    """Segment recall/precision of one line class over a set of pages."""

    class_name: str
    recall: float
    precision: float
    n_gt: int
    n_pred: int


def evaluate_detections(
    pred_pages: Sequence[Sequence[Glyph]],
    gt_pages: Sequence[Sequence[Glyph]],
    classes: Sequence[str],
    iou: float = 0.5,
) -> DetectionReport:
    """COCO-style AP per class (lab.metrics.detection_ap) over pages; only `classes` are scored."""
    from frontline.lab.metrics import detection_ap

    cid = {c: i for i, c in enumerate(classes)}

    def arrays(gs: Sequence[Glyph]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keep = [g for g in gs if g.class_name in cid]
        b = np.asarray([g.bbox_xyxy for g in keep], np.float64).reshape(-1, 4)
        s = np.asarray([g.score for g in keep], np.float64)
        c = np.asarray([cid[g.class_name] for g in keep], np.int64)
        return b, s, c

    pb, ps, pc, gb, gc = [], [], [], [], []
    for pred, gt in zip(pred_pages, gt_pages, strict=True):
        b, s, c = arrays(pred)
        pb.append(b)
        ps.append(s)
        pc.append(c)
        b, _, c = arrays(gt)
        gb.append(b)
        gc.append(c)
    res = detection_ap(pb, ps, pc, gb, gc, iou=iou)
    per = {classes[k]: float(v) for k, v in res.per_class.items()}
    n_gt = {classes[k]: int(v) for k, v in res.n_gt.items()}
    return DetectionReport(per, n_gt, float(res.mean), float(iou))


def evaluate_lines(
    pred_pages: Sequence[Sequence[Glyph]],
    gt_pages: Sequence[Sequence[Glyph]],
    staff_space_px: Sequence[float],
    tolerance_spaces: float = 0.5,
    classes: Sequence[str] = LINE_EVAL_CLASSES,
) -> list[LineScore]:
    """Segment recall/precision per line class; a match needs every box edge within the tolerance.

    The tolerance is `tolerance_spaces` staff spaces of each page (pages may differ in scale).
    """
    from frontline.music.lines import segment_recall

    out = []
    for cname in classes:
        hits_r = hits_p = n_gt = n_pred = 0.0
        for pred, gt, sp in zip(pred_pages, gt_pages, staff_space_px, strict=True):
            p = np.asarray([g.bbox_xyxy for g in pred if g.class_name == cname], np.float64).reshape(-1, 4)
            g = np.asarray([g.bbox_xyxy for g in gt if g.class_name == cname], np.float64).reshape(-1, 4)
            r, pr, ng, npd = segment_recall(p, g, tolerance_spaces * float(sp))
            hits_r += r * ng
            hits_p += pr * npd
            n_gt += ng
            n_pred += npd
        out.append(
            LineScore(
                cname,
                hits_r / n_gt if n_gt else float("nan"),
                hits_p / n_pred if n_pred else float("nan"),
                int(n_gt),
                int(n_pred),
            )
        )
    return out
