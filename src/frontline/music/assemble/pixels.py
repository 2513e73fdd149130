"""Pixel checks of the assembly: what the page's ink says where a detector's symbols may be wrong.

Why: a detector (or its classical line finder) may miss a double beam, merge two beam levels into
one, or miss a flag; the ink at a stem's far end still shows how many strokes (beams or flags) leave
it. Pure functions of a greyscale page (uint8, 255 = paper) and boxes in its pixels.
"""

from __future__ import annotations

import math

import numpy as np

from frontline.music.components import components
from frontline.music.quantiles import level_counts, quantiles

__all__ = ["darkness", "find_stem", "ink_bracket", "ink_mask", "staccato_dot", "stem_end_strokes", "tie_arc"]


def darkness(grey: np.ndarray, paper: float) -> np.ndarray:
    """Darkness above the paper level, `clip(paper - grey, 0, 255)`: uint8 when `grey` is uint8 and the
    paper level a whole number (the same values; morphology on uint8 is three times faster than on
    float32), float32 otherwise."""
    if grey.dtype == np.uint8 and float(paper).is_integer() and 0 <= paper <= 255:
        import cv2

        return cv2.subtract(np.full_like(grey, int(paper)), grey)
    return np.clip(paper - grey.astype(np.float32), 0, 255)


def ink_mask(grey: np.ndarray, fraction: float = 0.35) -> np.ndarray:
    """Boolean ink mask: darkness above the paper (median) of at least `fraction` of the page's ink
    level (99.5th percentile of darkness). A lower fraction keeps thin strokes a blur made light."""
    if grey.dtype == np.uint8 and grey.size:  # the same statistics from the histogram (quantiles.py)
        counts, levels = level_counts(grey), np.arange(256, dtype=np.float64)
        paper = float(quantiles(counts, levels, [50.0])[0])
        level = float(np.float32(quantiles(counts, np.clip(paper - levels, 0, 255), [99.5])[0]))
        if level <= 8:
            return np.zeros(grey.shape, bool)
        # the float32 test below, clip(paper - grey) >= fraction * level, on whole grey levels: paper is
        # a half-integer and the bound a float32, so their difference is exact in float64
        bound = float(np.float32(fraction * level))
        return grey <= math.floor(paper - bound)
    else:
        paper = float(np.median(grey))
        dark = np.clip(paper - grey.astype(np.float32), 0, 255)
        level = float(np.percentile(dark, 99.5)) if dark.size else 0.0
    if level <= 8:
        return np.zeros(grey.shape, bool)
    return dark >= fraction * level


def _strokes_in_column(col: np.ndarray, space: float) -> int:
    """Beam-like strokes in a run of pixels read from the stem's end inwards: each ink run at least 0.3
    spaces thick counts round((length + gap) / pitch) strokes (two beams blurred into one run count two);
    thinner runs (staff and ledger lines) are skipped; the walk stops at a gap over half a space."""
    beam_pitch, beam_gap = 0.75 * space, 0.25 * space
    count = 0
    k, n = 0, len(col)
    gap = 0
    started = False
    while k < n:
        if col[k]:
            j = k
            while j < n and col[j]:
                j += 1
            length = j - k
            if length >= 0.3 * space:
                if not started and k > 0.6 * space:
                    return 0  # the first stroke must touch the stem's end
                count += max(1, int(round((length + beam_gap) / beam_pitch)))
                started = True
                gap = 0
            k = j
        else:
            gap += 1
            if started and gap > 0.5 * space:
                break
            if not started and gap > 0.6 * space:
                return 0
            k += 1
    return count


def _ink_end(
    ink: np.ndarray, sx: float, y_from: float, step: int, space: float, reach: float = 1.5
) -> float | None:
    """Where a stem's ink ends, walking from `y_from` along the stem (its column or a neighbour) in
    direction `step` (-1 up, +1 down) for at most `reach` spaces; None when no ink is at `y_from`."""
    h, w = ink.shape
    cx = int(round(sx))
    cols = ink[:, max(0, cx - 1) : min(w, cx + 2)]
    y = int(round(y_from))
    if not (0 <= y < h) or not cols[y].any():
        return None
    last = y
    for _ in range(int(reach * space) + 1):
        y += step
        if not (0 <= y < h) or not cols[y].any():
            break
        last = y
    return float(last + (1 if step > 0 else 0))


