"""Line-like primitives by classical morphology: staves, stems, ledger lines, barlines, beams.

Why: thin line-like symbols are where box detectors fail (the DWD paper reports 0.003 AP on stems);
on a page normalised to a known staff space they are found reliably with oriented openings and
run-length rules. Works on a `NormalizedPage` and returns Glyphs in the original page's pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from frontline.music.components import component_boxes, components_ink
from frontline.music.normalize import NormalizedPage, row_ridges
from frontline.music.quantiles import percentiles
from frontline.music.records import Glyph

__all__ = [
    "CLEF_CENTRE",
    "LineConfig",
    "LineSegments",
    "darker_than",
    "close_rows",
    "find_lines",
    "find_lines_normalized",
    "open_rows",
    "segment_recall",
    "staves_from_symbols",
]

CLEF_CENTRE: dict[str, tuple[float, float]] = {
    "clefG": (0.08, 4.0),
    "clefG8vb": (0.35, 4.0),
    "clefG8va": (-0.3, 4.0),
    "clefF": (-0.4, 2.0),
    "clefF8vb": (0.15, 2.5),
    "clefF8va": (-0.7, 2.5),
    "clefCAlto": (0.0, 3.0),
    "clefC": (0.0, 3.0),
    "clefCTenor": (-1.0, 3.0),
}
"""Per clef class: where the detector's box centre lies below the staff's middle line, and the least
height of its box, in spaces. Detected boxes on the clean dev pages (G, F, G8vb: centre +0.12, -0.36,
+0.49; height 6.9, 3.4, 8.1) and on the degraded ones (+0.03, -0.47, +0.21; 5.5, 2.5, 7.0; 3rd
percentile 4.2, 2.0, 4.6); the others from their drawing (the octave 8 adds about a space, a C clef
centres on its line). A smaller "clef" is something else (the engraver's logo read as a C clef)."""


@dataclass(frozen=True, slots=True)
class LineConfig:
    """Thresholds of the line finder, in staff spaces of the normalised page."""

    staff_min_length: float = 8.0
    """A staff line is a horizontal run at least this long."""
    stem_min_length: float = 2.0
    """Vertical thin runs at least this long are stems or barlines."""
    thin_max: float = 0.35
    """Largest thickness of a stem, barline, staff or ledger line."""
    ledger_length: tuple[float, float] = (1.3, 3.2)
    """Length range of ledger lines."""
    tenuto_length: tuple[float, float] = (0.8, 1.8)
    """Length range of a tenuto dash (told from a ledger line by its place; needs the noteheads)."""
    tenuto_thickness: float = 0.3
    """Thickest tenuto dash (short beam stubs are about half a space thick)."""
    tenuto_reach: float = 2.6
    """A tenuto lies within this many spaces above or below its notehead's box (past the stem's end
    when it sits on the stem side)."""
    ledger_grid: float = 0.3
    """A ledger line lies within this many spaces of a whole number of spaces from its staff."""
    beam_thickness: float = 0.35
    """Opening size that removes thin lines but keeps beams (about half a space thick)."""
    beam_min_length: float = 1.6
    """Shortest beam."""
    beam_levels: float = 2.2
    """A band of beam ink thicker than one beam (over 0.9 spaces on average) and at most this many spaces
    thick is read beam by beam (`_beam_levels`); 0 = off (such a band was dropped). Blur merges a double
    beam into one band in the Otsu mask, and the notes under it lost their beams. Session 14, detector
    mode, no OCR, edits w/o lyrics: degraded D 2502 -> 2328 (note F1 0.9531 -> 0.9562), held-out G-odd
    858 -> 842; G-even, F (275) and clean A (2743, note F1 0.9667) unchanged."""
    beam_level_thickness: float = 1.05
    """Columns of such a band at least this many spaces thick hold two beams (one blurred beam is
    0.5-0.7 spaces thick, two 1.3-1.7)."""
    beam_double_share: float = 0.8
    """A band whose two-beam columns (gaps up to a space closed) cover this share of its width is two
    beams over its whole width, its upper and lower half."""
    beam_level_run: float = 0.0
    """Otherwise the band is one beam, and each run of two-beam columns at least this many spaces wide a
    second beam over that run (16ths beamed in pairs under an eighth beam); 0 = off: such a band is
    dropped as before, and the assembly counts its strokes in the ink (`pixel_beams`). Off: at 1.3 the
    held-out G-odd went 842 -> 647 edits (one reel of paired 16ths 227 -> 32), but D 2328 -> 2421 (two
    generator pages of 8ths and 16ths, one a measure of chords repaired into dotted values: +18, +96)."""
    line_ink: float = 0.25
    """Ink threshold for staff and ledger lines: pixels darker than this share of the way from paper
    (0) to the darkest ink (1) are ink; 0 = Otsu. Thin lines on downscaled or faded pages are lighter
    than the Otsu threshold (tuning pages: staff recall 0.30 -> 0.49 degraded, 0.62 -> 0.74 clean)."""
    vertical_ink: float = 0.0
    """The same for stems, barlines and beams (thicker, and a sensitive threshold merges them)."""
    stem_ridge: float = 0.15
    """Faint stems: a pixel darker by this share of the paper-to-ink range than both pixels 0.3 spaces
    left and right of it is stem ink even when it is lighter than the Otsu threshold; 0 = off.
    Thin stems of small-scale 150-dpi pages are grey after the upscaling to 10 pixels per space and
    Otsu drops them (development pages, dense piano music: stem recall 0.880 -> 0.989, note F1 0.871
    -> 0.927; random degraded pages: stem recall 0.793 -> 0.919, note F1 0.719 -> 0.782)."""
    stem_ridge_length: float = 1.2
    """Shortest faint-stem run (in spaces) before it is followed on through the ink above and below
    (the head and the beams, where the ridge test fails)."""
    staff_slant_tolerant: bool = True
    """Let staff lines step by a pixel (slanted or curved lines on photos; degraded tuning pages:
    staff recall 0.49 -> 0.54)."""
    barline_tolerance: float = 0.6
    """A vertical line whose ends lie this close to a staff's top and bottom lines is a barline."""
    line_ridge: float = 0.08
    """Faint staff lines: a pixel of the row-smoothed page (1-space horizontal mean) darker
    by this share of the paper-to-ink range than both pixels 0.4 spaces above and below it is line
    ink even when it is lighter than `line_ink`'s threshold; 0 = off. Thin lines of blurred, noisy
    150-dpi scans are a light grey after the upscaling, far lighter than the noteheads (a dev page
    gave no staff at all). With the other session-7 rules (`staff_shift`, `staff_extend`,
    `ridge_fallback`, `ridge_lines_in_staves`, the deskew ridge), dev pages, staff recall/precision:
    random degraded 150 dpi 0.643/0.915 -> 0.917/0.939 (note F1 0.7990 -> 0.8181 before the last two),
    corpus degraded 0.657/1.000 -> 0.696/0.934 (note F1 0.8276 -> 0.8240), mixed 300 dpi (tune9)
    0.626/0.732 -> 0.672/0.779, clean 300 dpi 0.910/0.979 -> 0.929/1.000 (mAP and note F1 equal).
    Used for staff lines only: for ledger lines it cost precision."""
    ridge_fallback: bool = True
    """Take the staves found with `line_ridge` only when they are more than those of the ink lines
    alone (on clean pages the ridge moved a few staff boxes and ledger lines)."""
    ridge_lines_in_staves: bool = True
    """Lines found through `line_ridge` are removed (as staff lines) only inside the found staves."""
    staff_shift: bool = True
    """A five-line group moves down one line when an evenly spaced sixth line below it is longer than
    its top line (a beam or slur ridge above a staff whose bottom line was also found)."""
    stem_ridge_bridge: float = 0.0
    """Faint-stem ridges broken by a staff line are joined across gaps up to this many spaces before
    the `stem_ridge_length` test (beside a staff line the ridge test fails, so a blurred stem inside a
    staff is never one run of 1.2 spaces); 0 = off. Off: at 0.45 it found more stems on the degraded dev
    pages but moved the ends of faint stems found before, and OMR-NED there rose 0.1611 -> 0.1654."""
    stem_ridge_cover: float = 0.9
    """A faint-stem ridge run (`stem_ridge`) that an Otsu vertical overlaps is still a faint stem when the
    Otsu verticals cover at most this share of its rows (the Otsu piece inside it is dropped); 0 = any
    overlap hides it (the old rule). On degraded pages a faint stem keeps only its end beside the beam
    in the Otsu mask, too far from its head for `stem_follow`, and the whole stem was lost. Degraded dev
    pages D (36, detector mode): OMR-NED w/o lyrics 0.1064 -> 0.1014, note F1 0.9211 -> 0.9268; the 56
    clean dev pages A detect the same symbols; fresh degraded F 0.1772 =. Then 0.5 -> 0.9 (with
    `stem_follow` 3): D 0.0983 -> 0.0925, note F1 0.9295 -> 0.9355 (0.75: 0.0955, 0.3: 0.0967); A: one
    page's stems moved, edits equal; F =. 1.0 (every Otsu stem under a ridge replaced by the followed
    ridge) gave D 0.0819 but A 0.0444 -> 0.0455."""
    stem_follow: float = 3.0
    """A thin vertical with no notehead at either end is followed on through the page's lenient ink
    (20% of the paper-to-ink range; a pixel of drift per row; staff lines crossed) for up to this many
    spaces each way, and is a stem when it runs into a head (on a deskewed blurred scan a 1-px stem steps
    between pixel columns and the vertical opening keeps only part of it, 1-2 spaces short of its head);
    0 = off. Degraded dev pages (28): OMR-NED w/o lyrics 0.1432 -> 0.1375, note F1 0.8829 -> 0.8885.
    Session 12, 2 -> 3 spaces (faint 150-dpi stems fade for up to 3 spaces above their heads): degraded
    dev D (36) 0.1009 -> 0.0983, note F1 0.9268 -> 0.9295 (4 spaces: the same); clean A two stems moved,
    edits equal; fresh degraded F 0.1772 =."""
    staff_close: float = 1.0
    """Dotted staff lines: gaps along a row up to this many spaces are closed in the line ink and the
    staves found again; taken only when that finds more staves (a binarised faint scan breaks its staff
    lines into dots: a degraded dev page lost 7 of 15 staves, 323 -> 203 edits; on the clean dev pages
    one page found 12 of its 15 staves instead of 11, its notes unchanged); 0 = off."""
    staff_dotted: float = 4.0
    """Dotted staff lines: the page averaged along rows over this many spaces gives row ridges
    (`row_ridges` with `staff_dotted_ridge`) whose staves are taken when they are more than those
    found so far, the symbols' and clefs' included (lines only inside them); 0 = off. A binarised
    150-dpi scan keeps a one-pixel line only where it falls on one pixel row: dots 1-3 spaces apart
    that neither the 1-space ridge nor `staff_close` join into lines, so whole staves were lost (a
    Chopin page 7 of 10 staves: 758 -> 493 edits, note F1 0 -> 0.59; a Corelli page 12 of 15: 233 ->
    186). Session 15, classical degraded dev pages 9538 -> 9154 edits w/o lyrics (7 pages changed, none
    worse; note F1 0.7697 -> 0.8149), G 156 -> 27 on its one changed page; D, F and clean A unchanged."""
    staff_dotted_ridge: float = 0.04
    """... the darkness (share of the paper-to-ink range) such a ridge needs over the rows 0.4 spaces
    above and below it."""
    staff_dotted_cover: float = 0.8
    """... tried only when no staff was found so far or the found staves' line rows hold ink (within a
    row of them) on less than this share of their length, median over the staves (`_line_cover`):
    solid lines mean no staff was lost to dots (classical degraded dev pages: 0.43-0.77 on the binarised
    pages it helped, 0.85-1.0 on the others), and the pass costs about 0.1 s a page."""
    staff_from_symbols: bool = True
    """No staff found from lines (bleached or dotted away): staves from the symbols instead
    (`staves_from_symbols`: barlines one staff tall give a staff's top and bottom, clefs its middle
    line). Runs only where the line finder found no staff at all, so pages with staff lines cannot
    change."""
    symbol_staff_heads: int = 3
    """Staves from the symbols alone (`staff_from_symbols`) need this many noteheads per staff on
    average: a text page's letters pass for barlines of one height and for F clefs, not for noteheads
    (a rendered text page gave 40 staves and 354 empty measures instead of "no music found")."""
    staff_from_clefs: bool = True
    """Staves were found but a clef at the start of a line (within 3 spaces of the leftmost staff
    start) lies on none of them: that staff comes from the symbols too (`staves_from_symbols`; staves
    lost to faint lines on degraded pages)."""
    staff_extend: float = 0.12
    """Widen staff boxes left and right while the five line rows are darker than the spaces by this
    share of the paper-to-ink range (`_extend_staves`; faint lines broken by the clef, key and time
    signature at a staff's start); 0 = off."""
    ledger_staves: float = 0.6
    """Drop a found staff that is a row of ledger lines beside a longer staff (it overlaps that staff or
    lies within a space of it, and is narrower than this share of it) or a second copy of one (it
    overlaps a staff by more than half its height), `_without_ledger_staves`; 0 = off. A violin part
    high above its staff on a degraded page gave a five-line "staff" of ledger lines (13 staves for 8)."""


@dataclass(frozen=True, slots=True)
class LineSegments:
    """Line primitives in normalised pixels: class name per box, boxes (N, 4) xyxy."""

    classes: tuple[str, ...]
    boxes: np.ndarray


def _components(mask: np.ndarray) -> np.ndarray:
    """Bounding boxes (N, 4) xyxy (exclusive max) of 8-connected components of a bool mask."""
    s = component_boxes(mask)
    if not len(s):
        return np.zeros((0, 4))
    x, y, w, h = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    return np.stack([x, y, x + w, y + h], 1).astype(np.float64)


def _levels(image: np.ndarray) -> np.ndarray:
    """The paper level and the darkest ink of a normalised page (its 60th and 0.5th percentile, every
    other pixel): computed once per page by `find_lines_normalized` and handed to its steps (six times
    1.5-2 ms on a 300-dpi page before)."""
    return percentiles(image[::2, ::2], [60.0, 0.5])


def _line_ink(image: np.ndarray, share: float, levels: np.ndarray | None = None) -> np.ndarray:
    """uint8 ink mask (1 = ink) of a normalised page: Otsu, or `share` of the way from paper to ink
    (`levels`: `_levels(image)`, computed when not given)."""
    import cv2

    if share <= 0:
        _, ink = cv2.threshold(image, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        return ink if ink.dtype == np.uint8 else ink.astype(np.uint8)
    paper, dark = _levels(image) if levels is None else levels
    thr = paper - share * max(1.0, paper - dark)
    return darker_than(image, thr)


def darker_than(image: np.ndarray, level: float) -> np.ndarray:
    """`(image < level).astype(np.uint8)`: for a uint8 image by `cv2.threshold` at the largest whole level
    below `level` (0.1 ms on a normalised 300-dpi page; NumPy compares every pixel as a double, 1 ms)."""
    import cv2

    if image.dtype == np.uint8 and image.ndim == 2 and math.isfinite(level):
        _, out = cv2.threshold(image, math.ceil(level) - 1, 1, cv2.THRESH_BINARY_INV)
        return out
    return (image < level).astype(np.uint8)


def _staves(
    lines: np.ndarray,
    space: float,
    ys: np.ndarray | None = None,
    thick: np.ndarray | None = None,
    shift: bool = False,
) -> list[tuple[float, float, float, float]]:
    """Group staff-line boxes into staves of five evenly spaced lines -> staff boxes.

    `ys`: each line's centre y (default: its box centre); `thick`: each line's thickness (with `ys`
    the staff box spans from the top line's top to the bottom line's bottom, not the line boxes,
    which a touching stem or text stretches). `shift`: a group whose top line is shorter than an
    evenly spaced sixth line below it moves down by one line."""
    if not len(lines):
        return []
    if ys is None:
        ys = (lines[:, 1] + lines[:, 3]) / 2
        thick = lines[:, 3] - lines[:, 1]
    ys = np.asarray(ys, np.float64)
    thick = np.ones(len(ys)) if thick is None else np.asarray(thick, np.float64)
    order = np.argsort(ys)
    lines, ys, thick = lines[order], ys[order], thick[order]
    # merge pieces of the same line (broken by noteheads/barlines): same y within 0.3 space
    merged: list[list[float]] = []
    for b, y, t in zip(lines, ys, thick, strict=True):
        if merged and abs(merged[-1][4] - y) < 0.3 * space and b[0] <= merged[-1][2] + 4 * space:
            m = merged[-1]
            m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
        else:
            merged.append([b[0], b[1], b[2], b[3], y, t])
    # five lines at y, y + space, ... (each within 0.3 space, overlapping in x); lines in between
    # (ledger lines, brackets, hairpins merged into a row) do not break the pattern
    ys_m = np.asarray([m[4] for m in merged])
    used = np.zeros(len(merged), bool)
    out = []
    for i in range(len(merged)):
        if used[i]:
            continue
        grp = [i]
        for k in range(1, 5):
            want = merged[i][4] + k * space
            cand = [
                j
                for j in np.nonzero(np.abs(ys_m - want) < 0.3 * space)[0]
                if not used[j]
                and min(merged[j][2], merged[i][2]) - max(merged[j][0], merged[i][0]) > 2 * space
            ]
            if not cand:
                break
            grp.append(int(min(cand, key=lambda j: abs(ys_m[j] - want))))
        if len(grp) < 5:
            continue
        if shift:
            # a sixth evenly spaced line below that is longer than the top one: the top one was a
            # beam, slur or text line above the staff and the staff starts one line lower
            want = merged[grp[-1]][4] + space
            nxt = [
                j
                for j in np.nonzero(np.abs(ys_m - want) < 0.3 * space)[0]
                if not used[j]
                and min(merged[j][2], merged[grp[-1]][2]) - max(merged[j][0], merged[grp[-1]][0]) > 2 * space
            ]
            if nxt:
                j = int(min(nxt, key=lambda j: abs(ys_m[j] - want)))
                if merged[j][2] - merged[j][0] > merged[i][2] - merged[i][0]:
                    grp = [*grp[1:], j]
        used[grp] = True
        g = [merged[j] for j in grp]
        top, bottom = g[0][4] - g[0][5] / 2.0, g[-1][4] + g[-1][5] / 2.0
        out.append((float(min(m[0] for m in g)), float(top), float(max(m[2] for m in g)), float(bottom)))
    return out


def _extend_staves(
    image: np.ndarray,
    staves: list[tuple[float, float, float, float]],
    sp: float,
    contrast: float,
    levels: np.ndarray | None = None,
    memo: dict[tuple[int, ...], np.ndarray] | None = None,
) -> list[tuple[float, float, float, float]]:
    """Staff boxes widened left and right while the staff's five line rows stay darker than its spaces.

    Faint lines are found as long runs only where no symbol interrupts them, so a staff's start
    (clef, key and time signature every space or two) is cut off. Per column: mean darkness of the
    five line rows (the darkest of three rows each, for a residual slant) against the four space
    middles, smoothed over one space; the box grows through columns where the lines lead by
    `contrast` of the paper-to-ink range and by half their median lead inside the box, for half a
    space or more, across gaps (symbols) of up to three spaces.

    `levels`: `_levels(image)` (computed when not given). `memo`: the smoothed lead by the staff's
    line and space rows, kept across calls on the same image with the same `sp` (the three staff
    searches of a page mostly find staves on the same rows; their boxes differ by fractions of a pixel).
    """
    import cv2

    if not staves:
        return staves
    paper, dark = _levels(image) if levels is None else levels
    need = contrast * max(1.0, float(paper - dark))
    h, w = image.shape
    win = max(3, int(round(sp)))
    max_gap = int(round(3.0 * sp))
    run = max(2, int(round(0.5 * sp)))
    out = []
    for x0, y0, x1, y1 in staves:
        step = (y1 - y0) / 4.0
        line_rows = [int(round(y0 + k * step)) for k in range(5)]
        space_rows = [int(round(y0 + (k + 0.5) * step)) for k in range(4)]
        if line_rows[0] < 1 or line_rows[-1] >= h - 1:
            out.append((x0, y0, x1, y1))
            continue
        key = (*line_rows, *space_rows)
        if memo is not None and key in memo:
            lead = memo[key]
        else:
            # the rows read as float32 (the minimum of whole levels is one of them): no float copy of the page
            f32 = np.float32
            lines = np.mean([image[r - 1 : r + 2].min(axis=0).astype(f32) for r in line_rows], axis=0)
            spaces = np.mean([image[r].astype(f32) for r in space_rows], axis=0)
            lead = cv2.blur((spaces - lines).reshape(1, -1), (win, 1)).ravel()
            if memo is not None:
                memo[key] = lead
        # half the lead the staff shows inside its box: the smoothed profile crosses it at the lines' end
        inside = lead[max(0, int(x0)) : max(1, int(x1))]
        ok: np.ndarray = lead >= max(need, 0.5 * float(np.median(inside)) if len(inside) else need)
        # runs shorter than half a space are letters of a name or noise, not a staff between symbols
        ok = cv2.morphologyEx(ok.astype(np.uint8).reshape(1, -1), cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
        ok = ok.ravel().astype(bool)
        a, b = int(x0), int(x1) - 1
        x, last = a - 1, a
        while x >= 0 and last - x <= max_gap:
            if ok[x]:
                last = x
            x -= 1
        new0 = last
        x, last = b + 1, b
        while x < w and x - last <= max_gap:
            if ok[x]:
                last = x
            x += 1
        new1 = last + 1
        out.append((float(min(x0, new0)), y0, float(max(x1, new1)), y1))
    return out


def staves_from_symbols(
    verticals: np.ndarray,
    symbols: list[tuple[str, tuple[float, float, float, float]]],
    space: float,
    bar_range: tuple[float, float] = (3.6, 4.7),
    start_x: float | None = None,
    min_heads: int = 0,
) -> list[tuple[float, float, float, float]]:
    """Staff boxes (xyxy) of a page whose staff lines are gone, from its barlines and clefs.

    `verticals`: thin vertical lines (N, 4); those `bar_range` spaces tall with no notehead at either
    end are barlines of one staff (its top to its bottom line). A clef gives its staff's middle line
    (`CLEF_CENTRE`). Anchors whose middle lines lie within a space of each other form one staff, kept
    when it has a clef or two barlines; its middle line is the barlines' median (the clefs' when it has
    none), its left end the clef's (0.6 space before it) or the first anchor's, its right end the
    rightmost barline (one through its middle lines, a system's too) or symbol within two spaces of it
    (right ends within 2 spaces of the page's rightmost are made one: justified lines). The box holds
    the lines as a `staff` glyph's. With `start_x`, only staves with a clef starting left of it; with
    `min_heads`, none unless the staves hold that many noteheads each on average (within 2 spaces).
    """
    sp = float(space)
    heads = np.asarray([b for c, b in symbols if c.startswith("notehead")], np.float64).reshape(-1, 4)
    anchors: list[tuple[float, float, float, bool]] = []  # (middle y, x0, x1, is a clef)
    tall: list[np.ndarray] = []  # barlines one staff tall or taller (a system's)
    v = np.asarray(verticals, np.float64).reshape(-1, 4)
    v = v[~(v[:, 3] - v[:, 1] < bar_range[0] * sp)]
    # a notehead at either end: a stem (all lines against all heads at once)
    xc = ((v[:, 0] + v[:, 2]) / 2)[:, None]
    h0, h1 = heads[None, :, 1] - 0.6 * sp, heads[None, :, 3] + 0.6 * sp
    near_x = (heads[None, :, 0] - 0.4 * sp <= xc) & (xc <= heads[None, :, 2] + 0.4 * sp)
    at_end = ((h0 <= v[:, 1, None]) & (v[:, 1, None] <= h1)) | ((h0 <= v[:, 3, None]) & (v[:, 3, None] <= h1))
    stem = np.asarray((near_x & at_end).any(axis=1))
    for b, is_stem in zip(v, stem, strict=True):
        if is_stem:
            continue
        length = b[3] - b[1]
        tall.append(b)
        if length <= bar_range[1] * sp:
            anchors.append(((b[1] + b[3]) / 2, float(b[0]), float(b[2]), False))
    for c, (x0, y0, x1, y1) in symbols:
        if c in CLEF_CENTRE and (y1 - y0) >= CLEF_CENTRE[c][1] * sp:
            anchors.append(((y0 + y1) / 2 - CLEF_CENTRE[c][0] * sp, x0, x1, True))
    anchors.sort()
    groups: list[list[tuple[float, float, float, bool]]] = []
    for a in anchors:
        if groups and abs(a[0] - float(np.median([g[0] for g in groups[-1]]))) <= sp:
            groups[-1].append(a)
        else:
            groups.append([a])
    boxes = np.asarray([b for c, b in symbols], np.float64).reshape(-1, 4)
    out: list[tuple[int, tuple[float, float, float, float]]] = []  # (anchors, box)
    for grp in groups:
        bars = [g for g in grp if not g[3]]
        clefs = [g for g in grp if g[3]]
        if not clefs and len(bars) < 2:
            continue
        if start_x is not None and not any(g[1] <= start_x for g in clefs):
            continue
        mid = float(np.median([g[0] for g in (bars or clefs)]))
        x0 = min(g[1] for g in clefs) - 0.6 * sp if clefs else min(g[1] for g in grp)
        x1 = max(g[2] for g in grp)
        if len(boxes):
            cy = (boxes[:, 1] + boxes[:, 3]) / 2
            inside = (np.abs(cy - mid) <= 2 * sp) & (boxes[:, 0] >= x0)
            if inside.any():
                x1 = max(x1, float(boxes[inside, 2].max()))
        for b in tall:  # a system's barlines through this staff's middle three lines end it
            if b[1] <= mid - sp and b[3] >= mid + sp and b[0] >= x0 - sp:
                x1 = max(x1, float(b[2]))
        half = 2 * sp + sp / 16
        out.append((len(grp), (float(x0), mid - half, float(x1), mid + half)))
    # two staves cannot overlap: of two that do, the one with more anchors stays
    kept: list[tuple[int, tuple[float, float, float, float]]] = []
    for n, box in out:
        prev = kept[-1][1] if kept else None
        if prev is not None and box[1] < prev[3] and min(box[2], prev[2]) > max(box[0], prev[0]):
            if n > kept[-1][0]:
                kept[-1] = (n, box)
            continue
        kept.append((n, box))
    boxes_out = [box for _, box in kept]
    if min_heads > 0 and boxes_out:
        hx, hy = (heads[:, 0] + heads[:, 2]) / 2, (heads[:, 1] + heads[:, 3]) / 2
        on_staff = np.zeros(len(heads), bool)
        for x0, y0, x1, y1 in boxes_out:
            on_staff |= (hx >= x0) & (hx <= x1) & (hy >= y0 - 2 * sp) & (hy <= y1 + 2 * sp)
        if int(on_staff.sum()) < min_heads * len(boxes_out):
            return []  # letters, not music
    # justified lines end at one x: right ends within 2 spaces of the page's rightmost take its median
    # (the deskewed page's staves then end at one x, as the assembly's skew from staff boxes expects)
    if boxes_out:
        right = max(b[2] for b in boxes_out)
        near = [b[2] for b in boxes_out if b[2] >= right - 2 * sp]
        end = float(np.median(near))
        boxes_out = [(b[0], b[1], end, b[3]) if b[2] >= right - 2 * sp else b for b in boxes_out]
    return boxes_out


def _ledger_or_tenuto(
    b: np.ndarray,
    staves: list[tuple[float, float, float, float]],
    heads: np.ndarray,
    head_y: np.ndarray,
    others: np.ndarray,
    stems: np.ndarray,
    sp: float,
    cfg: LineConfig,
    with_heads: bool,
) -> str | None:
    """Class of a short thin horizontal dash `b` (xyxy): legerLine, articTenutoAbove/Below or None.

    `heads`: notehead boxes (N, 4) and `head_y` their centre rows; `others`: every detected
    symbol's box (M, 4) except tenuto dashes; `stems`: stem boxes (K, 4); `with_heads` False means no
    detections were given (then only ledger lines are reported, by length and place alone).
    """
    # Python floats (the same doubles as the array's): the tests below are scalar, 3-4 times as fast
    b0, b1, b2, b3 = float(b[0]), float(b[1]), float(b[2]), float(b[3])
    w = b2 - b0
    is_ledger_len = cfg.ledger_length[0] * sp <= w <= cfg.ledger_length[1] * sp
    if not is_ledger_len and not cfg.tenuto_length[0] * sp <= w <= cfg.tenuto_length[1] * sp:
        return None  # neither a ledger line's nor a tenuto's length (the tests below end so too)
    xc, yc = (b0 + b2) / 2.0, (b1 + b3) / 2.0
    near = [st for st in staves if st[0] - sp <= b0 <= st[2] and st[1] - 6 * sp <= yc <= st[3] + 6 * sp]
    if not near:
        return None
    st = min(near, key=lambda s: 0.0 if s[1] <= yc <= s[3] else min(abs(yc - s[1]), abs(yc - s[3])))
    inside = st[1] - 0.3 * sp <= yc <= st[3] + 0.3 * sp
    if not with_heads:
        return "legerLine" if is_ledger_len and not inside else None
    # the heads above or below the dash, only for a dash that may need them (about 700 dashes on a
    # 300-dpi page, most of them neither a ledger line nor a tenuto)
    over: np.ndarray | None = None
    if not inside:
        above = yc < st[1]
        dist = (st[1] - yc) / sp if above else (yc - st[3]) / sp
        on_grid = dist >= 0.7 and abs(dist - round(dist)) <= cfg.ledger_grid
        if is_ledger_len and on_grid:
            over = (heads[:, 0] - 0.3 * sp <= xc) & (xc <= heads[:, 2] + 0.3 * sp)
            over &= np.abs(head_y - yc) <= 6 * sp
            # a head on or beyond the dash (seen from the staff): stacked ledger lines count too
            beyond = (head_y[over] <= yc + 0.25 * sp) if above else (head_y[over] >= yc - 0.25 * sp)
            if bool(beyond.any()):
                return "legerLine"
    # a tenuto is tenuto_length long and thin (thicker: a beam stub); most dashes are not, and the
    # tests of heads and stems below cost more
    if not cfg.tenuto_length[0] * sp <= w <= cfg.tenuto_length[1] * sp:
        return None
    if b3 - b1 > max(2.0, cfg.tenuto_thickness * sp):
        return None
    if over is None:
        over = (heads[:, 0] - 0.3 * sp <= xc) & (xc <= heads[:, 2] + 0.3 * sp)
        over &= np.abs(head_y - yc) <= 6 * sp
    # a tenuto: centred over a notehead, within `tenuto_reach` of it, clear of every detected symbol (a
    # notehead cut in two by the removed staff line leaves dash-like halves inside its box)
    hx = (heads[:, 0] + heads[:, 2]) / 2.0
    # centred on the head and about as wide as it (tuplet brackets, text underlines and slur pieces
    # near a head are not)
    hw = heads[:, 2] - heads[:, 0]
    aligned = over & (np.abs(hx - xc) <= 0.25 * sp) & (w >= 0.75 * hw) & (w <= 1.4 * hw)
    touching = aligned & (heads[:, 1] - 1.1 * sp <= yc) & (yc <= heads[:, 3] + 1.1 * sp)
    if not touching.any() and len(stems):
        # on the stem side a tenuto sits past the stem's end: a stem of an aligned head ends near it
        reach = (
            aligned
            & (heads[:, 1] - cfg.tenuto_reach * sp <= yc)
            & (yc <= heads[:, 3] + cfg.tenuto_reach * sp)
        )
        ends = np.concatenate([stems[:, 1], stems[:, 3]])
        sx = np.concatenate([stems[:, 0], stems[:, 0]])
        near_end = (np.abs(ends - yc) <= 1.2 * sp) & (sx >= b0 - 0.5 * sp) & (sx <= b2 + 0.5 * sp)
        if near_end.any():
            touching = reach
    if not touching.any():
        return None
    if len(others):
        ix = np.clip(np.minimum(others[:, 2], b2) - np.maximum(others[:, 0], b0), 0, None)
        iy = np.clip(np.minimum(others[:, 3], b3) - np.maximum(others[:, 1], b1), 0, None)
        if (ix * iy > 0.2 * max(w * (b3 - b1), 1.0)).any():
            return None
    nearest = float(head_y[touching][np.argmin(np.abs(head_y[touching] - yc))])
    if inside:
        off = np.float64((yc - st[1]) / sp) % 1.0  # 0 on a line, 0.5 in the middle of a space (NumPy's %)
        if not 0.25 <= off <= 0.75:
            return None
    return "articTenutoAbove" if yc < nearest else "articTenutoBelow"


def _faint_verticals(
    image: np.ndarray,
    sp: float,
    thin: int,
    known: np.ndarray,
    contrast: float,
    min_length: float,
    bridge: float = 0.0,
    cover: float = 0.0,
    levels: np.ndarray | None = None,
    soft: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (K, 4) of thin vertical lines too light for the Otsu mask and not among `known` boxes,
    and a bool mask over `known`: the pieces that a returned line contains (to be dropped).

    A pixel is on a ridge when it is darker by `contrast` of the paper-to-ink range than both pixels
    0.3 spaces to its left and right (a stem, not the inside of a head or a beam); ridge runs at least
    `min_length` spaces tall and at most `thin` wide are followed up and down through the page's ink
    (a lenient 20% threshold), which takes in the head and the beams the ridge test skips. `bridge`
    (spaces): vertical gaps in the ridge up to this long (staff lines crossing the stem) are closed first.
    A ridge run counts as found by the Otsu mask when known boxes at its x overlap it (`cover` 0), or
    cover more than the share `cover` of its rows; otherwise it is returned and the known pieces inside
    the followed line are marked (a faint stem whose darker end, beside its beam, the Otsu mask kept).
    """
    import cv2

    paper, dark = _levels(image) if levels is None else levels
    rng = max(1.0, float(paper - dark))
    d = max(2, int(round(0.3 * sp)))
    need = contrast * rng
    img = image if image.dtype == np.uint8 and need > 0 else image.astype(np.int16)
    left = np.full_like(img, 255)
    left[:, d:] = img[:, :-d]
    right = np.full_like(img, 255)
    right[:, :-d] = img[:, d:]
    if img.dtype == np.uint8:  # whole levels, a positive margin: saturating uint8 differences suffice
        lead = cv2.subtract(np.minimum(left, right), img)
        _, ridge = cv2.threshold(lead, min(255, math.ceil(need) - 1), 1, cv2.THRESH_BINARY)
    else:
        ridge = ((np.minimum(left, right) - img) >= need).astype(np.uint8)
    if bridge > 0:
        gap = max(2, int(round(bridge * sp)) + 1)
        ridge = cv2.morphologyEx(ridge, cv2.MORPH_CLOSE, np.ones((gap, 1), np.uint8)).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(min_length * sp))))
    runs = _components(cv2.morphologyEx(ridge, cv2.MORPH_OPEN, kernel))
    runs = runs[(runs[:, 2] - runs[:, 0]) <= thin] if len(runs) else runs
    if soft is None:  # `find_lines_normalized` hands it over (the same mask, its stem follower's)
        soft = np.asarray(image < paper - 0.2 * rng)
    known = known.reshape(-1, 4)
    inside = np.zeros(len(known), bool)
    out: list[tuple[float, float, float, float]] = []
    for b in runs:
        x0, y0, x1, y1 = (int(v) for v in b)
        hit = np.zeros(len(known), bool)
        if len(known):
            hit = (np.abs((known[:, 0] + known[:, 2]) / 2.0 - (x0 + x1) / 2.0) <= 0.3 * sp) & (
                np.minimum(known[:, 3], y1) - np.maximum(known[:, 1], y0) > 0
            )
        if hit.any():
            if cover <= 0:
                continue  # the Otsu mask found this line already
            rows = np.zeros(y1 - y0, bool)
            for k in np.nonzero(hit)[0]:
                rows[max(0, int(known[k, 1]) - y0) : max(0, int(known[k, 3]) - y0)] = True
            if rows.mean() > cover:
                continue
        col = np.asarray(soft[:, x0:x1].any(axis=1))
        while y0 > 0 and col[y0 - 1]:
            y0 -= 1
        while y1 < len(col) and col[y1]:
            y1 += 1
        inside |= hit & (known[:, 1] >= y0 - 1) & (known[:, 3] <= y1 + 1)
        out.append((float(x0), float(y0), float(x1), float(y1)))
    return np.asarray(out, np.float64).reshape(-1, 4), inside


def _beam_levels(band: np.ndarray, sp: float, cfg: LineConfig) -> list[tuple[float, float, float, float]]:
    """Beam boxes (xyxy in the band's pixels) of a bool band of beam ink thicker than one beam.

    Runs of columns at least `beam_level_thickness` spaces thick (gaps up to a space closed: a blanked
    symbol's box or a stem cuts the band) hold two beams. When they cover `beam_double_share` of the
    width, the band is two beams, its upper and lower half (a slanted band keeps its slant); otherwise
    it is one beam, and each run at least `beam_level_run` spaces wide is a second beam over that run
    (`beam_level_run` 0: none, the band is left to the assembly's stroke count).
    """
    h, w = band.shape
    thick = band.sum(axis=0)
    runs: list[list[int]] = []
    for c in np.nonzero(thick >= cfg.beam_level_thickness * sp)[0]:
        if runs and c - runs[-1][1] <= sp:
            runs[-1][1] = int(c)
        else:
            runs.append([int(c), int(c)])
    if sum(b + 1 - a for a, b in runs) >= cfg.beam_double_share * w:
        half = float(thick.sum()) / w / 2.0
        return [(0.0, 0.0, float(w), h - half), (0.0, half, float(w), float(h))]
    if cfg.beam_level_run <= 0:
        return []
    out = [(0.0, 0.0, float(w), float(h))]
    rows = np.arange(h)[:, None]
    for a, b in runs:
        if b + 1 - a >= cfg.beam_level_run * sp:
            sub = band[:, a : b + 1]
            top = float(np.where(sub, rows, h).min())
            bottom = float(np.where(sub, rows, -1).max()) + 1.0
            out.append((float(a), top, float(b + 1), bottom))
    return out


def _run_around(row: np.ndarray, lo: int, hi: int, limit: int) -> tuple[int, int] | None:
    """The ink run of a bool row that overlaps columns [lo - 1, hi + 1), grown at most to `limit` + 1
    pixels wide (wider means: not a thin line here); None when no ink is there."""
    w = len(row)
    cols = np.nonzero(row[max(0, lo - 1) : min(w, hi + 1)])[0]
    if not len(cols):
        return None
    first = max(0, lo - 1) + int(cols[0])
    last = max(0, lo - 1) + int(cols[-1]) + 1
    while first > 0 and row[first - 1] and last - first <= limit:
        first -= 1
    while last < w and row[last] and last - first <= limit:
        last += 1
    return first, last


def _follow_vertical(
    soft: np.ndarray, b: np.ndarray, reach: int, skip: int = 3
) -> tuple[np.ndarray, tuple[bool, bool]]:
    """Box `b` (xyxy, exclusive max) of a vertical line extended up and down through the bool ink mask
    `soft`, at most `reach` rows each way (the column range may drift by one pixel per row), and for
    the top and the bottom end whether the line ran into wider ink there (a notehead, a beam; the line
    then runs on through it, as a stem does). Wide ink at most `skip` rows tall with the thin line going
    on beyond it is a staff line crossed, not an end."""
    h = soft.shape[0]
    out = np.asarray(b, np.float64).copy()
    width = int(b[2]) - int(b[0])
    wide = [False, False]
    for k, direction in enumerate((-1, 1)):
        lo, hi = int(b[0]), int(b[2])
        y = int(b[1]) - 1 if direction < 0 else int(b[3])
        steps = 0
        while 0 <= y < h and steps < reach:
            run = _run_around(soft[y], lo, hi, width + 2)
            if run is None:
                break
            if run[1] - run[0] > width + 2:
                # a staff line crossed (thin again within `skip` rows), or the head or beam it ends in
                ahead = None
                for d in range(1, skip + 1):
                    yy = y + d * direction
                    if not 0 <= yy < h:
                        break
                    nxt = _run_around(soft[yy], lo, hi, width + 2)
                    if nxt is not None and nxt[1] - nxt[0] <= width + 2:
                        ahead = (yy, nxt)
                        break
                if ahead is None:
                    # the head or beam it ends in: the line runs on through it while its columns hold ink
                    wide[k] = True
                    while 0 <= y < h and steps < reach and soft[y, max(0, lo - 1) : hi + 1].any():
                        y += direction
                        steps += 1
                    break
                steps += abs(ahead[0] - y)
                y, run = ahead
            lo, hi = run
            y += direction
            steps += 1
        if direction < 0:
            out[1] = y + 1
        else:
            out[3] = y
    return out, (wide[0], wide[1])


def _without_ledger_staves(
    staves: list[tuple[float, float, float, float]], sp: float, width_share: float
) -> list[tuple[float, float, float, float]]:
    """The staves without rows of ledger lines and copies (see `LineConfig.ledger_staves`), widest first."""
    keep: list[int] = []
    for i in sorted(range(len(staves)), key=lambda k: -(staves[k][2] - staves[k][0])):
        x0, y0, x1, y1 = staves[i]
        crowded = False
        for j in keep:
            a0, b0, a1, b1 = staves[j]
            if x1 <= a0 or a1 <= x0:
                continue
            gap = max(b0 - y1, y0 - b1)  # negative: they overlap by that much
            if -gap > 0.5 * (y1 - y0) or (gap < sp and (x1 - x0) < width_share * (a1 - a0)):
                crowded = True
                break
        if not crowded:
            keep.append(i)
    return [staves[i] for i in sorted(keep, key=lambda k: staves[k][1])]


def _line_cover(ink: np.ndarray, staves: list[tuple[float, float, float, float]]) -> float:
    """Median over the staves of the share of each staff's length where its five line rows hold ink
    (within a row up or down), averaged over the lines."""
    cover = []
    for x0, y0, x1, y1 in staves:
        step = (y1 - y0) / 4.0
        a, b = max(0, int(x0)), max(int(x0) + 1, int(x1))
        rows = [int(round(y0 + k * step)) for k in range(5)]
        cover.append(np.mean([ink[max(0, r - 1) : r + 2, a:b].max(axis=0).mean() for r in rows]))
    return float(np.median(cover)) if cover else 0.0


def _median_row(comp: np.ndarray) -> float:
    """`np.median` of the row indices of a bool mask's pixels (at least one), from its per-row counts:
    the same value (the mean of the two middle rows is exact in float64), no list of pixels."""
    counts = np.cumsum(np.count_nonzero(comp, axis=1))
    n = int(counts[-1])
    lo = int(np.searchsorted(counts, (n - 1) // 2, side="right"))
    hi = int(np.searchsorted(counts, n // 2, side="right"))
    return float(np.mean(np.asarray([lo, hi], np.int64))) if lo != hi else float(lo)


def _median_rows(rows: np.ndarray, at: np.ndarray, stats: np.ndarray, which: np.ndarray) -> np.ndarray:
    """`_median_row` of each label in `which` (its box's crop), relative to its box's top: from the rows
    `rows` of the ink pixels and their labels `at` (every label 1.. of `stats`, which are OpenCV-style
    stats), per label a histogram of its box's rows in one `np.bincount`, no crop of a label image."""
    n = len(stats)
    top, height = stats[:, 1].astype(np.intp), stats[:, 3].astype(np.intp)
    height[0] = 0  # the background: no pixels
    off = np.cumsum(height) - height  # each label's first bin
    hist = np.bincount(off[at] + (rows - top[at]), minlength=int(height.sum()))
    cum = np.cumsum(hist)
    cnt = np.bincount(at, minlength=n)
    base = np.cumsum(cnt) - cnt  # pixels of the labels before
    lo = np.searchsorted(cum, base[which] + (cnt[which] - 1) // 2, side="right") - off[which]
    hi = np.searchsorted(cum, base[which] + cnt[which] // 2, side="right") - off[which]
    return (lo + hi) / 2.0  # exact: the mean of two whole rows


def open_rows(mask: np.ndarray, length: int) -> np.ndarray:
    """`cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))` of a 0/1 uint8 mask, from
    its row runs: a run at least `length` long stays (shifted a pixel right when `length` is even: OpenCV
    does not mirror the kernel for the dilation), one touching the left or right edge when it fills the
    kernel's part on its side of the anchor (OpenCV's border counts as ink for the erosion). Same
    array (tests); 2-4 ms on a 300-dpi page against 8-12 ms for the 8-space staff opening."""
    h, w = mask.shape
    first, n = _opened_runs(mask != 0, length)
    out = np.zeros(h * w, np.uint8)
    out[np.repeat(first - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))] = 1
    return out.reshape(h, w)


def close_rows(mask: np.ndarray, length: int) -> np.ndarray:
    """`cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((1, length), np.uint8))` of a 0/1 uint8 mask: the
    complement of `open_rows` of the paper (OpenCV's border conventions swap with the complement),
    written where the opened paper is not (the ink's share of the page, not the paper's). Same array
    (tests); 2-3 ms on a 300-dpi page against 5-7 ms."""
    h, w = mask.shape
    first, n = _opened_runs(mask == 0, length)
    # the gaps between the opened paper runs (in flat order; a gap may run on into the next row)
    gap0 = np.concatenate([np.zeros(1, first.dtype), first + n])
    gap_n = np.concatenate([first, np.full(1, h * w, first.dtype)]) - gap0
    out = np.zeros(h * w, np.uint8)
    out[np.repeat(gap0 - (np.cumsum(gap_n) - gap_n), gap_n) + np.arange(int(gap_n.sum()))] = 1
    return out.reshape(h, w)


def _opened_runs(on_mask: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat first pixel and length of each run of OpenCV's opening of a bool mask by a (1, length) bar
    (see `open_rows`), in flat order, none overlapping."""
    h, w = on_mask.shape
    ax = length // 2  # the kernel's anchor
    padded = np.zeros((h, w + 1), np.bool_)  # a paper column ends every row's last run
    padded[:, :w] = on_mask
    on = padded.reshape(-1)
    edges = np.flatnonzero(on[1:] != on[:-1]) + 1
    if on[0]:
        edges = np.concatenate([np.zeros(1, edges.dtype), edges])
    starts, ends = edges[0::2], edges[1::2]
    row = starts // (w + 1)
    a = starts - row * (w + 1)  # first and last column of each run
    b = ends - 1 - row * (w + 1)
    # where the eroded run holds ink (its kernel windows inside the run or the border), then dilated
    e0 = np.where(a > 0, a + ax, 0)
    e1 = np.where(b < w - 1, b - length + 1 + ax, w - 1)
    keep = e0 <= e1
    d0 = np.maximum(0, e0[keep] + ax - length + 1)
    d1 = np.minimum(w - 1, e1[keep] + ax)
    return row[keep] * w + d0, d1 - d0 + 1


def _open_h(mask: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """`cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)`, by `open_rows` for a 0/1 uint8 mask and a
    one-row kernel of ones (all of this module's horizontal openings)."""
    import cv2

    if kernel.shape[0] == 1 and bool(kernel.all()) and mask.dtype == np.uint8 and int(mask.max()) <= 1:
        return open_rows(mask, kernel.shape[1])
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def _staff_lines(
    image: np.ndarray,
    ink: np.ndarray,
    sp: float,
    thin: int,
    k_staff: np.ndarray,
    cfg: LineConfig,
    levels: np.ndarray | None = None,
    memo: dict[tuple[int, ...], np.ndarray] | None = None,
) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """Thin long horizontal lines of an ink mask (uint8 mask to remove) and the staves they form.

    A 3-row maximum first keeps slightly slanted or wavy lines (photos) in one piece; the AND with
    the ink mask afterwards restores their thickness. `levels`, `memo`: see `_extend_staves`.
    """
    import cv2

    tall = cv2.dilate(ink, np.ones((3, 1), np.uint8)) if cfg.staff_slant_tolerant else ink
    horiz = _open_h(tall, k_staff) & ink
    n_h, st_h, ink_at, lab_at = components_ink(horiz)
    # thickness = ink area / length, not the box height: a line with a residual slant has a tall box
    is_thin = st_h[:, cv2.CC_STAT_AREA] / np.maximum(st_h[:, cv2.CC_STAT_WIDTH], 1) <= thin + 1
    is_thin[0] = False
    x, y, w, h = (st_h[is_thin, i].astype(np.float64) for i in range(4))
    hl = np.stack([x, y, x + w, y + h], 1).reshape(-1, 4)
    # a line's y is its median pixel row: a stem or text touching the line stretches the box only
    ymed = 0.5 + (_median_rows(ink_at // horiz.shape[1], lab_at, st_h, np.nonzero(is_thin)[0]) + hl[:, 1])
    thick_h = (st_h[is_thin, cv2.CC_STAT_AREA] / np.maximum(st_h[is_thin, cv2.CC_STAT_WIDTH], 1)).astype(
        np.float64
    )
    staves = _staves(hl, sp, ymed, thick_h, cfg.staff_shift)
    if cfg.staff_extend > 0:
        staves = _extend_staves(image, staves, sp, cfg.staff_extend, levels, memo)
    # only thin lines are removed (not beams); written at the ink pixels alone, not looked up per pixel
    out = np.zeros(horiz.shape, np.uint8)
    out.reshape(-1)[ink_at] = is_thin[lab_at]
    return out, staves


def find_lines_normalized(
    image: np.ndarray,
    space: float = 10.0,
    config: LineConfig | None = None,
    symbols: list[tuple[str, tuple[float, float, float, float]]] | None = None,
) -> LineSegments:
    """Find staves, stems, barlines, ledger lines and beams on a normalised page (uint8, 255 = paper).

    `symbols` (class name, xyxy box in the same pixels) are the network's detections: with them a
    stem must touch a notehead and may not lie inside an accidental's or (right of its start) a flag's
    box, a ledger line must cross or touch one, and beams are searched only outside the other symbols'
    boxes. Without them, ink blobs at the line ends stand in for noteheads.
    """
    import cv2

    cfg = config or LineConfig()
    heads = np.asarray([b for c, b in (symbols or []) if c.startswith("notehead")], np.float64).reshape(-1, 4)
    others = [b for c, b in (symbols or []) if not c.startswith("notehead")]
    # the heads' boxes rounded to whole pixels (= int(round(v)) of each value: both round half to even)
    heads_px: list[list[int]] = np.rint(heads).astype(np.int64).tolist()
    levels = _levels(image)
    memo: dict[tuple[int, ...], np.ndarray] = {}  # `_extend_staves`' leads by staff rows
    ink_h = _line_ink(image, cfg.line_ink, levels)  # staff and ledger lines: thin, often lighter than Otsu
    ink = _line_ink(image, cfg.vertical_ink)  # stems, barlines, beams
    sp = float(space)
    thin = max(2, int(round(cfg.thin_max * sp)) + 1)

    # staff lines: long horizontal openings; a 3-row maximum first keeps slightly slanted or wavy
    # lines (photos) in one piece, the AND with the ink mask afterwards restores their thickness
    k_staff = cv2.getStructuringElement(cv2.MORPH_RECT, (int(cfg.staff_min_length * sp), 1))
    horiz, staves = _staff_lines(image, ink_h, sp, thin, k_staff, cfg, levels, memo)
    if cfg.line_ridge > 0:
        # faint lines (row ridges) count for the staff lines only: for ledger lines they cost precision
        horiz_r, staves_r = _staff_lines(
            image, ink_h | row_ridges(image, sp, cfg.line_ridge), sp, thin, k_staff, cfg, levels, memo
        )
        if not cfg.ridge_fallback or len(staves_r) > len(staves):
            if cfg.ridge_lines_in_staves:
                # ridge pixels join a row of ledger lines (the row mean bridges their gaps) into one
                # long line that would be removed as a staff line: outside the staves only ink lines are
                in_staff = np.zeros(horiz.shape, bool)
                for x0, y0, x1, y1 in staves_r:
                    ya, yb = max(0, int(y0 - 0.4 * sp)), int(y1 + 0.4 * sp) + 1
                    in_staff[ya:yb, max(0, int(x0 - sp)) : int(x1 + sp) + 1] = True
                horiz = np.where(in_staff, horiz_r, horiz).astype(np.uint8)
            else:
                horiz = horiz_r
            staves = staves_r
    if cfg.staff_close > 0:
        gap = max(2, int(round(cfg.staff_close * sp)))
        closed = close_rows(ink_h, gap)  # = cv2's closing with a (1, gap) bar
        horiz_c, staves_c = _staff_lines(image, closed, sp, thin, k_staff, cfg, levels, memo)
        if len(staves_c) > len(staves):
            # only inside the new staves: elsewhere a closed row of dashes or ledger lines is no staff line
            in_staff = np.zeros(horiz.shape, bool)
            for x0, y0, x1, y1 in staves_c:
                ya, yb = max(0, int(y0 - 0.4 * sp)), int(y1 + 0.4 * sp) + 1
                in_staff[ya:yb, max(0, int(x0 - sp)) : int(x1 + sp) + 1] = True
            horiz = np.where(in_staff, horiz_c & ink_h, horiz).astype(np.uint8)
            staves = staves_c
    dotted: tuple[np.ndarray, list[tuple[float, float, float, float]]] | None = None
    if cfg.staff_dotted > 0 and (not staves or _line_cover(ink_h, staves) < cfg.staff_dotted_cover):
        ridges = ink_h | row_ridges(image, sp, cfg.staff_dotted_ridge, cfg.staff_dotted)
        dotted = _staff_lines(image, ridges, sp, thin, k_staff, cfg, levels, memo)

    # vertical thin lines: stems and barlines
    k_vert = cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(cfg.stem_min_length * sp)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, k_vert)
    vl = _components(vert)
    vl = vl[(vl[:, 2] - vl[:, 0]) <= thin] if len(vl) else vl
    soft_ink: np.ndarray | None = None  # the page's lenient ink (20%), for faint stems and the stem follower
    if cfg.stem_ridge > 0:
        paper, dark = levels
        soft_ink = image < paper - 0.2 * max(1.0, float(paper - dark))
        faint, inside = _faint_verticals(
            image,
            sp,
            thin,
            vl,
            cfg.stem_ridge,
            cfg.stem_ridge_length,
            cfg.stem_ridge_bridge,
            cfg.stem_ridge_cover,
            levels,
            soft_ink,
        )
        vl = np.concatenate([vl.reshape(-1, 4)[~inside], faint]) if len(faint) else vl

    def with_clef_staves(
        found: list[tuple[float, float, float, float]],
    ) -> list[tuple[float, float, float, float]]:
        start = min(st[0] for st in found) + 3 * sp
        extra = [
            b
            for b in staves_from_symbols(vl, symbols or [], sp, start_x=start)
            if not any(b[1] < st[3] + sp and st[1] - sp < b[3] for st in found)
        ]
        return sorted(list(found) + extra, key=lambda b: b[1])

    if cfg.staff_from_symbols and not staves and symbols:
        staves = staves_from_symbols(vl, symbols, sp, min_heads=cfg.symbol_staff_heads)
    elif cfg.staff_from_clefs and staves and symbols:
        staves = with_clef_staves(staves)
    if dotted is not None:
        # the dotted lines' staves (with the clefs' as above) replace those found so far, the symbols'
        # included, only when they are more: a lineless page's staves from its barlines end where the
        # justified lines end, which the assembly's skew from the staff boxes needs
        horiz_d, staves_d = dotted
        if cfg.staff_from_clefs and staves_d and symbols:
            staves_d = with_clef_staves(staves_d)
        if len(staves_d) > len(staves):
            in_staff = np.zeros(horiz.shape, bool)
            for x0, y0, x1, y1 in staves_d:
                ya, yb = max(0, int(y0 - 0.4 * sp)), int(y1 + 0.4 * sp) + 1
                in_staff[ya:yb, max(0, int(x0 - sp)) : int(x1 + sp) + 1] = True
            horiz = np.where(in_staff, horiz_d, horiz).astype(np.uint8)
            staves = staves_d

    # remove staff lines (only thin horizontal ink) so ledger lines and beams stand out
    # restore pixels where ink continues vertically through a staff line (stems, noteheads): ink kept
    # off the lines and where the rows above and below hold ink (0/1 masks: whole-page ANDs, no indexing)
    keep = (horiz == 0).view(np.uint8)
    keep[1:-1] |= ink[:-2] & ink[2:]
    no_staff = ink & keep

    if cfg.ledger_staves > 0:
        staves = _without_ledger_staves(list(staves), sp, cfg.ledger_staves)
    classes: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for st in staves:
        classes.append("staff")
        boxes.append(st)
    tol = cfg.barline_tolerance * sp

    def head_at_end(b: np.ndarray) -> bool:
        """A notehead (detected, or an ink blob when no detections were given) at either end of b."""
        if symbols is not None:
            if not len(heads):
                return False
            xc = (b[0] + b[2]) / 2
            near_x = (heads[:, 0] - 0.4 * sp <= xc) & (xc <= heads[:, 2] + 0.4 * sp)
            at_end = ((heads[:, 1] - 0.6 * sp <= b[1]) & (b[1] <= heads[:, 3] + 0.6 * sp)) | (
                (heads[:, 1] - 0.6 * sp <= b[3]) & (b[3] <= heads[:, 3] + 0.6 * sp)
            )
            return bool((near_x & at_end).any())
        x0, x1 = int(b[0]), int(b[2])
        for ye in (int(b[1]), int(b[3]) - 1):
            ya, yb = max(0, ye - int(0.5 * sp)), ye + int(0.5 * sp) + 1
            left = no_staff[ya:yb, max(0, x0 - int(1.2 * sp)) : x0].sum()
            right = no_staff[ya:yb, x1 : x1 + int(1.2 * sp)].sum()
            if max(left, right) > 0.35 * sp * sp:
                return True
        return False

    # accidentals and flags are drawn with vertical strokes of their own; a vertical line mostly inside
    # such a symbol's box is that stroke (for a flag: right of the flag's start, where its stem is not)
    stroked = [
        (b, 0.35 * sp if c.startswith("flag") else 0.0)
        for c, b in (symbols or [])
        if c.startswith(("accidental", "key", "flag"))
    ]

    # (x0 + inset, y0, x1, y1) of each: one array test per line, not a loop over the symbols
    stroked_boxes = np.asarray(
        [(x0 + inset, y0, x1, y1) for (x0, y0, x1, y1), inset in stroked], np.float64
    ).reshape(-1, 4)

    def inside_stroke_symbol(b: np.ndarray) -> bool:
        cx = (b[0] + b[2]) / 2.0
        s = stroked_boxes
        return bool(
            (
                (s[:, 0] <= cx)
                & (cx <= s[:, 2])
                & (np.minimum(s[:, 3], b[3]) - np.maximum(s[:, 1], b[1]) > 0.5 * (b[3] - b[1]))
            ).any()
        )

    # a detected head at either end, for all vertical lines at once (as `head_at_end` tests each)
    head_end: np.ndarray | None = None
    if symbols is not None and len(heads) and len(vl):
        xc_v = ((vl[:, 0] + vl[:, 2]) / 2)[:, None]
        top_v, bottom_v = vl[:, 1, None], vl[:, 3, None]
        h0, h1 = heads[None, :, 1] - 0.6 * sp, heads[None, :, 3] + 0.6 * sp
        near_v = (heads[None, :, 0] - 0.4 * sp <= xc_v) & (xc_v <= heads[None, :, 2] + 0.4 * sp)
        at_end_v = ((h0 <= top_v) & (top_v <= h1)) | ((h0 <= bottom_v) & (bottom_v <= h1))
        head_end = (near_v & at_end_v).any(axis=1)

    for k_v, b in enumerate(vl):
        spans_staff = False
        bx0, by0, _, by1 = b.tolist()  # Python floats (the same values): scalar tests 3-4 times as fast
        for st in staves:
            if st[0] - sp <= bx0 <= st[2] + sp and abs(by0 - st[1]) <= tol:
                # ends on this staff's bottom line or a lower staff's bottom line (grand staff)
                bottoms = [s2[3] for s2 in staves if s2[1] >= st[1] - tol and s2[0] - sp <= bx0 <= s2[2] + sp]
                spans_staff = any(abs(by1 - bt) <= tol for bt in bottoms)
                break
        has_head = bool(head_end[k_v]) if head_end is not None else head_at_end(b)
        if spans_staff and not has_head:
            classes.append("barline")
        elif has_head and (b[3] - b[1]) <= 8 * sp and not inside_stroke_symbol(b):
            classes.append("stem")
        elif cfg.stem_follow > 0 and symbols is not None and len(heads):
            if soft_ink is None:
                paper, dark = levels
                soft_ink = image < paper - 0.2 * max(1.0, float(paper - dark))
            b, wide = _follow_vertical(
                soft_ink, b, int(round(cfg.stem_follow * sp)), max(2, int(round(0.3 * sp)))
            )
            # the head must be where the followed line ran into wider ink (an accidental's or a
            # letter's stroke ends in paper next to a head, a stem ends in its head)
            xc = (b[0] + b[2]) / 2
            near_x = (heads[:, 0] - 0.4 * sp <= xc) & (xc <= heads[:, 2] + 0.4 * sp)
            ends = [y for y, ok in zip((b[1], b[3]), wide, strict=True) if ok]
            in_head = any(
                bool((near_x & (heads[:, 1] - 0.6 * sp <= y) & (y <= heads[:, 3] + 0.6 * sp)).any())
                for y in ends
            )
            if in_head and (b[3] - b[1]) <= 8 * sp and not inside_stroke_symbol(b):
                classes.append("stem")
            else:
                continue
        else:
            continue
        boxes.append((float(b[0]), float(b[1]), float(b[2]), float(b[3])))

    # ledger lines: short thin horizontal runs outside the five lines of a staff. With noteheads
    # given, the same kind of short dash is a tenuto when it cannot be a ledger line: inside a staff
    # (in a space), off the staff's line grid, or farther from the staff than every notehead above or
    # below it (ledger lines run from the staff out to the head, never past it).
    k_led = cv2.getStructuringElement(cv2.MORPH_RECT, (int(cfg.ledger_length[0] * sp), 1))
    hled = _open_h(ink_h, k_led)
    off_lines = (horiz == 0).view(np.uint8)  # 0/1 masks: ANDs instead of indexed writes
    hled &= off_lines
    dashes = list(_components(hled))
    if symbols is not None and cfg.tenuto_length[0] < cfg.ledger_length[0]:
        # dashes shorter than a ledger line: a shorter opening, noteheads blanked first (a head is
        # as wide as a tenuto, and a tenuto never touches its head)
        k_short = cv2.getStructuringElement(cv2.MORPH_RECT, (max(2, int(cfg.tenuto_length[0] * sp)), 1))
        blank = ink_h.copy()
        pad = int(round(0.15 * sp))  # a head's box may sit a pixel inside its ink
        for x0, y0, x1, y1 in heads_px:
            blank[max(0, y0 - pad) : max(0, y1 + pad + 1), max(0, x0) : max(0, x1 + 1)] = 0
        hshort = _open_h(blank, k_short)
        hshort &= off_lines
        hshort &= (cv2.dilate(hled, np.ones((3, 3), np.uint8)) == 0).view(np.uint8)
        dashes += [b for b in _components(hshort) if b[2] - b[0] < cfg.ledger_length[0] * sp]
    hc = (heads[:, 1] + heads[:, 3]) / 2.0
    stem_boxes = np.asarray([bx for c, bx in zip(classes, boxes, strict=True) if c == "stem"], np.float64)
    stem_boxes = stem_boxes.reshape(-1, 4)
    boxes_all = np.asarray(
        [b for c, b in (symbols or []) if not c.startswith("articTenuto")], np.float64
    ).reshape(-1, 4)
    for b in dashes:
        w, h = b[2] - b[0], b[3] - b[1]
        if h > thin or w > max(cfg.ledger_length[1], cfg.tenuto_length[1]) * sp:
            continue
        kind = _ledger_or_tenuto(
            b, staves, heads, hc, boxes_all, stem_boxes, sp, cfg, with_heads=symbols is not None
        )
        if kind is not None:
            classes.append(kind)
            boxes.append((float(b[0]), float(b[1]), float(b[2]), float(b[3])))

    # beams: thick elongated ink after removing thin lines
    kb = max(2, int(round(cfg.beam_thickness * sp)))
    search = no_staff.copy()
    for ob in others:  # clefs, accidentals, dynamics... are not beams
        x0, y0, x1, y1 = (int(round(v)) for v in ob)
        search[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 0
    for x0, y0, x1, y1 in heads_px:  # noteheads: blank them so beams touching chords stay separate
        search[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 0
    thick = cv2.morphologyEx(search, cv2.MORPH_OPEN, np.ones((kb, kb), np.uint8))
    n, stats, thick_at, thick_lab = components_ink(thick)
    lab: np.ndarray | None = None  # the label image, for a band read beam by beam (rare)
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if w < cfg.beam_min_length * sp:
            continue
        # a beam is a (possibly slanted) band: its area is about length * thickness
        fill = area / float(w * h)
        mean_thick = area / float(w)
        if 0.3 * sp <= mean_thick <= 0.9 * sp and (fill > 0.5 or h > 1.2 * sp):
            classes.append("beam")
            boxes.append((float(x), float(y), float(x + w), float(y + h)))
        elif 0.9 * sp < mean_thick <= cfg.beam_levels * sp and (fill > 0.5 or h > 1.2 * sp):
            # blurred beams merged into one band: read it beam by beam
            if lab is None:
                lab = np.zeros(thick.shape, np.int32)
                lab.reshape(-1)[thick_at] = thick_lab
            for bx0, by0, bx1, by1 in _beam_levels(lab[y : y + h, x : x + w] == i, sp, cfg):
                classes.append("beam")
                boxes.append((float(x + bx0), float(y + by0), float(x + bx1), float(y + by1)))
    arr = np.asarray(boxes, np.float64).reshape(-1, 4)
    return LineSegments(tuple(classes), arr)


def find_lines(
    page: NormalizedPage,
    config: LineConfig | None = None,
    symbols: list[tuple[str, tuple[float, float, float, float]]] | None = None,
) -> list[Glyph]:
    """Line primitives of a normalised page as Glyphs in original page pixels (score 1.0 = rule-based).

    `symbols`: the network's detections in normalised pixels (see `find_lines_normalized`).
    """
    if not page.staff.found:
        return []
    space = page.staff.space_px * page.transform.scale
    segs = find_lines_normalized(page.image, space, config, symbols)
    if not len(segs.boxes):
        return []
    orig = page.transform.to_original_boxes(segs.boxes)
    return [
        Glyph(c, (float(b[0]), float(b[1]), float(b[2]), float(b[3])), 1.0, -1)
        for c, b in zip(segs.classes, orig, strict=True)
    ]


def segment_recall(pred: np.ndarray, gt: np.ndarray, tolerance: float) -> tuple[float, float, int, int]:
    """Recall and precision of line segments: (recall, precision, n_gt, n_pred).

    A ground-truth segment (xyxy box of a thin line) is found when a predicted box lies within
    `tolerance` pixels on every side (each edge) of it; one prediction matches at most one segment.
    """
    g = np.asarray(gt, np.float64).reshape(-1, 4)
    p = np.asarray(pred, np.float64).reshape(-1, 4)
    if not len(g):
        return (1.0 if not len(p) else 0.0), (0.0 if len(p) else 1.0), 0, len(p)
    if not len(p):
        return 0.0, 1.0, len(g), 0
    d = np.abs(g[:, None, :] - p[None, :, :]).max(2)  # (G, P) largest edge distance
    used = np.zeros(len(p), bool)
    hit = 0
    for i in np.argsort(d.min(1)):
        cand = np.where(used, np.inf, d[i])
        j = int(np.argmin(cand))
        if cand[j] <= tolerance:
            used[j] = True
            hit += 1
    return hit / len(g), hit / len(p), len(g), len(p)
