"""Page layout before normalisation: split a photo of two pages side by side into its pages.

Why: a phone photo of an open book, or of two sheets laid next to each other, holds two pages whose
staves sit at about the same heights. Read as one page, the staff finder joins the left page's staff
with the right page's into one long staff, and every system then mixes two pieces of music. Staff
lines never cross the gap between two pages, while on one page they run from the left margin to the
right one in every system, so a vertical band with (almost) no staff-line pixels, between two regions
that both hold many, is the gutter between two pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SplitConfig", "split_columns"]


@dataclass(frozen=True, slots=True)
class SplitConfig:
    """Settings of the page splitter."""

    work_space_px: float = 8.0
    """The image is measured shrunk to this staff space (pixels); the split positions are mapped back."""
    measure_width: int = 2600
    """The staff spacing is measured on a copy shrunk to at most this width (pixels)."""
    work_width: int = 1200
    """Width to measure at when no staff spacing can be measured."""
    line_kernel_frac: float = 1 / 40
    """Horizontal opening kernel as a share of the page width: what survives is a long horizontal line."""
    gap_level: float = 0.04
    """A column is 'empty' when its staff-line pixel count is below this share of the busiest column's."""
    min_gap_frac: float = 0.02
    """Narrowest gutter, as a share of the page width."""
    min_side_frac: float = 0.2
    """Each part must be at least this share of the page width wide."""
    min_side_mass: float = 0.1
    """Each part must hold at least this share of the page's staff-line pixels."""
    ink_ratio: float = 0.8
    """A pixel is ink when darker than this share of its smoothed neighbourhood (shadows are not ink)."""
    max_parts: int = 4
    """Most parts one image is split into."""


def _line_profile(grey: np.ndarray, cfg: SplitConfig) -> tuple[np.ndarray, float]:
    """Per-column count of long-horizontal-line pixels at the work width, and the scale factor used."""
    import cv2

    from frontline.music.normalize import estimate_staff

    h, w = grey.shape[:2]
    # the staff spacing is measured on a copy at most `measure_width` wide (photos are 4-6k pixels)
    f0 = min(1.0, cfg.measure_width / max(w, 1))
    probe = (
        grey
        if f0 >= 1.0
        else cv2.resize(grey, (round(w * f0), max(1, round(h * f0))), interpolation=cv2.INTER_AREA)
    )
    staff = estimate_staff(probe)
    if staff.found:
        f = min(1.0, cfg.work_space_px / (staff.space_px / f0))
    else:
        f = min(1.0, cfg.work_width / max(w, 1))
    small = cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    # local contrast: ink is darker than its neighbourhood (shadows and the photo's own background are not)
    bg = cv2.GaussianBlur(small, (0, 0), max(2.0, small.shape[1] / 150))
    ink = small.astype(np.float32) < cfg.ink_ratio * bg.astype(np.float32)
    k = max(9, round(small.shape[1] * cfg.line_kernel_frac))
    # a vertical dilation first keeps a line that is a few degrees off horizontal in one piece
    thick = cv2.dilate(ink.astype(np.uint8), np.ones((3, 1), np.uint8))
    lines = cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, k), np.uint8))
    return lines.sum(axis=0).astype(np.float64), f


def _best_gap(profile: np.ndarray, lo: int, hi: int, total_w: int, cfg: SplitConfig) -> int | None:
    """Middle of the widest valid gutter in profile[lo:hi] (work-width pixels), or None."""
    seg = profile[lo:hi]
    if seg.size == 0 or seg.max() <= 0:
        return None
    mass = seg.sum()
    empty = seg < cfg.gap_level * seg.max()
    best: tuple[int, int] | None = None
    x = 0
    n = seg.size
    while x < n:
        if not empty[x]:
            x += 1
            continue
        start = x
        while x < n and empty[x]:
            x += 1
        end = x  # [start, end)
        if start == 0 or end == n:
            continue  # a margin, not a gutter
        if end - start < cfg.min_gap_frac * total_w:
            continue
        mid = (start + end) // 2
        if mid < cfg.min_side_frac * total_w or n - mid < cfg.min_side_frac * total_w:
            continue
        left, right = seg[:mid].sum(), seg[mid:].sum()
        if min(left, right) < cfg.min_side_mass * mass:
            continue
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return None if best is None else lo + (best[0] + best[1]) // 2


def split_columns(grey: np.ndarray, config: SplitConfig | None = None) -> list[tuple[int, int]]:
    """Column ranges [x0, x1) of the pages in a greyscale image, left to right (one range: no split).

    A split needs a gutter at least `min_gap_frac` of the width wide in which (almost) no column holds
    staff-line pixels, with staff lines on both sides (`min_side_mass` of them each) and each side at
    least `min_side_frac` of the width wide. Parts are split again while that holds, up to `max_parts`.
    """
    cfg = config or SplitConfig()
    h, w = grey.shape[:2]
    if w < 64 or h < 64:
        return [(0, w)]
    profile, f = _line_profile(grey, cfg)
    n = profile.size
    cuts: list[int] = []
    todo = [(0, n)]
    while todo and len(cuts) + 1 < cfg.max_parts:
        lo, hi = todo.pop(0)
        cut = _best_gap(profile, lo, hi, n, cfg)
        if cut is None:
            continue
        cuts.append(cut)
        todo.extend([(lo, cut), (cut, hi)])
    edges = [0, *sorted(min(w, round(c / f)) for c in cuts), w]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
