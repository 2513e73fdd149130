"""Slurs read from the page's ink (the detector has no slur class).

Why: every slur of a score is a missed symbol of the transcription when the detector cannot see
slurs. A slur is a thin curved arc between two notes; after the staff lines and every detected
symbol are blanked, what is left of it is one long thin connected stroke that bulges to one side of
the chord between its ends. Pure functions of a boolean ink mask and boxes in its pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontline.music.components import components

__all__ = ["SlurArc", "slur_arcs"]


@dataclass(frozen=True, slots=True)
class SlurArc:
    """A thin curved stroke found in the ink: its two ends and the side it bulges to."""

    left: tuple[float, float]
    """(x, y) of the arc's left end in page pixels."""
    right: tuple[float, float]
    """(x, y) of the arc's right end in page pixels."""
    above: bool
    """True when the arc bulges upwards (a slur over its notes)."""
    bbox_xyxy: tuple[float, float, float, float]
    """The stroke's bounding box."""
    slopes: tuple[float, float] = (0.0, 0.0)
    """dy/dx of the stroke over its last half space at the left and the right end."""


def _blank_lines(mask: np.ndarray, line_ys: tuple[float, ...], space: float) -> None:
    """Clear thin horizontal runs on the staff lines' rows (in place): a pixel of a line's band goes
    where the rows just above and below the band hold no ink there (a stroke crossing the line stays)."""
    h = mask.shape[0]
    half = max(1, int(round(0.12 * space)))
    for ly in line_ys:
        y = int(round(ly))
        a, b = y - half, y + half + 1
        if a < 1 or b >= h:
            continue
        free = ~mask[a - 1] & ~mask[b]
        mask[a:b, free] = False


def slur_arcs(
    ink: np.ndarray,
    space: float,
    line_ys: tuple[float, ...] = (),
    blocked: tuple[tuple[float, float, float, float], ...] = (),
    min_width: float = 1.5,
    max_thickness: float = 0.45,
    min_sag: float = 0.2,
    peak: float = 1.0,
    join_gap: float = 3.0,
) -> list[SlurArc]:
    """Thin curved strokes of the page's ink once staff lines (`line_ys`) and the `blocked` boxes (the
    detected symbols) are blanked.

    A stroke is kept when it is at least `min_width` spaces wide, its ink per column (area over width)
    is at most `max_thickness` spaces, most columns (80%) hold one run, and the middle of the stroke
    lies at least `min_sag` spaces off the chord between its ends, on the same side as 80% of its
    columns (an arc, not a straight line, a wedge or a word), and it is more than `peak` times further off the
    chord at its middle than at a quarter of its length from either end. Pieces of one slur cut apart
    by a blanked symbol are joined (ends at most `join_gap` spaces apart).
    """
    mask = ink.astype(bool, copy=True)
    _blank_lines(mask, line_ys, space)
    h, w = mask.shape
    for x0, y0, x1, y1 in blocked:
        a, b = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
        c, d = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
        if b > a and d > c:
            mask[a:b, c:d] = False
    n, labels, stats = components(mask)  # as cv2.connectedComponentsWithStats, faster (components.py)
    out: list[SlurArc] = []
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if by == 0 or by + bh >= h:
            continue  # cut by the band's edge: not all of it is seen
        if bw < min_width * space or area > max_thickness * space * bw or bh > 0.6 * bw + 2.0 * space:
            continue
        comp = labels[by : by + bh, bx : bx + bw] == i
        cols = comp.any(axis=0)
        if cols.mean() < 0.9:
            continue
        rows = np.arange(bh, dtype=np.float64)[:, None]
        cnt = comp.sum(axis=0)
        ymean = (comp * rows).sum(axis=0) / np.maximum(1, cnt)
        starts = (comp[1:] & ~comp[:-1]).sum(axis=0) + comp[0]
        if (starts[cols] == 1).mean() < 0.8:
            continue
        xs = np.flatnonzero(cols)
        k = max(1, int(round(0.15 * space)))
        xl, xr = xs[:k], xs[-k:]
        yl, yr = float(ymean[xl].mean()), float(ymean[xr].mean())
        xa, xb = float(xl.mean()), float(xr.mean())
        chord = yl + (yr - yl) * (xs - xa) / max(1.0, xb - xa)
        off = ymean[xs] - chord  # negative: above the chord
        inner = (xs > xa + 0.2 * (xb - xa)) & (xs < xb - 0.2 * (xb - xa))
        if not inner.any():
            continue
        sag = float(np.median(off[inner]))
        if abs(sag) < min_sag * space:
            continue
        if (np.sign(off[inner]) == np.sign(sag)).mean() < 0.8:
            continue
        # bulging most near the middle: a bracket's line between two hooks, or a line with a hook at
        # one end, is as far off the chord at a quarter of its length as at the middle
        at = [abs(float(off[int(np.argmin(np.abs(xs - (xa + q * (xb - xa)))))])) for q in (0.25, 0.5, 0.75)]
        if at[1] <= peak * max(at[0], at[2]):
            continue
        e = max(2, int(round(0.5 * space)))
        a0, a1 = xs[0], xs[min(e, len(xs) - 1)]
        b0, b1 = xs[max(0, len(xs) - 1 - e)], xs[-1]
        sl = float(ymean[a1] - ymean[a0]) / max(1.0, float(a1 - a0))
        sr = float(ymean[b1] - ymean[b0]) / max(1.0, float(b1 - b0))
        out.append(
            SlurArc(
                left=(bx + xa, by + yl),
                right=(bx + xb, by + yr),
                above=sag < 0,
                bbox_xyxy=(float(bx), float(by), float(bx + bw), float(by + bh)),
                slopes=(sl, sr),
            )
        )
    return _join_pieces(out, space, join_gap)


