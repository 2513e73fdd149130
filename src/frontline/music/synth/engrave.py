"""Engraving with Verovio under varied house styles, and rasterisation of its SVG with CairoSVG.

Verovio's `scale` does not change the layout (a staff space is always 180 SVG units), so density is
varied with page size, margins, `unit` (staff size), and spacing options; the raster scale is derived
from the page size and the requested dpi.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = [
    "FONTS",
    "EngraveOptions",
    "engrave_pages",
    "page_size_px",
    "random_engrave_options",
    "rasterize",
    "strip_bounding_boxes",
]

FONTS = ("Leipzig", "Bravura", "Gootville", "Leland", "Petaluma")
"""The five SMuFL fonts bundled with Verovio."""

_PAPER = {"A4": (2100, 2970), "Letter": (2159, 2794), "B4": (2500, 3530), "A4-landscape": (2970, 2100)}


@dataclass(frozen=True, slots=True)
class EngraveOptions:
    """One house style for Verovio (page units are tenths of a millimetre, like Verovio's own)."""

    font: str = "Leipzig"
    """SMuFL music font, one of FONTS."""
    page_width: int = 2100
    """Page width in 0.1 mm."""
    page_height: int = 2970
    """Page height in 0.1 mm."""
    margin_top: int = 100
    """Top margin in 0.1 mm."""
    margin_bottom: int = 100
    """Bottom margin in 0.1 mm."""
    margin_left: int = 100
    """Left margin in 0.1 mm."""
    margin_right: int = 100
    """Right margin in 0.1 mm."""
    unit: float = 9.0
    """Half a staff space in 0.1 mm (Verovio `unit`, 4.5-12): the staff size."""
    spacing_staff: int = 12
    """Space between staves of a system (Verovio units)."""
    spacing_system: int = 8
    """Space between systems."""
    spacing_linear: float = 0.25
    """Linear component of horizontal spacing."""
    spacing_non_linear: float = 0.6
    """Non-linear component of horizontal spacing."""
    justify_vertically: bool = False
    """Spread systems over the page height."""
    header: str = "auto"
    """Verovio header mode ("auto" prints title/composer, "none")."""
    footer: str = "none"
    """Verovio footer mode ("auto" prints the Verovio footer, "none")."""
    system_max_per_page: int = 0
    """Most systems on a page (0 = as many as fit)."""
    stem_width: float = 0.2
    """Stem thickness (Verovio units)."""
    staff_line_width: float = 0.15
    """Staff line thickness."""
    bar_line_width: float = 0.3
    """Barline thickness."""

    def verovio_options(self) -> dict[str, Any]:
        """The Verovio toolkit options of this style."""
        return {
            "font": self.font,
            "pageWidth": self.page_width,
            "pageHeight": self.page_height,
            "pageMarginTop": self.margin_top,
            "pageMarginBottom": self.margin_bottom,
            "pageMarginLeft": self.margin_left,
            "pageMarginRight": self.margin_right,
            "unit": self.unit,
            "spacingStaff": self.spacing_staff,
            "spacingSystem": self.spacing_system,
            "spacingLinear": self.spacing_linear,
            "spacingNonLinear": self.spacing_non_linear,
            "justifyVertically": self.justify_vertically,
            "header": self.header,
            "footer": self.footer,
            "systemMaxPerPage": self.system_max_per_page,
            "stemWidth": self.stem_width,
            "staffLineWidth": self.staff_line_width,
            "barLineWidth": self.bar_line_width,
            "breaks": "auto",
            "adjustPageHeight": False,
            "scale": 100,
            # Verovio's own text boxes are only needed when the rasteriser's font is missing
            "svgBoundingBoxes": not _serif_fonts(),
            "xmlIdSeed": 1,
            "smuflTextFont": "embedded",
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for the page metadata)."""
        return asdict(self)


def random_engrave_options(rng: np.random.Generator) -> EngraveOptions:
    """Draw a house style: any of the five fonts, paper, margins, staff size, spacing, header/footer."""
    paper = str(rng.choice(list(_PAPER), p=[0.55, 0.25, 0.12, 0.08]))
    w, h = _PAPER[paper]
    return EngraveOptions(
        font=str(rng.choice(FONTS)),
        page_width=w,
        page_height=h,
        margin_top=int(rng.integers(60, 260)),
        margin_bottom=int(rng.integers(60, 260)),
        margin_left=int(rng.integers(60, 220)),
        margin_right=int(rng.integers(60, 220)),
        unit=float(np.round(rng.uniform(6.0, 10.5), 2)),
        spacing_staff=int(rng.integers(6, 20)),
        spacing_system=int(rng.integers(3, 16)),
        spacing_linear=float(np.round(rng.uniform(0.15, 0.4), 3)),
        spacing_non_linear=float(np.round(rng.uniform(0.45, 0.75), 3)),
        justify_vertically=bool(rng.random() < 0.5),
        header=str(rng.choice(["auto", "none"], p=[0.6, 0.4])),
        footer=str(rng.choice(["auto", "none"], p=[0.2, 0.8])),
        system_max_per_page=int(rng.choice([0, 0, 0, 3, 4, 6])),
        stem_width=float(np.round(rng.uniform(0.15, 0.3), 3)),
        staff_line_width=float(np.round(rng.uniform(0.12, 0.22), 3)),
        bar_line_width=float(np.round(rng.uniform(0.25, 0.4), 3)),
    )


@functools.cache
def _toolkit() -> Any:
    """One Verovio toolkit per process (cheap to reuse; logging off)."""
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    return verovio.toolkit()


def engrave_pages(data: str, options: EngraveOptions) -> Any:
    """Load MusicXML/MEI into this process's Verovio toolkit under `options`; the toolkit, or None on failure.

    The caller renders pages with `tk.renderToSVG(n)`; the toolkit is shared, so use it before the next call.
    """
    tk = _toolkit()
    tk.setOptions(options.verovio_options())
    ok = tk.loadData(data)
    if not ok or tk.getPageCount() < 1:
        return None
    return tk


def page_size_px(options: EngraveOptions, dpi: int) -> tuple[int, int]:
    """Raster size (width, height) in pixels of a page at `dpi`."""
    return (round(options.page_width / 254.0 * dpi), round(options.page_height / 254.0 * dpi))


_BBOX_RE = re.compile(r'<g id="bbox-[^"]*"[^>]*?(?:/>|>(?:(?!<g[\s>]).)*?</g>)', re.DOTALL)


_ANCHOR_RE = re.compile(
    r'<text font-size="0px">(\s*)<tspan ([^>]*?)x="([-\d.]+)" y="([-\d.]+)" text-anchor="(\w+)">'
)


_TITLE_RE = re.compile(r"<title[^>]*>[^<]*</title>")


def strip_bounding_boxes(svg: str) -> str:
    """The SVG ready for the rasteriser: Verovio's `svgBoundingBoxes` groups removed (resvg drops a
    `<text>` holding a `<g>`), and header/footer anchors lifted from the first `<tspan>` to its `<text>`
    (resvg ignores `text-anchor` there), and `<title>` tooltips dropped (inside a `<text>` they make resvg
    misplace it)."""
    svg = _TITLE_RE.sub("", _BBOX_RE.sub("", svg))
    return _ANCHOR_RE.sub(r'<text font-size="0px" x="\3" y="\4" text-anchor="\5">\1<tspan \2>', svg)


_SERIF_DIRS = (
    "/usr/share/fonts/truetype/freefont",
    "/usr/share/fonts/opentype/freefont",
    "/usr/share/fonts/truetype/liberation",
)


@functools.cache
def _serif_fonts() -> tuple[str, ...]:
    """Times-like font files for Verovio's text (FreeSerif or Liberation Serif), empty when none is installed."""
    from pathlib import Path

    for d in _SERIF_DIRS:
        files = sorted(str(p) for p in Path(d).glob("*Serif*.[to]tf")) if Path(d).is_dir() else []
        if files:
            return tuple(files)
    return ()


