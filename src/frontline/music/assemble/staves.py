"""Staves and systems: find five-line staves (from staff glyphs or the image) and group them into systems.

Why: every later rule (pitch from staff position, measures from barlines, parts across systems) is
relative to a staff, so staff geometry comes first. Pure functions of glyphs and pixels.
"""

from __future__ import annotations

import numpy as np

from frontline.music.records import Glyph, Staff, System

__all__ = [
    "deskew_glyphs",
    "estimate_skew",
    "find_staves",
    "group_systems",
    "nearest_staff",
    "staves_from_glyphs",
]

_CONNECTORS = {"systemicBarline", "brace", "bracket"}
BARLINE_CLASSES = {
    "barline",
    "barlineDouble",
    "barlineFinal",
    "barlineHeavy",
    "repeatLeft",
    "repeatRight",
    "repeatLeftRight",
}


def staves_from_glyphs(glyphs: list[Glyph]) -> list[Staff]:
    """Staves from `staff` glyphs (one box per five-line staff), lines spread evenly inside the box.

    The box holds the lines' ink, so the outer lines sit half a line thickness inside it; the thickness
    is taken as 1/8 of a staff space, a typical engraving ratio.
    """
    out: list[Staff] = []
    for g in sorted((g for g in glyphs if g.class_name == "staff"), key=lambda g: g.bbox_xyxy[1]):
        x0, y0, x1, y1 = g.bbox_xyxy
        space = (y1 - y0) / (4 + 1 / 8)
        top, bottom = y0 + space / 16, y1 - space / 16
        ys = tuple(float(v) for v in np.linspace(top, bottom, 5))
        out.append(Staff(len(out), ys, float(x0), float(x1)))
    return out


def find_staves(grey: np.ndarray, min_width_frac: float = 0.3) -> list[Staff]:
    """Find five-line staves in a greyscale page (uint8, 255 = white) by row projection of long dark runs.

    Rows whose dark pixels cover at least `min_width_frac` of the widest such row are staff-line
    candidates; runs of candidate rows become lines, and five lines with even spacing form a staff.
    Works on clean and mildly skewed pages (deskew first with `frontline.music.normalize`).
    """
    if grey.ndim != 2 or grey.size == 0:
        return []
    dark = grey < 160
    # ink per row, antialiasing included: a thin line split over two rows still shows in both
    rows = (255.0 - grey.astype(np.float64)).sum(axis=1) / 255.0
    if rows.max() <= 0:
        return []
    cand = rows >= min_width_frac * rows.max()
    lines: list[tuple[float, int, int]] = []  # (centre y, first row, last row)
    y = 0
    h = len(cand)
    while y < h:
        if cand[y]:
            y0 = y
            while y < h and cand[y]:
                y += 1
            seg = rows[y0:y]
            centre = float((np.arange(y0, y) * seg).sum() / max(seg.sum(), 1e-9))
            lines.append((centre, y0, y - 1))
        else:
            y += 1
    staves: list[Staff] = []
    i = 0
    while i + 4 < len(lines):
        ys = [lines[i + k][0] for k in range(5)]
        gaps = np.diff(ys)
        if gaps.min() > 2 and gaps.max() <= 1.35 * gaps.min():
            # columns where at least three of the five lines have ink
            on = sum(
                dark[lines[i + k][1] : lines[i + k][2] + 1].any(axis=0).astype(np.int32) for k in range(5)
            )
            cols = np.where(on >= 3)[0]
            x0, x1 = (float(cols.min()), float(cols.max())) if cols.size else (0.0, float(grey.shape[1] - 1))
            staves.append(Staff(len(staves), tuple(ys), x0, x1))
            i += 5
        else:
            i += 1
    return staves


def nearest_staff(staves: list[Staff], y: float) -> int:
    """Index of the staff whose line band is nearest to y (0 inside the band)."""
    best, best_d = 0, float("inf")
    for i, s in enumerate(staves):
        d = 0.0 if s.top <= y <= s.bottom else min(abs(y - s.top), abs(y - s.bottom))
        if d < best_d:
            best, best_d = i, d
    return best


def _spans(g: Glyph, a: Staff, b: Staff, tol: float) -> bool:
    """Whether a vertical glyph reaches from staff a down to staff b."""
    _, y0, _, y1 = g.bbox_xyxy
    return y0 <= a.bottom + tol and y1 >= b.top - tol


def _clef_at_start(glyphs: list[Glyph], staff: Staff, name: str) -> bool:
    """Whether a clef of that class sits on the staff within its first eighth."""
    reach = staff.x0 + (staff.x1 - staff.x0) / 8
    return any(
        g.class_name == name
        and staff.top - staff.staff_space_px <= g.center_xy[1] <= staff.bottom + staff.staff_space_px
        and g.center_xy[0] <= reach
        for g in glyphs
    )


