"""Box refinement: snap the boxes of small, free-standing symbols to their ink on the original page.

Why: the detector finds dots, articulations and tuplet numbers with the right class but places their
boxes on a grid of 2 normalised pixels (the heads run at half resolution), which on a 300-dpi page is
about 2 page pixels: enough to drop a 9-pixel augmentation dot below IoU 0.5. These symbols stand
apart from staff lines and stems, so the connected ink blob at the predicted place gives the exact
box. Measured on held-out 300-dpi tuning pages (not the benchmark pages): augmentationDot AP@0.5
0.18 -> 0.95 clean, 0.43 -> 0.90 degraded. Classes that touch other ink (clefs, time signatures on the
staff, dynamics made of several letters) got worse when snapped, so they are not in the default set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from frontline.music.components import components, components_ink
from frontline.music.lines import darker_than, open_rows
from frontline.music.quantiles import percentiles
from frontline.music.records import Glyph

__all__ = [
    "drop_letters_as_heads",
    "heads_by_stem",
    "BAR_RESTS",
    "SNAP_CLASS_PREFIXES",
    "find_articulation_blobs",
    "fit_c_clefs",
    "rank_tenuto_dashes",
    "find_octave_clefs",
    "drop_missing_octave_eights",
    "fit_breve_rests",
    "drop_heads_off_staff",
    "find_grace_slashes",
    "fit_cut_time",
    "resolve_rest_lookalikes",
    "snap_rest_bars",
    "snap_to_ink",
    "split_stacked_wholes",
]

SNAP_CLASS_PREFIXES: tuple[str, ...] = ("augmentationDot", "repeatDot", "artic", "tuplet", "fermata")
"""Class-name prefixes whose boxes are snapped by default (chosen per class on tuning pages)."""


def snap_to_ink(
    grey: np.ndarray,
    glyphs: Sequence[Glyph],
    prefixes: Sequence[str] = SNAP_CLASS_PREFIXES,
    size_range: tuple[float, float] = (0.5, 2.2),
) -> list[Glyph]:
    """Replace the box of each glyph whose class starts with one of `prefixes` by its ink blob's box.

    grey: the page (uint8, 255 = paper) in the glyphs' pixel coordinates. For each such glyph the
    window around its box is binarised (Otsu) and the 8-connected blob that overlaps the box, has a
    width and height within `size_range` times the box's, and lies nearest to its centre becomes
    the new box; a glyph without such a blob keeps its box. Other glyphs pass through unchanged.
    """
    import cv2

    h_img, w_img = grey.shape[:2]
    pre = tuple(prefixes)
    lo, hi = size_range
    out: list[Glyph] = []
    for g in glyphs:
        if not pre or not g.class_name.startswith(pre):
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        w, h = x1 - x0, y1 - y0
        m = max(w, h) * 0.75 + 2.0
        xa, ya = int(max(0.0, x0 - m)), int(max(0.0, y0 - m))
        xb, yb = int(min(w_img, x1 + m + 1)), int(min(h_img, y1 + m + 1))
        win = grey[ya:yb, xa:xb]
        if win.size < 9 or w <= 0 or h <= 0 or int(win.min()) > 200:
            out.append(g)
            continue
        _, bw = cv2.threshold(np.ascontiguousarray(win), 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        n, _, st, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
        cx, cy = (x0 + x1) / 2.0 - xa, (y0 + y1) / 2.0 - ya
        best, best_d = -1, np.inf
        for i in range(1, n):
            left, top, ww, hh = (int(v) for v in st[i, :4])
            if not (lo * w <= ww <= hi * w and lo * h <= hh <= hi * h):
                continue
            if left > x1 - xa or left + ww < x0 - xa or top > y1 - ya or top + hh < y0 - ya:
                continue  # must overlap the predicted box
            d = abs(left + ww / 2.0 - cx) + abs(top + hh / 2.0 - cy)
            if d < best_d:
                best, best_d = i, d
        if best < 0:
            out.append(g)
            continue
        bl, bt, bw_, bh_ = (float(v) for v in st[best, :4])
        box = (xa + bl, ya + bt, xa + bl + bw_, ya + bt + bh_)
        out.append(replace(g, bbox_xyxy=box))
    return out


def resolve_rest_lookalikes(
    glyphs: Sequence[Glyph], staves: Sequence[tuple[float, float, float, float]]
) -> list[Glyph]:
    """Whole rest vs half rest from the staff: the same black bar hangs below a line (whole) or
    sits on one (half), so only its place on the staff tells them apart.

    `staves`: staff boxes (x0, top line, x1, bottom line) in the glyphs' pixels; the five lines are
    taken as evenly spaced. A restWhole/restHalf glyph inside a staff is renamed by the side of the
    nearest line its box centre lies on (below: whole, above: half); others pass through.
    """
    names = {"restWhole", "restHalf"}
    out: list[Glyph] = []
    for g in glyphs:
        if g.class_name not in names:
            out.append(g)
            continue
        cx, cy = g.center_xy
        new = g.class_name
        for x0, top, x1, bottom in staves:
            space = (bottom - top) / 4.0
            if space <= 0 or not (x0 <= cx <= x1 and top - 0.5 * space <= cy <= bottom + 0.5 * space):
                continue
            k = int(np.clip(np.round((cy - top) / space), 0, 4))
            off = (cy - (top + k * space)) / space
            if abs(off) > 0.05:  # centred on a line: leave the network's call
                new = "restWhole" if off > 0 else "restHalf"
            break
        out.append(g if new == g.class_name else replace(g, class_name=new))
    return out


BAR_RESTS: tuple[str, ...] = ("restWhole", "restHalf", "restDoubleWhole")
"""Rests drawn as a solid bar touching a staff line (ink snapping cannot separate them from the line)."""


def snap_rest_bars(
    grey: np.ndarray, glyphs: Sequence[Glyph], names: Sequence[str] = BAR_RESTS
) -> list[Glyph]:
    """Fit the box of whole, half and double-whole rests to their solid bar on the page.

    The bar is half a staff space tall and hangs from or sits on a staff line, so its box from the
    half-resolution heads is often half a bar off. Within the predicted box's middle columns the rows
    that are mostly ink form the bar (plus the line it touches); the run of such rows nearest to the
    predicted centre, and the columns that are ink along it, become the box. Unchanged when no such
    run is found (e.g. a faded page).
    """
    import cv2

    h_img, w_img = grey.shape[:2]
    keep = set(names)
    out: list[Glyph] = []
    for g in glyphs:
        if g.class_name not in keep:
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        w, h = x1 - x0, y1 - y0
        xa, xb = int(max(0.0, x0 - 0.3 * w)), int(min(w_img, x1 + 0.3 * w + 1))
        ya, yb = int(max(0.0, y0 - 1.0 * h)), int(min(h_img, y1 + 1.0 * h + 1))
        win = grey[ya:yb, xa:xb]
        if win.size < 16 or w <= 2 or h <= 1 or int(win.min()) > 200:
            out.append(g)
            continue
        _, ink = cv2.threshold(np.ascontiguousarray(win), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        ca, cb = int(round(x0 + 0.2 * w)) - xa, int(round(x1 - 0.2 * w)) - xa
        fill = ink[:, max(0, ca) : max(ca + 1, cb)].mean(axis=1)
        rows = fill > 0.8
        if not rows.any():
            out.append(g)
            continue
        # runs of full rows; take the one nearest to the predicted centre
        edges = np.diff(np.concatenate([[0], rows.astype(np.int8), [0]]))
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        cy = (y0 + y1) / 2.0 - ya
        k = int(np.argmin([abs((s + e) / 2.0 - cy) for s, e in zip(starts, ends, strict=True)]))
        r0, r1 = int(starts[k]), int(ends[k])
        if not (0.4 * h <= r1 - r0 <= 2.0 * h):
            out.append(g)
            continue
        cols = np.nonzero(ink[r0:r1].mean(axis=0) > 0.8)[0]
        # the bar's columns: the run around the predicted centre (the staff line runs on, so only
        # keep columns within the predicted box widened a little)
        cx = (x0 + x1) / 2.0 - xa
        cols = cols[np.abs(cols - cx) <= 0.6 * w]
        if not len(cols):
            out.append(g)
            continue
        box = (float(xa + cols.min()), float(ya + r0), float(xa + cols.max() + 1), float(ya + r1))
        out.append(replace(g, bbox_xyxy=box))
    return out


def _ink_level(image: np.ndarray, share: float) -> np.floating:
    """The grey level below which a normalised page's pixels are ink: `share` of the way from paper to
    the darkest ink."""
    paper, dark = percentiles(image[::4, ::4], [60.0, 0.5])
    return paper - share * max(1.0, paper - dark)  # type: ignore[no-any-return]


class _InkCrops:
    """The bool ink mask of a normalised page (darker than `_ink_level(image, share)`) for a caller that
    reads crops of it: `ink[ya:yb, xa:xb]` thresholds that crop of the page alone (the same values; the
    whole-page mask cost 2-4 ms a call, six calls a 300-dpi page, for a few dozen small crops)."""

    __slots__ = ("image", "level", "shape")

    def __init__(self, image: np.ndarray, share: float) -> None:
        self.image = image
        self.level = _ink_level(image, share)
        self.shape: tuple[int, ...] = image.shape

    def __getitem__(self, key: tuple[int | slice, ...]) -> np.ndarray:
        return np.asarray(self.image[key] < self.level)


GRACE_SLASH_BOX: tuple[float, float, float, float] = (-0.42, 0.31, 0.79, 1.51)
"""The slash of an acciaccatura (x0, y0, x1, y1) in staff spaces from its stem's centre line and top
end: the medians over 124 slashed stem-up grace notes of the training pages (spread 0.03 space)."""


def find_grace_slashes(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    stems: np.ndarray,
    space: float,
    box: tuple[float, float, float, float] = GRACE_SLASH_BOX,
    score: float = 0.8,
) -> list[Glyph]:
    """Add a graceSlash for every stem-up flag whose stem is crossed by a slash; returns all glyphs.

    Why: the slash of an acciaccatura lies on its flag, so the detector's one-symbol-per-basin decoding
    sees a single symbol there and calls it a flag (often a 16th flag: the slash looks like a second
    one). A plain flag leaves the paper left of its stem's top end blank; a slash crosses there.
    `image`: the normalised page (uint8, 255 = paper), `glyphs` and `stems` ((K, 4) xyxy) in its
    pixels. The network's own graceSlash detections within half a space of a found one are dropped.
    """
    if not len(stems):
        return list(glyphs)
    ink = _InkCrops(image, 0.4)
    sx = (stems[:, 0] + stems[:, 2]) / 2.0
    h_img, w_img = image.shape[:2]
    found: list[Glyph] = []
    for g in glyphs:
        if not (g.class_name.startswith("flag") and "Up" in g.class_name):
            continue
        x0, y0 = g.bbox_xyxy[0], g.bbox_xyxy[1]
        cand = np.nonzero((np.abs(sx - x0) <= 0.45 * space) & (np.abs(stems[:, 1] - y0) <= 0.8 * space))[0]
        if not len(cand):
            continue
        k = int(cand[np.argmin(np.abs(stems[cand, 1] - y0))])
        cx, top = float(sx[k]), float(stems[k, 1])
        ya, yb = int(round(top + 0.35 * space)), int(round(top + 1.45 * space))
        xa, xb = int(round(cx - 0.6 * space)), int(round(cx - 0.15 * space))
        if ya < 0 or xa < 0 or yb > h_img or xb > w_img or yb - ya < 3 or xb - xa < 2:
            continue
        # a slash crosses the band left of the stem diagonally: several rows partly inked; a staff
        # line crossing the band inks whole rows, which do not count
        fill = ink[ya:yb, xa:xb].mean(axis=1)
        if int(((fill > 0.0) & (fill < 0.99)).sum()) < 3:
            continue
        b = (cx + box[0] * space, top + box[1] * space, cx + box[2] * space, top + box[3] * space)
        found.append(Glyph("graceSlash", b, score * g.score, -1))
    if not found:
        return list(glyphs)
    # two flag detections on one stem (e.g. a 16th flag and a small 8th flag) give one slash
    found.sort(key=lambda f: -f.score)
    unique: list[Glyph] = []
    for f in found:
        if all(
            max(abs(f.center_xy[0] - u.center_xy[0]), abs(f.center_xy[1] - u.center_xy[1])) > 0.5 * space
            for u in unique
        ):
            unique.append(f)
    found = unique
    centres = np.array([f.center_xy for f in found], np.float64)
    kept = [
        g
        for g in glyphs
        if g.class_name != "graceSlash"
        or not (np.abs(centres - np.array(g.center_xy)).max(axis=1) <= 0.5 * space).any()
    ]
    return kept + found


def fit_cut_time(grey: np.ndarray, glyphs: Sequence[Glyph], max_stretch: float = 2.2) -> list[Glyph]:
    """Stretch each cut-time ("alla breve") box over the whole vertical stroke through its C.

    Why: the stroke sticks out above and below the C, and the detector's box covers the C (often as
    two basins, C and stroke). The stroke crosses staff lines, so ink snapping would take the staff
    too; instead the rows with ink in the box's central columns, in one run through the box centre,
    give the vertical extent (at most `max_stretch` times the box height). Duplicates that then
    contain each other's centre are merged: their union, the higher score.
    """
    import cv2

    h_img, w_img = grey.shape[:2]
    out: list[Glyph] = []
    cuts: list[Glyph] = []
    for g in glyphs:
        if g.class_name != "timeSigCutCommon":
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        w, h = x1 - x0, y1 - y0
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        reach = max_stretch * h / 2.0
        ya, yb = int(max(0.0, cy - reach)), int(min(h_img, cy + reach + 1))
        xa, xb = int(max(0.0, cx - 0.5 * w)), int(min(w_img, cx + 0.5 * w + 1))
        win = np.ascontiguousarray(grey[ya:yb, xa:xb])
        if win.size < 9 or int(win.min()) > 200:
            cuts.append(g)
            continue
        _, ink = cv2.threshold(win, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        band = ink[:, max(0, int(cx - 0.12 * w) - xa) : int(cx + 0.12 * w) - xa + 1]
        rows = np.asarray(band.sum(axis=1) > 0) if band.size else np.zeros(len(ink), bool)
        c = int(round(cy)) - ya
        if not (0 <= c < len(rows)) or not rows[c]:
            cuts.append(g)
            continue
        top = c
        while top > 0 and rows[top - 1]:
            top -= 1
        bot = c
        while bot < len(rows) - 1 and rows[bot + 1]:
            bot += 1
        ny0, ny1 = min(y0, float(ya + top)), max(y1, float(ya + bot + 1))
        cuts.append(replace(g, bbox_xyxy=(x0, ny0, x1, ny1)))
    # the C and its stroke as two detections: one symbol, the union of both boxes
    cuts.sort(key=lambda g: -g.score)
    kept: list[Glyph] = []
    for g in cuts:
        cx, cy = g.center_xy
        for i, k in enumerate(kept):
            kx0, ky0, kx1, ky1 = k.bbox_xyxy
            if kx0 <= cx <= kx1 and ky0 <= cy <= ky1:
                b = g.bbox_xyxy
                kept[i] = replace(
                    k, bbox_xyxy=(min(kx0, b[0]), min(ky0, b[1]), max(kx1, b[2]), max(ky1, b[3]))
                )
                break
        else:
            kept.append(g)
    return out + kept


def find_articulation_blobs(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    space: float,
    stems: np.ndarray | None = None,
    reach: float = 2.6,
    score: float = 0.3,
) -> list[Glyph]:
    """Add staccato dots and staccatissimo wedges the network left out; returns all glyphs.

    Why: on the tuning pages the network gives no energy at all to some isolated wedges and dots
    under or over a notehead (staccatissimo below: AP 0.03 although the glyph stands alone). An ink
    blob that no detection covers, small, centred over a notehead within `reach` spaces above or
    below it, is an articulation by its shape: round and solid = staccato dot, tall and about
    half-filled = staccatissimo wedge; the side of the head gives Above/Below. `image`: the
    normalised page (uint8, 255 = paper); glyphs in its pixels. The added ones get a low `score`
    (a rule's guess ranks below the network's detections). `stems` ((K, 4) xyxy, optional): a blob
    centred under or over a stem's end counts too (the articulation of a stem-side note). Detections
    scored under 0.4 do not count as covering a blob.
    """
    heads = np.asarray(
        [g.bbox_xyxy for g in glyphs if g.class_name.startswith("notehead")], np.float64
    ).reshape(-1, 4)
    if not len(heads):
        return list(glyphs)
    boxes = np.asarray([g.bbox_xyxy for g in glyphs if g.score >= 0.4], np.float64).reshape(-1, 4)
    # things an articulation is centred on: heads (x0, top, x1, bottom) and stem ends
    anchors = heads
    if stems is not None and len(stems):
        sx = (stems[:, 0] + stems[:, 2]) / 2.0
        anchors = np.concatenate([heads, np.stack([sx - 0.5, stems[:, 1], sx + 0.5, stems[:, 3]], 1)])
    ink = darker_than(image, float(_ink_level(image, 0.5)))  # 0/1 uint8, by cv2.threshold
    n, st, _, _ = components_ink(ink)
    hx = (anchors[:, 0] + anchors[:, 2]) / 2.0
    found: list[Glyph] = []
    # the size test over all blobs at once (a page has about a thousand, a tenth of them this size)
    sw, sh = st[:, 2], st[:, 3]
    sized = (0.2 * space <= sw) & (sw <= 0.8 * space) & (0.2 * space <= sh) & (sh <= 1.2 * space)
    sized[0] = False
    for i in np.nonzero(sized)[0]:
        x, y, w, h, area = (int(v) for v in st[i])
        b = (float(x), float(y), float(x + w), float(y + h))
        ix = np.clip(np.minimum(boxes[:, 2], b[2]) - np.maximum(boxes[:, 0], b[0]), 0, None)
        iy = np.clip(np.minimum(boxes[:, 3], b[3]) - np.maximum(boxes[:, 1], b[1]), 0, None)
        if len(boxes) and (ix * iy > 0.3 * w * h).any():
            continue  # a detection already covers it
        cx, cy = x + w / 2.0, y + h / 2.0
        above = (anchors[:, 1] - cy >= 0.2 * space) & (anchors[:, 1] - cy <= reach * space)
        below = (cy - anchors[:, 3] >= 0.2 * space) & (cy - anchors[:, 3] <= reach * space)
        aligned = np.abs(hx - cx) <= 0.4 * space
        if (aligned & above).any():
            side = "Above"
        elif (aligned & below).any():
            side = "Below"
        else:
            continue
        fill = area / float(w * h)
        aspect = h / float(w)
        if aspect >= 1.2 and 0.3 <= fill <= 0.7:
            name = "articStaccatissimo" + side
        elif 0.7 <= aspect < 1.2 and fill >= 0.5 and w <= 0.6 * space:
            name = "articStaccato" + side
        else:
            continue
        found.append(Glyph(name, b, score, -1))
    return list(glyphs) + found


def drop_heads_off_staff(
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    ledgers: np.ndarray,
    space: float,
    max_score: float = 0.9,
    prefixes: tuple[str, ...] = ("noteheadWhole",),
) -> list[Glyph]:
    """Drop uncertain noteheads beyond a staff that no ledger line leads to; returns the rest.

    Why: letters of titles, tempo words and lyrics ("o", "e", "O") are read as whole or half notes.
    A notehead more than one ledger position above or below its staff hangs on ledger lines that
    run from the staff out to it; a letter has none. `staves`: staff boxes (x0, top line, x1, bottom
    line) and `ledgers`: ledger-line boxes (K, 4), both in the glyphs' pixels. A head with no staff
    above or below it within 8 spaces is kept (the line finder may have missed that staff), and so
    is every head scored `max_score` or more. Only classes starting with `prefixes` are tested:
    letters look like whole notes, and for black and half heads the missed ledger lines of degraded
    pages cost more than the rule gains (tuning pages: black and half heads 0.99-1.00 -> 0.96-0.98).
    """
    out: list[Glyph] = []
    for g in glyphs:
        if not g.class_name.startswith(prefixes) or g.score >= max_score:
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        near = [st for st in staves if st[0] - space <= cx <= st[2] + space]
        if not near:
            out.append(g)
            continue
        gap = min(max(st[1] - cy, cy - st[3], 0.0) for st in near)
        if gap <= 1.6 * space or gap > 8.0 * space:
            out.append(g)  # on the staff, on or next to its first ledger line, or far from any staff
            continue
        st = min(near, key=lambda t: max(t[1] - cy, cy - t[3], 0.0))
        above = cy < st[1]
        # a ledger line under the head's columns, between the staff and the head
        if len(ledgers):
            lx = (ledgers[:, 0] <= x1) & (ledgers[:, 2] >= x0)
            ly = (ledgers[:, 1] + ledgers[:, 3]) / 2.0
            between = (
                (ly < st[1]) & (ly >= cy - 0.7 * space) if above else (ly > st[3]) & (ly <= cy + 0.7 * space)
            )
            if bool((lx & between).any()):
                out.append(g)
    return out


def drop_letters_as_heads(
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    space: float,
    prefixes: tuple[str, ...] = ("noteheadWhole",),
    max_score: float = 0.9,
    reach: float = 6.0,
) -> list[Glyph]:
    """Drop uncertain noteheads left of a staff or in a band of the page with no music.

    Why: letters of instrument names, titles and tempo words ("o", "O", "e") are read as whole
    notes. A notehead lies over its staff's lines, right of the staff's clef; an instrument name
    stands left of the staff, at its height. `staves`: staff boxes (x0, top line, x1, bottom line)
    in the glyphs' pixels. Only names starting with `prefixes` and scored under `max_score` are
    looked at:
    - within `reach` spaces of a staff vertically, more than half a space left of every such
      staff's start and left of every clef at its height: dropped (both, since on degraded pages
      the line finder can start a staff late);
    - farther than `reach` from every staff: kept only where other symbols (noteheads, clefs, rests,
      key and time signatures, accidentals scored 0.5 or more) share its band of +-2 spaces, for
      there the line finder missed a staff.

    Tuning pages (214 whole heads, clean and degraded): noteheadWholeInSpace AP 0.940 -> 0.947.
    """
    if not staves:
        return list(glyphs)
    music = ("notehead", "clef", "rest", "key", "timeSig", "accidental")
    sure = [g for g in glyphs if g.score >= 0.5 and g.class_name.startswith(music)]
    rows = np.asarray([(g.bbox_xyxy[1] + g.bbox_xyxy[3]) / 2.0 for g in sure], np.float64)
    clefs = [g.bbox_xyxy for g in sure if g.class_name.startswith("clef")]
    out: list[Glyph] = []
    for g in glyphs:
        if not g.class_name.startswith(prefixes) or g.score >= max_score:
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        band = [st for st in staves if st[1] - reach * space <= cy <= st[3] + reach * space]
        if not band:
            if int((np.abs(rows - cy) <= 2.0 * space).sum()) >= 4:  # itself among them when >= 0.5
                out.append(g)
            continue
        left_of_staff = all(cx < st[0] - 0.5 * space for st in band)
        left_of_clefs = all(cx < c[0] for c in clefs if c[1] - 2.0 * space <= cy <= c[3] + 2.0 * space)
        if not (left_of_staff and left_of_clefs):
            out.append(g)
    return out


def heads_by_stem(
    glyphs: Sequence[Glyph],
    stems: np.ndarray,
    space: float,
    max_score: float = 0.6,
) -> list[Glyph]:
    """Name an uncertain half notehead that no stem touches a whole notehead.

    Why: in the handwritten fonts (Petaluma) a half note's head and a whole note's look alike, and
    the network's vote between them is split (scores 0.4-0.6); the stem is what tells them apart.
    `stems`: stem boxes (K, 4) in the glyphs' pixels. Touching: the stem runs within 0.4 spaces of
    the head's left or right edge and overlaps its rows. Only this direction: a whole note next to
    another note's stem (chords, seconds, two voices) would be taken for a half note (tuning pages:
    both directions cost noteheadWholeInSpace 0.93 -> 0.91 while fixing Petaluma's halves). This
    direction, tuning pages: noteheadWholeInSpace 0.947 -> 0.957 (Petaluma 0.838 -> 0.951), half
    heads unchanged (0.99).
    """
    out: list[Glyph] = []
    for g in glyphs:
        name = g.class_name
        if not name.startswith("noteheadHalf") or g.score >= max_score or name.endswith("Small"):
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        touched = False
        if len(stems):
            sx = (stems[:, 0] + stems[:, 2]) / 2.0
            near_edge = (np.abs(sx - x0) <= 0.4 * space) | (np.abs(sx - x1) <= 0.4 * space)
            rows = (stems[:, 1] <= y1 + 0.2 * space) & (stems[:, 3] >= y0 - 0.2 * space)
            touched = bool((near_edge & rows).any())
        if not touched:
            out.append(replace(g, class_name=name.replace("Half", "Whole", 1)))
        else:
            out.append(g)
    return out


C_CLEF_LINES: dict[int, str] = {2: "clefCAlto", 3: "clefCTenor"}
"""Staff line (spaces above the bottom line) a C clef centres on -> its class (the classes learnt)."""


def fit_c_clefs(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    space: float,
    tolerance: float = 0.3,
) -> list[Glyph]:
    """Fit C-clef boxes to the clef's bars and name them by the staff line they centre on.

    Why: the alto and tenor clefs are one glyph placed on the middle or the fourth line, so only the
    staff tells them apart; the network splits its vote (tuning pages: 3 of 22 swapped) and its boxes
    are 2.3-4.5 spaces tall where the glyph is 4, with a split tenor clef counted twice. The glyph's
    thick left bar runs its full height: in the box's left half, the longest vertical ink run through
    the box gives the clef's top and bottom. When that run is 3.2-4.8 spaces long and its centre is
    within `tolerance` spaces of the middle or fourth line of the staff around it, the box takes the
    run's rows and the class that line names; otherwise the detection is left as it was. Duplicates
    (same staff, boxes overlapping by half their width) are then reduced to the best-scored one.
    `image`: the normalised page (uint8, 255 = paper); `staves`: (x0, top line, x1, bottom line);
    both in the glyphs' pixels.
    """
    ink = _InkCrops(image, 0.45)
    h, w = ink.shape
    out: list[Glyph | None] = list(glyphs)
    clefs: list[tuple[int, int, Glyph]] = []  # (position in out, staff index, fitted glyph)
    for i, g in enumerate(glyphs):
        if not g.class_name.startswith("clefC") or not staves:
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        near = [
            (k, st)
            for k, st in enumerate(staves)
            if st[0] - 2.0 * space <= cx <= st[2] and st[1] - 2.5 * space <= cy <= st[3] + 2.5 * space
        ]
        if not near:
            continue
        k, st = min(near, key=lambda t: abs((t[1][1] + t[1][3]) / 2.0 - cy))
        line_gap = (st[3] - st[1]) / 4.0
        ya, yb = int(max(0, st[1] - 2.5 * line_gap)), int(min(h, st[3] + 2.5 * line_gap))
        xa, xb = int(max(0, x0)), int(min(w, (x0 + x1) / 2.0))
        best = (0, 0, 0, 0)  # run length, top, bottom, column
        for x in range(xa, xb):
            col = ink[ya:yb, x]
            # runs of ink in this column; keep the longest that covers the box centre
            padded = np.concatenate([[False], col, [False]])
            edges = np.flatnonzero(padded[1:] != padded[:-1])
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                top, bot = ya + int(a), ya + int(b)
                if top <= cy <= bot and b - a > best[0]:
                    best = (int(b - a), top, bot, x)
        length = best[0] / line_gap
        if not 3.2 <= length <= 4.8:
            continue
        centre = (best[1] + best[2]) / 2.0
        pos = (st[3] - centre) / line_gap
        line = int(round(pos))
        name = C_CLEF_LINES.get(line)
        if name is None or abs(pos - line) > tolerance:
            continue
        fitted = replace(g, class_name=name, bbox_xyxy=(float(x0), float(best[1]), float(x1), float(best[2])))
        out[i] = fitted
        clefs.append((i, k, fitted))
    # a clef found twice on one staff (split components): keep the best-scored
    clefs.sort(key=lambda t: -t[2].score)
    kept: list[tuple[int, Glyph]] = []
    for i, k, g in clefs:
        gx0, gx1 = g.bbox_xyxy[0], g.bbox_xyxy[2]
        for j, o in kept:
            ox0, ox1 = o.bbox_xyxy[0], o.bbox_xyxy[2]
            if k == j and min(gx1, ox1) - max(gx0, ox0) > 0.5 * min(gx1 - gx0, ox1 - ox0):
                out[i] = None
                break
        else:
            kept.append((k, g))
    return [g for g in out if g is not None]


def fit_breve_rests(
    glyphs: Sequence[Glyph], staves: Sequence[tuple[float, float, float, float]]
) -> list[Glyph]:
    """Give double-whole (breve) rests on a staff the height of the staff space they fill.

    Why: a breve rest is a block filling one space from line to line, so its rows are known from
    the staff alone, while its ink is not always solid (Petaluma draws it hatched) and the ink fit of
    `snap_rest_bars` then keeps a sliver of it (tuning pages: 5 of 16 boxes 0.4-0.7 spaces tall, IoU
    under 0.5). A rest whose centre lies between the top and bottom lines of a staff takes the rows
    of the space that holds its centre; its columns stay the network's. Rests off every staff are
    left as they are. `staves`: (x0, top line, x1, bottom line) in the glyphs' pixels.
    """
    out: list[Glyph] = []
    for g in glyphs:
        if g.class_name != "restDoubleWhole":
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        on = [st for st in staves if st[0] <= cx <= st[2] and st[1] <= cy <= st[3]]
        if not on:
            out.append(g)
            continue
        top, bottom = on[0][1], on[0][3]
        gap = (bottom - top) / 4.0
        k = min(3, max(0, int((cy - top) // gap)))
        out.append(replace(g, bbox_xyxy=(x0, top + k * gap, x1, top + (k + 1) * gap)))
    return out


def find_octave_clefs(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    space: float,
    min_rise: float = 2.0,
) -> list[Glyph]:
    """Name a treble clef that reaches `min_rise` spaces or more above its staff a G-clef-8va.

    Why: the data engine gives the network about 20 training examples of the 8va clef (piccolo),
    against 4,000 treble clefs, and it reads every one as a plain treble clef with its box 1-1.5
    spaces short at the top (training pages: 19 of 19). The "8" sits on the clef's top curl (in some
    fonts a hair above it), so the two make one ink blob that reaches higher: the top of a plain treble clef lies at most
    1.41 spaces above the staff's top line in all five fonts (462 clefs of the tuning pages), with
    the 8 on it 2.2-2.3. The blob is the ink above the top line that the clef's central columns carry
    through the line, plus an 8-sized blob centred right over it; when its top is `min_rise` to 3
    spaces above the line and its top space is 8-wide (at most 1.3 spaces) and centred on the clef,
    the class becomes clefG8va and the box reaches up to that top. `image`: the normalised page (uint8, 255 = paper);
    `staves`: (x0, top line, x1, bottom line); both in the glyphs' pixels.
    """
    import cv2

    if not any(g.class_name == "clefG" for g in glyphs):
        return list(glyphs)
    ink = _InkCrops(image, 0.45)
    h_img, w_img = ink.shape
    out: list[Glyph] = []
    for g in glyphs:
        if g.class_name != "clefG":
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        on = [st for st in staves if st[0] - 2.0 * space <= cx <= st[2] and st[1] <= cy <= st[3] + space]
        if not on:
            out.append(g)
            continue
        top_line = on[0][1]
        xa, xb = int(max(0.0, cx - 1.2 * space)), int(min(w_img, cx + 1.2 * space + 1))
        ya, yb = int(max(0.0, top_line - 3.5 * space)), int(max(0.0, top_line - 0.15 * space - 1))
        if yb - ya < 5 or xb - xa < 5:
            out.append(g)
            continue
        win = np.ascontiguousarray(ink[ya:yb, xa:xb].astype(np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(win, connectivity=8)
        centre = np.abs(np.arange(xb - xa) + xa - cx) <= 0.6 * space
        through = set(int(v) for v in labels[-1][centre] if v > 0)  # blobs crossing into the staff
        if not through:
            out.append(g)
            continue
        top = ya + min(int(stats[k, cv2.CC_STAT_TOP]) for k in through)
        # an 8 standing free just over the clef's curl (fonts that leave a gap)
        parts = set(through)
        for k in range(1, n):
            kx, ky, kw, kh = (int(v) for v in stats[k, :4])
            bottom = ya + ky + kh
            if (
                k not in through
                and top - 0.6 * space <= bottom <= top + 0.2 * space
                and abs(xa + kx + kw / 2.0 - cx) <= 0.6 * space
                and 0.6 * space <= kh <= 1.7 * space
            ):
                top = min(top, ya + ky)
                parts.add(k)
        rise = (top_line - top) / space
        if not min_rise <= rise <= 3.0 or top <= ya:
            out.append(g)
            continue
        # the top space of the blob is the 8: narrow and centred over the clef
        band = np.isin(labels[top - ya : int(top - ya + space)], list(parts))
        cols = np.flatnonzero(band.any(axis=0))
        if (
            not len(cols)
            or cols[-1] - cols[0] + 1 > 1.3 * space
            or abs(xa + (cols[0] + cols[-1]) / 2.0 - cx) > 0.6 * space
        ):
            out.append(g)
            continue
        out.append(replace(g, class_name="clefG8va", bbox_xyxy=(x0, float(top), x1, y1)))
    return out


def _clef_below(
    ink: _InkCrops, g: Glyph, staves: Sequence[tuple[float, float, float, float]], space: float
) -> tuple[float, bool] | None:
    """How far a treble clef's ink reaches below its staff's bottom line (spaces), and whether a separate
    8-like blob hangs under it (`drop_missing_octave_eights`); None off a staff or without ink there."""
    import cv2

    h_img, w_img = ink.shape
    x0, y0, x1, y1 = g.bbox_xyxy
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    on = [st for st in staves if st[0] - 2.0 * space <= cx <= st[2] and st[1] - space <= cy <= st[3] + space]
    if not on:
        return None
    bottom_line = on[0][3]
    # the clef's middle columns: a bracket or systemic line left of it is no part of it
    xa, xb = int(max(0.0, cx - 0.8 * space)), int(min(w_img, cx + 0.8 * space + 1))
    ya, yb = int(max(0.0, bottom_line + 0.3 * space)), int(min(h_img, bottom_line + 3.5 * space))
    if yb - ya < 5 or xb - xa < 5:
        return None
    win = np.ascontiguousarray(ink[ya:yb, xa:xb].astype(np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(win, connectivity=8)
    top_rows = int(max(0.0, min(yb, y1) - ya))
    clef = set(int(v) for v in np.unique(labels[:top_rows]) if v > 0) if top_rows > 0 else set()
    if not clef:
        return None
    lowest = ya + max(int(stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT]) for k in clef)
    eight = False
    for k in range(1, n):
        kx, ky, kw, kh = (int(v) for v in stats[k, :4])
        if (
            k not in clef
            and ya + ky <= lowest + 0.8 * space
            and ya + ky + kh >= lowest + 0.3 * space  # on below the clef
            and 0.5 * space <= kh <= 2.2 * space
            and ky + kh < yb - ya  # whole in the window (not the top of something below)
            and x0 <= xa + kx + kw / 2.0 <= x1
        ):
            eight = True
            break
    return (lowest - bottom_line) / space, eight


def drop_missing_octave_eights(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    space: float,
    margin: float = 0.3,
    max_depth: float = 1.95,
    ink_share: float = 0.25,
) -> list[Glyph]:
    """Name a G-clef-8vb a plain treble clef when no 8 hangs below it.

    Why: on a choir page whose staves stand close, the next staff's clef sits under each treble clef
    where a tenor clef's 8 would be, and the network read the sopranos' and altos' clefs as clefG8vb (a
    degraded dev page: 3 of 6 treble clefs, every note of those parts an octave low). The 8 of a printed
    G-clef-8vb hangs from the clef's tail, so its ink reaches further below the staff than that of the
    page's plain treble clefs (same font): a clefG8vb whose ink (the blobs in its middle columns that
    meet its box) ends no more than `margin` spaces below the median of the page's clefG ones and no
    more than `max_depth` spaces below its staff's bottom line (either test alone renamed real 8vb
    clefs on a tuning set: the fixed depth a clean page's faint 8 at 1.78 spaces, the page-relative
    one some on degraded pages, clefG8vb AP 1.000 -> 0.970 and 0.832; both together none), with no
    separate blob 0.5-2.2 spaces tall (an 8, or on a faded page an 8 run into the clef's ball), centred
    within the clef's width and whole inside 3.5 spaces below the staff (the next staff's clef is not),
    starting at most 0.8 space below the clef's lowest ink (a faded tail leaves a gap) and reaching 0.3
    space further down, becomes clefG. A page without a plain treble clef to compare with is left as
    it is (how deep a ball sits differs between fonts: a tuning page's 8 ended 1.78 spaces down, the
    balls of a dev page's plain clefs 1.6). `staves`: (x0, top line, x1, bottom line), all in the
    glyphs' pixels of the normalised page `image`.
    """
    if not any(g.class_name == "clefG8vb" for g in glyphs):
        return list(glyphs)
    ink = _InkCrops(image, ink_share)
    plain = [d for g in glyphs if g.class_name == "clefG" for d in [_clef_below(ink, g, staves, space)] if d]
    if not plain:
        return list(glyphs)
    ref = float(np.median([d[0] for d in plain]))
    out: list[Glyph] = []
    for g in glyphs:
        if g.class_name == "clefG8vb":
            below = _clef_below(ink, g, staves, space)
            if below is not None and below[0] <= min(max_depth, ref + margin) and not below[1]:
                g = replace(g, class_name="clefG")
        out.append(g)
    return out


def rank_tenuto_dashes(
    image: np.ndarray, dashes: Sequence[Glyph], space: float, attached: float = 0.3
) -> list[Glyph]:
    """Lower the score of tenuto dashes whose ink runs on into a bigger shape (a beam, tie or slur).

    Why: the line finder's tenuto dashes all come with one score, so on the tuning pages the pieces of
    beams, ties and slurs it takes for dashes rank level with the true ones (tenuto AP 0.31-0.37 clean
    with 40-odd instances each). A printed tenuto is a free-standing stroke: the ink blob it belongs
    to is hardly larger than the dash. When the blob under the dash is more than 1.6 times the dash's
    width or wider than 2.5 spaces, or taller than 2.5 times its height plus two pixels, the dash keeps
    its place but gets the score `attached`, so it ranks below the free ones. `image`: the normalised
    page (uint8, 255 = paper); dashes in its pixels.
    """
    import cv2

    if not dashes:
        return []
    ink = _InkCrops(image, 0.45)
    h_img, w_img = ink.shape
    out: list[Glyph] = []
    for d in dashes:
        x0, y0, x1, y1 = d.bbox_xyxy
        xa, xb = int(max(0.0, x0 - 2.0 * space)), int(min(w_img, x1 + 2.0 * space + 1))
        ya, yb = int(max(0.0, y0 - 2.0 * space)), int(min(h_img, y1 + 2.0 * space + 1))
        win = np.ascontiguousarray(ink[ya:yb, xa:xb].astype(np.uint8))
        if win.size == 0:
            out.append(d)
            continue
        _, labels, stats, _ = cv2.connectedComponentsWithStats(win, connectivity=8)
        inside = labels[int(y0) - ya : int(np.ceil(y1)) - ya + 1, int(x0) - xa : int(np.ceil(x1)) - xa + 1]
        ids = inside[inside > 0]
        if not len(ids):
            out.append(d)
            continue
        k = int(np.bincount(ids).argmax())
        bw, bh = int(stats[k, cv2.CC_STAT_WIDTH]), int(stats[k, cv2.CC_STAT_HEIGHT])
        dw, dh = x1 - x0, y1 - y0
        if bw > max(1.6 * dw, dw + 2) or bw > 2.5 * space or bh > 2.5 * dh + 2:
            out.append(replace(d, score=min(d.score, attached)))
        else:
            out.append(d)
    return out


REST_BAR_SCORE = 0.5
"""Score of a rest bar found by `find_rest_bars` before anything confirms it."""


LEDGER_REST_LINES = 3
"""Ledger lines beyond the staff on which `find_rest_bars` looks for rests (a second voice's rest)."""


def _ledger_at(ink: np.ndarray, y: float, x0: float, x1: float, space: float) -> bool:
    """A ledger line at row `y` (within 0.2 space) runs on 0.1 space beyond both ends of the bar x0..x1."""
    h, w = ink.shape
    ya, yb = max(0, int(round(y - 0.2 * space))), min(h, int(round(y + 0.2 * space)) + 1)
    xa, xb = int(round(x0 - 0.1 * space)), int(round(x1 + 0.1 * space))
    if xa < 0 or xb >= w or yb <= ya:
        return False
    return bool((ink[ya:yb, xa] & ink[ya:yb, xb] & ink[ya:yb, int(round((x0 + x1) / 2))]).any())


def find_rest_bars(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    staves: Sequence[tuple[float, float, float, float]],
    space: float,
    ledger_rests: bool = True,
) -> list[Glyph]:
    """Whole and half rests the network missed: lone solid bars resting on or hanging from a staff line.

    Why: the network leaves some half rests undetected (a second voice's rest after a whole note:
    5 of 42 on the clean tuning pages), and the bar is plain in the pixels: a filled rectangle 0.9-1.6
    spaces wide and 0.35-0.7 tall, its top edge on a line (whole rest, hanging) or its bottom edge on
    a line (half rest, sitting), inside the staff, a blob of its own once the staff lines are
    removed, touching no stem, covered by no detection. With `ledger_rests`, also up to
    `LEDGER_REST_LINES` ledger lines beyond the staff, on a ledger line that runs on past both ends
    of the bar (a second voice's rest below or above the staff: the commonest half rests still
    missed on the tuning pages, session 9). Returns only the bars found (score
    `REST_BAR_SCORE`); pieces of beams on low-resolution pages pass these tests too, so the detector
    keeps a bar only when the glyph classifier confirms it. `image`: the normalised page (255 =
    paper); `staves` and the glyph boxes in its pixels.
    """
    import cv2

    ink = (image < 128).astype(np.uint8)
    kw, kh = 2 * max(1, round(0.4 * space)) + 1, 2 * max(1, round(0.175 * space)) + 1  # odd: no shift
    core = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((kh, kw), np.uint8))
    n, stats, _, _ = components_ink(core)
    # the ink without staff lines: a rest bar is a blob of its own there, a piece of beam is not. Its
    # components only for a bar that gets that far (most pages have none: 15-20 ms a 300-dpi page)
    rest: tuple[np.ndarray, np.ndarray] | None = None
    boxes = np.asarray([g.bbox_xyxy for g in glyphs], np.float64).reshape(-1, 4)
    out: list[Glyph] = []
    for x, y, w, h, _area in stats[1:n]:
        if not (0.9 * space <= w <= 1.6 * space and 0.35 * space <= h <= 0.7 * space):
            continue
        x0, y0, x1, y1 = float(x), float(y), float(x + w), float(y + h)
        if ink[y : y + h, x : x + w].mean() < 0.85:
            continue
        tol = 0.2 * space
        reach_out = (LEDGER_REST_LINES + 0.5) * space if ledger_rests else 0.2 * space
        st = [
            s
            for s in staves
            if s[0] <= x0 and x1 <= s[2] and s[1] - reach_out <= y0 and y1 <= s[3] + reach_out
        ]
        if not st:
            continue
        top, bottom = st[0][1], st[0][3]
        step = (bottom - top) / 4.0
        inside = top - tol <= y0 and y1 <= bottom + tol
        if inside:
            lines = top + np.arange(5) * step
            hangs = np.abs(lines - y0).min() <= tol
            sits = np.abs(lines - y1).min() <= tol
        else:
            # outside the staff: on or under a ledger line (ledger positions, ink beyond both bar ends)
            k = np.arange(1, LEDGER_REST_LINES + 1)
            lines = np.concatenate([top - k * step, bottom + k * step])
            hangs = np.abs(lines - y0).min() <= tol and _ledger_at(ink, y0, x0, x1, space)
            sits = np.abs(lines - y1).min() <= tol and _ledger_at(ink, y1, x0, x1, space)
        if hangs == sits:
            continue
        if rest is None:
            lines = open_rows(ink, 2 * round(1.5 * space) + 1)  # = cv2's opening by a 1-row kernel
            _, rest_lab, rest_stats = components((ink > lines).astype(np.uint8))
            rest = rest_lab, rest_stats
        rest_lab, rest_stats = rest
        lab = rest_lab[y + h // 2, x + w // 2]
        bx, by, bw, bh, _ = rest_stats[lab] if lab else (x, y, w, h, 0)
        pad, padx = 0.25 * space, (0.25 if inside else 0.6) * space  # a ledger line is part of the blob
        if not lab or bx < x - padx or by < y - pad or bx + bw > x + w + padx or by + bh > y + h + pad:
            continue
        # no stem: no ink column running on above or below the bar at its ends
        reach = max(2, round(0.6 * space))
        above = ink[max(0, y - reach) : max(0, y - 1), x : x + w]
        below = ink[y + h + 1 : y + h + reach, x : x + w]
        if (above.size and above.mean(axis=0).max() > 0.9) or (below.size and below.mean(axis=0).max() > 0.9):
            continue
        if len(boxes):
            ov = (np.minimum(boxes[:, 2], x1) > np.maximum(boxes[:, 0], x0)) & (
                np.minimum(boxes[:, 3], y1) > np.maximum(boxes[:, 1], y0)
            )
            if ov.any():
                continue
        name = "restWhole" if hangs else "restHalf"
        out.append(Glyph(name, (x0, y0, x1, y1), REST_BAR_SCORE, -1))
    return out


def _run_edge(head: np.ndarray, line: np.ndarray, start: int, step: int, gap_max: int) -> int:
    """Last `head` row from `start` in direction `step`; `line` rows bridge gaps of up to `gap_max` rows."""
    last, gap, r = start, 0, start
    while 0 <= r + step < len(head):
        r += step
        if head[r]:
            last, gap = r, 0
        elif line[r] and gap < gap_max:
            gap += 1
        else:
            break
    return last


def split_stacked_wholes(
    image: np.ndarray,
    glyphs: Sequence[Glyph],
    space: float,
    min_extent: float = 1.6,
    max_heads: int = 3,
) -> list[Glyph]:
    """Split a whole-note detection that covers a stack of touching whole heads into one head each.

    Why: whole notes a third apart in a chord touch and draw an "8"; the network's energy cones of the
    two heads merge into one blob, so one detection sits between them (wrong box, wrong line/space
    class) and a note is lost (tuning pages: the commonest whole-note error). No stem tells them
    apart, so the ink does: the rows of the detection's columns that hold ink, from the box centre
    out, with staff and ledger line rows (ink also 0.3 space beyond both box edges) bridged but not
    counted. An extent of at least `min_extent` spaces holds round(extent / head height) heads, at
    most `max_heads`; each gets an equal share of the extent and the detection's score and width.
    The line/space class is left to the glyph classifier, which looks at each new box. Boxes in the
    page's (normalised) pixels, `space` its staff space.
    """
    ink = _InkCrops(image, 0.5)
    h, w = ink.shape
    out: list[Glyph] = []
    wholes = [g for g in glyphs if g.class_name.startswith("noteheadWhole")]
    for g in glyphs:
        if not g.class_name.startswith("noteheadWhole"):
            out.append(g)
            continue
        x0, y0, x1, y1 = g.bbox_xyxy
        bw = x1 - x0
        ca, cb = int(round(x0 + 0.1 * bw)), int(round(x1 - 0.1 * bw))
        la, lb = int(round(x0 - 0.3 * space)), int(round(x1 + 0.3 * space))
        cy = int(round((y0 + y1) / 2.0))
        reach = int(round((max_heads / 2.0 + 0.5) * space))
        ya, yb = max(0, cy - reach), min(h, cy + reach + 1)
        if cb <= ca or la < 0 or lb >= w or yb - ya < 3:
            out.append(g)
            continue
        band = ink[ya:yb, ca:cb].any(axis=1)
        line = ink[ya:yb, la] & ink[ya:yb, lb] & ink[ya:yb, ca:cb].all(axis=1)
        head = band & ~line
        c = cy - ya
        gap_max = max(1, int(round(0.3 * space)))

        top = _run_edge(head, line, c, -1, gap_max) + ya
        bottom = _run_edge(head, line, c, 1, gap_max) + ya
        extent = (bottom - top + 1) / space
        n = min(max_heads, int(round(extent / 1.02)))
        if extent < min_extent or n < 2:
            out.append(g)
            continue
        # another whole head already detected inside the stack: the network split it, leave it
        others = [
            o
            for o in wholes
            if o is not g
            and top <= (o.bbox_xyxy[1] + o.bbox_xyxy[3]) / 2.0 <= bottom
            and x0 <= (o.bbox_xyxy[0] + o.bbox_xyxy[2]) / 2.0 <= x1
        ]
        if others:
            out.append(g)
            continue
        step = (bottom - top + 1) / n
        for k in range(n):
            out.append(replace(g, bbox_xyxy=(x0, top + k * step, x1, top + (k + 1) * step)))
    return out
