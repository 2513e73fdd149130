"""The faster post-network steps give what the code they replace gave (same arrays, not near ones)."""

from __future__ import annotations

import cv2
import numpy as np

from frontline.music.lines import close_rows, open_rows


def test_open_rows_equals_opencv_opening() -> None:
    rng = np.random.default_rng(17)
    for _ in range(1500):
        h, w = int(rng.integers(1, 7)), int(rng.integers(1, 70))
        length = int(rng.integers(1, 80))
        m = (rng.random((h, w)) < rng.uniform(0.0, 1.0)).astype(np.uint8)
        if rng.random() < 0.2:
            m[int(rng.integers(0, h))] = 1  # a full row: runs touching both edges
        want = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
        got = open_rows(m, length)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        closed = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((1, length), np.uint8))
        np.testing.assert_array_equal(close_rows(m, length), closed)
        if rng.random() < 0.2:  # a strided view
            np.testing.assert_array_equal(
                open_rows(m[:, ::2], length),
                cv2.morphologyEx(
                    np.ascontiguousarray(m[:, ::2]), cv2.MORPH_OPEN, np.ones((1, length), np.uint8)
                ),
            )


def _banded_masks() -> list[np.ndarray]:
    """Masks with ink in bands of rows (empty row pairs between, odd heights), as a page's line masks."""
    rng = np.random.default_rng(18)
    out = [np.zeros((5, 4), np.uint8), np.ones((3, 7), np.uint8), np.zeros((1, 1), np.uint8)]
    for _ in range(150):
        h, w = int(rng.integers(1, 160)), int(rng.integers(1, 120))
        m = (rng.random((h, w)) < rng.uniform(0.02, 0.6)).astype(np.uint8)
        m[rng.random(h) < rng.uniform(0.0, 0.9)] = 0  # empty rows, often in runs
        if rng.random() < 0.3:
            m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((1, 7), np.uint8))
        kind = rng.integers(0, 4)
        out.append(m * 255 if kind == 1 else m.astype(bool) if kind == 2 else m[:, ::2] if kind == 3 else m)
    for h, w in ((1501, 1203), (2400, 1700)):  # page-sized: OpenCV labels these in parallel stripes
        m = (rng.random((h, w)) < 0.01).astype(np.uint8)
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, np.ones((1, 9), np.uint8))
        m[(np.arange(h) // 40) % 3 == 0] = 0
        out.append(m)
    return out


def test_ink_labels_equal_opencv_labels() -> None:
    from frontline.music.components import components, components_ink, ink_labels

    for m in _banded_masks():
        for conn in (8, 4):
            n0, lab0, st0, _ = cv2.connectedComponentsWithStats(
                np.ascontiguousarray(m).astype(np.uint8), connectivity=conn
            )
            n, idx, at = ink_labels(m, conn)
            assert n == n0
            np.testing.assert_array_equal(idx, np.flatnonzero(m.ravel() != 0))
            np.testing.assert_array_equal(at, lab0.ravel()[idx])
            n1, lab1, st1 = components(m, conn)
            np.testing.assert_array_equal(lab1, lab0)
            np.testing.assert_array_equal(st1[1:], st0[1:])
            assert st1[0, 4] == st0[0, 4]
            np.testing.assert_array_equal(components_ink(m, conn)[1], st1)


def test_median_rows_equal_median_row() -> None:
    from frontline.music.components import components
    from frontline.music.lines import _median_row, _median_rows

    for m in _banded_masks():
        n, lab, st = components(m)
        idx = np.flatnonzero(m.ravel() != 0)
        which = np.arange(1, n)
        want = [
            _median_row(lab[y : y + h, x : x + w] == i)
            for i, (x, y, w, h, _) in zip(which, st[1:], strict=True)
        ]
        got = _median_rows(idx // m.shape[1], lab.ravel()[idx].astype(np.intp), st, which)
        np.testing.assert_array_equal(got, np.asarray(want, np.float64).reshape(-1))


def test_darker_than_equals_the_comparison() -> None:
    from frontline.music.lines import darker_than

    rng = np.random.default_rng(19)
    img = rng.integers(0, 256, (120, 90)).astype(np.uint8)
    for level in [*np.arange(-2.0, 258.0, 0.25), 127.99999999999999, 128.00000000000003, 1e9, -1e9]:
        for im in (img, img[::2, 1::3]):
            np.testing.assert_array_equal(darker_than(im, float(level)), (im < level).astype(np.uint8))
            np.testing.assert_array_equal(
                darker_than(im, np.float64(level)), (im < np.float64(level)).astype(np.uint8)
            )
