"""Exact annotations from Verovio's SVG: every drawn symbol's class, boxes and note links.

Glyph boxes come from the SMuFL font metrics Verovio ships (`verovio/data/<Font>.xml`), placed by the
`<use>` transform; lines, beams, ties, slurs, hairpins and brackets from their path data; augmentation
dots from `<ellipse>`; text measured with the rasteriser's serif font (Verovio's `svgBoundingBoxes` as
the fallback when that font is missing). Note links (pitch,
duration, onset, staff, notehead on line or in space) come from Verovio's MEI and timemap of the same
layout, so they hold for any input (generated or corpus music).
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.music.synth.classes import CLASS_ID

__all__ = [
    "Annotation",
    "NoteLink",
    "PageAnnotations",
    "StaffInfo",
    "annotate_svg",
    "font_metrics",
    "note_links",
]

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_MEI = "{http://www.music-encoding.org/ns/mei}"
_XMLID = "{http://www.w3.org/XML/1998/namespace}id"

Affine = tuple[float, float, float, float, float, float]  # x' = a x + c y + e, y' = b x + d y + f
_IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class NoteLink:
    """The note a notehead (or dot, stem, flag, accidental) belongs to.

    `pitch` is the sounding scientific pitch ("C#4"; under an ottava not the drawn one), `midi` its MIDI number; `duration_q` the sounding length in
    quarter notes (0 for grace notes); `onset_q` quarter notes from the start of the page's first measure
    (None for grace notes); `staff` the MEI staff number (1-based, top staff of the system = 1) and
    `voice` the MEI layer number.
    """

    note_id: str
    pitch: str
    midi: int
    duration_q: float
    dur: str
    dots: int
    onset_q: float | None
    staff: int
    voice: int
    grace: bool


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotated symbol of a page, in page pixels (x right, y down).

    `o_bbox` holds the four corners (x0, y0, ..., x3, y3) of the oriented box; `rel_position` is the
    notehead's staff position in half staff spaces above the middle line (None for other symbols);
    `staff` is the page staff index (-1 when not inside a staff); `comments` carries the SMuFL name.
    """

    class_name: str
    a_bbox: tuple[float, float, float, float]
    o_bbox: tuple[float, float, float, float, float, float, float, float]
    element_id: str
    staff: int = -1
    note: NoteLink | None = None
    rel_position: int | None = None
    comments: str = ""

    @property
    def cat_id(self) -> int:
        """Numeric class id (DeepScoresV2 id or frontline extension id)."""
        return CLASS_ID[self.class_name]


@dataclass(frozen=True, slots=True)
class StaffInfo:
    """One staff of one system on the page: the y of its five lines (px, top to bottom) and its x span."""

    index: int
    system: int
    line_ys: tuple[float, ...]
    x0: float
    x1: float

    @property
    def staff_space_px(self) -> float:
        """Mean distance between adjacent staff lines in pixels."""
        ys = self.line_ys
        return float((ys[-1] - ys[0]) / max(1, len(ys) - 1))


@dataclass(frozen=True, slots=True)
class PageAnnotations:
    """All annotations of one engraved page plus its staves and the pixel size they refer to."""

    annotations: tuple[Annotation, ...]
    staves: tuple[StaffInfo, ...]
    width: int
    height: int

    @property
    def staff_space_px(self) -> float:
        """Median staff space of the page in pixels (0 when the page has no staff)."""
        if not self.staves:
            return 0.0
        return float(np.median([s.staff_space_px for s in self.staves]))


# ---------------------------------------------------------------------------------------------------------------
# font metrics