def stem_end_strokes(
    ink: np.ndarray,
    stem_box: tuple[float, float, float, float],
    up: bool,
    space: float,
    attached: bool = False,
    end_reach: float = 1.5,
) -> tuple[int, int]:
    """(strokes on the left, strokes on the right) of a stem at its far end (the top of an up stem).

    The far end is where the stem's ink ends near the box's end. Columns half a space to either side
    of the stem are read from 0.15 spaces beyond that end (0.4 beyond the box's end where the stem
    shows no ink) inwards, over at most 3 spaces and 80% of the
    stem's length, so the notehead end is not reached. With `attached`, a row counts only where its
    ink runs unbroken from the stem to the column read (a beam or flag leaves the stem; a barline or
    another stem standing half a space beside it does not touch it). `end_reach`: how far (spaces) the
    stem's ink is followed beyond the box's end.
    """
    h, w = ink.shape
    x0, y0, x1, y1 = stem_box
    sx = (x0 + x1) / 2
    # the far end where the stem's ink ends (a detector's box may stop short of it or run past it)
    end = (
        _ink_end(ink, sx, y0 + 0.5 * space, -1, space, end_reach)
        if up
        else _ink_end(ink, sx, y1 - 0.5 * space, 1, space, end_reach)
    )
    pre = 0.4 * space if end is None else 0.15 * space  # read from this far beyond the end
    if end is not None:
        y0, y1 = (end, y1) if up else (y0, end)
    reach = min(3.0 * space, 0.8 * (y1 - y0))
    out = []
    for side in (-1, 1):
        cx = int(round(sx + side * 0.55 * space))
        if not (1 <= cx < w - 1):
            out.append(0)
            continue
        if up:
            a, b = int(round(y0 - pre)), int(round(y0 + reach))
        else:
            a, b = int(round(y1 - reach)), int(round(y1 + pre))
        a, b = max(0, a), min(h, b)
        if b <= a:
            out.append(0)
            continue
        col = (
            ink[a:b, cx - 1 : cx + 2].sum(axis=1) >= 2
        )  # two of three columns: a thin stroke nearby is not enough
        if attached:
            s0 = int(round(sx + side * 0.15 * space))
            c0, c1 = max(0, min(s0, cx)), min(w, max(s0, cx) + 1)
            col &= ink[a:b, c0:c1].all(axis=1)
        if not up:
            col = col[::-1]
        out.append(_strokes_in_column(col, space))
    return out[0], out[1]


def find_stem(
    ink: np.ndarray, head_box: tuple[float, float, float, float], space: float
) -> tuple[float, float, float, float] | None:
    """The stem of a notehead read from the ink: the longest thin vertical run leaving the head's right
    edge upwards or its left edge downwards (at least 2.5 spaces long; gaps up to 0.3 spaces bridged).

    Why: a line finder misses stems on worn or blurred pages, and a stemless black head reads as a
    quarter note whatever its beams say. Returns a 1-2 px wide box, or None.
    """
    h, w = ink.shape
    x0, y0, x1, y1 = head_box
    cy = (y0 + y1) / 2
    best: tuple[float, tuple[float, float, float, float]] | None = None
    for up in (True, False):
        edge = x1 if up else x0
        xs = range(max(0, int(edge - 0.35 * space)), min(w, int(edge + 0.25 * space) + 1))
        for x in xs:
            reach = int(8 * space)  # the run is read this far at most (a stem is shorter; time is bounded)
            col = (
                ink[max(0, int(cy) - reach) : max(0, int(cy)), x][::-1]
                if up
                else ink[min(h, int(cy)) : int(cy) + reach, x]
            )
            # the run from the head's centre outwards (through the head's own ink); gaps up to 0.3 space
            # bridged (a worn or blurred stem breaks up)
            k, gap, length = 0, 0, 0
            while k < len(col):
                if col[k]:
                    length = k + 1
                    gap = 0
                else:
                    gap += 1
                    if gap > max(1, int(0.3 * space)):
                        break
                k += 1
            if length < 2.5 * space:
                continue
            # thin: along the run beyond the head, the ink row through x is at most 0.3 spaces wide
            if up:
                rows = range(int(cy - length), int(cy - 0.7 * space))
            else:
                rows = range(int(cy + 0.7 * space), int(cy + length))
            widths = []
            for yy in rows:
                if not (0 <= yy < h) or not ink[yy, x]:
                    continue
                left, right = x, x
                limit = int(space) + 1  # wider than a space is not thin; no need to walk further
                while left > 0 and ink[yy, left - 1] and x - left < limit:
                    left -= 1
                while right < w - 1 and ink[yy, right + 1] and right - x < limit:
                    right += 1
                widths.append(right - left + 1)
            if not widths or float(np.median(widths)) > max(3.0, 0.3 * space):
                continue
            box = (
                (float(x), float(cy - length), float(x + 1), float(cy))
                if up
                else (float(x), float(cy), float(x + 1), float(cy + length))
            )
            if best is None or length > best[0]:
                best = (float(length), box)
    return best[1] if best else None


