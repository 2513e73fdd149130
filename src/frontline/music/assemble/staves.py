"""Staves and systems: find five-line staves (from staff glyphs or the image) and group them into systems.

Why: every later rule (pitch from staff position, measures from barlines, parts across systems) is
relative to a staff, so staff geometry comes first. Pure functions of glyphs and pixels.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from frontline.music.assemble.pixels import darkness, ink_mask
from frontline.music.quantiles import median_u8
from frontline.music.records import Glyph, Staff, System

__all__ = [
    "deskew_glyphs",
    "estimate_skew",
    "skew_from_staff_boxes",
    "find_barlines",
    "find_connectors",
    "find_staves",
    "group_systems",
    "nearest_staff",
    "rotated_page",
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


def find_staves(grey: np.ndarray, min_width_frac: float = 0.15, refine_lines: bool = True) -> list[Staff]:
    """Find five-line staves in a greyscale page (uint8, 255 = white) from long horizontal ink runs.

    The page's darkness above the paper is opened with a long horizontal kernel (staff lines survive,
    notes, text and speckles do not), and the row profile of what is left, smoothed over three rows, gives line candidates
    (at least `min_width_frac` of the strongest row). Five candidates with even spacing form a staff;
    its x extent is where at least three of its lines have ink. Robust to paper texture, speckle noise
    and blur; deskew first (`estimate_skew`): a line must stay within a row or two over the kernel.
    `refine_lines`: five candidates that are not evenly spaced get a second look, each line taken where
    the rows' ink runs widest (a beam along a line pulls its darkness peak off it).
    """
    if grey.ndim != 2 or grey.size == 0:
        return []
    import cv2

    # darkness above the paper, opened in grey levels: a thin line antialiased over two rows keeps
    # its (lighter) darkness in both, where a binarisation would lose it
    paper = median_u8(grey) if grey.dtype == np.uint8 else float(np.median(grey))
    dark = darkness(grey, paper)
    h, w = dark.shape
    klen = max(8, w // 30)
    horiz = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, klen), np.uint8))
    if horiz.dtype == np.uint8 and w * 255 < 1 << 24:
        # whole levels (a whole-level paper): kept in uint8, the same numbers as the float32 copy this
        # made (3-4 ms per float32 pass over a 300-dpi page): paper texture (< 8) cleared, row sums
        # exact integers (a row's sum stays below 2**24), line bands widened to float32 below
        cv2.threshold(horiz, 7, 0, cv2.THRESH_TOZERO, dst=horiz)  # paper texture
        rows = cv2.reduce(horiz, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)
        on_row = cv2.threshold(horiz, 0, 1, cv2.THRESH_BINARY)[1]
        cover = cv2.reduce(on_row, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.int64)
    else:
        horiz = horiz.astype(np.float32)
        horiz[horiz < 8] = 0  # paper texture
        rows = horiz.sum(axis=1).astype(np.float64)
        cover = (horiz > 0).sum(axis=1)
    smooth = np.convolve(rows, np.ones(3), mode="same")
    if smooth.max() <= 0:
        return []
    # reference: a high percentile, not the maximum (a long beam or a dark title rule would set it)
    ref = float(np.percentile(smooth, 97))
    # candidates: peaks of the profile (a threshold on rows would merge a line with a beam beside it)
    peaks = _peaks(smooth, min_width_frac * max(ref, 0.25 * float(smooth.max())), 3)
    lines: list[tuple[float, int, int]] = []  # (centre y, first row, last row)
    for pk in peaks:
        y0, y1 = max(0, int(pk) - 1), min(h - 1, int(pk) + 1)
        seg = rows[y0 : y1 + 1]
        centre = float((np.arange(y0, y1 + 1) * seg).sum() / max(seg.sum(), 1e-9))
        lines.append((centre, y0, y1))
    # columns with line ink per candidate: staff lines run the staff's width, ledger lines and beams not
    extent = [int((horiz[max(0, a - 1) : b + 2] > 0).any(axis=0).sum()) for _, a, b in lines]
    staves: list[Staff] = []
    if len(lines) < 5:
        return staves
    ys_all = np.array([c for c, _, _ in lines])
    gaps_all = np.diff(ys_all)
    gaps_all = gaps_all[gaps_all > 2]
    if not gaps_all.size:
        return staves
    # the staff space: the commonest gap between neighbouring candidates (spurious rows are rarer)
    hist = np.bincount(np.round(gaps_all).astype(np.int64))
    space = float(np.argmax(hist))
    near = gaps_all[np.abs(gaps_all - space) <= max(1.0, 0.15 * space)]
    space = float(near.mean()) if near.size else space
    used = [False] * len(lines)
    for i in range(len(lines)):
        if used[i]:
            continue
        # four more lines at about one space apart each; spurious candidates in between are skipped
        chosen = [i]
        sp = space
        for _ in range(4):
            target = lines[chosen[-1]][0] + sp
            best = min(
                (j for j in range(chosen[-1] + 1, len(lines)) if not used[j]),
                key=lambda j: abs(lines[j][0] - target),
                default=None,
            )
            if best is None or abs(lines[best][0] - target) > 0.3 * space:
                break
            chosen.append(best)
            sp = (lines[chosen[-1]][0] - lines[chosen[0]][0]) / (len(chosen) - 1)
        if len(chosen) < 5:
            continue
        # a ledger line or beam one space above (or below) the staff may have started the chain: slide
        # the five lines down while the next candidate is a longer line than the first
        while True:
            nxt = chosen[-1] + 1
            while nxt < len(lines) and lines[nxt][0] - lines[chosen[-1]][0] < 0.7 * sp:
                nxt += 1
            if (
                nxt >= len(lines)
                or abs(lines[nxt][0] - lines[chosen[-1]][0] - sp) > 0.3 * space
                or extent[nxt] <= 1.2 * extent[chosen[0]]
            ):
                break
            chosen = [*chosen[1:], nxt]
        if min(extent[k] for k in chosen) < 0.5 * max(extent[k] for k in chosen):
            continue
        ys5 = np.array([lines[k][0] for k in chosen])
        refined = not _even(ys5, space) and refine_lines
        if refined:
            # a beam lying along a staff line pulls the line's darkness peak off the line (dense
            # piano pages): take each line where the rows' ink runs widest (a staff line runs the
            # staff's width, a beam does not)
            ys5 = np.array([_widest_row(cover, float(y), space) for y in ys5])
        if not _even(ys5, space):
            continue  # uneven or off-size: stacked ledger lines or beams, not a staff
        if refined:  # the line's own rows only (the beam beside it is darker than the line)
            bands = [horiz[int(np.floor(y)) : int(np.ceil(y)) + 1].max(axis=0) for y in ys5]
        else:
            bands = [horiz[max(0, lines[k][1] - 1) : lines[k][2] + 2].max(axis=0) for k in chosen]
        bands = [b.astype(np.float32, copy=False) for b in bands]
        # the line's own darkness (paper texture and scan noise are much lighter)
        level = float(np.percentile(np.concatenate([b[b > 0] for b in bands] or [np.zeros(1)]), 75))
        on = sum((b >= 0.4 * level).astype(np.int32) for b in bands)
        cols = np.where(on >= 3)[0]
        if cols.size < 4 * space:
            continue
        for k in chosen:
            used[k] = True
        for k in range(chosen[0], chosen[-1] + 1):
            used[k] = True  # anything between a staff's lines is not the start of another staff
        x0, x1 = float(cols.min()), float(cols.max())
        staves.append(Staff(len(staves), tuple(float(y) for y in ys5), x0, x1))
    return staves


def _even(ys5: np.ndarray, space: float) -> bool:
    """Whether five line centres are evenly spaced about one staff space apart."""
    step = float(ys5[-1] - ys5[0]) / 4
    resid = np.abs(ys5 - (ys5[0] + step * np.arange(5)))
    return bool(resid.max() <= 0.15 * space and abs(step - space) <= 0.07 * space)


def _widest_row(cover: np.ndarray, y: float, space: float) -> float:
    """Centre of the rows within 0.35 space of `y` whose ink runs at least 90% as wide as the widest."""
    a, b = max(0, int(np.floor(y - 0.35 * space))), min(len(cover), int(np.ceil(y + 0.35 * space)) + 1)
    seg = cover[a:b].astype(np.float64)
    if seg.size == 0 or seg.max() <= 0:
        return y
    idx = np.flatnonzero(seg >= 0.9 * seg.max())
    return float(a + (idx * seg[idx]).sum() / seg[idx].sum())


def _peaks(values: np.ndarray, height: float, distance: int) -> list[int]:
    """Indices of local maxima at least `height` high, at least `distance` apart (taller ones win)."""
    v = np.asarray(values, np.float64)
    if v.size < 3:
        return []
    inner = (v[1:-1] >= v[:-2]) & (v[1:-1] > v[2:]) & (v[1:-1] >= height)
    cand = sorted((int(i) + 1 for i in np.flatnonzero(inner)), key=lambda i: -v[i])
    kept: list[int] = []
    for i in cand:
        if all(abs(i - k) >= distance for k in kept):
            kept.append(i)
    return sorted(kept)


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


def group_systems(
    staves: list[Staff],
    glyphs: list[Glyph],
    complete: bool = True,
    gaps: bool = True,
    pair_bars: float = 0.0,
) -> list[System]:
    """Group staves into systems and each system's staves into parts.

    Neighbouring staves belong to one system when a connector (systemic barline, brace, bracket) or a
    barline spans the gap between them; with `complete`, also consecutive systems smaller than the
    page's usual one that add up to it (`_complete_systems`). A brace makes its staves one part (a grand staff), and so does a
    hookless "bracket" (a brace drawn as a path) around exactly two staves whose barlines run through
    both; every other staff is a part of its own. A bracket over two or more whole parts groups them
    (`System.part_brackets`). With `gaps`, systems of unequal sizes are regrouped at the wide gaps
    between staves when that gives systems all of one size and one clef order (`_systems_from_gaps`;
    `pair_bars`: the share of barlines that must line up for systems of two staves there).
    """
    if not staves:
        return []
    links = [False] * (len(staves) - 1)
    braced = [False] * (len(staves) - 1)
    bar_joined = [False] * (len(staves) - 1)
    pair_group = [False] * (len(staves) - 1)
    bracketed: list[list[int]] = []  # the staves each bracket covers
    for g in glyphs:
        if g.class_name not in _CONNECTORS and g.class_name not in BARLINE_CLASSES:
            continue
        _, y0, _, y1 = g.bbox_xyxy
        covered = [i for i, s in enumerate(staves) if y0 <= s.bottom and y1 >= s.top]
        if g.class_name == "bracket" and len(covered) >= 2:
            bracketed.append(covered)
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
    # brackets read from the pixels come one per pair of neighbouring staves: overlapping ones are one
    merged: list[list[int]] = []
    for cov in sorted(bracketed):
        if merged and cov[0] <= merged[-1][-1]:
            merged[-1] = sorted(set(merged[-1]) | set(cov))
        else:
            merged.append(cov)
    bracketed = merged
    if complete:
        links = _complete_systems(staves, links)
    if gaps:
        links = _systems_from_gaps(staves, links, glyphs, pair_bars)
    # a two-staff group without bracket hooks whose barlines run through both staves is a grand staff,
    # whether the engraver drew its brace as a glyph (brace) or as a path (seen as bracket)
    braced = [br or (pg and bj) for br, pg, bj in zip(braced, pair_group, bar_joined, strict=True)]
    # no brace or bracket seen at all (a detector may miss them): a system of exactly two staves with a
    # treble clef over a bass clef at their start whose barlines run through both is a piano grand staff
    # (with barlines of their own the two staves are two instruments, e.g. a duo score without a brace)
    grouped = {g.class_name for g in glyphs} & {"brace", "bracket"}
    for i in range(len(staves) - 1):
        lone_pair = links[i] and (i == 0 or not links[i - 1]) and (i + 2 >= len(staves) or not links[i + 1])
        if (
            lone_pair
            and not braced[i]
            and not grouped
            and bar_joined[i]
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
            groups = []
            for cov in bracketed:
                inside = [p for p, idx in enumerate(parts) if all(start + j in cov for j in idx)]
                if (
                    cov[0] >= start
                    and cov[-1] <= i
                    and len(inside) >= 2
                    and inside[-1] - inside[0] == len(inside) - 1
                ):
                    groups.append((inside[0], inside[-1]))
            systems.append(System(tuple(members), tuple(parts), part_brackets=tuple(sorted(set(groups)))))
            start = i + 1
    return systems


def estimate_skew(grey: np.ndarray, max_deg: float = 3.0, ink_percentile: float | None = None) -> float:
    """Page rotation in degrees from the sharpness of the row profile of dark pixels (staff lines dominate).

    Positive when lines descend to the right (y grows with x). Works on a downscaled copy; 0.02 degree steps.
    Long horizontal ink counts from a quarter of its darkest value, or, with `ink_percentile`, of that
    percentile of its darkness (faint staff lines of a low-contrast page next to dark beams then still vote).
    """
    if grey.ndim != 2 or grey.size == 0:
        return 0.0
    import cv2

    step = max(1, max(grey.shape) // 1200)
    small = np.ascontiguousarray(grey[::step, ::step])
    # darkness above the paper (robust to grey paper, low contrast and blur), then keep only long
    # horizontal runs (staff lines): text, beams and dense notes do not vote
    paper = median_u8(small) if small.dtype == np.uint8 else float(np.median(small))
    dark = darkness(small, paper)
    run = max(15, small.shape[1] // 60)
    # uint8 when the darkness is (no float32 copy of the page): the same values, and the same float32
    # statistics and comparisons below
    lines = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    if lines.dtype != np.uint8:
        lines = lines.astype(np.float32)
    if ink_percentile is None:
        thr = 0.25 * float(lines.max()) if lines.size else 0.0
    else:
        dark_runs = lines[lines > 0].astype(np.float32)
        thr = 0.25 * float(np.percentile(dark_runs, ink_percentile)) if dark_runs.size else 0.0
    ys, xs = np.nonzero(lines > np.float32(thr))
    if ys.size < 200:
        return 0.0
    weights = lines[ys, xs].astype(np.float64)
    xs = xs - xs.mean()
    ysf = ys.astype(np.float64)
    buf = np.empty_like(xs)

    def sharpness(deg: float) -> float:
        # round(ys - xs * tan) shifted to start at 0, in one float64 buffer (whole numbers: exact); 72
        # angles per page, 27 -> 21 ms on a 300-dpi page
        np.multiply(xs, np.tan(np.radians(deg)), out=buf)
        np.subtract(ysf, buf, out=buf)
        np.rint(buf, out=buf)
        np.subtract(buf, buf.min(), out=buf)
        hist = np.bincount(buf.astype(np.intp), weights=weights)
        return float((hist**2).sum())

    coarse = np.arange(-max_deg, max_deg + 1e-9, 0.1)
    best = float(coarse[int(np.argmax([sharpness(a) for a in coarse]))])
    fine = np.arange(best - 0.1, best + 0.1 + 1e-9, 0.02)
    return float(fine[int(np.argmax([sharpness(a) for a in fine]))])


def _system_sizes(links: list[bool]) -> list[int]:
    """Staves per system, top to bottom, from the links between neighbouring staves (True: one system)."""
    sizes: list[int] = []
    n = 1
    for lk in links:
        if lk:
            n += 1
        else:
            sizes.append(n)
            n = 1
    sizes.append(n)
    return sizes


def _complete_systems(staves: list[Staff], links: list[bool]) -> list[bool]:
    """Join runs of consecutive systems that are each smaller than the page's usual system and together
    make exactly one, when the gaps between them are no wider than 1.25 times the widest gap inside a
    system and their staves start within a space of each other.

    Why: on a page whose staff lines are gone the systemic barline at the systems' start is often gone
    too, and the barlines of a choir's staves stop at each staff: a dev page's first four-staff system
    fell apart into 2 + 1 + 1 and every later part was out of step. The usual size is the commonest one
    among at least two systems of two or more staves.
    """
    sizes = _system_sizes(links)
    big = [z for z in sizes if z >= 2]
    if len(big) < 2:
        return links
    usual = max(set(big), key=big.count)
    if big.count(usual) < 2:
        return links
    inner = [staves[i + 1].top - staves[i].bottom for i, lk in enumerate(links) if lk]
    if not inner:
        return links
    limit = 1.25 * max(inner)
    starts = np.cumsum([0] + sizes[:-1])
    out = list(links)
    k = 0
    while k < len(sizes):
        total, m = 0, k
        while m < len(sizes) and sizes[m] < usual and total + sizes[m] <= usual:
            total += sizes[m]
            m += 1
            if total == usual:
                break
        if total == usual and m - k >= 2:
            first, last = int(starts[k]), int(starts[m - 1]) + sizes[m - 1] - 1
            members = staves[first : last + 1]
            gaps_ok = all(
                staves[int(starts[j])].top - staves[int(starts[j]) - 1].bottom <= limit
                for j in range(k + 1, m)
            )
            x0s = [st.x0 for st in members]
            if gaps_ok and max(x0s) - min(x0s) <= members[0].staff_space_px:
                for i in range(first, last):
                    out[i] = True
                k = m
                continue
        k += 1
    return out


def _start_clef(glyphs: list[Glyph], staff: Staff) -> tuple[float, str] | None:
    """Centre x and class of the leftmost clef on the staff within its first eighth (None without one)."""
    reach = staff.x0 + (staff.x1 - staff.x0) / 8
    sp = staff.staff_space_px
    found = [
        (g.center_xy[0], g.class_name)
        for g in glyphs
        if g.class_name.startswith("clef")
        and staff.top - sp <= g.center_xy[1] <= staff.bottom + sp
        and g.center_xy[0] <= reach
    ]
    return min(found) if found else None


def _bars_line_up(staves: list[Staff], group: list[int], glyphs: list[Glyph], share: float) -> bool:
    """Whether every staff of the group has two barlines or more and `share` of them has one on each other
    staff of the group within a space (barlines inside a staff or within a space of it)."""
    xs = []
    for i in group:
        st = staves[i]
        sp = st.staff_space_px
        xs.append(
            [
                g.center_xy[0]
                for g in glyphs
                if g.class_name in BARLINE_CLASSES and st.top - sp <= g.center_xy[1] <= st.bottom + sp
            ]
        )
    if any(len(x) < 2 for x in xs):
        return False
    sp = staves[group[0]].staff_space_px
    for a, xa in enumerate(xs):
        for b, xb in enumerate(xs):
            if a != b and sum(any(abs(u - v) <= sp for v in xb) for u in xa) < share * len(xa):
                return False
    return True


def _systems_from_gaps(
    staves: list[Staff], links: list[bool], glyphs: list[Glyph], pair_bars: float = 0.0
) -> list[bool]:
    """Regroup systems of unequal sizes at the page's wide gaps. For each gap width t from the widest
    gap a connector or barline spans upwards, neighbouring staves are one system unless the gap between
    them is wider than t; taken at the first t whose wider gaps are all at least 1.1 times t and that
    gives at least two systems, all of one size (two staves or more), whose start clefs stand within
    1.5 spaces of each other (the staves' starts within a space where fewer than half have a clef) and
    agree in class staff by staff (a missing clef agrees). With no link at all the wider gaps must be
    1.3 times t and the systems hold three staves or more (a page of single staves spaced unevenly is
    not read as duets), or two when `pair_bars` > 0 and each pair's barlines line up (`_bars_line_up`:
    a voice-and-clarinet page whose system lines were all lost read as 8 single staves).

    Why: on a binarised scan the staff lines, the system's start line and a choir's barlines (which stop
    at each staff) come out as dotted fragments, and only some gaps keep a visible link. A dev page of
    two eight-staff systems read as 1 + 1 + 4 + 1 + 1 + 4 + 4 (`_complete_systems` then joins to the
    commonest size, four), 4 parts of 8: 1056 edits, note F1 0.02; a page of three five-staff systems
    (gaps 89 px inside, 102 between; the staves' starts scattered by the lost lines) read 5 + 10 x 1:
    465 edits; a page of three eight-staff systems kept no link at all.
    """
    sizes = _system_sizes(links)
    if len(staves) < 4 or (len(set(sizes)) == 1 and sizes[0] > 1):
        return links
    widths = [staves[i + 1].top - staves[i].bottom for i in range(len(staves) - 1)]
    inner = [g for g, lk in zip(widths, links, strict=True) if lk]
    sep, min_size = (1.1, 2) if inner else (1.3, 3)
    floor = max(inner) if inner else min(widths)
    clefs = [_start_clef(glyphs, st) for st in staves]
    for t in sorted({g for g in widths if g >= floor}):
        split = [g for g, lk in zip(widths, links, strict=True) if not lk and g > t]
        if not split or min(split) < sep * t:
            continue
        new = [lk or g <= t for g, lk in zip(widths, links, strict=True)]
        groups: list[list[int]] = []
        start = 0
        for i in range(len(staves)):
            if i == len(staves) - 1 or not new[i]:
                groups.append(list(range(start, i + 1)))
                start = i + 1
        if len(groups) < 2 or len({len(g) for g in groups}) != 1:
            continue
        if len(groups[0]) < min_size and not (
            pair_bars > 0
            and len(groups[0]) == 2
            and all(_bars_line_up(staves, g, glyphs, pair_bars) for g in groups)
        ):
            continue
        ok = True
        for grp in groups:
            sp = staves[grp[0]].staff_space_px
            xs = [c[0] for c in (clefs[i] for i in grp) if c is not None]
            if len(xs) >= len(grp) / 2:
                ok = ok and max(xs) - min(xs) <= 1.5 * sp
            else:
                x0s = [staves[i].x0 for i in grp]
                ok = ok and max(x0s) - min(x0s) <= sp
        for pos in range(len(groups[0])):
            kinds = {c[1] for c in (clefs[g[pos]] for g in groups) if c is not None}
            ok = ok and len(kinds) <= 1
        if ok:
            return new
    return links


def skew_from_staff_boxes(glyphs: list[Glyph], barlines: bool = True, max_deg: float = 3.0) -> float | None:
    """Page rotation in degrees (as `estimate_skew`) from where the `staff` glyph boxes end on the right.

    Why: justified staves all end at one x on the unrotated page, so on a rotated page their right
    edges drift in x with y by tan(angle). This holds where the page's staff lines are too faint for
    `estimate_skew` (it then measures beams and slurs). The median slope over pairs of staves at least a
    staff apart (a short last line is outvoted). With fewer than three such pairs and `barlines`, the
    drift in y along x of the centres of the barlines inside each staff box (`_skew_from_barlines`; a
    page of one or two staves whose lines are gone: a dev page's oracle and detector runs both read
    every pitch off a 1.3-degree tilt); None when neither can tell or the angle is beyond `max_deg`
    (the range `estimate_skew` searches: two systems of unequal length, the second not justified, gave
    13.9 degrees on a fresh degraded page and every staff read empty).
    """
    boxes = [g.bbox_xyxy for g in glyphs if g.class_name == "staff"]
    slopes = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dy = (b[1] + b[3]) / 2 - (a[1] + a[3]) / 2
            if abs(dy) >= max(a[3] - a[1], b[3] - b[1]):
                slopes.append((b[2] - a[2]) / dy)
    angle = -float(np.degrees(np.arctan(np.median(slopes)))) if len(slopes) >= 3 else None
    if (angle is None or abs(angle) > max_deg) and barlines:
        angle = _skew_from_barlines(glyphs, boxes)
    return angle if angle is not None and abs(angle) <= max_deg else None


def _skew_from_barlines(glyphs: list[Glyph], boxes: list[tuple[float, float, float, float]]) -> float | None:
    """Rotation from the barlines' centres per staff box: least-squares slope of y on x, one intercept
    per staff; None with fewer than three barlines or an x spread under a fifth of the widest staff."""
    bars = [g.center_xy for g in glyphs if g.class_name in BARLINE_CLASSES]
    if len(bars) < 3 or not boxes:
        return None
    sxy = sxx = 0.0
    for x0, y0, x1, y1 in boxes:
        inside = np.asarray([(x, y) for x, y in bars if x0 <= x <= x1 and y0 <= y <= y1], np.float64)
        if len(inside) < 2:
            continue
        dx = inside[:, 0] - inside[:, 0].mean()
        dy = inside[:, 1] - inside[:, 1].mean()
        sxy += float((dx * dy).sum())
        sxx += float((dx * dx).sum())
    width = max(b[2] - b[0] for b in boxes)
    if sxx < (0.2 * width) ** 2:
        return None
    return float(np.degrees(np.arctan(sxy / sxx)))


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


# Pages rotated back by their skew, per source page (by identity, while it lives and cannot change):
# the assembly, the lyrics reader and the words reader's three passes each turned a tilted page by the
# same angle, five warps of ~30 ms on a 300-dpi page where one suffices.
_ROTATED: dict[int, tuple[weakref.ref[np.ndarray], float, np.ndarray]] = {}
_ROTATED_KEEP = 16
_ROTATED_LOCK = threading.Lock()


def rotated_page(image: np.ndarray, angle_deg: float) -> np.ndarray:
    """The page rotated back by `angle_deg` about its centre (white fill, bilinear), same size.

    A read-only page's rotation is kept while the page lives (the last `_ROTATED_KEEP` of them) and
    given again, read-only, for the same angle; a writable page is rotated every time."""
    import cv2

    key = id(image)
    if not image.flags.writeable:
        with _ROTATED_LOCK:
            hit = _ROTATED.get(key)
        if hit is not None and hit[0]() is image and hit[1] == angle_deg:
            return hit[2]
    h, w = image.shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, 1.0)
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if not image.flags.writeable:  # a page that cannot change under its id

        def forget(_: object, key: int = key) -> None:
            with _ROTATED_LOCK:
                _ROTATED.pop(key, None)

        out.setflags(write=False)
        with _ROTATED_LOCK:
            _ROTATED.pop(key, None)
            while len(_ROTATED) >= _ROTATED_KEEP:
                _ROTATED.pop(next(iter(_ROTATED)))
            _ROTATED[key] = (weakref.ref(image, forget), angle_deg, out)
    return out


def find_barlines(
    grey: np.ndarray, staves: list[Staff], glyphs: list[Glyph], ink: np.ndarray | None = None
) -> list[Glyph]:
    """Barlines read from the page's pixels: thin vertical lines from a staff's top line to its bottom line.

    Why: a detector's line finder may miss every barline of a page (it looks for them only on staves it
    found itself), and a system without barlines is one long measure. A column counts where at least 85%
    of the staff's height is ink; columns beside a detected notehead (its stem) do not. A line that also
    fills the gap to the next staff joins the two staves (one glyph over both, so systems group). The
    kind follows the pattern of thin and thick lines (thin-thick: final, or right repeat with dots on
    its left; thick-thin: left repeat when dots follow). Boxes are in the image's pixels (deskew first).
    `ink`: the page's `ink_mask`, when the caller has it already (else it is computed).
    """
    if grey.ndim != 2 or grey.size == 0 or not staves:
        return []
    ink = ink_mask(grey) if ink is None else ink
    if not ink.any():  # a blank page: no ink darker than the paper
        return []
    h, w = ink.shape
    # columns inside other symbols are not barlines: a clef's or a time digit's upright stroke, a stem
    # (beside its notehead, or a detected stem); not at the staff's start, where the system's start
    # line stands beside the clef (a clef box a bit off may cover it)
    blockers = [
        (g.bbox_xyxy, 0.3 if g.class_name.startswith("notehead") else 0.15)
        for g in glyphs
        if g.class_name not in BARLINE_CLASSES
        and g.class_name not in _CONNECTORS
        and g.class_name not in ("staff", "repeatDot", "slur", "tie", "beam", "text", "legerLine")
        and not g.class_name.startswith(("dynamic", "ending", "tuplet", "ottava"))
        # small marks above or below the notes hold no upright stroke (a staccato dot read at a
        # barline's end would hide the barline)
        and not g.class_name.startswith(("artic", "fermata", "ornament", "strings", "augmentationDot"))
    ]
    dots = [g.center_xy for g in glyphs if g.class_name == "repeatDot"]

    def columns(y0: float, y1: float, x0: float, x1: float) -> np.ndarray:
        a, b = max(0, int(round(y0))), min(h, int(round(y1)) + 1)
        c, d = max(0, int(x0)), min(w, int(x1) + 1)
        if b <= a or d <= c:
            return np.zeros(0)
        band = ink[a:b, c:d]
        frac = band.mean(axis=0)
        # an antialiased line may fall between two columns: the better of each pair of neighbours
        either = band[:, :-1] | band[:, 1:] if band.shape[1] > 1 else band
        frac2 = np.concatenate([either.mean(axis=0), [0.0]]) if band.shape[1] > 1 else frac
        return np.maximum(frac, frac2)

    per_staff: list[list[tuple[float, float]]] = []  # (x0, x1) runs of line columns per staff
    for st in staves:
        sp = st.staff_space_px
        frac = columns(st.top, st.bottom, 0, w - 1)
        on = frac >= 0.85
        start = on[max(0, int(st.x0 - 0.5 * sp)) : int(st.x0 + 0.5 * sp) + 1].copy()
        for (x0, y0, x1, y1), margin in blockers:
            if y1 >= st.top - 4 * sp and y0 <= st.bottom + 4 * sp:
                on[max(0, int(x0 - margin * sp)) : min(w, int(x1 + margin * sp) + 1)] = False
        on[max(0, int(st.x0 - 0.5 * sp)) : int(st.x0 + 0.5 * sp) + 1] = start
        on[: max(0, int(st.x0 - 1.5 * sp))] = False  # x0 is uncertain by a space on worn pages
        on[min(w, int(st.x1 + 0.5 * sp) + 1) :] = False
        runs: list[tuple[float, float]] = []
        xs = np.flatnonzero(on)
        for x in xs:
            if runs and x - runs[-1][1] <= 1:
                runs[-1] = (runs[-1][0], float(x))
            else:
                runs.append((float(x), float(x)))
        per_staff.append([r for r in runs if r[1] - r[0] <= 1.0 * sp])  # wider: a beam or a note cluster
    out: list[Glyph] = []
    joined: set[tuple[int, float]] = set()
    for i, st in enumerate(staves):
        sp = st.staff_space_px
        runs = per_staff[i]
        thin = float(np.median([r[1] - r[0] + 1 for r in runs])) if runs else 1.0
        # lines of one barline lie within a space of each other
        clusters: list[list[tuple[float, float]]] = []
        for r in runs:
            if clusters and r[0] - clusters[-1][-1][1] <= 0.8 * sp:
                clusters[-1].append(r)
            else:
                clusters.append([r])
        for cl in clusters:
            x0, x1 = cl[0][0], cl[-1][1]
            if (i, x0) in joined:
                continue
            pattern = "".join("k" if (r[1] - r[0] + 1) > 1.8 * thin else "t" for r in cl)
            left_dots = any(x0 - 1.5 * sp <= dx < x0 and st.top <= dy <= st.bottom for dx, dy in dots)
            right_dots = any(x1 < dx <= x1 + 1.5 * sp and st.top <= dy <= st.bottom for dx, dy in dots)
            name = {
                "tt": "barlineDouble",
                "tk": "barlineFinal",
                "kt": "barlineHeavy",
                "k": "barlineHeavy",
            }.get(pattern, "barline")
            if left_dots and right_dots:
                name = "repeatLeftRight"
            elif left_dots and pattern.endswith("k"):
                name = "repeatRight"
            elif right_dots and pattern.startswith("k"):
                name = "repeatLeft"
            # down through the following staves while the line fills the gaps and their staves
            last = i
            while last + 1 < len(staves):
                nxt = staves[last + 1]
                match = [r for r in per_staff[last + 1] if r[0] - 2 <= x1 and x0 <= r[1] + 2]
                gap = columns(staves[last].bottom, nxt.top, x0 - 1, x1 + 1)
                if not match or not gap.size or gap.max() < 0.85:
                    break
                for r in match:
                    joined.add((last + 1, r[0]))
                last += 1
            out.append(Glyph(name, (x0, st.top, x1 + 1, staves[last].bottom), 0.9, -1))
    return out


def _rows_covered(rows: np.ndarray, sp: float, gaps: float) -> float:
    """Share of a band's rows that hold ink (`rows`: bool per row), with up to `gaps` spaces left out at
    both ends and inner gaps up to `gaps` spaces long counted as ink (0: the plain share)."""
    if gaps <= 0 or not len(rows):
        return float(rows.mean()) if len(rows) else 0.0
    k = int(round(gaps * sp))
    core = rows[k : len(rows) - k] if len(rows) > 2 * k + 2 else rows
    filled = core.copy()
    idx = np.flatnonzero(core)
    if len(idx):
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            if 1 < b - a <= k + 1:
                filled[a:b] = True
    return float(filled.mean())


def find_connectors(
    grey: np.ndarray, staves: list[Staff], ink: np.ndarray | None = None, brace_gaps: float = 0.75
) -> list[Glyph]:
    """Braces and brackets read from the page's pixels, left of where neighbouring staves start.

    Why: the detector has no class for them, and without them two single-staff parts (a choir's or a
    duo's, bracketed) and a piano's grand staff (braced) look alike. Between the tops and bottoms of two
    neighbouring staves that start at the same x, in a band of three spaces left of that x: a straight
    thick stroke filling (nearly) every row is a bracket; curved ink in every row that fills no column is
    a brace (a part's name written there leaves rows empty).
    A bracket's box is drawn one space past both staves (its hooks), a brace's ends at the staves.
    `ink`: the page's `ink_mask`, when the caller has it already (else it is computed).
    `brace_gaps`: a brace's rows may miss ink for up to this many spaces at its tips and in inner gaps
    (its thin tips and waist fade out of the ink mask on a blurred scan; 0 = every row must hold ink).
    Degraded dev pages (28): two piano pages read as one-staff parts, OMR-NED w/o lyrics 0.1506 -> 0.1375.
    """
    if grey.ndim != 2 or grey.size == 0 or len(staves) < 2:
        return []
    ink = ink_mask(grey) if ink is None else ink
    if not ink.any():  # a blank page: no ink darker than the paper
        return []
    h, w = ink.shape
    out: list[Glyph] = []
    for a, b in zip(staves, staves[1:], strict=False):
        sp = (a.staff_space_px + b.staff_space_px) / 2
        if abs(a.x0 - b.x0) > sp:
            continue
        # only staves of one system: a start line runs through the gap between them
        gx0, gx1 = max(0, int(min(a.x0, b.x0) - 0.5 * sp)), min(w, int(max(a.x0, b.x0) + 0.5 * sp) + 1)
        gap = ink[int(a.bottom) + 1 : max(int(a.bottom) + 2, int(b.top)), gx0:gx1]
        if gap.size == 0 or gap.mean(axis=0).max() < 0.9:
            continue
        x_end = int(min(a.x0, b.x0) - 0.15 * sp)
        x_start = max(0, int(x_end - 3 * sp))
        y0, y1 = max(0, int(a.top)), min(h, int(b.bottom) + 1)
        if x_end - x_start < 2 or y1 - y0 < 2:
            continue
        band = ink[y0:y1, x_start:x_end]
        cols = band.mean(axis=0)
        full = cols >= 0.9
        if full.sum() >= max(2, 0.25 * sp):
            x = float(x_start + np.flatnonzero(full).min())
            box = (x, a.top - sp, float(x_start + np.flatnonzero(full).max() + 1), b.bottom + sp)
            out.append(Glyph("bracket", box, 0.9, -1))
        elif (
            _rows_covered(np.asarray(band.any(axis=1)), sp, brace_gaps) >= 0.95 and cols.max() < 0.9
        ):  # a brace runs the whole height
            xs = np.flatnonzero(band.any(axis=0))
            out.append(
                Glyph(
                    "brace",
                    (float(x_start + xs.min()), a.top, float(x_start + xs.max() + 1), b.bottom),
                    0.9,
                    -1,
                )
            )
    return out