def group_systems(staves: list[Staff], glyphs: list[Glyph]) -> list[System]:
    """Group staves into systems and each system's staves into parts.

    Neighbouring staves belong to one system when a connector (systemic barline, brace, bracket) or a
    barline spans the gap between them. A brace makes its staves one part (a grand staff), and so does a
    hookless "bracket" (a brace drawn as a path) around exactly two staves whose barlines run through
    both; every other staff is a part of its own.
    """
    if not staves:
        return []
    links = [False] * (len(staves) - 1)
    braced = [False] * (len(staves) - 1)
    bar_joined = [False] * (len(staves) - 1)
    pair_group = [False] * (len(staves) - 1)
    for g in glyphs:
        if g.class_name not in _CONNECTORS and g.class_name not in BARLINE_CLASSES:
            continue
        _, y0, _, y1 = g.bbox_xyxy
        covered = [i for i, s in enumerate(staves) if y0 <= s.bottom and y1 >= s.top]
        for i in range(len(staves) - 1):
            a, b = staves[i], staves[i + 1]
            if _spans(g, a, b, a.staff_space_px):
                links[i] = True
                if g.class_name == "brace":
                    braced[i] = True
                elif g.class_name in BARLINE_CLASSES:
                    bar_joined[i] = True
                elif g.class_name == "bracket" and covered == [i, i + 1]:
                    # a bracket's hooks reach past the outer lines; a brace (drawn as a path) does not
                    hooks = max(a.top - y0, y1 - b.bottom) / a.staff_space_px
                    pair_group[i] = hooks < 0.6
    # a two-staff group without bracket hooks whose barlines run through both staves is a grand staff,
    # whether the engraver drew its brace as a glyph (brace) or as a path (seen as bracket)
    braced = [br or (pg and bj) for br, pg, bj in zip(braced, pair_group, bar_joined, strict=True)]
    # no brace or bracket seen at all (a detector may miss them): a system of exactly two staves with a
    # treble clef over a bass clef at their start is a piano grand staff
    grouped = {g.class_name for g in glyphs} & {"brace", "bracket"}
    for i in range(len(staves) - 1):
        lone_pair = links[i] and (i == 0 or not links[i - 1]) and (i + 2 >= len(staves) or not links[i + 1])
        if (
            lone_pair
            and not braced[i]
            and not grouped
            and _clef_at_start(glyphs, staves[i], "clefG")
            and (_clef_at_start(glyphs, staves[i + 1], "clefF"))
        ):
            braced[i] = True
    systems: list[System] = []
    start = 0
    for i in range(len(staves)):
        if i == len(staves) - 1 or not links[i]:
            members = staves[start : i + 1]
            parts: list[tuple[int, ...]] = []
            j = 0
            while j < len(members):
                k = j
                while k + 1 < len(members) and braced[start + k]:
                    k += 1
                parts.append(tuple(range(j, k + 1)))
                j = k + 1
            systems.append(System(tuple(members), tuple(parts)))
            start = i + 1
    return systems


def estimate_skew(grey: np.ndarray, max_deg: float = 3.0) -> float:
    """Page rotation in degrees from the sharpness of the row profile of dark pixels (staff lines dominate).

    Positive when lines descend to the right (y grows with x). Works on a downscaled copy; 0.02 degree steps.
    """
    if grey.ndim != 2 or grey.size == 0:
        return 0.0
    import cv2

    step = max(1, max(grey.shape) // 1200)
    small = np.ascontiguousarray(grey[::step, ::step])
    # darkness above the paper (robust to grey paper, low contrast and blur), then keep only long
    # horizontal runs (staff lines): text, beams and dense notes do not vote
    paper = float(np.median(small))
    dark = np.clip(paper - small.astype(np.float32), 0, 255)
    run = max(15, small.shape[1] // 60)
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    thr = 0.25 * float(lines.max()) if lines.size else 0.0
    ys, xs = np.nonzero(lines > thr)
    if ys.size < 200:
        return 0.0
    weights = lines[ys, xs].astype(np.float64)
    xs = xs - xs.mean()

    def sharpness(deg: float) -> float:
        rows = np.round(ys - xs * np.tan(np.radians(deg))).astype(np.int64)
        hist = np.bincount(rows - rows.min(), weights=weights)
        return float((hist**2).sum())

    coarse = np.arange(-max_deg, max_deg + 1e-9, 0.1)
    best = float(coarse[int(np.argmax([sharpness(a) for a in coarse]))])
    fine = np.arange(best - 0.1, best + 0.1 + 1e-9, 0.02)
    return float(fine[int(np.argmax([sharpness(a) for a in fine]))])


def deskew_glyphs(glyphs: list[Glyph], angle_deg: float, center: tuple[float, float]) -> list[Glyph]:
    """Glyph boxes as they would be on the page rotated back by `angle_deg` about `center`.

    Centres are rotated exactly; each axis-aligned box is shrunk back to the box of the unrotated
    symbol (an axis-aligned box of a rotated w x h symbol grows by h*tan and w*tan).
    """
    a = np.radians(angle_deg)
    c, s, t = float(np.cos(a)), float(np.sin(a)), float(np.tan(abs(a)))
    cx, cy = center
    out: list[Glyph] = []
    for g in glyphs:
        x0, y0, x1, y1 = g.bbox_xyxy
        gx, gy = (x0 + x1) / 2 - cx, (y0 + y1) / 2 - cy
        nx, ny = cx + gx * c + gy * s, cy - gx * s + gy * c
        w, h = x1 - x0, y1 - y0
        w2 = max(1.0, (w - h * t) / (1 - t * t))
        h2 = max(1.0, (h - w * t) / (1 - t * t))
        out.append(
            Glyph(g.class_name, (nx - w2 / 2, ny - h2 / 2, nx + w2 / 2, ny + h2 / 2), g.score, g.glyph_id)
        )
    return out