def staccato_dot(
    ink: np.ndarray,
    head_box: tuple[float, float, float, float],
    below: bool,
    space: float,
    line_ys: tuple[float, ...] = (),
) -> bool:
    """Whether a staccato dot sits on the notehead's side away from its stem (below for an up stem).

    Looks in a window centred on the head, from 0.2 to 1.8 spaces past it, for one compact round blob
    0.2-0.65 spaces across (staff lines are blanked first; a ledger line is wide and flat, a tenuto
    dash wide, an accent's wedge wide, so none passes).
    """
    import cv2

    h, w = ink.shape
    x0, y0, x1, y1 = head_box
    cx = (x0 + x1) / 2
    if below:
        ya, yb = int(y1 + 0.2 * space), int(y1 + 1.8 * space)
    else:
        ya, yb = int(y0 - 1.8 * space), int(y0 - 0.2 * space)
    xa, xb = int(cx - 0.6 * space), int(cx + 0.6 * space) + 1
    ya, yb, xa, xb = max(0, ya), min(h, yb), max(0, xa), min(w, xb)
    if yb - ya < 3 or xb - xa < 3:
        return False
    win = ink[ya:yb, xa:xb].astype(np.uint8)
    for ly in line_ys:  # staff lines through the window: blank their rows
        r = int(round(ly)) - ya
        if -2 <= r < win.shape[0] + 2:
            win[max(0, r - 1) : max(0, r + 2)] = 0
    n, _, stats, cents = cv2.connectedComponentsWithStats(win, connectivity=8)
    blobs = []
    for i in range(1, n):
        bx, by, bw, bh, area = stats[i]
        if bx == 0 or by == 0 or bx + bw >= win.shape[1] or by + bh >= win.shape[0]:
            continue  # touches the window's edge: part of something larger
        if not (0.2 * space <= bw <= 0.65 * space and 0.2 * space <= bh <= 0.65 * space):
            continue
        if area < 0.5 * bw * bh or abs(cents[i][0] - (cx - xa)) > 0.35 * space:
            continue
        blobs.append(i)
    return len(blobs) == 1


def tie_arc(
    ink: np.ndarray,
    left_box: tuple[float, float, float, float],
    right_box: tuple[float, float, float, float],
    space: float,
    line_ys: tuple[float, ...] = (),
    blocked: tuple[tuple[float, float, float, float], ...] = (),
    line_runs: bool = False,
    close_heads: bool = False,
) -> str:
    """The side ("above"/"below", or "" for none) of a tie arc between two noteheads at one height.

    Why: the detector has no class for ties, and a tied note read as two notes changes the music.
    Reads three columns at 30, 50 and 70% of the gap between the heads (columns inside `blocked`
    boxes, such as dots, accidentals or barlines, are skipped; at least two must be read): on one
    side, 0.3-1.8 spaces from the heads' middle, each must hold exactly one thin ink run (at most 0.5
    spaces) besides bare staff lines (`line_ys`), and the middle one must be no nearer the heads than
    the others (an arc bulges away from the notes). Chosen on the development pages over a five-column
    variant that let columns on a staff line abstain (more false ties, fewer true ones).

    `line_runs`: a run that contains a staff line may be thicker by the line's thickness (a tie lying on
    a line merges with it). `close_heads`: heads less than a space apart (none is read without it) are
    read at 40, 50 and 60% of the way between their centres, 0.6-1.8 spaces from their middle (a tie
    between close heads runs from under or over the middle of one to that of the other), the two heads'
    own boxes not blocking.
    """
    h, w = ink.shape
    gx0, gx1 = left_box[2], right_box[0]
    fracs: tuple[float, ...] = (0.3, 0.5, 0.7)
    near = 0.3  # spaces from the heads' middle where the window starts
    if gx1 - gx0 < 1.0 * space:
        if not close_heads or gx1 - gx0 < -0.2 * space:
            return ""
        gx0, gx1 = (left_box[0] + left_box[2]) / 2, (right_box[0] + right_box[2]) / 2
        fracs, near = (0.4, 0.5, 0.6), 0.6
        blocked = tuple(b for b in blocked if tuple(b) not in (tuple(left_box), tuple(right_box)))
    cy = (left_box[1] + left_box[3] + right_box[1] + right_box[3]) / 4
    thin_line = max(2.0, 0.2 * space)

    def most(a: int, b: int) -> float:
        """The thickest a tie's run from row a to b may be."""
        if line_runs and any(a <= ly <= b for ly in line_ys):
            return 0.5 * space + thin_line
        return 0.5 * space

    for side in ("above", "below"):
        if side == "above":
            ya, yb = int(cy - 1.8 * space), int(cy - near * space)
        else:
            ya, yb = int(cy + near * space), int(cy + 1.8 * space)
        ya, yb = max(0, ya), min(h, yb)
        if yb - ya < 3:
            continue
        dists: list[float] = []
        for f in fracs:
            x = int(round(gx0 + f * (gx1 - gx0)))
            if not 0 <= x < w or any(b[0] - 1 <= x <= b[2] + 1 for b in blocked):
                continue
            col: np.ndarray = np.asarray(ink[ya:yb, max(0, x - 1) : x + 2].any(axis=1))
            runs: list[tuple[int, int]] = []
            k = 0
            while k < len(col):
                if col[k]:
                    j = k
                    while j < len(col) and col[j]:
                        j += 1
                    runs.append((ya + k, ya + j))
                    k = j
                else:
                    k += 1
            arcs = [
                (a, b)
                for a, b in runs
                if b - a <= most(a, b)
                and not (b - a <= thin_line and any(abs((a + b) / 2 - ly) <= 0.2 * space for ly in line_ys))
            ]
            thick = [r for r in runs if r[1] - r[0] > most(*r)]  # a beam or text, not a tie
            if len(arcs) != 1 or thick:
                dists = []
                break
            a, b = arcs[0]
            dists.append(abs((a + b) / 2 - cy))
        if len(dists) >= 2 and (len(dists) < 3 or dists[1] >= min(dists[0], dists[2]) - 0.1 * space):
            return side
    return ""


