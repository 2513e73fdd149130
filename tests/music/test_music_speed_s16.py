"""Session 16's faster page steps give what the code they replace gave (same labels, same wedges)."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from frontline.music.components import labels


def _masks() -> list[np.ndarray]:
    rng = np.random.default_rng(16)
    out = [np.zeros((7, 9), bool), np.ones((6, 5), bool), np.zeros((1, 1), bool)]
    for _ in range(60):
        h, w = int(rng.integers(1, 120)), int(rng.integers(1, 120))
        m = rng.random((h, w)) < rng.uniform(0.05, 0.6)
        if rng.random() < 0.4:  # U shapes and long runs: components whose arms meet below their first row
            m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, 5), np.uint8)) > 0
        out.append(m)
    return out


def test_labels_sorted_by_first_pixel_are_scipys() -> None:
    for m in _masks():
        want, count = ndimage.label(m, structure=np.ones((3, 3), bool))
        n, lab = labels(m)
        assert n - 1 == count
        if count == 0:
            continue
        flat = lab.ravel()
        ink = np.flatnonzero(flat)
        _, first = np.unique(flat[ink], return_index=True)  # each OpenCV label's first pixel
        order = np.argsort(ink[first])
        renumber = np.zeros(n, np.int64)
        renumber[order + 1] = np.arange(1, n)
        np.testing.assert_array_equal(renumber[lab], want)
        np.testing.assert_array_equal(labels(m.astype(np.uint8) * 255)[1], lab)


def _scipy_hairpins(ink: np.ndarray, space: float) -> list[tuple[str, tuple[float, float, float, float]]]:
    """`ink_hairpins` as it was (scipy's labels), without the staff-line test."""
    lab, _ = ndimage.label(ink, structure=np.ones((3, 3), bool))
    out = []
    for k, sl in enumerate(ndimage.find_objects(lab), start=1):
        ys, xs = sl
        h, w = ys.stop - ys.start, xs.stop - xs.start
        if w < 3 * space or not 0.5 * space <= h <= 2.5 * space:
            continue
        comp = lab[sl] == k
        if comp.mean() > 0.25 or not comp.any(axis=0).all():
            continue
        top = comp.argmax(axis=0)
        bottom = h - 1 - comp[::-1].argmax(axis=0)
        gaps = (bottom - top).astype(np.float64)
        t = np.arange(w, dtype=np.float64)
        fit = np.polyfit(t, gaps, 1)
        if float(np.abs(np.polyval(fit, t) - gaps).mean()) > 0.15 * space:
            continue
        end = max(1, w // 10)
        g0, g1 = float(gaps[:end].mean()), float(gaps[-end:].mean())
        box = (float(xs.start), float(ys.start), float(xs.stop - 1), float(ys.stop - 1))
        if g0 <= 0.3 * space and g1 >= 0.5 * space:
            out.append(("dynamicCrescendoHairpin", box))
        elif g1 <= 0.3 * space and g0 >= 0.5 * space:
            out.append(("dynamicDiminuendoHairpin", box))
    return out


def test_hairpins_come_in_scipys_label_order() -> None:
    from frontline.music.assemble.pixels import ink_hairpins

    ink = np.zeros((200, 600), np.uint8)
    # pairs of wedges whose top rows differ by one, the lower one left of the upper one: OpenCV (2-row
    # blocks) numbers the lower one first, scipy the upper one
    for k, (x0, y0) in enumerate([(300, 20), (20, 21), (400, 100), (100, 101), (200, 61), (450, 60)]):
        mid = y0 + 5
        if k % 2:
            a, b, c = (x0, mid), (x0 + 60, y0), (x0 + 60, y0 + 10)
        else:
            a, b, c = (x0 + 60, mid), (x0, y0), (x0, y0 + 10)
        cv2.line(ink, a, b, 1, 1)
        cv2.line(ink, a, c, 1, 1)
    want = _scipy_hairpins(ink > 0, 10.0)
    assert len(want) == 6
    assert ink_hairpins(ink > 0, 10.0) == want
    assert ink_hairpins(ink, 10.0) == want  # a 0/1 uint8 mask as the bool one


def test_median_row_equals_numpy() -> None:
    from frontline.music.lines import _median_row

    rng = np.random.default_rng(7)
    for _ in range(200):
        h, w = int(rng.integers(1, 9)), int(rng.integers(1, 60))
        comp = rng.random((h, w)) < rng.uniform(0.02, 0.9)
        if not comp.any():
            comp[int(rng.integers(0, h)), int(rng.integers(0, w))] = True
        want = float(np.median(np.nonzero(comp)[0]))
        got = _median_row(comp)
        assert got == want and type(got) is float
