"""Connected components with their boxes and areas, as OpenCV's `connectedComponentsWithStats` gives them.

OpenCV's statistics pass costs about five times its labelling on a whole page (20-25 ms against 4 ms
on a normalised 300-dpi page, whatever the page holds); the boxes from `scipy.ndimage.find_objects`
and the areas from `np.bincount` of the ink pixels' labels cost 8-12 ms. Same labels, boxes and areas (tests).
"""

from __future__ import annotations

import numpy as np

__all__ = ["component_boxes", "components", "labels"]


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


def _boxes(lab: np.ndarray, n: int) -> np.ndarray:
    """(n - 1, 4) int32 left, top, width, height of labels 1..n-1 (every label present)."""
    from scipy import ndimage

    if n <= 1:
        return np.zeros((0, 4), np.int32)
    sl = ndimage.find_objects(lab, max_label=n - 1)
    flat = [v for ys, xs in sl for v in (xs.start, ys.start, xs.stop, ys.stop)]
    b = np.asarray(flat, np.int32).reshape(-1, 4)
    b[:, 2:] -= b[:, :2]
    return b


def components(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray, np.ndarray]:
    """(count with the background, int32 labels, (count, 5) int32 stats) of a 0/1 mask.

    As `cv2.connectedComponentsWithStats` (columns x, y, width, height, area; label 0 the background),
    except that the background's row holds only its area (its box is zeros).
    """
    n, lab = _labels(mask, connectivity)
    stats = np.zeros((n, 5), np.int32)
    stats[1:, :4] = _boxes(lab, n)
    area = np.bincount(lab[mask != 0], minlength=n)  # the ink pixels' labels only: a page is mostly paper
    area[0] = lab.size - int(area.sum())
    stats[:, 4] = area
    return n, lab, stats


def component_boxes(mask: np.ndarray, connectivity: int = 8) -> np.ndarray:
    """(N, 4) int32 boxes x, y, width, height of the components of a 0/1 mask, in label order."""
    n, lab = _labels(mask, connectivity)
    return _boxes(lab, n)
