"""Page normalisation: load an image or PDF page, greyscale, measure the staff, deskew, rescale.

Why: the detector is trained at one staff spacing (10 px per staff space by default); every page is
brought to that scale and its skew removed, and the returned `PageTransform` maps detections back to
the original page pixels (x right, y down).
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from frontline.errors import InputError
from frontline.music.quantiles import level_counts, percentiles_u8, quantiles

__all__ = [
    "NormalizeConfig",
    "NormalizedPage",
    "PageTransform",
    "StaffEstimate",
    "estimate_staff",
    "load_pages",
    "normalize_page",
    "row_ridges",
    "skew_from_barlines",
    "space_from_barlines",
]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"}


@dataclass(frozen=True, slots=True)
class NormalizeConfig:
    """Settings of page loading and normalisation."""

    target_space_px: float = 10.0
    """Staff space (distance between the centres of two staff lines) after rescaling, in pixels."""
    max_pixels: int = 80_000_000
    """Refuse images with more pixels than this (decompression bombs)."""
    pdf_dpi: float = 300.0
    """Resolution at which PDF pages are rasterised."""
    max_skew_deg: float = 5.0
    """Largest rotation searched by the deskew step, in degrees (either way)."""
    skew_step_deg: float = 0.1
    """Angle resolution of the deskew search, in degrees."""
    min_space_px: float = 4.0
    """Smallest plausible staff space in the original image, in pixels."""
    max_space_px: float = 120.0
    """Largest plausible staff space in the original image, in pixels."""
    flatten_illumination: bool = True
    """Divide by a smooth background estimate (shadows in photos) before measuring and rescaling."""
    deskew_ridge: float = 0.08
    """Faint staff lines count for the deskew search: row ridges darker by this share of the
    paper-to-ink range (`row_ridges`); 0 = off. Without them a blurred scan's lines are too light, the
    search falls back to all ink, and beams and text tilted an unrotated dev page by 0.9 degrees."""
    space_from_barlines: bool = True
    """When no staff lines are found, take the staff space from the heights of the page's barlines
    (`space_from_barlines`: thin straight vertical strokes of one common height, a staff's from top to
    bottom line) and go on; off = such a page gives no detections. Degraded pages whose staff lines
    were bleached away entirely still show their barlines, clefs and notes (two of 36 degraded dev
    pages gave an empty score)."""
    bar_check_support: float = 0.25
    """A staff space read from run lengths with less support than this is checked against the barlines
    (`checked_staff`); 0 = never. Binarised scans keep a line or two of each staff, and the distance
    from one staff's remaining line to the next staff's was read as the space (84 px for 9.4)."""
    bar_check_ratio: float = 2.5
    """... and rejected when it is more than this many times the space the lone barlines give."""
    head_check_ratio: float = 1.35
    """When no staff line is found, a barlines' space more than this many times off the solid noteheads'
    (`space_from_heads`) is not taken: the run-length space is, when within `head_agree` of the heads',
    else the heads'; 0 = never. A binarised scan's dotted barlines break into pieces of one common
    height (4.5 px for a space of 7.2; session 14: two binarised pages, one of G and one fresh)."""
    head_agree: float = 1.15
    """... the largest ratio between the run-length space and the heads' that counts as agreeing."""
    deskew_dotted: float = 0.0
    """On a page where no staff line was found (space from the barlines or noteheads), the deskew search
    also counts row ridges of the page averaged along rows over this many spaces (`row_ridges`, darker
    by 0.04 of the paper-to-ink range): a binarised scan keeps its staff lines as dots, which the
    1-space ridge misses, and the search then followed text and slurs; 0 = off. Off: at 4 it read an
    unrotated binarised classical dev page at 0 degrees instead of 0.7 (820 -> 174 edits with the
    two-staff systems rule) and moved 3 more lineless pages nearer their true angle, but a G page of
    three 8-staff systems, 0.8 -> 0.9 degrees (true 0.88), then found a 25th short staff and lost its
    systems: 1008 -> 1304 edits (session 15)."""


