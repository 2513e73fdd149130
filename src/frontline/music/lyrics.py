"""Lyrics: find the text lines under each staff, read them with an OCR recogniser, attach syllables to notes.

Data flow per page: the assembly's staves and glyphs -> for each staff, the band below it with the ink of
the music symbols the assembly used masked out -> text lines (runs of inked rows) -> pieces of ink
(words, hyphens, extender lines) -> the words of all lines packed into strips (gaps shortened) and read by
the recogniser (PP-OCRv4 recognition from the `rapidocr_onnxruntime` wheel, which ships its ONNX models;
loaded lazily once per process) -> syllables with their left x and syllabic (single/begin/middle/end from
the hyphens) -> each syllable on the note of that staff whose head its left edge starts under (Verovio
left-aligns a syllable about half a staff space left of its head). A line counts as lyrics when at least
`min_syllables` of its worded syllables (or `min_figures` figures: figured bass) find a note and, in the
median, start where their heads expect them; a line far below all other ink (a footer) and dynamics
words are not read as lyrics. The lines of a staff are verses 1, 2, ... top to bottom.

Pure helpers (`text_rows`, `ink_pieces`, `syllables`, `attach`) need no OCR and are unit-tested; `read_lyrics`
does the whole page set and returns the score with `Note.lyrics` filled in.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import JobError
from frontline.music.assemble import Assembly, PageLayout
from frontline.music.assemble.staves import deskew_glyphs, rotated_page
from frontline.music.quantiles import percentiles
from frontline.music.records import Chord, Glyph, Measure, Note, Part, Rest, Score, Staff

__all__ = [
    "InkPiece",
    "LyricsConfig",
    "Syllable",
    "attach",
    "blank_boxes",
    "ink_pieces",
    "ocr_available",
    "LyricLine",
    "StripReader",
    "read_lyric_lines",
    "read_lyrics",
    "recognise_strips",
    "syllables",
    "text_rows",
    "upright_page",
]

_FIGURE = re.compile(r"[0-9#bn+/]*[0-9][0-9#bn+/]*")  # a figured-bass figure as the corpus files write it
_DYNAMIC = re.compile(r"(?:s?f+z?|p+|m[pf]|fp|r?fz|sfp|cresc\.?|dim\.?|decresc\.?)")  # marks, not lyrics
# what is masked before looking for text: the symbols of the notes and rests read (heads, accidentals,
# dots, ties), the line-like and header symbols, and titles/tempo words where given (oracle mode). Other
# detections stay: the detector reports many lyric letters as articulations, dots or dynamics, and
# erasing them would cut the words.
_MASKED = (
    "stem", "beam", "flag", "barline", "systemicBarline", "legerLine", "clef", "key", "timeSig", "tempoText",
    "dynamicCrescendo", "dynamicDiminuendo",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LyricsConfig:
    """How lyric lines are found, read and attached (lengths in staff spaces unless said otherwise)."""

    band_spaces: float = 16.0
    """How far below a staff's bottom line lyric lines are looked for (less if the next staff is nearer);
    a text line cut by this edge is dropped (session 10: 11, which lost the fifth and sixth verses of a
    chorale; session-11 dev pages, oracle with lyrics: A 2362 -> 1977 edits, 16 = 22, degraded D unchanged)."""
    gap_spaces: float = 0.6
    """Margin kept free of the staff and of the next staff's top line."""
    ink_threshold: int = 128
    """Grey value below which a pixel is ink (on a page with black ink; see `faded_ink`)."""
    faded_ink: float = 16.0
    """A page whose darkest ink (0.5th grey percentile) is lighter than this is faded (a low-contrast
    scan): its ink threshold lies `faded_share` of the way from that ink level to the paper (the median),
    since its thin strokes and hyphens fall apart at 128. Not on pages with black ink, where a higher
    threshold thickens the letters and merges words ("whenhope"). Session 15, detected symbols, lyric
    edits: degraded dev pages with lyrics, classical CD 2037 -> 1539 (22 pages), D 1701 -> 952 (8 pages,
    all faded); clean pages unchanged (their ink is black). 0 = off."""
    faded_share: float = 0.7
    """Where between a faded page's ink and paper levels its ink threshold lies (0.6: D 1121; fixed
    thresholds 150 / 170 / 200 on D: 1215 / 978 / 3105, the last losing whole lines on noisy paper)."""
    max_blank_spaces: float = 4.0
    """A text line with more blank rows than this right above it (a footer, a lone word) is not lyrics."""
    min_row_ink: int = 2
    """Inked pixels a row needs to belong to a text line."""
    min_line_spaces: float = 0.8
    """Shortest text line (ascender to descender)."""
    max_line_spaces: float = 3.2
    """Tallest text line; taller runs of rows are not text unless `split_lines` cuts them into lines."""
    split_lines: float = 0.2
    """A run of inked rows taller than `max_line_spaces` is cut at its emptiest row when that row holds at
    most this share of the run's fullest row's ink, and again for each part still too tall (0 = off):
    verses set so close that one line's descenders touch the next one's ascenders form one run, and all
    of them were lost (engraved without the Times-like font, a dev hymn page had 0 of 379 syllables)."""
    word_gap: float = 0.2
    """A horizontal gap wider than this fraction of the line height separates two words."""
    letter_gaps: float = 2.0
    """A gap must also be this many times the line's median gap to separate words (letters of thin,
    eroded print stand apart; 0 = off). Session-11 dev, oracle with lyrics: degraded D 4983 -> 2761 edits,
    clean A 1977 -> 1958 (3.0: 2757 / 1998; a fixed word_gap of 0.35 instead: 3240 / 2013)."""
    max_word_gap: float = 0.5
    """Largest word gap, as a fraction of the line height, that `letter_gaps` can ask for."""
    head_offset_spaces: float = 0.5
    """Where a syllable starts relative to its note head's left edge (Verovio: about half a space left)."""
    attach_spaces: float = 2.5
    """Largest distance between a syllable's expected and actual left edge for it to attach."""
    min_syllables: int = 2
    """A text line with fewer syllables attached to notes is not lyrics (tempo words, dynamics, titles)."""
    max_median_offset: float = 0.6
    """A line whose attached words start, in the median, farther than this from their heads' expected
    spot is not lyrics."""
    min_figures: int = 3
    """A line of figures only (figured bass) needs this many attached to count."""
    min_aligned: float = 0.5
    """Least share of a line's words that must start under a note head for the line to be read."""
    min_char_prob: float = 0.3
    """Recognised characters less likely than this are dropped."""
    rec_height: int = 40
    """Height the recogniser reads strips at (the model was trained at 48; 40 reads our pages as well, 0.6x the time)."""
    batch: int = 8
    """Strips per recogniser call."""
    threads: int = 0
    """Threads of the ONNX runtime session (0: OMP_NUM_THREADS when set, else the CPU count, at most 4;
    the scanner's parallel workers set OMP_NUM_THREADS=1)."""


