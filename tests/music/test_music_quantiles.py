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


def test_level_counts_are_exact_on_images_larger_than_float32_counts_hold() -> None:
    img = np.full((5000, 4000), 250, np.uint8)  # 20 M pixels of one level: beyond float32's 2**24
    img[:3, :7] = 3
    counts = level_counts(img)
    assert counts[250] == 20_000_000 - 21 and counts[3] == 21 and counts.sum() == img.size
    np.testing.assert_array_equal(
        level_counts(img[::3, ::2]), np.bincount(img[::3, ::2].ravel(), minlength=256)
    )


def test_ink_mask_equals_the_float_formula_on_8_bit_pages() -> None:
    from frontline.music.assemble.pixels import ink_mask

    rng = np.random.default_rng(2)
    for _ in range(40):
        h, w = int(rng.integers(5, 80)), int(rng.integers(5, 80))  # odd sizes: half-integer medians
        grey = np.clip(rng.normal(rng.uniform(150, 250), rng.uniform(5, 60), (h, w)), 0, 255).astype(np.uint8)
        fraction = float(rng.uniform(0.05, 0.9))
        paper = float(np.median(grey))
        dark = np.clip(paper - grey.astype(np.float32), 0, 255)
        level = float(np.percentile(dark, 99.5))
        expect = np.zeros(grey.shape, bool) if level <= 8 else dark >= fraction * level
        np.testing.assert_array_equal(ink_mask(grey, fraction), expect)