def _bulges(
    p0: tuple[float, float],
    p1: tuple[float, float],
    q0: tuple[float, float],
    q1: tuple[float, float],
    above: bool,
    by: float,
) -> bool:
    """Whether the junction between two pieces (the middle of q0 and q1) lies at least `by` pixels off the
    chord p0-p1 on the side the arc bulges to (two slurs one after the other meet near their notes,
    on the chord's other side)."""
    jx, jy = (q0[0] + q1[0]) / 2, (q0[1] + q1[1]) / 2
    t = (jx - p0[0]) / max(1.0, p1[0] - p0[0])
    off = jy - (p0[1] + t * (p1[1] - p0[1]))
    return -off >= by if above else off >= by


def _join_pieces(arcs: list[SlurArc], space: float, gap: float) -> list[SlurArc]:
    """Join arcs bulging to one side whose facing ends lie within `gap` spaces across and half a space
    up or down (a slur cut in two where a blanked symbol, such as a stem or a dot, crosses it)."""
    arcs = sorted(arcs, key=lambda a: a.left[0])
    out: list[SlurArc] = []
    for a in arcs:
        for k, b in enumerate(out):
            if (
                b.above == a.above
                and -0.5 * space <= a.left[0] - b.right[0] <= gap * space
                and abs(a.left[1] - b.right[1]) <= 0.5 * space
                and _bulges(b.left, a.right, b.right, a.left, a.above, 0.2 * space)
            ):
                out[k] = SlurArc(
                    left=b.left,
                    right=a.right,
                    above=a.above,
                    slopes=(b.slopes[0], a.slopes[1]),
                    bbox_xyxy=(
                        min(a.bbox_xyxy[0], b.bbox_xyxy[0]),
                        min(a.bbox_xyxy[1], b.bbox_xyxy[1]),
                        max(a.bbox_xyxy[2], b.bbox_xyxy[2]),
                        max(a.bbox_xyxy[3], b.bbox_xyxy[3]),
                    ),
                )
                break
        else:
            out.append(a)
    return out