@dataclass(frozen=True, slots=True)
class InkPiece:
    """A connected run of ink on a text line: `kind` is "word", "hyphen" or "extender"; x in page pixels."""

    x0: int
    x1: int
    kind: str


@dataclass(frozen=True, slots=True)
class Syllable:
    """One syllable of a lyric line: its left x in page pixels, text and MusicXML syllabic."""

    x: float
    text: str
    syllabic: str = "single"


# --- pure helpers -------------------------------------------------------------------------------------


def text_rows(ink: np.ndarray, space: float, cfg: LyricsConfig) -> list[tuple[int, int]]:
    """Text lines of a band as (y0, y1) row ranges (y1 exclusive): runs of rows with ink, of text height.

    `ink` is a boolean (rows, cols) mask; `space` the staff space in pixels.
    """
    counts = np.asarray(ink.sum(axis=1))
    prof: np.ndarray = counts >= cfg.min_row_ink
    lo, hi = cfg.min_line_spaces * space, cfg.max_line_spaces * space
    out: list[tuple[int, int]] = []

    def take(y0: int, y1: int) -> None:
        if y1 - y0 <= hi:
            if y1 - y0 >= lo:
                out.append((y0, y1))
            return
        m = int(np.ceil(lo))
        if cfg.split_lines <= 0 or y1 - y0 < 2 * m + 1:
            return
        inner = counts[y0 + m : y1 - m]
        k = y0 + m + int(np.argmin(inner))
        if counts[k] > cfg.split_lines * counts[y0:y1].max():
            return  # no clear gap between lines: not text
        take(y0, k)
        take(k + 1, y1)

    for y0, y1 in _true_runs(prof):
        take(y0, y1)
    return out


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a 1-D boolean array, left to right."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(edges[k]), int(edges[k + 1])) for k in range(0, len(edges), 2)]