@functools.cache
def font_metrics(font: str) -> dict[str, tuple[float, float, float, float, str]]:
    """SMuFL code point (e.g. "E0A4") -> (x, y, w, h, name) in font units (1000 per em) for a Verovio font.

    Glyphs a font lacks come from Leipzig, Verovio's fallback, which then draws them: Gootville's metrics
    hold 207 glyphs and miss the clef-change clefs (E07A-E07C) and tuplet digits 3 and 9 (E883, E889), so
    before this fallback those symbols were drawn on Gootville pages but left out of the ground truth.
    """
    import verovio

    path = Path(verovio.__file__).parent / "data" / f"{font}.xml"
    root = ET.parse(path).getroot()
    out: dict[str, tuple[float, float, float, float, str]] = (
        {} if font == "Leipzig" else dict(font_metrics("Leipzig"))
    )
    for g in root.iter("g"):
        out[g.get("c", "")] = (
            float(g.get("x", 0)),
            float(g.get("y", 0)),
            float(g.get("w", 0)),
            float(g.get("h", 0)),
            g.get("n", ""),
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# SVG geometry helpers


def _mul(m: Affine, n: Affine) -> Affine:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


_TF_RE = re.compile(r"(translate|scale|matrix)\s*\(([^)]*)\)")
_NUM_RE = re.compile(r"-?\d*\.?\d+(?:[eE][-+]?\d+)?")
_PATH_RE = re.compile(r"[MmLlCcSsQqTtAaZzHhVv]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _parse_transform(s: str | None) -> Affine:
    m = _IDENTITY
    if not s:
        return m
    for kind, args in _TF_RE.findall(s):
        v = [float(x) for x in _NUM_RE.findall(args)]
        if kind == "translate":
            t: Affine = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif kind == "scale":
            t = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        else:
            t = (v[0], v[1], v[2], v[3], v[4], v[5])
        m = _mul(m, t)
    return m


def _apply(m: Affine, pts: np.ndarray) -> np.ndarray:
    a, b, c, d, e, f = m
    x, y = pts[:, 0], pts[:, 1]
    return np.stack([a * x + c * y + e, b * x + d * y + f], axis=1)


def _path_points(d: str) -> np.ndarray:
    """Points of an SVG path (absolute and relative commands); Béziers sampled densely for tight boxes.

    Verovio writes absolute M/L/C paths; the footer logo uses relative and smooth commands, and arcs
    contribute their end points only.
    """
    toks = _PATH_RE.findall(d)
    pts: list[tuple[float, float]] = []
    cur = (0.0, 0.0)
    start = cur
    cmd = "M"
    i = 0
    ts = np.linspace(0.0, 1.0, 17)[1:]
    nargs = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}

    def cubic(
        p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]
    ) -> None:
        for t in ts:
            u = 1 - t
            pts.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )

    while i < len(toks):
        if toks[i].isalpha():
            cmd = toks[i]
            i += 1
            if cmd in "Zz":
                cur = start
                continue
        up = cmd.upper()
        n = nargs.get(up, 0)
        if n == 0 or i + n > len(toks) or any(t.isalpha() for t in toks[i : i + n]):
            i += 1
            continue
        v = [float(t) for t in toks[i : i + n]]
        i += n
        rel = cmd.islower()
        ox, oy = cur if rel else (0.0, 0.0)
        if up == "H":
            cur = (v[0] + (cur[0] if rel else 0.0), cur[1])
        elif up == "V":
            cur = (cur[0], v[0] + (cur[1] if rel else 0.0))
        elif up == "C":
            p1, p2, p3 = (ox + v[0], oy + v[1]), (ox + v[2], oy + v[3]), (ox + v[4], oy + v[5])
            cubic(cur, p1, p2, p3)
            cur = p3
        elif up in ("S", "Q"):
            p2, p3 = (ox + v[0], oy + v[1]), (ox + v[2], oy + v[3])
            cubic(cur, p2, p2, p3)
            cur = p3
        elif up == "A":
            cur = (ox + v[5], oy + v[6])
        else:  # M, L, T
            cur = (ox + v[0], oy + v[1])
            if up == "M":
                start = cur
                cmd = "l" if rel else "L"  # further pairs after a moveto are linetos
        pts.append(cur)
    return np.asarray(pts, dtype=float).reshape(-1, 2)


def _points_attr(s: str) -> np.ndarray:
    v = [float(x) for x in _NUM_RE.findall(s)]
    return np.asarray(v, dtype=float).reshape(-1, 2)


def _stroke_box(pts: np.ndarray, width: float) -> np.ndarray:
    """Corner points of the region a stroked polyline covers (axis-aligned padding by half the width)."""
    h = width / 2.0
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return np.array([[x0 - h, y0 - h], [x1 + h, y0 - h], [x1 + h, y1 + h], [x0 - h, y1 + h]])


def _stroke_outline(pts: np.ndarray, width: float, cap: str = "butt") -> np.ndarray:
    """Points of a stroked polyline's outline: each segment's ends offset by half the width along its
    normal (butt caps, SVG's default), and also along the segment for square or round caps."""
    h = width / 2.0
    if h <= 0 or len(pts) < 2:
        return pts
    out = []
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        d = b - a
        n = float(np.hypot(d[0], d[1]))
        if n == 0:
            out.extend([a + [h, 0], a - [h, 0], a + [0, h], a - [0, h]])
            continue
        t = d / n * h
        nrm = np.array([-t[1], t[0]])
        ext = t if cap in ("square", "round") else np.zeros(2)
        out.extend([a - ext + nrm, a - ext - nrm, b + ext + nrm, b + ext - nrm])
    return np.asarray(out, dtype=float)


# ---------------------------------------------------------------------------------------------------------------
# SVG walk


@dataclass(slots=True)
class _Prim:
    kind: str  # glyph / line / area / dot / text
    ctx: tuple[tuple[str, str], ...]  # (class, id) of ancestors, outermost first
    pts: np.ndarray  # page-pixel points covering the ink
    code: str = ""
    scale: float = 0.0
    origin: tuple[float, float] = (0.0, 0.0)
    width: float = 0.0  # stroke width in pixels (lines)


_SEMANTIC = {
    "notehead", "dots", "stem", "flag", "accid", "keyAccid", "clef", "meterSig", "rest", "beam", "ledgerLines",
    "barLine", "tie", "slur", "hairpin", "tupletBracket", "tupletNum", "artic", "fermata", "trill", "mordent",
    "turn", "dynam", "voltaBracket", "grpSym", "syl", "tempo", "label", "labelAbbr", "mNum", "pgHead", "pgFoot",
    "dir", "reh", "staff", "system", "lyric", "verse", "connectors", "ornam", "breath", "caesura", "pedal",
    "octave", "arpeg", "fing", "harm", "mRest", "multiRest", "ending", "fig", "bTrem", "fTrem", "beamSpan",
}  # fmt: skip


