"""Pure geometry and decision helpers: similarity alignment, card corner order, calibration table, pose."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.faces.align import REFERENCE_112, similarity_transform
from frontline.faces.document import order_corners
from frontline.faces.quality import pose_from_landmarks
from frontline.faces.verify import Calibration, build_calibration, is_match, threshold_for_far


def test_similarity_transform_recovers_a_known_transform() -> None:
    rng = np.random.default_rng(0)
    ang, scale, shift = 0.4, 1.7, np.array([12.0, -5.0])
    rot = scale * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    src = rng.uniform(0, 100, size=(5, 2))
    dst = src @ rot.T + shift
    m = similarity_transform(src, dst)
    assert np.allclose(m[:, :2], rot, atol=1e-9) and np.allclose(m[:, 2], shift, atol=1e-9)


def test_order_corners_is_clockwise_from_top_left_long_side_first() -> None:
    quad = np.array([[300, 200], [100, 10], [0, 100], [400, 100]], dtype=float)  # shuffled
    pts = order_corners(np.array([[10, 10], [310, 20], [300, 200], [0, 190]])[[2, 0, 3, 1]])
    assert np.allclose(pts[0], [10, 10]) and np.allclose(pts[1], [310, 20])
    assert order_corners(quad).shape == (4, 2)


def test_pose_frontal_and_turned() -> None:
    yaw, roll, pitch = pose_from_landmarks(tuple(map(tuple, REFERENCE_112)))
    assert abs(yaw) < 5 and abs(roll) < 2 and abs(pitch) < 15
    turned = REFERENCE_112.copy()
    turned[2, 0] += 14  # nose far to one side: head turned
    assert abs(pose_from_landmarks(tuple(map(tuple, turned)))[0]) > 30


def test_calibration_is_monotone_and_respects_published_floor() -> None:
    rng = np.random.default_rng(0)
    rows = build_calibration(rng.normal(0.7, 0.08, 30), rng.normal(0.1, 0.09, 500))
    pairs = sorted((float(r["far"]), float(r["threshold"])) for r in rows)
    thr = [t for _, t in pairs]
    assert all(a >= b for a, b in zip(thr, thr[1:], strict=False))
    assert all(t >= 0.363 for f, t in pairs if f <= 1e-2)


def test_threshold_for_far_interpolates_and_refuses_outside() -> None:
    cal = Calibration((1e-4, 1e-2), (0.5, 0.3))
    assert threshold_for_far(1e-3, cal) == pytest.approx(0.4)
    with pytest.raises(InputError, match="outside the calibrated range"):
        threshold_for_far(0.5, cal)
    assert is_match(0.41, 0.4) and not is_match(0.39, 0.4)