def ink_pieces(line: np.ndarray, cfg: LyricsConfig) -> list[InkPiece]:
    """Words, hyphens and extender lines of one text line (a boolean mask of the line's rows), left to right.

    Columns with ink form runs; a run that is thin and low in height (a fifth of the line at most) and
    lies in the middle of the line is a hyphen if short, an extender if longer than the line is tall;
    other runs closer than `word_gap` x line height join into words.
    """
    h = line.shape[0]
    runs = _true_runs(np.asarray(line.any(axis=0)))
    out: list[InkPiece] = []
    gap = max(1.0, cfg.word_gap * h)
    blanks = [b[0] - a[1] for a, b in zip(runs, runs[1:], strict=False)]
    if cfg.letter_gaps and len(blanks) >= 4:  # thin, eroded print: letters stand apart, words farther
        gap = min(max(gap, cfg.letter_gaps * float(np.median(blanks))), cfg.max_word_gap * h)
    for x0, x1 in runs:
        ys = np.nonzero(line[:, x0:x1].any(axis=1))[0]
        top, bottom = int(ys[0]), int(ys[-1]) + 1
        thick, wide = bottom - top, x1 - x0
        mid = (top + bottom) / 2.0
        if thick <= max(2, 0.2 * h) and wide >= 2 * thick:
            if wide > 1.2 * h:
                out.append(InkPiece(x0, x1, "extender"))
                continue
            if 0.25 * h <= mid <= 0.85 * h:
                out.append(InkPiece(x0, x1, "hyphen"))
                continue
        if out and out[-1].kind == "word" and x0 - out[-1].x1 <= gap:
            out[-1] = InkPiece(out[-1].x0, x1, "word")
        else:
            out.append(InkPiece(x0, x1, "word"))
    return out


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def syllables(pieces: Sequence[InkPiece], texts: Sequence[Sequence[tuple[str, float]]]) -> list[Syllable]:
    """Syllables of a line from its pieces and, per word piece in order, the words read in it (text, left x).

    A word read with an inner hyphen ("Ston-y") splits there, the second part starting where the
    hyphen's share of the characters ends. Syllabic comes from hyphens between neighbours: "begin"
    before one, "end" after one, "middle" between two, else "single". Extenders end nothing.
    """
    items: list[tuple[float, str] | None] = []  # None marks a hyphen
    k = 0
    for p in pieces:
        if p.kind == "hyphen":
            items.append(None)
        elif p.kind == "word":
            for text, x in texts[k] if k < len(texts) else ():
                parts = _clean(text).split("-")
                width = max(1, len(_clean(text)))
                step = (p.x1 - x) / width if x < p.x1 else 0.0
                pos = 0
                for j, part in enumerate(parts):
                    if j:
                        items.append(None)
                    if part:
                        items.append((x + pos * step, part))
                    pos += len(part) + 1
            k += 1
    out: list[Syllable] = []
    for i, it in enumerate(items):
        if it is None:
            continue
        before = i > 0 and items[i - 1] is None
        after = i + 1 < len(items) and items[i + 1] is None
        kind = {
            (False, False): "single",
            (False, True): "begin",
            (True, True): "middle",
            (True, False): "end",
        }
        out.append(Syllable(it[0], it[1], kind[(before, after)]))
    return out


def attach(
    sylls: Sequence[Syllable], heads_x: Sequence[float], space: float, cfg: LyricsConfig
) -> dict[int, int]:
    """Syllable index -> head index: each syllable to the head whose left edge it starts under.

    Expected syllable left edge = head left edge - `head_offset_spaces`; pairs farther apart than
    `attach_spaces` are not made; closest pairs first, each head and syllable used once.
    """
    pairs = []
    for i, s in enumerate(sylls):
        for j, hx in enumerate(heads_x):
            d = abs(s.x - (hx - cfg.head_offset_spaces * space))
            if d <= cfg.attach_spaces * space:
                pairs.append((d, i, j))
    pairs.sort()
    used_s: set[int] = set()
    used_h: set[int] = set()
    out: dict[int, int] = {}
    for _, i, j in pairs:
        if i in used_s or j in used_h:
            continue
        out[i] = j
        used_s.add(i)
        used_h.add(j)
    return out


