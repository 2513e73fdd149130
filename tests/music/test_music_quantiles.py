"""Histogram medians and percentiles give what NumPy gives on 8-bit images."""

from __future__ import annotations

import numpy as np

from frontline.music.quantiles import level_counts, median_u8, percentiles_u8, quantiles


def test_percentiles_and_medians_equal_numpy_on_8_bit_images() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        lo, hi = sorted(int(v) for v in rng.integers(0, 256, 2))
        img = rng.integers(lo, hi + 1, (int(rng.integers(1, 60)), int(rng.integers(1, 60)))).astype(np.uint8)
        qs = [float(rng.uniform(0, 100)), 0.1, 0.5, 50.0, 60.0, 99.5]
        np.testing.assert_array_equal(percentiles_u8(img, qs), np.percentile(img, qs))
        assert median_u8(img) == float(np.median(img))
        # a function of the levels: darkness above a paper level that can fall between two levels
        paper = float(np.median(img.astype(np.float32)))
        dark = np.clip(paper - img.astype(np.float32), 0, 255)
        mine = quantiles(level_counts(img), np.clip(paper - np.arange(256.0), 0, 255), [99.5])[0]
        assert float(np.float32(mine)) == float(np.percentile(dark, 99.5))


def test_median_row_per_label_equals_numpy_per_label() -> None:
    import cv2

    from frontline.music.lines import _median_rows

    rng = np.random.default_rng(1)
    for _ in range(20):
        img = (rng.random((120, 160)) < 0.08).astype(np.uint8)
        img = cv2.dilate(img, np.ones((int(rng.integers(1, 4)), int(rng.integers(1, 9))), np.uint8))
        n, lab = cv2.connectedComponents(img, connectivity=8)
        wanted = np.nonzero(rng.random(n) < 0.5)[0]
        wanted = wanted[wanted > 0]
        expect = [float(np.median(np.nonzero(lab == i)[0])) for i in wanted]
        np.testing.assert_array_equal(_median_rows(lab, wanted, n), expect)