def _serif_family() -> str:
    files = _serif_fonts()
    return "FreeSerif" if files and "freefont" in files[0] else "Liberation Serif"


def text_font() -> str | None:
    """The Times-like family pages' text (lyrics, titles, directions) is set in, None when neither FreeSerif
    nor Liberation Serif is installed: then CairoSVG draws it in a fallback font whose verses sit closer
    together, so pages (and benchmark rows with lyrics) differ from machines that have one."""
    return _serif_family() if _serif_fonts() else None


def rasterize(svg: str, width: int, height: int) -> np.ndarray:
    """Render an SVG page to a (height, width) uint8 greyscale image on white paper.

    Uses resvg (fast) with a Times-like serif font for Verovio's text; falls back to CairoSVG when resvg
    or such a font is missing.
    """
    import cv2

    png: bytes | None = None
    fonts = _serif_fonts()
    if fonts:
        try:
            import resvg_py

            fam = _serif_family()
            png = bytes(
                resvg_py.svg_to_bytes(
                    svg_string=svg,
                    width=width,
                    height=height,
                    background="#ffffff",
                    skip_system_fonts=True,
                    font_files=list(fonts),
                    font_family=fam,
                    serif_family=fam,
                )
            )
        except ImportError:
            png = None
    if png is None:
        import cairosvg

        png = cairosvg.svg2png(
            bytestring=svg.encode("utf-8"), output_width=width, output_height=height, background_color="white"
        )
    img = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise RuntimeError("the SVG rasteriser returned an unreadable PNG")
    return np.ascontiguousarray(img)
