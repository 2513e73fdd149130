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

__all__ = ["DewarpConfig", "DewarpResult", "SplitConfig", "dewarp", "split_columns", "staff_space"]


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
    min_lines: int = 10
    """Each part needs a column crossed by at least this many staff-line pixels (two staves' lines)."""
    max_parts: int = 4
    """Most parts one image is split into."""
    lineless_whole: bool = True
    """A page with no staff lines but with lone barlines of one height (`normalize.space_from_barlines`:
    the lines bleached away) is one page: its long beams and gaps between them made the splitter cut a
    degraded dev page in two."""


def staff_space(grey: np.ndarray, measure_width: int = 2600) -> float | None:
    """Staff space of a page in its own pixels (None: no staff lines), measured on a copy at most
    `measure_width` wide (photos are 4-6k pixels wide; the run-length histograms do not need that)."""
    import cv2

    from frontline.music.normalize import checked_staff

    h, w = grey.shape[:2]
    f0 = min(1.0, measure_width / max(w, 1))
    probe = (
        grey
        if f0 >= 1.0
        else cv2.resize(grey, (round(w * f0), max(1, round(h * f0))), interpolation=cv2.INTER_AREA)
    )
    staff, _ = checked_staff(probe)
    return staff.space_px / f0 if staff.found else None