def ink_bracket(
    ink: np.ndarray, number_box: tuple[float, float, float, float], space: float
) -> tuple[float, float] | None:
    """(left end, right end) in x of a tuplet bracket drawn through a number's middle, read in the ink.

    The bracket's line leaves the number on both sides near its middle height (within 0.35 spaces); each
    side is followed column by column (a slanted bracket drifts up to 0.15 spaces a column; gaps up to
    0.3 spaces bridged) and must start within 0.5 spaces of the number and run at least 1.5 spaces.
    None when either side has no such line.
    """
    h, w = ink.shape
    x0, y0, x1, y1 = number_box
    cy = (y0 + y1) / 2
    drift = max(1.0, 0.15 * space)
    gap_max = max(1, int(round(0.3 * space)))
    ends: list[float] = []
    for step, start in ((-1, int(np.floor(x0)) - 1), (1, int(np.ceil(x1)) + 1)):
        x, gap, first, last = start, 0, None, None
        y_at, reach = cy, 0.35 * space
        while 0 <= x < w and gap <= gap_max:
            a, b = max(0, int(np.floor(y_at - reach))), min(h, int(np.ceil(y_at + reach)) + 1)
            rows = np.flatnonzero(ink[a:b, x]) + a if b > a else np.zeros(0, np.int64)
            if rows.size:
                if first is None:
                    if abs(x - start) > 0.5 * space:
                        break
                    first = x
                y_at = float(rows[np.argmin(np.abs(rows - y_at))])
                reach = drift
                last, gap = x, 0
            else:
                gap += 1
            x += step
        if first is None or last is None or abs(last - first) < 1.5 * space:
            return None
        ends.append(float(last))
    return ends[0], ends[1]