@dataclass(frozen=True, slots=True)
class StaffEstimate:
    """Staff-line thickness and spacing measured from vertical run-length histograms, in pixels."""

    line_px: float
    """Most common thickness of a staff line (vertical black run)."""
    space_px: float
    """Distance between the centres of two neighbouring staff lines."""
    support: float
    """Share of black vertical runs that sit in a line-space-line pattern (0..1); low means no staff."""
    found: bool
    """Whether the page looks like it has staff lines at all."""


@dataclass(frozen=True, slots=True)
class PageTransform:
    """Affine map between original page pixels and normalised pixels (deskew about the centre, then scale).

    `matrix` is the 2x3 forward affine (original -> normalised), row-major: x' = a*x + b*y + c,
    y' = d*x + e*y + f. `to_original` inverts it for points and boxes.
    """

    matrix: tuple[float, float, float, float, float, float]
    scale: float
    """Normalised pixels per original pixel."""
    angle_deg: float
    """Skew of the original page in degrees (counter-clockwise as displayed is positive); it is undone."""
    original_size: tuple[int, int]
    """(width, height) of the original page."""
    normalized_size: tuple[int, int]
    """(width, height) of the normalised page."""

    def _inverse(self) -> np.ndarray:
        a, b, c, d, e, f = self.matrix
        m = np.array([[a, b, c], [d, e, f], [0.0, 0.0, 1.0]])
        return np.linalg.inv(m)[:2]

    def to_normalized_points(self, xy: np.ndarray) -> np.ndarray:
        """Map (N, 2) original-pixel points to normalised pixels."""
        a, b, c, d, e, f = self.matrix
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.stack([a * pts[:, 0] + b * pts[:, 1] + c, d * pts[:, 0] + e * pts[:, 1] + f], 1)

    def to_original_points(self, xy: np.ndarray) -> np.ndarray:
        """Map (N, 2) normalised-pixel points back to original pixels."""
        inv = self._inverse()
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return pts @ inv[:, :2].T + inv[:, 2]

    def to_original_box(
        self, box_xyxy: tuple[float, float, float, float]
    ) -> tuple[float, float, float, float]:
        """Axis-aligned original-pixel box that encloses a normalised-pixel box (its 4 corners mapped back)."""
        x0, y0, x1, y1 = box_xyxy
        pts = self.to_original_points(np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]))
        return (
            float(pts[:, 0].min()),
            float(pts[:, 1].min()),
            float(pts[:, 0].max()),
            float(pts[:, 1].max()),
        )

    def to_original_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """Vectorised `to_original_box` for an (N, 4) array of xyxy boxes."""
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        corners = np.stack(
            [b[:, [0, 1]], b[:, [2, 1]], b[:, [0, 3]], b[:, [2, 3]]], axis=1
        )  # (N, 4 corners, 2)
        pts = self.to_original_points(corners.reshape(-1, 2)).reshape(-1, 4, 2)
        return np.concatenate([pts.min(axis=1), pts.max(axis=1)], axis=1)


@dataclass(frozen=True, slots=True)
class NormalizedPage:
    """A page brought to the detector's scale: uint8 greyscale (255 = paper) plus the way back."""

    image: np.ndarray
    """(H, W) uint8, white paper, staff space = target_space_px."""
    transform: PageTransform
    staff: StaffEstimate
    """Measured on the original page."""
    warnings: tuple[str, ...] = field(default=())
    """Why the page may give no detections (e.g. no staff lines found)."""


# ----------------------------------------------------------------------------------------------
# loading


def load_pages(path: str | Path, config: NormalizeConfig | None = None) -> list[np.ndarray]:
    """Load an image (one page) or a PDF (every page) as uint8 greyscale arrays (H, W), 255 = white.

    Raises InputError for missing, empty, unreadable, truncated, encrypted or oversized inputs.
    """
    cfg = config or NormalizeConfig()
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file; give an image (PNG/JPEG/TIFF) or a PDF")
    data = p.read_bytes()
    if not data:
        raise InputError(f"{p}: the file is empty; give an image or a PDF")
    if data[:5] == b"%PDF-" or p.suffix.lower() == ".pdf":
        return _load_pdf(p, data, cfg)
    return [_load_image(p, data, cfg)]


