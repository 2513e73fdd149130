"""Connected components with their boxes and areas, as OpenCV's `connectedComponentsWithStats` gives them.

OpenCV's statistics pass costs about five times its labelling on a whole page (20-25 ms against 4 ms
on a normalised 300-dpi page, whatever the page holds), and so did `scipy.ndimage.find_objects` (7-14 ms
a call, a scan of every label of the page). The boxes and areas come from the ink pixels alone: their
flat indices (a page's masks hold 0.1-6% ink), their labels, and per label the least and greatest row
and column (`np.minimum.at`) and the pixel count (`np.bincount`): 1-4 ms. Same labels, boxes and areas
(tests).
"""

from __future__ import annotations

import numpy as np

__all__ = ["component_boxes", "components", "components_ink", "labels"]


def _labels(mask: np.ndarray, connectivity: int) -> tuple[int, np.ndarray]:
    import cv2

    if mask.dtype == np.uint8:
        m = mask
    elif mask.dtype == np.bool_ and mask.flags.c_contiguous:
        m = mask.view(np.uint8)  # the same bytes, 0/1: no copy
    else:
        m = mask.astype(np.uint8)
    n, lab = cv2.connectedComponents(m, connectivity=connectivity)
    return int(n), lab


def labels(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray]:
    """(count with the background, int32 labels) of a 0/1 mask: OpenCV's labelling, 2-3 times faster
    than `scipy.ndimage.label` on a page (15 ms against 37 ms at 300 dpi). Its label order is not scipy's
    (the raster order of each component's first pixel): a caller whose output follows label order sorts
    by that pixel."""
    return _labels(mask, connectivity)


def _ink(mask: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (raster order) of the mask's nonzero pixels and their labels (intp)."""
    # nonzero of a bool array is a fast scan (0.5-1.5 ms on a page; of the uint8 mask itself 9-11 ms)
    idx = np.flatnonzero(np.ravel(mask) != 0)
    return idx, lab.reshape(-1)[idx].astype(np.intp)


def _boxes(idx: np.ndarray, at: np.ndarray, width: int, height: int, n: int) -> np.ndarray:
    """(n - 1, 4) int32 left, top, width, height of labels 1..n-1 (every label present) from the flat
    indices `idx` of their pixels (in an image `width` wide) and the pixels' labels `at`."""
    if n <= 1:
        return np.zeros((0, 4), np.int32)
    y, x = np.divmod(idx, width)
    lo = np.empty((2, n), np.intp)
    lo[0], lo[1] = width, height
    hi = np.full((2, n), -1, np.intp)
    np.minimum.at(lo[0], at, x)
    np.minimum.at(lo[1], at, y)
    np.maximum.at(hi[0], at, x)
    np.maximum.at(hi[1], at, y)
    b = np.empty((n - 1, 4), np.int32)
    b[:, :2] = lo[:, 1:].T
    b[:, 2:] = (hi[:, 1:] + 1 - lo[:, 1:]).T
    return b


def components_ink(
    mask: np.ndarray, connectivity: int = 8
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`components` and the flat indices (raster order) of the mask's nonzero pixels with their labels
    (intp), for a caller that needs the labels of the ink pixels only."""
    n, lab = _labels(mask, connectivity)
    idx, at = _ink(mask, lab)
    stats = np.zeros((n, 5), np.int32)
    stats[1:, :4] = _boxes(idx, at, lab.shape[1], lab.shape[0], n)
    area = np.bincount(at, minlength=n)  # the ink pixels' labels only: a page is mostly paper
    area[0] = lab.size - int(area.sum())
    stats[:, 4] = area
    return n, lab, stats, idx, at


def components(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray, np.ndarray]:
    """(count with the background, int32 labels, (count, 5) int32 stats) of a 0/1 mask.

    As `cv2.connectedComponentsWithStats` (columns x, y, width, height, area; label 0 the background),
    except that the background's row holds only its area (its box is zeros).
    """
    n, lab, stats, _, _ = components_ink(mask, connectivity)
    return n, lab, stats


def component_boxes(mask: np.ndarray, connectivity: int = 8) -> np.ndarray:
    """(N, 4) int32 boxes x, y, width, height of the components of a 0/1 mask, in label order."""
    n, lab = _labels(mask, connectivity)
    if n <= 1:
        return np.zeros((0, 4), np.int32)
    idx, at = _ink(mask, lab)
    return _boxes(idx, at, lab.shape[1], lab.shape[0], n)
