"""Read the word of a combined dynamics glyph (pp, mf, sfz, ...) by matching it against the SMuFL fonts.

Why: the detector (like the data engine) has one class, "dynamicText", for every multi-letter dynamics
word, and the pixel rules of `build.dynamic_word` confuse words of one shape (fp read as mf, pppp as ppp,
pp as fff). Here every candidate word is drawn from the dynamics letters (U+E520-E525) of the SMuFL
fonts Verovio ships, letter after letter by the font's advance widths, and the crop's ink is compared
with each drawing at the crop's height: the word whose drawing overlaps the ink best wins. The drawings
are made on first use (cached per process), never at import time: from the rasters shipped in
`dynamics_letters/` (made by `python -c "from frontline.music.assemble.dynamics import
write_letter_rasters; write_letter_rasters()"`) when they were drawn from the
same font outlines as the installed Verovio's, else drawn here with cairosvg (0.3-0.5 s per process).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["WORDS", "dynamic_match", "match_dynamic_word", "write_letter_rasters"]

WORDS: tuple[str, ...] = (
    "p", "pp", "ppp", "pppp", "f", "ff", "fff", "ffff", "mp", "mf", "sf", "sfp", "sfpp", "fp", "rf", "rfz",
    "sfz", "sffz", "fz", "pf", "sfzp",
)  # fmt: skip
"""Candidate words (the dynamics MusicXML names and the assembly writes)."""

_CODES = {"p": "E520", "m": "E521", "f": "E522", "r": "E523", "s": "E524", "z": "E525"}
_WHOLE = {
    "pppp": "E529", "ppp": "E52A", "pp": "E52B", "mp": "E52C", "mf": "E52D", "pf": "E52E", "ff": "E52F",
    "fff": "E530", "ffff": "E531", "fp": "E534", "fz": "E535", "sf": "E536", "sfp": "E537", "sfpp": "E538",
    "sfz": "E539", "sfzp": "E53A", "sffz": "E53B", "rf": "E53C", "rfz": "E53D",
}  # fmt: skip
"""Words SMuFL has one precomposed glyph for (Verovio draws a <dynamics> word with it when there is one:
sfz as U+E539, whose letters sit closer and at other heights than U+E524 E522 E525 side by side)."""
_FONTS = ("Leipzig", "Bravura", "Gootville", "Leland", "Petaluma")
_H = 32  # height (pixels) the ink and the drawings are compared at


def _font_dir() -> Path | None:
    try:
        import verovio
    except ImportError:  # pragma: no cover - verovio is a dependency
        return None
    return Path(verovio.__file__).parent / "data"


@cache
def _letters(font: str) -> dict[str, tuple[str, float]]:
    """Letter -> (SVG path data, advance width in font units) of one font; {} when the font is missing."""
    root = _font_dir()
    if root is None or not (root / f"{font}.xml").exists():
        return {}
    meta = (root / f"{font}.xml").read_text(encoding="utf-8")
    out: dict[str, tuple[str, float]] = {}
    for letter, code in (_CODES | _WHOLE).items():
        glyph = root / font / f"{code}.xml"
        adv = re.search(rf'c="{code}"[^>]*h-a-x="([-0-9.]+)"', meta)
        if not glyph.exists() or adv is None:
            continue
        d = re.search(r'\sd="([^"]+)"', glyph.read_text(encoding="utf-8"))
        if d is not None:
            out[letter] = (d.group(1), float(adv.group(1)))
    return out


def _ink_crop(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return mask
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _resize(mask: np.ndarray, h: int, w: int) -> np.ndarray:
    """A binary mask scaled to h x w as coverage fractions (area averaging by a 4x supersampled grid)."""
    ys = (np.arange(4 * h) + 0.5) * mask.shape[0] / (4 * h)
    xs = (np.arange(4 * w) + 0.5) * mask.shape[1] / (4 * w)
    big = mask[np.minimum(ys.astype(int), mask.shape[0] - 1)][
        :, np.minimum(xs.astype(int), mask.shape[1] - 1)
    ]
    # counts of 16 samples, exact in float32: the same fractions as a float mean, 10x faster
    if big.dtype == np.bool_:  # the same counts by adding the 4 x 4 samples' slices: no generic
        b = big.view(np.uint8)  # reduction over two axes (150 -> 40 us a call, ~60 calls a crop)
        cols = b[:, 0::4] + b[:, 1::4] + b[:, 2::4] + b[:, 3::4]
        counts = cols[0::4] + cols[1::4] + cols[2::4] + cols[3::4]
        return counts.astype(np.float32) / 16.0
    return big.reshape(h, 4, w, 4).sum(axis=(1, 3), dtype=np.uint8).astype(np.float32) / 16.0


_BLOCK = 2000.0  # font units between the letters of one font's sheet
_SCALE = 0.2  # pixels per font unit the letters are drawn at


_SHIPPED = Path(__file__).parent / "dynamics_letters"
"""Rasters of the fonts' letters as `_raster` draws them (FONT.png) and the outlines' fingerprints
(fingerprints.json)."""


def _fingerprint(letters: dict[str, tuple[str, float]]) -> str:
    """A hash of a font's letter outlines and advances: a shipped raster is used only for the same."""
    text = json.dumps(sorted(letters.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _raster(letters: dict[str, tuple[str, float]]) -> np.ndarray:
    """The letters drawn side by side, `_BLOCK` font units apart, at `_SCALE`: one uint8 grey image."""
    import cairosvg
    from PIL import Image

    order = sorted(letters)
    paths = "".join(
        f'<path transform="translate({k * _BLOCK:.0f},0) scale(1,-1)" d="{letters[ch][0]}"/>'
        for k, ch in enumerate(order)
    )
    width = _BLOCK * len(order)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width / 10:.0f}" height="160" '
        f'viewBox="-300 -1000 {width:.0f} 1600"><rect x="-300" y="-1000" width="{width:.0f}" '
        f'height="1600" fill="white"/><g fill="black">{paths}</g></svg>'
    )
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=int(width * _SCALE))
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), np.uint8)