def volta_lines(
    ink: np.ndarray,
    staff_top: float,
    x_range: tuple[float, float],
    bar_xs: tuple[float, ...],
    space: float,
    y_min: float = 0.0,
    line_ys: tuple[float, ...] = (),
    first_bar: float = 0.0,
) -> list[tuple[float, float]]:
    """(left, right) x of each ending (volta) bracket drawn above a staff, read in the ink.

    Why: the detector has no class for endings. A volta is a thin straight line 1-8 spaces above the
    staff's top line (and below `y_min`, e.g. the staff above), at least four spaces long, on no staff
    line (`line_ys`), with nothing drawn on it (a beam or text is thick, a slur bends), a hook down from
    its left end (at least a space long) and its left end within a space of a barline (`bar_xs`, the
    measure starts) or left of `first_bar` (the system's first measure, whose ending starts after the
    clef and key): what a tuplet bracket, an ottava line (dashed), a lyric extender or a hairpin
    (slanted) is not. Lines found on neighbouring rows count once.
    """
    h, w = ink.shape
    ya = max(0, int(max(y_min, staff_top - 8.0 * space)))
    yb = max(0, int(staff_top - 1.0 * space))
    xa, xb = max(0, int(x_range[0])), min(w, int(x_range[1]) + 1)
    if yb - ya < 2 or xb - xa < 4 * space:
        return []
    off = max(2, int(round(0.25 * space)))  # rows a thin line leaves empty above and below (a beam fills)
    hook = max(3, int(round(1.0 * space)))
    found: list[tuple[int, float, float]] = []  # (row, x0, x1)
    # the rows worth a look, all at once: on no staff line, with ink enough for a volta in them
    ys = np.arange(ya, yb)
    on_line = (np.abs(ys[:, None] - np.asarray(line_ys, np.float64)[None, :]) <= 1.5).any(axis=1)
    inked = np.count_nonzero(ink[ya:yb, xa:xb], axis=1) >= 4 * space
    for y in ys[inked & ~on_line].tolist():
        row = ink[y, xa:xb]
        cols = np.flatnonzero(row)
        if cols.size < 4 * space:
            continue
        breaks = np.flatnonzero(np.diff(cols) > 2)
        starts = np.concatenate(([0], breaks + 1))
        ends = np.concatenate((breaks, [cols.size - 1]))
        for s, e in zip(starts, ends, strict=True):
            c0, c1 = int(cols[s]) + xa, int(cols[e]) + xa
            if c1 - c0 < 4 * space:
                continue
            if not any(abs(c0 - bx) <= 1.0 * space for bx in bar_xs) and c0 >= first_bar:
                continue
            above = ink[max(0, y - off), c0 : c1 + 1].mean() if y - off >= 0 else 0.0
            below = ink[min(h - 1, y + off), c0 : c1 + 1].mean()
            if above > 0.15 or below > 0.35:
                continue
            left = ink[y : min(h, y + hook + 1), max(0, c0 - 1) : c0 + 2].any(axis=1)
            if left.size < hook or left.mean() < 0.9:
                continue
            found.append((y, float(c0), float(c1)))
    lines: list[list[float]] = []  # [last row, x0, x1]
    for y, fx0, fx1 in found:
        same = next((ln for ln in lines if y - ln[0] <= 2 and abs(fx0 - ln[1]) <= space), None)
        if same is None:
            lines.append([float(y), fx0, fx1])
        else:
            same[:] = [float(y), min(same[1], fx0), max(same[2], fx1)]
    return [(ln[1], ln[2]) for ln in lines]


def ink_hairpins(
    ink: np.ndarray, space: float, line_ys: tuple[float, ...] = ()
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(class name, box) of each hairpin (crescendo / diminuendo wedge) drawn in the ink.

    Why: the detector has no class for hairpins. A hairpin is a connected piece of ink at least three
    spaces wide and 0.5-2.5 spaces tall, on no staff line (`line_ys`), thin (a quarter of its box inked
    at most), whose opening (top to bottom ink in each column) grows or shrinks in a straight line from
    at most 0.3 spaces at one end to at least 0.5 at the other: "dynamicCrescendoHairpin" when it
    opens to the right, "dynamicDiminuendoHairpin" when it closes.
    """
    # OpenCV's labelling, 2-3 times faster than scipy's on a page; the wedges are put back in scipy's
    # label order (the raster order of each component's first pixel) at the end. The size test runs on
    # all boxes at once: of a page's thousands of components a few dozen are wide and flat enough
    _, lab, stats = components(ink if ink.dtype in (np.bool_, np.uint8) else ink != 0)
    bw, bh = stats[1:, 2], stats[1:, 3]
    sized = np.flatnonzero((bw >= 3 * space) & (0.5 * space <= bh) & (bh <= 2.5 * space)) + 1
    found: list[tuple[tuple[int, int], tuple[str, tuple[float, float, float, float]]]] = []
    for k in sized.tolist():
        x, y, w, h = (int(v) for v in stats[k, :4])
        ys, xs = slice(y, y + h), slice(x, x + w)
        sl = (ys, xs)
        if any(ys.start - 1 <= ly <= ys.stop + 1 for ly in line_ys):
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
        first = (ys.start, xs.start + int(comp[0].argmax()))
        if g0 <= 0.3 * space and g1 >= 0.5 * space:
            found.append((first, ("dynamicCrescendoHairpin", box)))
        elif g1 <= 0.3 * space and g0 >= 0.5 * space:
            found.append((first, ("dynamicDiminuendoHairpin", box)))
    return [hp for _, hp in sorted(found, key=lambda f: f[0])]
