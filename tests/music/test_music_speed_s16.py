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
    # what the scipy-labelled reader gave: the wedges in the order of scipy's labels, each with its box
    # (first and last inked row and column) and its kind (opening to the right: a crescendo)
    lab, count = ndimage.label(ink > 0, structure=np.ones((3, 3), bool))
    want = []
    for ys, xs in ndimage.find_objects(lab):
        opens_right = ink[ys, xs][:, -1].sum() > ink[ys, xs][:, 0].sum()
        name = "dynamicCrescendoHairpin" if opens_right else "dynamicDiminuendoHairpin"
        want.append((name, (float(xs.start), float(ys.start), float(xs.stop - 1), float(ys.stop - 1))))
    assert count == 6
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