def _walk(
    el: ET.Element,
    m: Affine,
    ctx: tuple[tuple[str, str], ...],
    prims: list[_Prim],
    bboxes: dict[str, np.ndarray],
    metrics: dict[str, tuple[float, float, float, float, str]],
) -> None:
    tag = el.tag.replace(_SVG, "")
    if tag in ("defs", "style", "desc", "title"):
        return
    cls = el.get("class", "")
    if "bounding-box" in cls:
        rect = el.find(f"{_SVG}rect")
        if rect is not None:
            x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
            w, h = float(rect.get("width", 0)), float(rect.get("height", 0))
            if w > 0 and h > 0:
                bid = el.get("id", "")[len("bbox-") :]
                bboxes[bid] = _apply(m, np.array([[x, y], [x + w, y + h]]))
        return
    if "placeholder" in cls:
        return
    if el.get("transform") and tag != "use":
        m = _mul(m, _parse_transform(el.get("transform")))
    if cls:
        first = cls.split()[0]
        eid = el.get("id", "")
        if not eid and first == "octave":
            # the piece of an ottava continued on a later system: <g class="octave id-ID spanning">
            eid = next((c[3:] for c in cls.split() if c.startswith("id-")), "")
        ctx = (*ctx, (first, eid))
    if tag == "use":
        code = el.get(_XLINK, "")[1:].split("-")[0]
        g = metrics.get(code)
        if g is None:
            return
        t = _parse_transform(el.get("transform"))
        s = t[0]
        ox, oy = t[4], t[5]
        gx, gy, gw, gh, _ = g
        local = np.array([[ox + gx * s, oy - (gy + gh) * s], [ox + (gx + gw) * s, oy - gy * s]])
        pts = _apply(m, local)
        org = _apply(m, np.array([[ox, oy]]))[0]
        prims.append(_Prim("glyph", ctx, pts, code, s * m[0], (float(org[0]), float(org[1]))))
        return
    if tag == "path" and el.get("d"):
        pts = _apply(m, _path_points(el.get("d", "")))
        if len(pts):
            w = float(el.get("stroke-width", 0) or 0) * m[0]
            d = el.get("d", "")
            cap = el.get("stroke-linecap", "butt")
            if "C" in d or "Z" in d or "z" in d:
                # filled outline (ties, slurs) drawn with a thin round stroke: pad every point
                offs = np.array([[w / 2, 0], [-w / 2, 0], [0, w / 2], [0, -w / 2]])
                prims.append(_Prim("area", ctx, (pts[:, None, :] + offs[None]).reshape(-1, 2), width=w))
            else:
                prims.append(_Prim("line", ctx, _stroke_outline(pts, w, cap), width=w))
        return
    if tag in ("polygon", "polyline"):
        pts = _apply(m, _points_attr(el.get("points", "")))
        w = float(el.get("stroke-width", 0) or 0) * m[0]
        if len(pts) and tag == "polygon":
            closed = np.concatenate([pts, pts[:1]])
            prims.append(
                _Prim("area", ctx, np.concatenate([pts, _stroke_outline(closed, w, "round")]), width=w)
            )
        elif len(pts):
            prims.append(
                _Prim("line", ctx, _stroke_outline(pts, w, el.get("stroke-linecap", "butt")), width=w)
            )
        return
    if tag == "rect":
        x, y = float(el.get("x", 0)), float(el.get("y", 0))
        w, h = float(el.get("width", 0)), float(el.get("height", 0))
        if w > 0 and h > 0:
            prims.append(_Prim("area", ctx, _apply(m, np.array([[x, y], [x + w, y + h]]))))
        return
    if tag == "ellipse":
        cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
        rx, ry = float(el.get("rx", 0)), float(el.get("ry", 0))
        prims.append(_Prim("dot", ctx, _apply(m, np.array([[cx - rx, cy - ry], [cx + rx, cy + ry]]))))
        return
    for child in el:
        _walk(child, m, ctx, prims, bboxes, metrics)
    if tag == "text":
        box = _measure_text(el, m, ctx)
        if box is None:
            # no font to measure with: fall back to Verovio's own estimate of a descendant's box
            ids = [d.get("id", "") for d in el.iter()]
            box = next((bboxes[i] for i in ids if i in bboxes), None)
        if box is not None:
            prims.append(_Prim("text", ctx, box))


_BOLD_CLASSES = {"tempo", "ending", "fing", "reh", "voltaBracket"}
_ITALIC_CLASSES = {"dir", "dynam", "mNum"}


@functools.cache
def _text_fonts() -> dict[tuple[bool, bool], Any] | None:
    """PIL fonts (size 100) of the serif family the rasteriser uses, keyed by (bold, italic); None if absent."""
    from PIL import ImageFont

    from frontline.music.synth.engrave import _serif_fonts

    files = _serif_fonts()
    if not files:
        return None
    out: dict[tuple[bool, bool], Any] = {}
    for f in files:
        name = Path(f).stem.lower()
        bold, italic = "bold" in name, ("italic" in name or "oblique" in name)
        if "condensed" in name:
            continue
        out.setdefault((bold, italic), ImageFont.truetype(f, 100))
    return out if (False, False) in out else None