def _load_image(p: Path, data: bytes, cfg: NormalizeConfig) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            old = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = cfg.max_pixels
            try:
                im: Image.Image = Image.open(io.BytesIO(data))
                w, h = im.size
                if w * h > cfg.max_pixels:
                    raise InputError(
                        f"{p}: {w}x{h} pixels is over the limit of {cfg.max_pixels}; downscale it first"
                    )
                im.load()
                # turned in place (a page-sized copy less when it needs no turn), and a greyscale image
                # read as it is (its convert("L") is a copy): the same pixels, ~10 ms less at 300 dpi
                ImageOps.exif_transpose(im, in_place=True)
                if im.mode in ("RGBA", "LA", "P"):
                    im = im.convert("RGBA")
                    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
                    im = Image.alpha_composite(bg, im)
                grey = np.asarray(im if im.mode == "L" else im.convert("L"), dtype=np.uint8)
            finally:
                Image.MAX_IMAGE_PIXELS = old
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{p}: image is too large ({exc}); downscale it first") from None
    except UnidentifiedImageError:
        head = data[:8]
        kind = "text" if head.isascii() and all(32 <= b < 127 or b in (9, 10, 13) for b in head) else "data"
        raise InputError(
            f"{p}: not an image file (its first bytes {head!r} look like {kind}, not a PNG, JPEG, TIFF, BMP, "
            "GIF or WebP header, whatever its name says); give an image or a PDF"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{p}: not a readable image ({exc}); give a PNG/JPEG/TIFF or a PDF") from None
    if grey.size == 0:
        raise InputError(f"{p}: the image has no pixels")
    return np.ascontiguousarray(grey)


def _load_pdf(p: Path, data: bytes, cfg: NormalizeConfig) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise InputError(f"{p}: the PDF is encrypted; give an unlocked copy") from None
        raise InputError(f"{p}: not a readable PDF ({msg})") from None
    try:
        n = len(doc)
        if n == 0:
            raise InputError(f"{p}: the PDF has no pages")
        pages: list[np.ndarray] = []
        for i in range(n):
            page = doc[i]
            w_pt, h_pt = page.get_size()
            scale = cfg.pdf_dpi / 72.0
            if w_pt * h_pt * scale * scale > cfg.max_pixels:
                scale = math.sqrt(cfg.max_pixels / max(w_pt * h_pt, 1.0))
            bitmap = page.render(scale=scale, grayscale=True)
            arr = np.asarray(bitmap.to_numpy())
            if arr.ndim == 3:
                arr = arr[..., :3].mean(axis=2)
            pages.append(np.ascontiguousarray(arr.astype(np.uint8)))
        return pages
    finally:
        doc.close()


# ----------------------------------------------------------------------------------------------
# measuring


def _binarize(grey: np.ndarray) -> np.ndarray:
    """Otsu threshold -> bool ink mask (True = black)."""
    import cv2

    _, mask = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask.astype(bool)


def _percentiles(image: np.ndarray, qs: list[float]) -> np.ndarray:
    """`np.percentile(image, qs)`, from the histogram when the image is 8-bit."""
    return percentiles_u8(image, qs) if image.dtype == np.uint8 else np.percentile(image, qs)


def row_ridges(image: np.ndarray, sp: float, contrast: float, window: float = 1.0) -> np.ndarray:
    """uint8 mask of thin horizontal lines darker than the rows 0.4 spaces above and below them.

    The page is first averaged along rows over `window` spaces (noise and JPEG blocks fade, a line
    does not; a wider window bridges the gaps of a dotted line); a pixel is on a ridge when it is
    darker by `contrast` of the paper-to-ink range than both its neighbours 0.4 spaces up and down
    (inside a notehead or a text stroke the neighbours are dark too); of each ridge only its darkest
    row is kept.
    """
    import cv2

    paper, dark = _percentiles(image[::2, ::2], [60.0, 0.5])
    rng = max(1.0, float(paper - dark))
    k = max(3, int(round(window * sp)))
    hb = cv2.blur(image, (k, 1)).astype(np.int16)
    need = contrast * rng
    d = max(2, int(round(0.4 * sp)))
    up = np.full_like(hb, 255)
    up[d:] = hb[:-d]
    down = np.full_like(hb, 255)
    down[:-d] = hb[d:]
    ridge = (np.minimum(up, down) - hb) >= need
    # only the darkest row of each ridge: a blurred line's ridge is several rows tall, and those bands
    # bridge neighbouring lines around noteheads into one thick blob
    ridge[1:-1] &= (hb[1:-1] <= hb[:-2]) & (hb[1:-1] <= hb[2:])
    return ridge.astype(np.uint8)


def _staff_line_mask(
    grey: np.ndarray, space_px: float, ridge: float = 0.0, dotted: float = 0.0
) -> np.ndarray:
    """Bool mask of long thin horizontal ink (staff lines) for the deskew search.

    All ink (Otsu) misleads the row-projection search when beams, text or noteheads dominate, and at
    5 px per space the staff lines are lighter than the Otsu threshold, so: a threshold a quarter of
    the way from paper to ink, a 3-row maximum (lines slanted by up to ~5 degrees stay connected),
    an opening with a 4-space horizontal bar, and back to the thresholded pixels. Falls back to the
    Otsu mask when too little is left (no long lines). `ridge` > 0 adds `row_ridges` (faint lines),
    `dotted` > 0 the ridges of rows averaged over that many spaces (0.04 of the range; dotted lines).
    """
    import cv2

    paper, dark = _percentiles(grey[::2, ::2], [60.0, 0.5])
    ink = (grey < paper - 0.25 * max(1.0, paper - dark)).astype(np.uint8)
    if ridge > 0:  # faint lines (blurred, noisy scans) are lighter than that threshold
        ink |= row_ridges(grey, space_px, ridge)
    if dotted > 0:
        ink |= row_ridges(grey, space_px, 0.04, dotted)
    from frontline.music.lines import open_rows  # lines imports this module

    # = cv2's opening with a 4-space bar (1 row), from the 0/1 mask's row runs
    lines = open_rows(cv2.dilate(ink, np.ones((3, 1), np.uint8)), max(3, int(round(4.0 * space_px)))) & ink
    if int(lines.sum()) < 200:
        return _binarize(grey)
    return lines.astype(bool)


def _flatten(grey: np.ndarray) -> np.ndarray:
    """Divide by a smooth background (large-scale max filter) so shadows do not turn into ink."""
    import cv2

    h, w = grey.shape
    f = max(1, int(round(max(h, w) / 256)))
    small = cv2.resize(grey, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    k = 7
    bg = cv2.dilate(small, np.ones((k, k), np.uint8))
    bg = cv2.GaussianBlur(bg, (0, 0), 2.0)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    # both are whole grey levels, so the float32 quotient is a 256 x 256 table, read at bg * 256 + grey
    idx = bg.astype(np.uint16) << 8
    idx |= grey
    return _flatten_table().ravel()[idx]


@functools.cache
def _flatten_table() -> np.ndarray:
    """(256, 256) uint8: `_flatten`'s clip(grey / max(bg, 1) * 255) in float32 at [bg, grey]."""
    g = np.arange(256, dtype=np.float32)
    return np.clip(g[None, :] / np.maximum(g[:, None], 1.0) * 255.0, 0, 255).astype(np.uint8)


def _vertical_runs(mask: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertical runs of every `step`-th column of a 0/1 mask: (black lengths, white lengths,
    black-white-black triples)."""
    import cv2

    sub = np.ascontiguousarray(mask[:, ::step])
    sub = sub.view(np.uint8) if sub.dtype == np.bool_ else sub.astype(np.uint8, copy=False)
    cols = cv2.transpose(sub)  # (C, H)
    c, h = cols.shape
    padded = np.zeros((c, h + 2), np.uint8)
    padded[:, 1:-1] = cols
    # every change along the columns laid end to end, each column between two white pixels: changes
    # alternate run start (black) and run end, column by column (one pass, not a diff and two nonzero
    # scans: 14 -> 3 ms on a 300-dpi page)
    flat = padded.ravel()
    edges = np.flatnonzero(flat[1:] != flat[:-1])
    starts_r, starts_c = np.divmod(edges[0::2], h + 2)
    ends_c = edges[1::2] % (h + 2)
    black = ends_c - starts_c  # same ordering: row-major, so pairs align
    # white gaps between consecutive black runs of the same column
    same = starts_r[1:] == starts_r[:-1]
    white = (starts_c[1:] - ends_c[:-1])[same]
    # (black_i, white_i, black_{i+1}) triples in the same column
    trip = np.stack([black[:-1][same], white, black[1:][same]], 1) if same.any() else np.zeros((0, 3))
    return black, white, trip


def estimate_staff(grey: np.ndarray, config: NormalizeConfig | None = None) -> StaffEstimate:
    """Staff-line thickness and spacing from vertical run-length histograms of horizontal ink.

    The ink mask is first opened with a wide horizontal kernel, which keeps staff lines (and beams,
    ledger lines) and removes noise, text strokes and most symbols. Then the most common black run
    is the line thickness and the most common black+white pair is the line distance. `found` is False
    when too few runs follow a line-space-line pattern (blank page, text, a photo of something else).
    """
    import cv2

    from frontline.music.lines import open_rows  # lines imports this module

    cfg = config or NormalizeConfig()
    if grey.dtype == np.uint8:  # the Otsu mask's share of ink, counted without a bool copy of the page
        _, otsu = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        ink = cv2.countNonZero(otsu) / otsu.size
    else:
        ink = float(_binarize(grey).mean())
    if ink < 1e-4 or ink > 0.6:
        return StaffEstimate(0.0, 0.0, 0.0, False)
    # faint or noisy staff lines: average along rows first, then call "ink" anything clearly darker
    # than the paper (threshold from the paper level and the noise left after the row average)
    k = max(9, int(round(grey.shape[1] / 80)))  # ~3 staff spaces on a typical page, any resolution
    blurred = cv2.blur(grey, (k, 1))
    if blurred.dtype == np.uint8:  # the same statistics from the 256-level histogram (quantiles.py)
        counts, levels = level_counts(blurred), np.arange(256, dtype=np.float64)
        paper = float(np.float32(quantiles(counts, levels, [50.0])[0]))
        sigma = 1.4826 * float(np.float32(quantiles(counts, np.abs(levels - paper), [50.0])[0]))
        low = float(np.float32(quantiles(counts, levels, [0.1])[0]))
    else:
        hb = blurred.astype(np.float32)
        paper = float(np.median(hb))
        sigma = 1.4826 * float(np.median(np.abs(hb - paper)))
        low = float(np.percentile(hb, 0.1))
    # the margin also scales with the ink contrast: on a clean page sigma is 0, and flattening can
    # leave the paper between staff lines 12-14 levels below the page median, which then merged
    # whole staves into one black run (a one-staff page found no staff at all)
    contrast = paper - low
    cut = np.float32(paper - max(12.0, 5.0 * sigma, 0.15 * contrast))  # compared in float32
    if blurred.dtype == np.uint8:  # whole levels below the cut: below its ceiling (one uint8 pass)
        below = min(256, max(0, math.ceil(float(cut))))
        _, dark = cv2.threshold(blurred, below - 1, 1, cv2.THRESH_BINARY_INV)
    else:
        dark = (hb < cut).astype(np.uint8)
    # = cv2's opening with a (1, k) bar, from the mask's row runs (0/1 mask; 2-3x faster, lines.py)
    horiz = open_rows(dark, k)
    step = max(1, grey.shape[1] // 400)
    black, white, trip = _vertical_runs(horiz, step)
    if len(black) < 50 or len(white) < 50:
        return StaffEstimate(0.0, 0.0, 0.0, False)
    bh = np.bincount(black)
    line = int(np.argmax(bh[1:]) + 1)
    # line-to-line distance: the most common (black + white) where both blacks are about line thickness
    tol = max(1, int(round(line * 0.5)))
    ok = (np.abs(trip[:, 0] - line) <= tol) & (np.abs(trip[:, 2] - line) <= tol)
    if ok.sum() < 20:
        return StaffEstimate(float(line), 0.0, 0.0, False)
    dist = (trip[ok, 0] + trip[ok, 1]).astype(np.int64)
    dh = np.bincount(dist).astype(np.float64)
    dh = np.convolve(dh, [0.25, 0.5, 0.25], mode="same")
    peak = int(np.argmax(dh))
    lo, hi = max(0, peak - 1), min(len(dh), peak + 2)
    weights = np.bincount(dist, minlength=len(dh))[lo:hi].astype(np.float64)
    space = float((np.arange(lo, hi) * weights).sum() / max(weights.sum(), 1.0))
    # support: black runs in a line-space-line pattern with this distance, among all horizontal-ink runs
    near = ok.copy()
    near[ok] = np.abs(dist - space) <= max(1.0, 0.15 * space)
    support = float(near.sum()) / float(len(black))
    found = cfg.min_space_px <= space <= cfg.max_space_px and support >= 0.1 and space > 2.0 * line
    return StaffEstimate(float(line), space, support, bool(found))


def checked_staff(
    grey: np.ndarray, config: NormalizeConfig | None = None
) -> tuple[StaffEstimate, float | None]:
    """`estimate_staff`, with a weakly supported space checked against the lone barlines' (see
    `NormalizeConfig.bar_check_support`): one that disagrees is returned as not found. Also gives the
    barlines' space when it was measured (else None)."""
    cfg = config or NormalizeConfig()
    staff = estimate_staff(grey, cfg)
    if not staff.found or staff.support >= cfg.bar_check_support:
        return staff, None
    bar_space = space_from_barlines(grey)
    if bar_space > 0 and staff.space_px > cfg.bar_check_ratio * bar_space:
        return StaffEstimate(staff.line_px, staff.space_px, staff.support, False), bar_space
    return staff, bar_space


def _lone_barlines(grey: np.ndarray, min_count: int) -> np.ndarray:
    """(N, 3) centre x, centre y and height of the barlines of the commonest height (`space_from_barlines`)."""
    import cv2

    mask = _binarize(grey).astype(np.uint8)
    n, lab, st, cen = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found: list[tuple[float, float, int]] = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in st[i, :4])
        if h < 16 or w > 0.25 * h:
            continue
        sub = lab[y : y + h, x : x + w] == i
        if float(np.median(sub.sum(axis=1))) > max(3.0, 0.08 * h) or int(sub.sum(axis=0).max()) < 0.9 * h:
            continue
        found.append((float(cen[i, 0]), float(cen[i, 1]), h))
    if len(found) < min_count:
        return np.zeros((0, 3))
    arr = np.asarray(found, np.float64)
    hs = arr[:, 2].astype(np.int64)
    votes = np.asarray([int((np.abs(hs - v) <= 2).sum()) for v in hs])
    if int(votes.max()) < min_count:
        return np.zeros((0, 3))
    mode = int(np.bincount(hs[votes == votes.max()]).argmax())
    return arr[np.abs(hs - mode) <= 2]


def space_from_barlines(grey: np.ndarray, min_count: int = 3) -> float:
    """Staff space from the heights of barlines standing alone (staff lines gone); 0 when there are none.

    Candidates are ink components (Otsu) at least 16 px tall, at most a quarter as wide, whose rows are
    thin (median ink per row at most 8% of the height, 3 px at least) and one of whose columns holds
    ink on 90% of the rows: straight thin verticals, which on a page without staff lines are barlines
    (a stem carries its head or beam). The commonest height (within 2 px, at least `min_count` of them)
    is a staff from top to bottom line, 4 spaces plus a line's thickness (about 0.12 space).
    """
    bars = _lone_barlines(grey, min_count)
    return float(bars[:, 2].mean()) / 4.12 if len(bars) else 0.0


def space_from_heads(grey: np.ndarray, min_count: int = 10) -> float:
    """Staff space from the height of the page's solid noteheads; 0 with fewer than `min_count`.

    The ink (Otsu) is opened with a 3-px disc, which takes the stems, thin lines and small dots off the
    heads; solid ovals remain: components at least 5 px tall, 1.05-1.9 times as wide as tall, filling
    62% of their box. Their commonest height (within a pixel) is a head's, 1.1 spaces (engraved heads
    of development pages: 1.04-1.13; a rough estimate, good to about 10%, to check other ones with).
    """
    import cv2

    mask = _binarize(grey).astype(np.uint8)
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    _, _, st, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    w, h, area = st[1:, 2], st[1:, 3], st[1:, 4]
    hs = h[(h >= 5) & (w >= 1.05 * h) & (w <= 1.9 * h) & (area >= 0.62 * w * h)]
    if len(hs) < min_count:
        return 0.0
    votes = np.asarray([int((np.abs(hs - v) <= 1).sum()) for v in hs])
    mode = float(np.median(hs[votes == votes.max()]))
    return float(hs[np.abs(hs - mode) <= 1].mean()) / 1.1


def skew_from_barlines(grey: np.ndarray, min_count: int = 3) -> float | None:
    """Page rotation in degrees (as the deskew search measures it) from how the centres of the barlines
    of one staff row drift in y along x; None with too few barlines or too little spread in x.

    Barlines whose centres lie within a barline's height of each other form a row; the slope is the
    least-squares fit of y on x over all rows (one intercept per row).
    """
    bars = _lone_barlines(grey, min_count)
    if len(bars) < min_count:
        return None
    bars = bars[np.argsort(bars[:, 1])]
    h = float(bars[:, 2].mean())
    sxy = sxx = 0.0
    row = [bars[0]]
    for b in list(bars[1:]) + [None]:
        if b is not None and abs(b[1] - float(np.median([r[1] for r in row]))) <= h:
            row.append(b)
            continue
        if len(row) >= 2:
            r = np.asarray(row)
            dx, dy = r[:, 0] - r[:, 0].mean(), r[:, 1] - r[:, 1].mean()
            sxy += float((dx * dy).sum())
            sxx += float((dx * dx).sum())
        if b is not None:
            row = [b]
    if sxx < (0.25 * grey.shape[1]) ** 2:
        return None
    return math.degrees(math.atan(sxy / sxx))


def _estimate_skew(mask: np.ndarray, cfg: NormalizeConfig, rng: np.random.Generator) -> float:
    """Rotation (degrees) that makes ink rows sharpest: max sum of squared row histograms of ink pixels."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 100:
        return 0.0
    if len(xs) > 300_000:
        idx = rng.choice(len(xs), 300_000, replace=False)
        xs, ys = xs[idx], ys[idx]
    xs = xs.astype(np.float64) - mask.shape[1] / 2.0
    ys = ys.astype(np.float64)

    def score(angle: float) -> float:
        t = math.radians(angle)
        yr = ys * math.cos(t) - xs * math.sin(t)
        hist = np.bincount((yr - yr.min()).astype(np.int64))
        return float((hist.astype(np.float64) ** 2).sum())

    coarse = np.arange(-cfg.max_skew_deg, cfg.max_skew_deg + 1e-9, 0.5)
    best = float(coarse[int(np.argmax([score(a) for a in coarse]))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, cfg.skew_step_deg)
    return float(fine[int(np.argmax([score(a) for a in fine]))])


def normalize_page(grey: np.ndarray, config: NormalizeConfig | None = None) -> NormalizedPage:
    """Deskew and rescale a greyscale page so the staff space is `target_space_px`.

    When no staff lines are found the page is returned at its own scale (transform = identity, a
    warning says why) so callers can report an empty detection list instead of failing.
    """
    import cv2

    cfg = config or NormalizeConfig()
    if grey.ndim != 2 or grey.size == 0:
        raise InputError(f"normalize_page needs a non-empty 2-D greyscale array, got shape {grey.shape}")
    given = grey
    # a contiguous uint8 page is read as it is (its copy was 3 ms at 300 dpi; nothing here writes to it)
    grey = np.ascontiguousarray(grey if grey.dtype == np.uint8 else grey.astype(np.uint8))
    h, w = grey.shape
    work = _flatten(grey) if cfg.flatten_illumination else grey
    staff, bar_space = checked_staff(work, cfg)
    lineless = not staff.found
    notes: list[str] = []
    bar_skew: float | None = None
    if not staff.found and cfg.space_from_barlines:
        bar_space = space_from_barlines(work) if bar_space is None else bar_space
        head = space_from_heads(work) if cfg.head_check_ratio > 0 and bar_space > 0 else 0.0
        if head > 0 and max(bar_space / head, head / bar_space) > cfg.head_check_ratio:
            run = staff.space_px
            if run > 0 and max(run / head, head / run) <= cfg.head_agree:
                staff = StaffEstimate(staff.line_px, run, staff.support, True)
            else:
                staff = StaffEstimate(max(1.0, 0.12 * head), head, staff.support, True)
            notes.append(
                f"no staff lines found; the barlines' space {bar_space:.1f} px disagrees with the "
                f"noteheads' {head:.1f} px: staff space {staff.space_px:.1f} px"
            )
        elif cfg.min_space_px <= bar_space <= cfg.max_space_px:
            staff = StaffEstimate(max(1.0, 0.12 * bar_space), bar_space, staff.support, True)
            notes.append(f"no staff lines found; staff space {bar_space:.1f} px from the barlines' height")
            bar_skew = skew_from_barlines(work)
    if not staff.found:
        notes.append(
            "no staff lines found (blank page, text or not sheet music?): "
            f"run-length support {staff.support:.3f}"
        )
        ident = PageTransform((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), 1.0, 0.0, (w, h), (w, h))
        # the caller's own array is not handed back (it never was: a copy, as before)
        return NormalizedPage(work.copy() if work is given else work, ident, staff, tuple(notes))

    scale = cfg.target_space_px / staff.space_px
    # skew is measured on a copy at about 5 px per space: cheaper, same angle
    pre = min(1.0, 5.0 / staff.space_px * 1.0) if staff.space_px > 5 else 1.0
    small = cv2.resize(work, (max(1, int(w * pre)), max(1, int(h * pre))), interpolation=cv2.INTER_AREA)
    if bar_skew is not None and abs(bar_skew) <= cfg.max_skew_deg:
        angle = bar_skew  # no staff lines: all ink would be searched (beams, slurs, text)
    else:
        dotted = cfg.deskew_dotted if lineless else 0.0
        lines = _staff_line_mask(small, staff.space_px * pre, cfg.deskew_ridge, dotted)
        angle = _estimate_skew(lines, cfg, np.random.default_rng(0))

    # forward affine: rotate about the page centre by -angle (undo the skew), then scale
    t = math.radians(-angle)
    cos, sin = math.cos(t), math.sin(t)
    cx, cy = w / 2.0, h / 2.0
    # rotation R maps (x, y) -> R @ (x - c) + c ; rows chosen so that row sums along skewed lines align
    r = np.array([[cos, -sin], [sin, cos]])
    # the new canvas holds the whole rotated page
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64) - [cx, cy]
    rc = corners @ r.T
    new_w = int(math.ceil((rc[:, 0].max() - rc[:, 0].min()) * scale))
    new_h = int(math.ceil((rc[:, 1].max() - rc[:, 1].min()) * scale))
    offset = np.array([new_w / 2.0, new_h / 2.0])
    lin = r * scale
    trans = offset - lin @ np.array([cx, cy])
    m = (
        float(lin[0, 0]),
        float(lin[0, 1]),
        float(trans[0]),
        float(lin[1, 0]),
        float(lin[1, 1]),
        float(trans[1]),
    )
    interp = cv2.INTER_AREA if scale < 1.0 and abs(angle) < 1e-6 else cv2.INTER_LINEAR
    if abs(angle) < 1e-6:
        out = cv2.resize(work, (new_w, new_h), interpolation=interp)
        # pure scale: recompute the matrix to match cv2.resize's pixel-centre convention
        sx, sy = new_w / w, new_h / h
        m = (sx, 0.0, 0.5 * sx - 0.5, 0.0, sy, 0.5 * sy - 0.5)
    else:
        src = work
        if scale < 0.5:  # pre-shrink so the warp does not alias thin lines
            f = scale * 2.0
            src = cv2.resize(work, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
            fx, fy = src.shape[1] / w, src.shape[0] / h
            pre_m = np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5], [0, 0, 1]])
            full = np.array([list(m[:3]), list(m[3:]), [0, 0, 1]])
            warp_m = (full @ np.linalg.inv(pre_m))[:2]
        else:
            warp_m = np.array([list(m[:3]), list(m[3:])])
        out = cv2.warpAffine(src, warp_m, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    tf = PageTransform(m, float(scale), float(-angle), (w, h), (new_w, new_h))
    return NormalizedPage(np.ascontiguousarray(out), tf, staff, tuple(notes))
