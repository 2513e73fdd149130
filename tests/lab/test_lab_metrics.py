"""Pure metrics on known cases: confusion, P/R/F1, AP (all-points and COCO 101), detection AP, IoU."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.lab.metrics import (
    average_precision,
    box_iou,
    confusion_matrix,
    detection_ap,
    precision_recall_f1,
)


def test_confusion_and_prf() -> None:
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    s = precision_recall_f1(cm)
    np.testing.assert_allclose(s.precision, [0.5, 0.5, 1.0])
    np.testing.assert_allclose(s.recall, [0.5, 1.0, 2 / 3])
    np.testing.assert_allclose(s.f1, [0.5, 2 / 3, 0.8])
    np.testing.assert_array_equal(s.support, [2, 1, 3])
    with pytest.raises(InputError):
        confusion_matrix([0, 3], [0, 1], 3)


def test_average_precision_known_case() -> None:
    # ranking: pos, neg, pos -> precision 1 at recall 0.5, 2/3 at recall 1
    assert average_precision([0.9, 0.8, 0.7], [1, 0, 1]) == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert average_precision([0.9, 0.8, 0.7], [1, 0, 1], method="coco101") == pytest.approx(
        (51 + 50 * 2 / 3) / 101
    )
    assert average_precision([0.3, 0.2], [1, 1]) == pytest.approx(1.0)
    with pytest.raises(InputError):
        average_precision([0.1], [0])


def test_box_iou() -> None:
    iou = box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]]))
    np.testing.assert_allclose(iou, [[1 / 7, 1.0, 0.0]])


def test_detection_ap_greedy_matching() -> None:
    gt_boxes = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]], dtype=float)
    gt_classes = np.array([0, 0, 1])
    pred_boxes = np.array(
        [[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30], [100, 100, 110, 110]], dtype=float
    )
    pred_scores = np.array([0.9, 0.8, 0.7, 0.6])
    pred_classes = np.array([0, 0, 0, 1])
    res = detection_ap(pred_boxes, pred_scores, pred_classes, gt_boxes, gt_classes, iou=0.5, method="all")
    # class 0: TP (0.9), duplicate FP (0.8), TP (0.7) -> P=1 at R=.5, P=2/3 at R=1
    assert res.per_class[0] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert res.per_class[1] == 0.0  # its only detection misses
    assert res.mean == pytest.approx((0.5 + 0.5 * 2 / 3) / 2)
    assert res.n_gt == {0: 2, 1: 1}
    # two images given as lists give the same as one image holding everything
    split = detection_ap(
        [pred_boxes[:2], pred_boxes[2:]], [pred_scores[:2], pred_scores[2:]], [pred_classes[:2], pred_classes[2:]],
        [gt_boxes[:1], gt_boxes[1:]], [gt_classes[:1], gt_classes[1:]], method="all",
    )  # fmt: skip
    assert split.per_class == res.per_class
    perfect = detection_ap(gt_boxes, np.ones(3), gt_classes, gt_boxes, gt_classes)
    assert perfect.mean == pytest.approx(1.0)