def _measure_text(el: ET.Element, m: Affine, ctx: tuple[tuple[str, str], ...]) -> np.ndarray | None:
    """Ink box (2 corner points, page px) of a Verovio `<text>`, measured with the rasteriser's font."""
    fonts = _text_fonts()
    if fonts is None:
        return None
    classes = {c for c, _ in ctx}
    x_s, y_s, anchor = el.get("x"), el.get("y"), el.get("text-anchor")
    if x_s is None:
        for d in el.iter(f"{_SVG}tspan"):
            if d.get("x") is not None:
                x_s, y_s, anchor = d.get("x"), d.get("y"), d.get("text-anchor", anchor)
                break
    if x_s is None or y_s is None:
        return None
    runs: list[tuple[str, float, bool, bool]] = []

    def rec(node: ET.Element, size: float, bold: bool, italic: bool) -> None:
        fs = node.get("font-size")
        if fs:
            size = float(fs.replace("px", ""))
        if node.get("font-weight"):
            bold = node.get("font-weight") == "bold"
        if node.get("font-style"):
            italic = node.get("font-style") == "italic"
        if node.text and node.text.strip() and size > 0:
            runs.append((node.text.strip(), size, bold, italic))
        for child in node:
            if child.tag == f"{_SVG}tspan":
                rec(child, size, bold, italic)

    rec(el, 0.0, bool(classes & _BOLD_CLASSES), bool(classes & _ITALIC_CLASSES))
    if not runs:
        return None
    adv = 0.0
    x0 = y0 = math.inf
    x1 = y1 = -math.inf
    for text, size, bold, italic in runs:
        font = fonts.get((bold, italic)) or fonts[(False, False)]
        k = size / 100.0
        bx0, by0, bx1, by1 = font.getbbox(text, anchor="ls")
        x0, x1 = min(x0, adv + bx0 * k), max(x1, adv + bx1 * k)
        y0, y1 = min(y0, by0 * k), max(y1, by1 * k)
        adv += font.getlength(text) * k
    shift = {"middle": -adv / 2.0, "end": -adv}.get(anchor or "start", 0.0)
    x, y = float(x_s) + shift, float(y_s)
    return _apply(m, np.array([[x + x0, y + y0], [x + x1, y + y1]]))


def _find(ctx: tuple[tuple[str, str], ...], names: set[str] | str) -> tuple[str, str] | None:
    if isinstance(names, str):
        names = {names}
    for c in reversed(ctx):
        if c[0] in names:
            return c
    return None