def _background(small: np.ndarray, sigma: float) -> np.ndarray:
    """Smooth paper level around every pixel (a Gaussian of `sigma` pixels, computed at 1/4 size)."""
    import cv2

    h, w = small.shape[:2]
    q = 4 if min(h, w) >= 64 else 1
    tiny = cv2.resize(small, (max(1, w // q), max(1, h // q)), interpolation=cv2.INTER_AREA)
    tiny = cv2.GaussianBlur(tiny.astype(np.float32), (0, 0), max(0.5, sigma / q))
    return cv2.resize(tiny, (w, h), interpolation=cv2.INTER_LINEAR)


def _line_profile(grey: np.ndarray, cfg: SplitConfig, space_px: float | None) -> tuple[np.ndarray, float]:
    """Per-column count of long-horizontal-line pixels at the work scale, and the scale factor used."""
    import cv2

    from frontline.music.lines import open_rows

    h, w = grey.shape[:2]
    if space_px is not None:
        f = min(1.0, cfg.work_space_px / space_px)
    else:
        f = min(1.0, cfg.work_width / max(w, 1))
    small = cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    # local contrast: ink is darker than its neighbourhood (shadows and the photo's own background are not)
    bg = _background(small, max(2.0, small.shape[1] / 150))
    ink = small.astype(np.float32) < cfg.ink_ratio * bg
    k = max(9, round(small.shape[1] * cfg.line_kernel_frac))
    # a vertical dilation first keeps a line that is a few degrees off horizontal in one piece
    thick = cv2.dilate(ink.astype(np.uint8), np.ones((3, 1), np.uint8))
    lines = open_rows(thick, k)  # = cv2's opening with a (1, k) bar, from the 0/1 mask's row runs
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
        if min(seg[:mid].max(), seg[mid:].max()) < cfg.min_lines:
            continue  # no column on one side crosses two staves' lines: noise, not a page
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return None if best is None else lo + (best[0] + best[1]) // 2


def split_columns(
    grey: np.ndarray, config: SplitConfig | None = None, space_px: float | None = None
) -> list[tuple[int, int]]:
    """Column ranges [x0, x1) of the pages in a greyscale image, left to right (one range: no split).

    A split needs a gutter at least `min_gap_frac` of the width wide in which (almost) no column holds
    staff-line pixels, with staff lines on both sides (`min_side_mass` of them each) and each side at
    least `min_side_frac` of the width wide. Parts are split again while that holds, up to `max_parts`.
    `space_px` is the page's staff space if already measured (`staff_space`).
    """
    cfg = config or SplitConfig()
    h, w = grey.shape[:2]
    if w < 64 or h < 64:
        return [(0, w)]
    if space_px is None:
        space_px = staff_space(grey, cfg.measure_width)
    if space_px is None and cfg.lineless_whole:
        from frontline.music.normalize import space_from_barlines

        if space_from_barlines(grey) > 0:
            return [(0, w)]
    profile, f = _line_profile(grey, cfg, space_px)
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


# --- staff-line dewarping --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DewarpConfig:
    """Settings of the staff-line dewarping (curled pages, perspective)."""

    work_space_px: float = 10.0
    """Staff lines are traced on a copy shrunk to this staff space (pixels)."""
    strip_spaces: float = 4.0
    """Width of the vertical strips in which line positions are measured, in staff spaces."""
    link_spaces: float = 0.35
    """A line position continues a track when within this many staff spaces of the track's prediction."""
    min_track_frac: float = 0.25
    """A traced line must span at least this share of the page width to be used."""
    min_tracks: int = 5
    """Fewer usable lines than this (one staff): the page is left as it is."""
    min_bend_spaces: float = 0.3
    """The page is only remapped when the lines bend by more than this (staff spaces) beyond a plain skew."""
    smooth_spaces: float = 3.0
    """The shift field is smoothed along x with a Gaussian of this many staff spaces."""


@dataclass(frozen=True, slots=True)
class DewarpResult:
    """What the dewarping did to a page."""

    applied: bool
    """Whether the page was remapped."""
    tracks: int
    """Staff lines traced and used."""
    bend_px: float
    """How far (95th percentile, original pixels) the lines bent beyond a plain skew."""
    reason: str = ""
    """Why the page was left as it is (when not applied)."""
    shift: np.ndarray | None = None
    """(h, w) float32 on the work grid: source row = output row + shift (original pixels); None if not applied."""
    scale: float = 1.0
    """Work-grid pixels per original pixel."""

    def to_original_points(self, xy: np.ndarray) -> np.ndarray:
        """Map (N, 2) points of the dewarped page back to the original page (x is unchanged)."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2).copy()
        if self.shift is None:
            return pts
        import cv2

        gx = (pts[:, 0] * self.scale).astype(np.float32).reshape(-1, 1)
        gy = (pts[:, 1] * self.scale).astype(np.float32).reshape(-1, 1)
        d = cv2.remap(self.shift, gx, gy, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        pts[:, 1] += d.reshape(-1).astype(np.float64)
        return pts


def _trace_lines(ink: np.ndarray, space: float, cfg: DewarpConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Staff-line tracks (x positions, y centres) in a work-scale horizontal-line mask."""
    h, w = ink.shape
    sw = max(8, round(cfg.strip_spaces * space))
    step = max(4, sw // 2)
    link = cfg.link_spaces * space
    xs_all: list[list[float]] = []
    ys_all: list[list[float]] = []
    active: list[int] = []  # indices into xs_all / ys_all of the tracks still open
    # every strip's row profile at once (rows x strips): ink counts smoothed by [1/4, 1/2, 1/4] down
    # the rows (np.convolve "same"); counts are whole numbers, so every sum is exact in float64.
    # Row sums up to each strip edge: the cumulative sum of the sums between consecutive edges
    starts = np.arange(0, max(1, w - sw + 1), step)
    ends = np.minimum(w, starts + sw)
    edges = np.unique(np.concatenate([starts, ends[ends < w]]))  # starts with 0
    csum = np.zeros((h, len(edges) + 1), np.int64)  # ink left of each edge, then of the whole row
    np.cumsum(np.add.reduceat(ink, edges, axis=1, dtype=np.int64), axis=1, out=csum[:, 1:])
    at = np.append(edges, w)
    col = np.searchsorted(at, ends), np.searchsorted(at, starts)
    prof = (csum[:, col[0]] - csum[:, col[1]]).astype(np.float64)
    sm = 0.5 * prof
    sm[1:] += 0.25 * prof[:-1]
    sm[:-1] += 0.25 * prof[1:]
    ok = (sm >= 0.5 * sw) & (sm >= np.roll(sm, 1, axis=0)) & (sm > np.roll(sm, -1, axis=0))
    ok[0] = ok[-1] = False
    strip_of, rows = np.nonzero(ok.T)  # strip by strip, rows ascending
    # sub-pixel centre of each peak (centroid of the 3 rows)
    a, b, c = sm[rows - 1, strip_of], sm[rows, strip_of], sm[rows + 1, strip_of]
    all_peaks = (a * (rows - 1) + b * rows + c * (rows + 1)) / np.maximum(a + b + c, 1e-9)
    bounds = np.searchsorted(strip_of, np.arange(len(starts) + 1))
    for si, x0 in enumerate(starts.tolist()):
        peaks = all_peaks[bounds[si] : bounds[si + 1]]
        xc = x0 + sw / 2.0
        used = np.zeros(len(peaks), bool)
        still: list[int] = []
        if active and len(peaks):
            pred = np.empty(len(active))
            for k, t in enumerate(active):
                tx, ty = xs_all[t], ys_all[t]
                j0 = max(0, len(tx) - 4)
                slope = (ty[-1] - ty[j0]) / (tx[-1] - tx[j0]) if len(tx) >= 2 else 0.0
                pred[k] = ty[-1] + slope * (xc - tx[-1])
            idx = (
                np.clip(np.searchsorted(peaks, pred), 1, len(peaks) - 1)
                if len(peaks) > 1
                else np.zeros(len(pred), int)
            )
            left = np.abs(peaks[idx - 1] - pred) if len(peaks) > 1 else np.abs(peaks[0] - pred)
            right = np.abs(peaks[idx] - pred)
            near = np.where(left <= right, idx - 1, idx) if len(peaks) > 1 else np.zeros(len(pred), int)
            dist = np.minimum(left, right)
            owner: dict[int, int] = {}
            for k in np.argsort(dist):  # closest claims first; a peak continues one track only
                if dist[k] < link and int(near[k]) not in owner:
                    owner[int(near[k])] = int(k)
            taken = {k: p for p, k in owner.items()}
        else:
            taken = {}
        for k, t in enumerate(active):
            if k in taken:
                used[taken[k]] = True
                xs_all[t].append(xc)
                ys_all[t].append(float(peaks[taken[k]]))
                still.append(t)
            elif xc - xs_all[t][-1] <= 6 * step:
                still.append(t)  # a gap (a note or a barline on the line): keep it open for a while
        for i_p in np.nonzero(~used)[0]:
            xs_all.append([xc])
            ys_all.append([float(peaks[i_p])])
            still.append(len(xs_all) - 1)
        active = still
    min_len = cfg.min_track_frac * w
    return [
        (np.array(tx), np.array(ty))
        for tx, ty in zip(xs_all, ys_all, strict=True)
        if tx[-1] - tx[0] >= min_len
    ]


def dewarp(
    grey: np.ndarray, config: DewarpConfig | None = None, space_px: float | None = None
) -> tuple[np.ndarray, DewarpResult]:
    """Straighten curled or keystoned staves: remap the page so every traced staff line is level.

    Staff lines are traced on a copy shrunk to `work_space_px` per staff space: in vertical strips
    the rows where many pixels belong to long horizontal lines are line centres, and centres are linked
    strip to strip into tracks. Each long track's vertical offset from its own height at the page
    centre, interpolated between tracks and smoothed along x, is the shift that makes it level. Pages
    whose lines are straight (a skew alone is left to the normaliser) are returned unchanged.
    `space_px` is the page's staff space if already measured (`staff_space`).
    """
    import cv2

    from frontline.music.lines import open_rows

    cfg = config or DewarpConfig()
    h, w = grey.shape[:2]
    space = space_px if space_px is not None else staff_space(grey)
    if space is None:
        return grey, DewarpResult(False, 0, 0.0, "no staff lines found")
    f = min(1.0, cfg.work_space_px / space)
    sw_, sh_ = max(8, round(w * f)), max(8, round(h * f))
    small = cv2.resize(grey, (sw_, sh_), interpolation=cv2.INTER_AREA)
    bg = _background(small, 3 * cfg.work_space_px)
    ink = (small.astype(np.float32) < 0.8 * bg).astype(np.uint8)
    k = max(5, round(2.5 * cfg.work_space_px))
    lines = open_rows(cv2.dilate(ink, np.ones((3, 1), np.uint8)), k)  # = cv2's (1, k) opening
    lines = cv2.erode(lines, np.ones((3, 1), np.uint8))  # undo the thickening: centres stay put
    sp = space * f
    tracks = _trace_lines(lines.astype(bool), sp, cfg)
    if len(tracks) < cfg.min_tracks:
        return grey, DewarpResult(False, len(tracks), 0.0, f"only {len(tracks)} staff lines traced")
    xc = sw_ / 2.0
    cols = np.arange(0, sw_, dtype=np.float64)
    # a plain skew shifts every line by the same slope: the median of the tracks' own slopes
    skew = float(np.median([np.polyfit(xs, ys, 1)[0] for xs, ys in tracks]))
    targets, shifts, bends = [], [], []
    for xs, ys in tracks:
        # the track's own height at the page centre (its skew line's, when it does not reach it)
        t = float(np.interp(xc, xs, ys)) if xs[0] <= xc <= xs[-1] else float(np.median(ys - skew * (xs - xc)))
        # beyond its ends a track continues along the page's skew
        d = np.interp(cols, xs, ys) - t
        d[cols < xs[0]] = ys[0] - t + skew * (cols[cols < xs[0]] - xs[0])
        d[cols > xs[-1]] = ys[-1] - t + skew * (cols[cols > xs[-1]] - xs[-1])
        # how far the traced line itself departs from a straight line at the page's skew
        resid = ys - skew * (xs - xc)
        bends.append(np.abs(resid - np.median(resid)))
        targets.append(t)
        shifts.append(d)
    order = np.argsort(targets)
    tg = np.asarray(targets)[order]
    dd = np.asarray(shifts)[order]  # (tracks, columns)
    bend_px = float(np.percentile(np.concatenate(bends), 95)) / f
    if bend_px < cfg.min_bend_spaces * space:
        return grey, DewarpResult(False, len(tracks), bend_px, "staff lines are straight")
    # drop tracks that disagree with their neighbours (a beam or a text line linked as a line)
    keep = np.ones(len(tg), bool)
    for i in range(len(tg)):
        nb = [j for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < len(tg)]
        ref = np.median(dd[nb], axis=0)
        keep[i] = float(np.median(np.abs(dd[i] - ref))) < 0.5 * sp
    tg, dd = tg[keep], dd[keep]
    # one target height per line: merge near-duplicates
    if len(tg) < cfg.min_tracks:
        return grey, DewarpResult(False, int(len(tg)), bend_px, "too few consistent staff lines")
    dd = cv2.GaussianBlur(dd.astype(np.float32), (0, 0), sigmaX=cfg.smooth_spaces * sp, sigmaY=0.01)
    # shift field on the work grid: for output row y (target space), source row y + shift
    rows = np.arange(sh_, dtype=np.float64)
    field = np.empty((sh_, sw_), np.float32)
    for x in range(sw_):
        field[:, x] = np.interp(rows, tg, dd[:, x])
    field /= f  # in original pixels
    big = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)
    map_x, map_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    map_y += big
    out = cv2.remap(grey, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out, DewarpResult(True, int(len(tg)), bend_px, shift=field, scale=f)
