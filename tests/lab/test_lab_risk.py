"""Operating points on a hand-made score list; bad inputs are InputErrors."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.lab.risk import load_scores_csv, operating_point, plot_risk, pr_curve, roc_curve

SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
LABELS = [1, 1, 0, 1, 0, 1, 0, 0]


def test_recall_target() -> None:
    p = operating_point(SCORES, LABELS, recall=0.75)
    assert (p.threshold, p.tp, p.fp) == (0.6, 3, 1)
    assert p.precision == pytest.approx(0.75) and p.recall == 0.75 and p.far == 0.25
    full = operating_point(SCORES, LABELS, recall=1.0)
    assert full.threshold == 0.4 and full.precision == pytest.approx(4 / 6)
    half = operating_point(SCORES, LABELS, recall=0.5)
    assert half.threshold == 0.8 and half.precision == 1.0  # best precision, not just any threshold


def test_far_target() -> None:
    p = operating_point(SCORES, LABELS, far=0.0)
    assert p.threshold == 0.8 and p.recall == 0.5 and p.fp == 0
    p = operating_point(SCORES, LABELS, far=0.5)
    assert p.threshold == 0.4 and p.recall == 1.0 and p.far == 0.5
    # top score is a negative: nothing can be accepted at FAR 0
    none = operating_point([0.9, 0.1], [0, 1], far=0.0)
    assert none.threshold == float("inf") and none.recall == 0.0


def test_curves() -> None:
    prec, rec, thr = pr_curve(SCORES, LABELS)
    assert rec[-1] == 1.0 and prec[0] == 1.0 and len(thr) == 8
    far, tpr, _ = roc_curve(SCORES, LABELS)
    assert (far[0], tpr[0], far[-1], tpr[-1]) == (0, 0, 1, 1)
    fig = plot_risk(SCORES, LABELS, operating_point(SCORES, LABELS, recall=0.75))
    assert len(fig.axes) == 2


@pytest.mark.parametrize(
    ("scores", "labels", "kw"),
    [
        (SCORES, LABELS, {"recall": 1.5}),
        (SCORES, LABELS, {"recall": 0.0}),
        (SCORES, LABELS, {}),
        (SCORES, LABELS, {"recall": 0.5, "far": 0.1}),
        ([], [], {"recall": 0.5}),
        ([0.1, 0.2], [1, 1], {"recall": 0.5}),
        ([0.1, float("nan")], [0, 1], {"recall": 0.5}),
    ],
)
def test_bad_inputs(scores: list[float], labels: list[int], kw: dict[str, float]) -> None:
    with pytest.raises(InputError):
        operating_point(scores, labels, **kw)


def test_load_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "s.csv"
    good.write_text("score,label\n0.9,1\n0.1,0\n")
    s, y = load_scores_csv(good)
    np.testing.assert_array_equal(y, [1, 0])
    for text in ("score,label\n", "a,b\n1,2\n", "score,label\n0.5,2\n", "score,label\nx,1\n"):
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(InputError):
            load_scores_csv(bad)