def _semantic(ctx: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    for c in reversed(ctx):
        if c[0] in _SEMANTIC:
            return c
    return ("", "")


# ---------------------------------------------------------------------------------------------------------------
# classification

_SIMPLE_GLYPHS = {
    # SMuFL name -> class (names not listed and not handled by a rule become otherGlyph)
    "gClef": "clefG", "fClef": "clefF", "gClefChange": "clefG", "fClefChange": "clefF", "gClef8vb": "clefG8vb", "gClef8va": "clefG8va", "fClef8vb": "clefF8vb",
    "fClef8va": "clefF8va", "unpitchedPercussionClef1": "clefUnpitchedPercussion", "clef8": "clef8",
    "clef15": "clef15", "brace": "brace", "repeatDot": "repeatDot", "segno": "segno", "coda": "coda",
    "timeSigCommon": "timeSigCommon", "timeSigCutCommon": "timeSigCutCommon",
    "restDoubleWhole": "restDoubleWhole", "restWhole": "restWhole", "restWholeLegerLine": "restWhole",
    "restHalf": "restHalf", "restHalfLegerLine": "restHalf", "restQuarter": "restQuarter", "rest8th": "rest8th",
    "rest16th": "rest16th", "rest32nd": "rest32nd", "rest64th": "rest64th", "rest128th": "rest128th",
    "restDoubleWholeLegerLine": "restDoubleWhole", "restHBar": "restHBar",
    "dynamicPiano": "dynamicP", "dynamicMezzo": "dynamicM", "dynamicForte": "dynamicF",
    "dynamicSforzando": "dynamicS", "dynamicZ": "dynamicZ", "dynamicRinforzando": "dynamicR",
    "ornamentTrill": "ornamentTrill", "ornamentTurn": "ornamentTurn", "ornamentTurnInverted": "ornamentTurnInverted",
    "ornamentMordent": "ornamentMordent", "ornamentShortTrill": "ornamentMordent",
    "ornamentMordentInverted": "ornamentMordent",
    "stringsDownBow": "stringsDownBow", "stringsUpBow": "stringsUpBow", "arpeggiato": "arpeggiato",
    "keyboardPedalPed": "keyboardPedalPed", "keyboardPedalUp": "keyboardPedalUp", "caesura": "caesura",
    "accidentalDoubleSharp": "accidentalDoubleSharp", "accidentalDoubleFlat": "accidentalDoubleFlat",
    "accidentalParensLeft": "accidentalParens", "accidentalParensRight": "accidentalParens",
    "fermataAbove": "fermataAbove", "fermataBelow": "fermataBelow",
    "tremolo1": "tremolo1", "tremolo2": "tremolo2", "tremolo3": "tremolo3", "tremolo4": "tremolo4",
    "tremolo5": "tremolo5",
}  # fmt: skip
_NOTEHEADS = {
    "noteheadBlack": "Black",
    "noteheadHalf": "Half",
    "noteheadWhole": "Whole",
    "noteheadDoubleWhole": "DoubleWhole",
}
_NOTEHEADS["noteheadDoubleWholeSquare"] = "DoubleWhole"
_SMALL_OK = {
    "noteheadBlack",
    "noteheadHalf",
    "noteheadWhole",
    "noteheadDoubleWhole",
    "flag8thUp",
    "flag8thDown",
}
_SMALL_OK |= {"accidentalFlat", "accidentalNatural", "accidentalSharp"}
_TEXT_CLASSES = {"label", "labelAbbr", "mNum", "pgHead", "pgFoot", "dir", "reh", "fig", "harm", "fing"}


def _glyph_class(name: str, sem: str, small: bool, ctx: tuple[tuple[str, str], ...]) -> str:
    """Class of a SMuFL glyph given its semantic context ("" when it is a generic glyph)."""
    if sem == "keyAccid" or _find(ctx, "keyAccid") is not None:
        return {
            "accidentalFlat": "keyFlat",
            "accidentalSharp": "keySharp",
            "accidentalNatural": "keyNatural",
        }.get(name, "otherGlyph")
    if name.startswith("timeSig") and name[7:].isdigit():
        return name
    if name.startswith("tuplet") and name[6:].isdigit():
        cls = f"tuplet{name[6:]}"
        return cls if cls in CLASS_ID else "otherGlyph"
    if name.startswith(("flag", "artic")) or name in (
        "accidentalFlat",
        "accidentalNatural",
        "accidentalSharp",
    ):
        base = name
        if name.startswith("artic") and name.endswith(("Above", "Below")):
            stem = name[:-5]
            pos = name[-5:]
            base = {
                "articStaccatissimoWedge": "articStaccatissimo",
                "articStaccatissimoStroke": "articStaccatissimo",
            }.get(stem, stem) + pos
        if small and base in _SMALL_OK:
            cand = base + "Small"
            if cand in CLASS_ID:
                return cand
        return base if base in CLASS_ID else "otherGlyph"
    if name.startswith("dynamic") and name not in _SIMPLE_GLYPHS:
        return "dynamicText"
    return _SIMPLE_GLYPHS.get(name, "otherGlyph")


def _nearest_staff(y: float, staves: list[StaffInfo], x: float) -> int:
    best, bd = -1, math.inf
    for s in staves:
        if not (s.x0 - 50 <= x <= s.x1 + 50):
            continue
        top, bot = s.line_ys[0], s.line_ys[-1]
        dist = 0.0 if top <= y <= bot else min(abs(y - top), abs(y - bot))
        if dist < bd:
            best, bd = s.index, dist
    return best


def _obox_from_axis(
    b: tuple[float, float, float, float],
) -> tuple[float, float, float, float, float, float, float, float]:
    x0, y0, x1, y1 = b
    return (x0, y0, x1, y0, x1, y1, x0, y1)


def _min_area_obox(pts: np.ndarray) -> tuple[float, float, float, float, float, float, float, float]:
    import cv2

    rect = cv2.minAreaRect(pts.astype(np.float32))
    corners = cv2.boxPoints(rect)
    return tuple(float(v) for v in corners.reshape(-1))  # type: ignore[return-value]


def _box(pts: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return (float(x0), float(y0), float(x1), float(y1))


def annotate_svg(
    svg: str, font: str, width: int, height: int, links: dict[str, NoteLink] | None = None
) -> PageAnnotations:
    """Annotate every drawn symbol of one Verovio SVG page rasterised to `width` x `height` pixels.

    Text is measured with the rasteriser's serif font; without that font the SVG must be rendered with
    Verovio's `svgBoundingBoxes` on (its text boxes are the fallback). `links` maps Verovio note ids to
    their NoteLink (from `note_links`). Boxes are in output pixels.
    """
    root = ET.fromstring(svg)
    inner = root.find(f"{_SVG}svg")
    if inner is None:
        raise ValueError("not a Verovio SVG page: no inner definition-scale <svg>")
    vb = [float(v) for v in inner.get("viewBox", "0 0 1 1").split()]
    m: Affine = (width / vb[2], 0.0, 0.0, height / vb[3], -vb[0] * width / vb[2], -vb[1] * height / vb[3])
    metrics = font_metrics(font)
    prims: list[_Prim] = []
    bboxes: dict[str, np.ndarray] = {}
    for child in inner:
        _walk(child, m, (), prims, bboxes, metrics)

    # staves: group staff-line paths by (system, position of the staff within its measure)
    staff_lines: dict[tuple[str, int], list[np.ndarray]] = {}
    staff_key: dict[str, tuple[str, int]] = {}
    measure_staff_count: dict[str, list[str]] = {}
    for p in prims:
        if p.kind == "line" and p.ctx and p.ctx[-1][0] == "staff":
            sid = p.ctx[-1][1]
            meas = _find(p.ctx, "measure")
            sys_ = _find(p.ctx, "system")
            mid = meas[1] if meas else ""
            order = measure_staff_count.setdefault(mid, [])
            if sid not in order:
                order.append(sid)
            key = (sys_[1] if sys_ else "", order.index(sid))
            staff_key[sid] = key
            staff_lines.setdefault(key, []).append(p.pts)
    staves: list[StaffInfo] = []
    key_index: dict[tuple[str, int], int] = {}
    systems_seen: list[str] = []
    for key in sorted(staff_lines, key=lambda k: float(np.min(np.concatenate(staff_lines[k])[:, 1]))):
        segs = staff_lines[key]
        ys = sorted({round(float(np.mean(s[:, 1])), 2) for s in segs})
        # merge ys of the same line drawn per measure
        lines: list[float] = []
        for y in ys:
            if lines and abs(y - lines[-1]) < 0.5:
                continue
            lines.append(y)
        allp = np.concatenate(segs)
        if key[0] not in systems_seen:
            systems_seen.append(key[0])
        key_index[key] = len(staves)
        staves.append(
            StaffInfo(
                len(staves),
                systems_seen.index(key[0]),
                tuple(lines),
                float(allp[:, 0].min()),
                float(allp[:, 0].max()),
            )
        )
    staff_of_id = {sid: key_index[k] for sid, k in staff_key.items()}
    base_scale = _base_glyph_scale(prims)
    links = links or {}

    anns: list[Annotation] = []

    def add(cls: str, pts: np.ndarray, eid: str, staff: int = -1, note: NoteLink | None = None,
            rel: int | None = None, comments: str = "", oriented: bool = False) -> None:  # fmt: skip
        if len(pts) == 0:
            return
        b = _box(pts)
        if b[2] - b[0] <= 0 or b[3] - b[1] <= 0:
            return
        ob = _min_area_obox(pts) if oriented else _obox_from_axis(b)
        anns.append(Annotation(cls, b, ob, eid, staff, note, rel, comments))

    def staff_of(ctx: tuple[tuple[str, str], ...]) -> int:
        st = _find(ctx, "staff")
        return staff_of_id.get(st[1], -1) if st else -1

    def note_of(ctx: tuple[tuple[str, str], ...]) -> NoteLink | None:
        n = _find(ctx, "note")
        if n is not None and n[1] in links:
            return links[n[1]]
        ch = _find(ctx, "chord")
        if ch is not None and ch[1] in links:
            return links[ch[1]]
        return None

    barline_groups: dict[str, list[_Prim]] = {}
    grouped: dict[tuple[str, str], list[_Prim]] = {}
    for p in prims:
        sem, sid = _semantic(p.ctx)
        if p.kind == "glyph":
            name = metrics[p.code][4]
            small = p.scale < 0.85 * base_scale
            if sem == "notehead" and name in _NOTEHEADS:
                st = staff_of(p.ctx)
                rel = None
                cls = "noteheadBlack"
                if 0 <= st < len(staves):
                    sinfo = staves[st]
                    mid_y = sinfo.line_ys[len(sinfo.line_ys) // 2]
                    rel = int(round((mid_y - p.origin[1]) / (sinfo.staff_space_px / 2.0)))
                    kind = "OnLine" if rel % 2 == 0 else "InSpace"
                    cls = f"notehead{_NOTEHEADS[name]}{kind}{'Small' if small else ''}"
                else:
                    cls = f"notehead{_NOTEHEADS[name]}OnLine"
                add(cls, p.pts, (_find(p.ctx, "note") or ("", ""))[1], st, note_of(p.ctx), rel, name)
                continue
            if sem == "clef" and name in ("cClef", "cClefChange"):
                st = staff_of(p.ctx)
                cls = "clefCAlto"
                if 0 <= st < len(staves):
                    s = staves[st]
                    cls = (
                        "clefCTenor"
                        if abs(p.origin[1] - s.line_ys[1]) < abs(p.origin[1] - s.line_ys[2])
                        else "clefCAlto"
                    )
                add(cls, p.pts, sid, st, comments=name)
                continue
            if sem == "grpSym":
                grouped.setdefault(("bracket" if name != "brace" else "brace", sid), []).append(p)
                continue
            if sem == "barLine":
                barline_groups.setdefault(sid, []).append(p)
                continue
            if sem == "voltaBracket":
                grouped.setdefault(("ending", _segment_id(sid or str(id(p.ctx)), p.ctx)), []).append(p)
                continue
            if sem == "octave":
                grouped.setdefault(("ottavaBracket", _segment_id(sid, p.ctx)), []).append(p)
                continue
            cls = _glyph_class(name, sem, small, p.ctx)
            linked = note_of(p.ctx) if sem in ("flag", "accid", "artic", "stem", "dots") else None
            add(cls, p.pts, sid, staff_of(p.ctx), linked, comments=name)
        elif p.kind == "dot":
            if sem == "barLine":
                barline_groups.setdefault(sid, []).append(p)
                continue
            add(
                "augmentationDot" if sem == "dots" else "otherGlyph",
                p.pts,
                sid,
                staff_of(p.ctx),
                note_of(p.ctx),
            )
        elif p.kind in ("line", "area"):
            if sem == "staff":
                continue  # staff lines become one `staff` box per staff (below)
            if sem == "stem":
                # a diagonal second line in a grace note's stem is the acciaccatura slash
                b = _box(p.pts)
                diag = (b[2] - b[0]) > 2.5 * max(p.width, 1.0) and (b[3] - b[1]) > 2.5 * max(p.width, 1.0)
                add(
                    "graceSlash" if diag else "stem",
                    p.pts,
                    sid,
                    staff_of(p.ctx),
                    note_of(p.ctx),
                    oriented=diag,
                )
            elif sem == "beam":
                add("beam", p.pts, sid, staff_of(p.ctx), oriented=True)
            elif sem == "ledgerLines":
                add("legerLine", p.pts, sid, staff_of(p.ctx))
            elif sem == "barLine":
                barline_groups.setdefault(sid, []).append(p)
            elif sem in ("tie", "slur"):
                add(sem, p.pts, sid, staff_of(p.ctx), oriented=True)
            elif sem == "hairpin":
                grouped.setdefault(("hairpin", sid), []).append(p)
            elif sem == "tupletBracket":
                grouped.setdefault(("tupletBracket", sid), []).append(p)
            elif sem == "octave":
                grouped.setdefault(("ottavaBracket", _segment_id(sid, p.ctx)), []).append(p)
            elif sem == "voltaBracket":
                grouped.setdefault(("ending", _segment_id(sid or "volta", p.ctx)), []).append(p)
            elif sem == "grpSym":
                grouped.setdefault(("bracket", sid), []).append(p)
            elif sem == "system":
                add("systemicBarline", p.pts, sid)
            elif sem in ("connectors", "syl", "verse", "lyric"):
                add("lyricLine", p.pts, sid, staff_of(p.ctx))
            elif sem in ("fig", "pgFoot", "pgHead"):
                grouped.setdefault(("text", sid or "fig"), []).append(p)  # a drawn logo in the header/footer
            else:
                add("otherGlyph", p.pts, sid, staff_of(p.ctx), comments=f"path in {sem or 'page'}")
        elif p.kind == "text":
            if sem == "octave":  # a font without the ottava glyphs draws "8va" as text
                grouped.setdefault(("ottavaBracket", _segment_id(sid, p.ctx)), []).append(p)
                continue
            if sem == "voltaBracket":
                grouped.setdefault(("ending", _segment_id(sid or "volta", p.ctx)), []).append(p)
                continue
            cls = {"syl": "lyricText", "verse": "lyricText", "lyric": "lyricText", "tempo": "tempoText"}.get(
                sem, "text"
            )
            if cls == "text" and _find(p.ctx, {"syl", "verse"}) is not None:
                cls = "lyricText"
            add(cls, p.pts, sid, staff_of(p.ctx))

    for (cls, gid), ps in grouped.items():
        pts = np.concatenate([q.pts for q in ps])
        if cls == "hairpin":
            cls = _hairpin_kind(ps)
        if cls == "ottavaBracket":
            # drawn in its measure, outside any staff: it is given the staff nearest to it; gid is "id@system"
            b = _box(pts)
            add(cls, pts, gid.split("@")[0], _ottava_staff(b, staves), comments="ottava")
            continue
        if cls == "ending":
            # one box per system: an ending over a system break is drawn twice (gid "id@system")
            gid = gid.split("@")[0]
        add(cls, pts, gid, staff_of(ps[0].ctx), oriented=cls.startswith("dynamic"))

    for gid, ps in barline_groups.items():
        _add_barlines(gid, ps, metrics, staves, add)

    for sinfo in staves:
        lys = sinfo.line_ys
        pts = np.array([[sinfo.x0, lys[0]], [sinfo.x1, lys[-1]]])
        add("staff", pts, f"staff{sinfo.index}", sinfo.index)

    # the staff boxes above use line centres; widen them by the staff-line stroke
    anns = [_widen_staff(a, prims) if a.class_name == "staff" else a for a in anns]
    return PageAnnotations(tuple(anns), tuple(staves), width, height)


def _segment_id(sid: str, ctx: tuple[tuple[str, str], ...]) -> str:
    """Key of one drawn piece of a spanner: its id and its system (an ottava over a system break is drawn
    once per system under one id, and each piece is one box)."""
    sys_ = _find(ctx, "system")
    return f"{sid}@{sys_[1] if sys_ else ''}"


def _ottava_staff(b: tuple[float, float, float, float], staves: list[StaffInfo]) -> int:
    """Page staff nearest to an ottava bracket box whose x span covers it (-1 when none)."""
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    return _nearest_staff(cy, staves, cx)


def _widen_staff(a: Annotation, prims: list[_Prim]) -> Annotation:
    w = next((p.width for p in prims if p.kind == "line" and p.ctx and p.ctx[-1][0] == "staff"), 0.0) / 2.0
    x0, y0, x1, y1 = a.a_bbox
    b = (x0, y0 - w, x1, y1 + w)
    return Annotation(
        a.class_name, b, _obox_from_axis(b), a.element_id, a.staff, a.note, a.rel_position, a.comments
    )


def _base_glyph_scale(prims: list[_Prim]) -> float:
    scales = [p.scale for p in prims if p.kind == "glyph"]
    if not scales:
        return 1.0
    vals, counts = np.unique(np.round(scales, 6), return_counts=True)
    return float(vals[int(np.argmax(counts))])


def _hairpin_kind(ps: list[_Prim]) -> str:
    pts = np.concatenate([p.pts for p in ps])
    x0, x1 = pts[:, 0].min(), pts[:, 0].max()
    left = pts[pts[:, 0] < x0 + (x1 - x0) * 0.1]
    right = pts[pts[:, 0] > x1 - (x1 - x0) * 0.1]
    spread_l = float(np.ptp(left[:, 1])) if len(left) else 0.0
    spread_r = float(np.ptp(right[:, 1])) if len(right) else 0.0
    return "dynamicCrescendoHairpin" if spread_r > spread_l else "dynamicDiminuendoHairpin"


def _add_barlines(gid: str, ps: list[_Prim], metrics: Any, staves: list[StaffInfo], add: Any) -> None:
    """Split a barLine group into vertical runs; classify each run by its thin/thick lines; dots apart."""
    lines = [p for p in ps if p.kind in ("line", "area")]
    for p in ps:
        if p.kind == "dot" or (p.kind == "glyph" and metrics[p.code][4] in ("repeatDot", "repeatDots")):
            add(
                "repeatDot",
                p.pts,
                gid,
                _nearest_staff(float(p.pts[:, 1].mean()), staves, float(p.pts[:, 0].mean())),
            )
        elif p.kind == "glyph":
            add("otherGlyph", p.pts, gid, comments=metrics[p.code][4])
    if not lines:
        return
    # vertical runs: lines whose y ranges overlap
    boxes = [(_box(p.pts), p) for p in lines]
    boxes.sort(key=lambda t: t[0][1])
    runs: list[list[tuple[tuple[float, float, float, float], _Prim]]] = []
    for b, p in boxes:
        for r in runs:
            if any(b[1] <= rb[3] + 1 and rb[1] <= b[3] + 1 for rb, _ in r):
                r.append((b, p))
                break
        else:
            runs.append([(b, p)])
    thin = min(b[2] - b[0] for b, _ in boxes)
    has_dots = any(p.kind == "dot" or p.kind == "glyph" for p in ps)
    for r in runs:
        r.sort(key=lambda t: t[0][0])
        kinds = ["k" if (b[2] - b[0]) > 1.8 * thin else "t" for b, _ in r]
        # merge identical x positions (a line split into pieces)
        pattern = "".join(k for i, k in enumerate(kinds) if i == 0 or abs(r[i][0][0] - r[i - 1][0][0]) > 0.5)
        if pattern == "t":
            cls = "barline"
        elif pattern == "tt":
            cls = "barlineDouble"
        elif pattern == "tk":
            cls = "repeatRight" if has_dots else "barlineFinal"
        elif pattern == "kt":
            cls = "repeatLeft" if has_dots else "barlineHeavy"
        elif pattern in ("ktk", "tkt", "tkkt", "kk"):
            cls = "repeatLeftRight" if has_dots else "barlineHeavy"
        elif pattern == "k":
            cls = "barlineHeavy"
        else:
            cls = "barline"
        pts = np.concatenate([p.pts for _, p in r])
        st = _nearest_staff(float(pts[:, 1].min()), staves, float(pts[:, 0].mean()))
        add(cls, pts, gid, st)


# ---------------------------------------------------------------------------------------------------------------
# note links from Verovio's MEI and timemap

_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_ACC = {"s": 1, "f": -1, "ss": 2, "x": 2, "ff": -2, "n": 0, "": 0}
_ACC_TXT = {1: "#", -1: "b", 2: "##", -2: "bb", 0: ""}


def note_links(mei: str, timemap: list[dict[str, Any]]) -> dict[str, NoteLink]:
    """Note id -> NoteLink for every note (and chord id -> its first note) of a Verovio MEI export.

    `timemap` is Verovio's `renderToTimemap()` of the same document; onsets are relative to its first event.
    """
    root = ET.fromstring(mei)
    onset: dict[str, float] = {}
    q0 = None
    for ev in timemap:
        q = float(ev.get("qstamp", 0.0))
        if q0 is None:
            q0 = q
        for nid in ev.get("on", []):
            onset.setdefault(nid, q - q0)
    out: dict[str, NoteLink] = {}
    grace_chords = {c.get(_XMLID, "") for c in root.iter(f"{_MEI}chord") if c.get("grace") is not None}

    def visit(
        el: ET.Element, staff_n: int, layer_n: int, dur: str, dots: int, ratio: float, chord_id: str
    ) -> None:
        tag = el.tag.replace(_MEI, "")
        if tag == "staff":
            staff_n = int(el.get("n", "0"))
        elif tag == "layer":
            layer_n = int(el.get("n", "1"))
        elif tag == "chord":
            dur = el.get("dur", dur)
            dots = int(el.get("dots", "0"))
            chord_id = el.get(_XMLID, "")
        elif tag == "tuplet":
            num, base = float(el.get("num", "3")), float(el.get("numbase", "2"))
            ratio = ratio * base / num
        elif tag == "note":
            nid = el.get(_XMLID, "")
            pname = el.get("pname", "c")
            # sounding octave: under an 8va/8vb Verovio writes the drawn octave in @oct, the sounding in @oct.ges
            octv = int(el.get("oct.ges") or el.get("oct") or "4")
            acc = el.get("accid.ges") or el.get("accid") or ""
            for a in el.iter(f"{_MEI}accid"):
                acc = a.get("accid.ges") or a.get("accid") or acc
            alter = _ACC.get(acc, 0)
            d = el.get("dur", dur) if not chord_id else dur
            nd = int(el.get("dots", str(dots))) if not chord_id else dots
            grace = el.get("grace") is not None or (bool(chord_id) and chord_id in grace_chords)
            try:
                base = 4.0 / float(d) if d and d not in ("long", "breve") else (8.0 if d == "breve" else 16.0)
            except ValueError:
                base = 1.0
            q = 0.0 if grace else base * (2.0 - 0.5**nd) * ratio
            link = NoteLink(
                nid,
                f"{pname.upper()}{_ACC_TXT.get(alter, '')}{octv}",
                12 * (octv + 1) + _PC.get(pname, 0) + alter,
                round(q, 6),
                d,
                nd,
                None if grace else onset.get(nid, onset.get(chord_id)),
                staff_n,
                layer_n,
                grace,
            )
            out[nid] = link
            if chord_id and chord_id not in out:
                out[chord_id] = link
            return
        for child in el:
            visit(child, staff_n, layer_n, dur, dots, ratio, chord_id)

    visit(root, 0, 1, "4", 0, 1.0, "")
    return out
