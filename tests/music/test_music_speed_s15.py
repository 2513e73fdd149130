"""Session 15's faster page steps give what the code they replace gave (same arrays, not near ones)."""

from __future__ import annotations

import cv2
import numpy as np

from frontline.music.components import component_boxes, components


def _masks() -> list[np.ndarray]:
    rng = np.random.default_rng(15)
    out = [np.zeros((7, 9), np.uint8), np.ones((6, 5), np.uint8), np.zeros((1, 1), np.uint8)]
    for _ in range(60):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        m = (rng.random((h, w)) < rng.uniform(0.05, 0.7)).astype(np.uint8)
        if rng.random() < 0.3:  # long thin runs, as staff lines and stems
            m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8))
        out.append(m * np.uint8(rng.choice([1, 255])))
    return out


def test_components_equal_opencv_stats() -> None:
    for m in _masks():
        n0, lab0, st0, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
        n1, lab1, st1 = components(m)
        assert n1 == n0
        np.testing.assert_array_equal(lab1, lab0)
        np.testing.assert_array_equal(st1[1:], st0[1:])
        assert st1.dtype == st0.dtype and st1[0, 4] == st0[0, 4]  # the background: its area
        np.testing.assert_array_equal(component_boxes(m.astype(bool)), st0[1:, :4])
        n4, lab4, st4, _ = cv2.connectedComponentsWithStats(m, connectivity=4)
        np.testing.assert_array_equal(components(m, connectivity=4)[2][1:], st4[1:])


def test_flatten_table_equals_the_float_formula() -> None:
    from frontline.music.normalize import _flatten

    rng = np.random.default_rng(3)
    for shape in [(300, 200), (257, 513), (40, 900)]:
        grey = rng.integers(0, 256, shape).astype(np.uint8)
        grey[: shape[0] // 2] = np.clip(grey[: shape[0] // 2], 180, 255)  # a paper-like half
        h, w = grey.shape
        f = max(1, int(round(max(h, w) / 256)))
        small = cv2.resize(grey, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
        bg = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (0, 0), 2.0)
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        want = np.clip(grey.astype(np.float32) / np.maximum(bg, 1.0) * 255.0, 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(_flatten(grey), want)


def test_percentiles_of_8_bit_subsamples_equal_numpy() -> None:
    from frontline.music.quantiles import percentiles

    rng = np.random.default_rng(4)
    for _ in range(20):
        img = rng.integers(0, 256, (int(rng.integers(2, 120)), int(rng.integers(2, 120)))).astype(np.uint8)
        for sub in (img, img[::2, ::2], img[::4, ::4]):
            got = percentiles(sub, [60.0, 0.5])
            np.testing.assert_array_equal(got, np.percentile(sub, [60.0, 0.5]))
            assert got.dtype == np.float64
        f = img.astype(np.float32) / 3.0
        np.testing.assert_array_equal(percentiles(f, [60.0, 0.5]), np.percentile(f, [60.0, 0.5]))