# --- the recogniser ---------------------------------------------------------------------------------------

_REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"  # PP-OCRv4 recognition (Apache-2.0), shipped inside the wheel
_LOCK = threading.Lock()
_MODELS: dict[int, tuple[Any, list[str]]] = {}


def _model_path() -> Path | None:
    """The recognition model inside the installed `rapidocr_onnxruntime` wheel (found without importing it)."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / _REC_MODEL
    return path if path.is_file() else None


def ocr_available() -> bool:
    """Whether the OCR model (from the `rapidocr_onnxruntime` wheel) and `onnxruntime` are installed."""
    return importlib.util.find_spec("onnxruntime") is not None and _model_path() is not None


def _auto_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "")
    return max(1, int(env)) if env.isdigit() else max(1, min(4, os.cpu_count() or 1))


def prepare_ocr(cfg: LyricsConfig | None = None) -> None:
    """Load the OCR session now (a scan does, before its pages, when it reads lyrics or text); JobError
    when the model is missing."""
    c = cfg or LyricsConfig()
    _recogniser(c.threads or _auto_threads())


def _recogniser(threads: int) -> tuple[Any, list[str]]:
    """The ONNX session of the PP-OCRv4 recogniser and its character list (index 0 = CTC blank); once per process."""
    with _LOCK:
        if threads not in _MODELS:
            path = _model_path()
            if path is None or importlib.util.find_spec("onnxruntime") is None:
                raise JobError(
                    "reading lyrics needs onnxruntime and the OCR model of rapidocr_onnxruntime; "
                    "run pip install onnxruntime && pip install --no-deps rapidocr_onnxruntime==1.4.4, "
                    "or scan with lyrics off"
                )
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            meta = sess.get_modelmeta().custom_metadata_map
            chars = ["blank", *meta["character"].splitlines(), " "]
            _MODELS[threads] = (sess, chars)
        return _MODELS[threads]


def recognise_strips(
    strips: Sequence[np.ndarray], cfg: LyricsConfig, matrices: list[np.ndarray] | None = None
) -> list[list[tuple[str, float, float]]]:
    """Read greyscale text strips (dark ink on light); per strip its characters as (char, x in strip px, prob).

    Strips are scaled to `rec_height` rows, batched by width; CTC greedy decoding, each character placed
    at the centre of its first time step. `matrices`, when given, receives per strip (in order) the
    recogniser's (time steps, characters) probabilities over the strip's own width, for `ctc_log_likelihood`.
    """
    if matrices is not None:
        matrices[:] = [np.zeros((0, 0), np.float32)] * len(strips)
    sess, chars = _recogniser(cfg.threads or _auto_threads())
    out: list[list[tuple[str, float, float]]] = [[] for _ in strips]
    order = sorted(range(len(strips)), key=lambda i: strips[i].shape[1] / max(1, strips[i].shape[0]))
    import cv2

    hgt = cfg.rec_height
    for b in range(0, len(order), cfg.batch):
        idx = order[b : b + cfg.batch]
        widths = [max(1, int(round(strips[i].shape[1] * hgt / max(1, strips[i].shape[0])))) for i in idx]
        wmax = max(max(widths), hgt)
        batch = np.zeros((len(idx), 3, hgt, wmax), np.float32)
        for k, (i, w) in enumerate(zip(idx, widths, strict=True)):
            img = cv2.resize(
                strips[i],
                (w, hgt),
                interpolation=cv2.INTER_AREA if w < strips[i].shape[1] else cv2.INTER_CUBIC,
            )
            batch[k, :, :, :w] = (img.astype(np.float32) / 255.0 - 0.5) / 0.5
        probs = sess.run(None, {sess.get_inputs()[0].name: batch})[0]  # (B, T, C)
        steps = probs.shape[1]
        best = probs.argmax(axis=2)
        for k, i in enumerate(idx):
            scale = strips[i].shape[0] / hgt  # strip px per model px
            px_per_step = wmax / steps
            if matrices is not None:
                matrices[i] = probs[k, : max(1, int(np.ceil(widths[k] / px_per_step)))].copy()
            prev = 0
            for t in range(steps):
                c = int(best[k, t])
                if c != 0 and c != prev and c < len(chars):
                    p = float(probs[k, t, c])
                    if p >= cfg.min_char_prob:
                        out[i].append((chars[c], (t + 0.5) * px_per_step * scale, p))
                prev = c
    return out


def ctc_log_likelihood(probs: np.ndarray, labels: Sequence[int]) -> float:
    """Log-probability that the (time steps, characters) probabilities `probs` (index 0 = CTC blank)
    spell the character indices `labels`, summed over all CTC alignments (-inf when they cannot fit)."""
    steps = probs.shape[0]
    if not labels or steps < len(labels):
        return float("-inf")
    ext = [0]
    for lab in labels:
        ext += [int(lab), 0]
    n = len(ext)
    logp = np.log(np.maximum(probs[:, ext].astype(np.float64), 1e-30))  # (T, n)
    ext_a = np.asarray(ext)
    # a state may skip the blank before it when its label differs from the one two back
    skip = np.zeros(n, bool)
    skip[2:] = (ext_a[2:] != 0) & (ext_a[2:] != ext_a[:-2])
    alpha = np.full(n, -np.inf)
    alpha[0], alpha[1] = logp[0, 0], logp[0, 1]
    for t in range(1, steps):
        prev1 = np.concatenate(([-np.inf], alpha[:-1]))
        prev2 = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2])), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, prev1), prev2) + logp[t]
    return float(np.logaddexp(alpha[-1], alpha[-2]))


def text_labels(text: str) -> list[int] | None:
    """The recogniser's character indices spelling `text` (for `ctc_log_likelihood`), or None when a
    character is not in its alphabet."""
    with _LOCK:
        loaded = next(iter(_MODELS.values()), None)  # any session's alphabet: do not load a second one
    _, chars = loaded if loaded is not None else _recogniser(_auto_threads())
    index = _char_index(tuple(chars))
    labels = [index.get(c, -1) for c in text]
    return labels if labels and min(labels) >= 0 else None


@functools.lru_cache(maxsize=4)
def _char_index(chars: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, c in enumerate(chars):
        if i and c not in out:
            out[c] = i
    return out


def _words_of(
    chars: Sequence[tuple[str, float, float]], spans: Sequence[tuple[int, int, int]]
) -> list[list[tuple[str, float]]]:
    """Characters of a strip -> per packed word (strip x0, x1, page x0) the words read in it, split at spaces."""
    per: list[list[tuple[str, float]]] = [[] for _ in spans]
    cur: list[list[tuple[str, float]]] = [[] for _ in spans]  # characters of the word being read, with page x
    for ch, x, _ in chars:
        k = next((j for j, (a, b, _) in enumerate(spans) if a - 2 <= x < b + 2), -1)
        if k < 0:
            continue
        a, _, page_x0 = spans[k]
        if ch == " ":
            if cur[k]:
                per[k].append(("".join(c for c, _ in cur[k]), cur[k][0][1]))
                cur[k] = []
            continue
        # the first character starts at the word's left edge; later ones a few pixels left of their step
        cur[k].append((ch, float(page_x0) if not cur[k] and not per[k] else page_x0 + max(0.0, x - a - 3)))
    for k in range(len(spans)):
        if cur[k]:
            per[k].append(("".join(c for c, _ in cur[k]), cur[k][0][1]))
    return per


# --- pages -------------------------------------------------------------------------------------------------


def _mask_glyph(g: Glyph, used: set[int]) -> bool:
    return g.glyph_id in used or g.class_name == "text" or g.class_name.startswith(_MASKED)


def upright_page(layout: PageLayout, image: np.ndarray | None) -> tuple[np.ndarray | None, list[Glyph]]:
    """A page's image and glyphs in the frame of its assembled staves: rotated back by the skew the
    assembly undid (`layout.angle_deg`), as they are when the page was not tilted."""
    glyphs = list(layout.glyphs)
    if image is None or abs(layout.angle_deg) < 0.05:
        return image, glyphs
    h, w = image.shape
    # the rotation the assembly made of a read-only page (scan's pages are fixed after detection)
    upright = rotated_page(image, layout.angle_deg)
    return upright, deskew_glyphs(glyphs, layout.angle_deg, (w / 2.0, h / 2.0))


def blank_boxes(grey: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]) -> np.ndarray:
    """A copy of the page with each box (x0, y0, x1, y1), grown by a pixel on every side, painted white."""
    out = grey.copy()
    ceil = math.ceil  # = int(np.ceil(v)) of a float, without a NumPy scalar per edge
    for x0, y0, x1, y1 in boxes:
        out[max(0, int(y0) - 1) : ceil(y1) + 1, max(0, int(x0) - 1) : ceil(x1) + 1] = 255
    return out


def ink_threshold(grey: np.ndarray, cfg: LyricsConfig) -> int:
    """The grey value below which a pixel of this page is text ink: `cfg.ink_threshold`, or on a faded
    page (`cfg.faded_ink`) the level `cfg.faded_share` of the way from its darkest ink to its paper."""
    if cfg.faded_ink <= 0 or grey.size == 0:
        return cfg.ink_threshold
    ink, paper = percentiles(grey[::4, ::4], [0.5, 50.0])  # = np.percentile, from the histogram (uint8)
    if ink < cfg.faded_ink:
        return cfg.ink_threshold
    return int(round(float(ink) + cfg.faded_share * float(paper - ink)))


def _page_lines(
    grey: np.ndarray, staves: Sequence[Staff], glyphs: Sequence[Glyph], used: set[int], cfg: LyricsConfig
) -> list[tuple[int, int, int, list[InkPiece], np.ndarray]]:
    """Text lines under the staves of a page: (staff index, y0, y1, pieces, line image with the music masked)."""
    threshold = ink_threshold(grey, cfg)
    masked = blank_boxes(grey, [g.bbox_xyxy for g in glyphs if _mask_glyph(g, used)])
    order = sorted(range(len(staves)), key=lambda s: staves[s].top)
    out = []
    h, w = grey.shape
    for rank, s in enumerate(order):
        st = staves[s]
        sp = st.staff_space_px
        y0 = int(st.bottom + cfg.gap_spaces * sp)
        reach = int(st.bottom + cfg.band_spaces * sp)
        y1 = reach
        for t in order[rank + 1 :]:
            o = staves[t]
            if o.x1 > st.x0 and o.x0 < st.x1:  # the next staff below in this column of the page
                y1 = min(y1, int(o.top - cfg.gap_spaces * sp))
                break
        y1 = min(y1, h)
        limited = y1 == reach
        x0, x1 = max(0, int(st.x0)), min(w, int(st.x1 + sp))
        if y1 - y0 < cfg.min_line_spaces * sp or x1 <= x0:
            continue
        # ink (below the threshold) in the band only: the bands under the staves, not the whole page
        band = masked[y0:y1, x0:x1] < threshold
        raw_rows: np.ndarray = np.asarray((grey[y0:y1, x0:x1] < threshold).any(axis=1))
        for ry0, ry1 in text_rows(band, sp, cfg):
            if limited and ry1 >= band.shape[0]:  # cut by the band's lower edge: text beyond lyrics' reach
                continue
            inked_above = np.nonzero(raw_rows[:ry0])[0]
            blank = ry0 - (int(inked_above[-1]) + 1 if len(inked_above) else 0)
            if blank > cfg.max_blank_spaces * sp:  # text far below everything else: a footer, not lyrics
                continue
            pieces = ink_pieces(band[ry0:ry1], cfg)
            pieces = [InkPiece(p.x0 + x0, p.x1 + x0, p.kind) for p in pieces]
            out.append((s, y0 + ry0, y0 + ry1, pieces, masked[y0 + ry0 : y0 + ry1]))
    return out


def _is_lyric_line(sylls: Sequence[Syllable], pairs: dict[int, int], cfg: LyricsConfig) -> bool:
    """Whether a read line is lyrics: enough worded syllables under notes, or a figured-bass line.

    Figures alone ("6", "6/5", the data engine's corpus files carry figured bass as lyrics) count only
    when at least `min_figures` of them attach and nearly all of the line's tokens do (tuplet numbers,
    tempo marks and measure numbers seldom line up with heads that well).
    """
    worded = sum(1 for i in pairs if any(c.isalpha() and not c.isdigit() for c in sylls[i].text))
    if worded >= cfg.min_syllables:
        return True
    if worded == 0 and len(pairs) >= cfg.min_figures and len(pairs) >= 0.8 * len(sylls):
        return all(_FIGURE.fullmatch(sylls[i].text) is not None for i in pairs)
    return False


def _is_text(text: str) -> bool:
    """Whether a read token can be a syllable: a Latin letter or a digit in it, and not a dynamic mark
    ("mf", "p", "cresc."; hairpins read as "=" and CJK strokes are dropped by the first test)."""
    if not any(c.isalnum() and (c.isascii() or unicodedata.name(c, "").startswith("LATIN")) for c in text):
        return False
    return _DYNAMIC.fullmatch(text.strip(" -\u2013\u2014.,;:!?").lower()) is None


def _median_offset(
    sylls: Sequence[Syllable],
    heads_x: Sequence[float],
    pairs: dict[int, int],
    space: float,
    cfg: LyricsConfig,
) -> float:
    """Median distance, in staff spaces, of attached syllables from where their heads expect them.

    Lyrics sit where Verovio puts them (about 0 for most); tempo words, footers and dynamics that happen
    to lie near heads scatter over the whole tolerance."""
    if not pairs:
        return float("inf")
    offs = [abs(sylls[i].x - (heads_x[j] - cfg.head_offset_spaces * space)) / space for i, j in pairs.items()]
    return float(np.median(offs))


def _strip(line: np.ndarray, words: Sequence[InkPiece]) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """The words of a line packed left to right with short gaps: the strip and each word's (x0, x1, page x0)."""
    h = line.shape[0]
    pad, gap = max(2, h // 4), max(3, h // 2)
    parts: list[np.ndarray] = [np.full((h, pad), 255, np.uint8)]
    spans: list[tuple[int, int, int]] = []
    x = pad
    for p in words:
        crop = line[:, p.x0 : p.x1]
        parts.append(crop)
        spans.append((x, x + crop.shape[1], p.x0))
        x += crop.shape[1]
        parts.append(np.full((h, gap), 255, np.uint8))
        x += gap
    body = np.concatenate(parts, axis=1)
    vpad = np.full((max(2, h // 5), body.shape[1]), 255, np.uint8)
    return np.concatenate([vpad, body, vpad], axis=0), spans


StripReader = Callable[[Sequence[np.ndarray], "LyricsConfig"], list[list[tuple[str, float, float]]]]
"""Text strips -> per strip its characters (char, x in strip px, probability): `recognise_strips` or a
stand-in (tests)."""

LyricLine = tuple[int, int, int, int, int]
"""A lyric line read: (page, x0, y0, x1, y1), in the frame the readers use (`upright_page`)."""


def read_lyrics(
    assembly: Assembly,
    pages: Sequence[np.ndarray],
    cfg: LyricsConfig | None = None,
    reader: StripReader | None = None,
) -> Score:
    """The assembled score with the lyrics read from the page images attached to its notes.

    `pages` are the greyscale images the assembly read (same order and pixels); `reader` maps strips to
    characters (default: `recognise_strips`, which loads the OCR model on first use).
    """
    return read_lyric_lines(assembly, pages, cfg, reader)[0]


def read_lyric_lines(
    assembly: Assembly,
    pages: Sequence[np.ndarray],
    cfg: LyricsConfig | None = None,
    reader: StripReader | None = None,
) -> tuple[Score, list[LyricLine]]:
    """`read_lyrics`, and where the lines it took for lyrics lie (the words reader leaves them alone)."""
    cfg = cfg or LyricsConfig()
    reader = reader or recognise_strips
    score = assembly.score
    page_of = {(r.part, r.number): r.page for r in assembly.measures}
    # notes that can carry a syllable, per (page, page staff): (head left x, (part, measure, event))
    heads: dict[tuple[int, int], list[tuple[float, tuple[int, int, int]]]] = {}
    used: dict[int, set[int]] = {}
    # the assembly's staves are in the deskewed frame of a tilted page: read its image and glyphs there too
    frames = [upright_page(lay, pages[i] if i < len(pages) else None) for i, lay in enumerate(assembly.pages)]
    glyph_maps = [{g.glyph_id: g for g in glyphs} for _, glyphs in frames]
    mids = [[(st.top + st.bottom) / 2 for st in lay.staves] for lay in assembly.pages]  # staff centres
    for pi, part in enumerate(score.parts):
        for mi, m in enumerate(part.measures):
            page = page_of.get((pi, m.number))
            if page is None or page >= len(assembly.pages):
                continue
            lay, gmap, mid = assembly.pages[page], glyph_maps[page], mids[page]
            if not lay.staves:
                continue
            for ei, e in enumerate(m.events):
                used.setdefault(page, set()).update(e.glyph_ids if isinstance(e, Rest) else ())
                notes = e.notes if isinstance(e, Chord) else (e,) if isinstance(e, Note) else ()
                boxes = [
                    gmap[n.glyph_ids[0]].bbox_xyxy for n in notes if n.glyph_ids and n.glyph_ids[0] in gmap
                ]
                for n in notes:
                    used.setdefault(page, set()).update(n.glyph_ids)
                if not notes or not boxes or notes[0].grace or all(n.tie_stop for n in notes):
                    continue
                cy = sum((b[1] + b[3]) / 2 for b in boxes) / len(boxes)
                hx = min(b[0] for b in boxes)
                staff = min(range(len(mid)), key=lambda s: abs(mid[s] - cy))
                heads.setdefault((page, staff), []).append((hx, (pi, mi, ei)))
    # lines and their word strips, all pages
    lines = []
    strips: list[np.ndarray] = []
    for page, lay in enumerate(assembly.pages):
        image = frames[page][0]
        if image is None or not any(k[0] == page for k in heads):
            continue
        for s, y0, y1, pieces, img in _page_lines(
            image, lay.staves, frames[page][1], used.get(page, set()), cfg
        ):
            words = [p for p in pieces if p.kind == "word"]
            if not words or (page, s) not in heads:
                continue
            # a lyric line's words start under note heads: test that before reading it
            sp = lay.staves[s].staff_space_px
            word_sylls = [Syllable(p.x0, "") for p in words]
            head_xs = [hx for hx, _ in heads[(page, s)]]
            hits = attach(word_sylls, head_xs, sp, cfg)
            if len(hits) < cfg.min_syllables or len(hits) < cfg.min_aligned * len(words):
                continue
            if _median_offset(word_sylls, head_xs, hits, sp, cfg) > cfg.max_median_offset:
                continue
            strip, spans = _strip(img, words)
            lines.append((page, s, y0, y1, pieces, spans, len(strips)))
            strips.append(strip)
    if not strips:
        return score, []
    read = reader(strips, cfg)
    taken: list[LyricLine] = []
    # syllables -> notes; verse numbers per staff, top to bottom
    lyric_of: dict[tuple[int, int, int], list[tuple[int, str, str]]] = {}
    verse: dict[tuple[int, int], int] = {}
    for page, s, y0, y1, pieces, spans, k in sorted(lines, key=lambda t: (t[0], t[1], t[2])):
        sp = assembly.pages[page].staves[s].staff_space_px
        sylls = [y for y in syllables(pieces, _words_of(read[k], spans)) if _is_text(y.text)]
        cand = heads[(page, s)]
        pairs = attach(sylls, [hx for hx, _ in cand], sp, cfg)
        if not _is_lyric_line(sylls, pairs, cfg):
            continue
        if _median_offset(sylls, [hx for hx, _ in cand], pairs, sp, cfg) > cfg.max_median_offset:
            continue
        number = verse.get((page, s), 0) + 1
        verse[(page, s)] = number
        taken.append((page, min(p.x0 for p in pieces), y0, max(p.x1 for p in pieces), y1))
        for i, j in pairs.items():
            lyric_of.setdefault(cand[j][1], []).append((number, sylls[i].syllabic, sylls[i].text))
    if not lyric_of:
        return score, taken
    parts: list[Part] = []
    for pi, part in enumerate(score.parts):
        measures: list[Measure] = []
        for mi, m in enumerate(part.measures):
            events = list(m.events)
            for ei, e in enumerate(events):
                lyr = lyric_of.get((pi, mi, ei))
                if not lyr:
                    continue
                lyr_t = tuple(sorted(lyr))
                if isinstance(e, Chord):
                    events[ei] = Chord((replace(e.notes[0], lyrics=lyr_t), *e.notes[1:]))
                elif isinstance(e, Note):
                    events[ei] = replace(e, lyrics=lyr_t)
            measures.append(replace(m, events=tuple(events)))
        parts.append(replace(part, measures=tuple(measures)))
    return replace(score, parts=tuple(parts)), taken
