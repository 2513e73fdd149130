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
    join_strokes: bool = True,
) -> list[SlurArc]:
    """Thin curved strokes of the page's ink once staff lines (`line_ys`) and the `blocked` boxes (the
    detected symbols) are blanked.

    A stroke is kept when it is at least `min_width` spaces wide, its ink per column (area over width)
    is at most `max_thickness` spaces, most columns (80%) hold one run, and the middle of the stroke
    lies at least `min_sag` spaces off the chord between its ends, on the same side as 80% of its
    columns (an arc, not a straight line, a wedge or a word), and it is more than `peak` times further off the
    chord at its middle than at a quarter of its length from either end. Pieces of one slur cut apart
    by a blanked symbol are joined (ends at most `join_gap` spaces apart).

    With `join_strokes`, thin strokes (at least 0.6 spaces wide) whose facing ends meet (at most
    `join_gap` spaces across, half a space off the line of the left one's end) are chained first and
    the chain is tested as one stroke; where it fails, its pieces are tested one by one as without. A
    slur cut by a blanked head or stem into pieces each too short or too flat to pass is read whole.
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
    strokes: list[_Stroke] = []
    least = (0.6 if join_strokes else min_width) * space
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if by == 0 or by + bh >= h:
            continue  # cut by the band's edge: not all of it is seen
        if bw < least or area > max_thickness * space * bw or bh > 0.6 * bw + 2.0 * space:
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
        strokes.append(
            _Stroke(xs + float(bx), ymean[xs] + by, (float(bx), float(by), float(bx + bw), float(by + bh)))
        )
    chains = _chain(strokes, space, join_gap) if join_strokes else [[s] for s in strokes]
    whole: list[SlurArc] = []
    single: list[SlurArc] = []
    for chain in chains:
        arc = None
        if len(chain) > 1:
            xs = np.concatenate([s.xs for s in chain])
            ys = np.concatenate([s.ys for s in chain])
            order = np.argsort(xs, kind="stable")
            arc = _arc(xs[order], ys[order], _union(chain), space, min_width, min_sag, peak)
        if arc is not None:
            whole.append(arc)
            continue
        for s in chain:
            arc = _arc(s.xs, s.ys, s.box, space, min_width, min_sag, peak)
            if arc is not None:
                single.append(arc)
    return sorted(whole + _join_pieces(single, space, join_gap), key=lambda a: a.left[0])


@dataclass(frozen=True, slots=True)
class _Stroke:
    """A thin stroke of the blanked ink: its inked columns, the mean row of each, its box (page pixels)."""

    xs: np.ndarray
    ys: np.ndarray
    box: tuple[float, float, float, float]


def _union(strokes: list[_Stroke]) -> tuple[float, float, float, float]:
    return (
        min(s.box[0] for s in strokes),
        min(s.box[1] for s in strokes),
        max(s.box[2] for s in strokes),
        max(s.box[3] for s in strokes),
    )


def _end_slope(s: _Stroke, space: float, right: bool) -> float:
    """dy/dx of a stroke over its last (`right`) or first half space."""
    e = max(2, int(round(0.5 * space)))
    a, b = (max(0, len(s.xs) - 1 - e), len(s.xs) - 1) if right else (0, min(e, len(s.xs) - 1))
    return float(s.ys[b] - s.ys[a]) / max(1.0, float(s.xs[b] - s.xs[a]))


def _chain(strokes: list[_Stroke], space: float, gap: float) -> list[list[_Stroke]]:
    """Strokes left to right, each appended to the chain whose last stroke's right end it continues
    (from half a space back to `gap` spaces on, within half a space of that end's line; the nearest)."""
    chains: list[list[_Stroke]] = []
    for s in sorted(strokes, key=lambda s: s.xs[0]):
        best: tuple[float, list[_Stroke]] | None = None
        for c in chains:
            q = c[-1]
            dx = float(s.xs[0] - q.xs[-1])
            if not -0.5 * space <= dx <= gap * space:
                continue
            dy = abs(float(s.ys[0]) - (float(q.ys[-1]) + _end_slope(q, space, True) * max(0.0, dx)))
            if dy <= 0.5 * space and (best is None or dx + dy < best[0]):
                best = (dx + dy, c)
        if best is None:
            chains.append([s])
        else:
            best[1].append(s)
    return chains


def _arc(
    xs: np.ndarray,
    ys: np.ndarray,
    box: tuple[float, float, float, float],
    space: float,
    min_width: float,
    min_sag: float,
    peak: float,
) -> SlurArc | None:
    """The arc of a stroke given by its inked columns `xs` (ascending) and their mean rows `ys`, or None
    when it is too narrow, too flat, not bulging to one side or not most off the chord near its middle."""
    if xs[-1] - xs[0] + 1 < min_width * space:
        return None
    k = max(1, int(round(0.15 * space)))
    yl, yr = float(ys[:k].mean()), float(ys[-k:].mean())
    xa, xb = float(xs[:k].mean()), float(xs[-k:].mean())
    chord = yl + (yr - yl) * (xs - xa) / max(1.0, xb - xa)
    off = ys - chord  # negative: above the chord
    inner = (xs > xa + 0.2 * (xb - xa)) & (xs < xb - 0.2 * (xb - xa))
    if not inner.any():
        return None
    sag = float(np.median(off[inner]))
    if abs(sag) < min_sag * space:
        return None
    if (np.sign(off[inner]) == np.sign(sag)).mean() < 0.8:
        return None
    # bulging most near the middle: a bracket's line between two hooks, or a line with a hook at
    # one end, is as far off the chord at a quarter of its length as at the middle
    at = [abs(float(off[int(np.argmin(np.abs(xs - (xa + q * (xb - xa)))))])) for q in (0.25, 0.5, 0.75)]
    if at[1] <= peak * max(at[0], at[2]):
        return None
    s = _Stroke(xs, ys, box)
    return SlurArc(
        left=(xa, yl),
        right=(xb, yr),
        above=sag < 0,
        bbox_xyxy=box,
        slopes=(_end_slope(s, space, False), _end_slope(s, space, True)),
    )


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