def _shipped_raster(font: str, letters: dict[str, tuple[str, float]]) -> np.ndarray | None:
    """The shipped raster of a font when it was drawn from these outlines, else None."""
    try:
        marks = json.loads((_SHIPPED / "fingerprints.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = _SHIPPED / f"{font}.png"
    if marks.get(font) != _fingerprint(letters) or not path.is_file():
        return None
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("L"), np.uint8)


@cache
def _sheet(font: str) -> dict[str, tuple[np.ndarray, float]]:
    """Letter -> (its block's ink: darker than mid-grey, drawn at `_SCALE` with its origin 60 px from the
    block's left edge; advance width in font units) for one font: every letter drawn in one SVG (one
    raster). Ink, not darkness: the drawings need no more (a float copy of the five rasters cost 0.2 s)."""
    letters = _letters(font)
    if not letters:
        return {}
    grey = _shipped_raster(font, letters)
    if grey is None:
        grey = _raster(letters)
    ink = grey < 128  # darkness 1 - grey / 255 at least 0.5
    order = sorted(letters)
    step = int(_BLOCK * _SCALE)
    return {ch: (ink[:, k * step : (k + 1) * step], letters[ch][1]) for k, ch in enumerate(order)}


def write_letter_rasters(out: Path = _SHIPPED) -> list[Path]:
    """Draw every font's letters with cairosvg and write FONT.png plus fingerprints.json to `out` (the
    files `_sheet` ships with); returns the files written."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    marks: dict[str, str] = {}
    written = []
    for font in _FONTS:
        letters = _letters(font)
        if not letters:
            continue
        Image.fromarray(_raster(letters)).save(out / f"{font}.png", optimize=True)
        marks[font] = _fingerprint(letters)
        written.append(out / f"{font}.png")
    (out / "fingerprints.json").write_text(json.dumps(marks, indent=1) + "\n", encoding="utf-8")
    return [*written, out / "fingerprints.json"]


@cache
def _drawing(word: str, font: str, whole: bool = False) -> np.ndarray | None:
    """The word's ink in one font at height `_H` (coverage fractions), or None when it cannot be drawn:
    its letters' drawings set side by side by the font's advance widths, or (`whole`) the font's one
    precomposed glyph of the word (`_WHOLE`)."""
    sheet = _sheet(font)
    if whole:
        if word not in _WHOLE or word not in sheet:
            return None
        ink = _ink_crop(sheet[word][0])
        if not ink.any():
            return None
        return _resize(ink, _H, max(1, int(round(_H * ink.shape[1] / ink.shape[0]))))
    if not word or any(ch not in sheet for ch in word):
        return None
    step = int(_BLOCK * _SCALE)
    total = sum(sheet[ch][1] for ch in word)
    canvas = np.zeros((sheet[word[0]][0].shape[0], int(total * _SCALE) + step + 1), bool)
    x = 0.0
    for ch in word:
        block, adv = sheet[ch]
        left = int(round(x * _SCALE))
        canvas[:, left : left + step] |= block
        x += adv
    ink = _ink_crop(canvas)
    if not ink.any():
        return None
    wd = max(1, int(round(_H * ink.shape[1] / ink.shape[0])))
    return _resize(ink, _H, wd)


def dynamic_match(
    crop: np.ndarray, words: tuple[str, ...] = WORDS, whole_glyphs: bool = True
) -> tuple[str, float]:
    """The dynamics word whose font drawing best matches the ink of a grey crop, and its score in [0, 1]
    (("", 0.0) without ink). With `whole_glyphs` a word is drawn both letter by letter and as the font's
    precomposed glyph of it (`_WHOLE`, what Verovio draws), and the better drawing counts.

    The crop is cut to its ink (pixels darker than 128) and scaled to each drawing's size; the score is
    the soft intersection over union of the two inks, times the ratio of the smaller to the larger aspect
    (a word of another letter count is wider or narrower).
    """
    if crop.ndim != 2 or crop.shape[0] < 4 or crop.shape[1] < 2:
        return "", 0.0
    ink = _ink_crop(crop < 128)
    if not ink.any() or ink.shape[0] < 4:
        return "", 0.0
    aspect = ink.shape[1] / ink.shape[0]
    best, best_score = "", -1.0
    drawings, stacks = _stacks(words, whole_glyphs)
    sums: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for shape, stack in stacks.items():  # the crop at each drawing size met, against all its drawings
        a = _resize(ink, shape[0], shape[1])
        # whole sixteenths (coverage counts / 16, at most 2**20 of them): exact sums in any order
        sums[shape] = (np.minimum(a, stack).sum(axis=(1, 2)), np.maximum(a, stack).sum(axis=(1, 2)))
    for word, shape, k in drawings:
        inter = float(sums[shape][0][k])
        union = float(sums[shape][1][k])
        t_aspect = shape[1] / shape[0]
        score = inter / max(union, 1e-6) * min(aspect, t_aspect) / max(aspect, t_aspect)
        if score > best_score:
            best, best_score = word, score
    return best, max(0.0, best_score)


@cache
def _stacks(
    words: tuple[str, ...], whole_glyphs: bool
) -> tuple[list[tuple[str, tuple[int, int], int]], dict[tuple[int, int], np.ndarray]]:
    """The drawings `dynamic_match` compares a crop with, in its order: (word, shape, index in the stack
    of that shape), and per shape the drawings stacked (one comparison per shape: ~60 drawing widths, 2
    of 120 numpy calls a drawing before)."""
    drawings: list[tuple[str, tuple[int, int], int]] = []
    by_shape: dict[tuple[int, int], list[np.ndarray]] = {}
    for word in words:
        for font, whole in ((f, w) for f in _FONTS for w in ((False, True) if whole_glyphs else (False,))):
            t = _drawing(word, font, whole)
            if t is None:
                continue
            shape = (int(t.shape[0]), int(t.shape[1]))
            drawings.append((word, shape, len(by_shape.setdefault(shape, []))))
            by_shape[shape].append(t)
    return drawings, {shape: np.stack(ts) for shape, ts in by_shape.items()}


def match_dynamic_word(crop: np.ndarray, min_score: float = 0.0, whole_glyphs: bool = True) -> str:
    """The word `dynamic_match` reads in a crop, or "" when its score is below `min_score` (no dynamics
    word: text the detector took for one)."""
    word, score = dynamic_match(crop, WORDS, whole_glyphs)
    return word if score >= min_score else ""
