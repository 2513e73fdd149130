"""End-to-end music scanning: images or PDFs in; MusicXML, MIDI, a notation-graph JSON and overlays out.

Data flow: inputs -> pages (load + greyscale) -> symbols (the shipped detector, or given detections in
oracle mode) -> assembly (staves, measures, pitch, rhythm, voices, repair) -> Score -> files. Every
piece is written atomically; a bad file is reported and the batch goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import time
import zlib
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import FrontlineError, InputError, JobError
from frontline.music.assemble import AssembleConfig, Assembly, assemble_pages
from frontline.music.layout import DewarpConfig, SplitConfig, dewarp, split_columns, staff_space
from frontline.music.lyrics import LyricLine, LyricsConfig, ocr_available, prepare_ocr, read_lyric_lines
from frontline.music.midi import save_midi
from frontline.music.musicxml import _atomic_write, save_musicxml, save_mxl
from frontline.music.normalize import IMAGE_SUFFIXES, NormalizeConfig, load_pages
from frontline.music.records import Chord, Glyph, Note
from frontline.music.words import WordsConfig, read_words

__all__ = [
    "PieceResult",
    "ScanConfig",
    "ScanSummary",
    "assembly_json",
    "DemoResult",
    "collect_pieces",
    "demo",
    "draw_overlay",
    "read_detections",
    "scan",
    "scan_piece",
]

INPUT_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
_VOICE_COLOURS = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (148, 103, 189),
    (23, 190, 207),
    (227, 119, 194),
]


@dataclass(frozen=True, slots=True)
class ScanConfig:
    """Settings of `frontline music scan`."""

    out_dir: Path = Path("out/scan")
    """Folder for STEM.musicxml, STEM.mid, STEM.json and STEM[.pN].overlay.png."""
    join: bool = False
    """Treat all inputs as the pages of one piece (in the order given)."""
    jobs: int = 1
    """Pieces scanned in parallel (processes)."""
    fmt: str = "musicxml"
    """Score format: "musicxml" (uncompressed) or "mxl" (compressed)."""
    detections: Path | None = None
    """Oracle mode: symbols from this DeepScoresV2-layout JSON (or, for a folder, its STEM.json per input)."""
    overlay: bool = True
    """Write an overlay picture per page."""
    progress: bool = True
    """Show a progress bar over pages on stderr."""
    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    """Page loading (pixel limit, PDF resolution)."""
    assemble: AssembleConfig = field(default_factory=AssembleConfig)
    """Assembly tolerances and repair switch."""
    model_path: Path | None = None
    """Detector weights (None: the shipped model)."""
    split_spreads: bool = True
    """Read an image of pages side by side (a photo of an open book) as its pages (not in oracle mode)."""
    split: SplitConfig = field(default_factory=SplitConfig)
    """How a gutter between two pages is found."""
    dewarp: bool = True
    """Level curled or keystoned staves before detection (not in oracle mode)."""
    dewarp_config: DewarpConfig = field(default_factory=DewarpConfig)
    """How staff lines are traced and levelled."""
    lyrics: bool = True
    """Read the lyrics under the staves (OCR) and write them to the notes (skipped with a warning if the OCR
    model is missing). Dev pages A/B (issue 5, session 10), OMR-NED with lyrics: oracle 0.183 -> 0.026 and
    0.242 -> 0.025, detector 0.209 -> 0.050 and 0.279 -> 0.059; note F1 and OMR-NED without lyrics unchanged;
    about 0.25 s CPU per page on average (0.53 s on pages with lyrics, up to 3.4 s on one with 1,172 syllables)."""
    lyrics_config: LyricsConfig = field(default_factory=LyricsConfig)
    """How lyric lines are found, read and attached."""
    words: bool = True
    """Read the text directions above and below the staves (tempo and expression words, OCR) and write them
    as <words>, and the names printed left of a grand staff's first system (skipped with a warning if the
    OCR model is missing). Session-11 dev pages (issue 5), OMR-NED with lyrics: clean oracle 0.0191 ->
    0.0163 (piano pages 0.0212 -> 0.0166), clean detector 0.0442 -> 0.0418, degraded detector 0.1449 ->
    0.1404; note F1 unchanged; text direction + staff-group name edits 520 -> 264 (oracle); about 0.1 s
    CPU per page (0.44 s at most)."""
    words_config: WordsConfig = field(default_factory=WordsConfig)
    """How text directions are found, read and placed."""


@dataclass(frozen=True, slots=True)
class PieceResult:
    """What scanning one piece produced (or why it failed: `error` is then non-empty)."""

    stem: str
    inputs: tuple[str, ...]
    pages: int = 0
    measures: int = 0
    notes: int = 0
    flagged: int = 0
    seconds: float = 0.0
    outputs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str = ""
    mode: str = ""


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """All pieces of a scan run."""

    pieces: tuple[PieceResult, ...]

    @property
    def failed(self) -> int:
        """Number of pieces that produced nothing."""
        return sum(1 for p in self.pieces if p.error)

    @property
    def all_failed(self) -> bool:
        """Whether no piece succeeded (the CLI then exits with code 1)."""
        return bool(self.pieces) and self.failed == len(self.pieces)

    @property
    def totals(self) -> dict[str, float]:
        """Pages, measures, notes, flagged measures and seconds per page over the successful pieces."""
        ok = [p for p in self.pieces if not p.error]
        pages = sum(p.pages for p in ok)
        secs = sum(p.seconds for p in ok)
        return {
            "pieces": len(ok),
            "failed": self.failed,
            "pages": pages,
            "measures": sum(p.measures for p in ok),
            "notes": sum(p.notes for p in ok),
            "flagged": sum(p.flagged for p in ok),
            "seconds_per_page": round(secs / pages, 3) if pages else 0.0,
        }


# --- inputs --------------------------------------------------------------------------------------------


def _expand(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES)
            files.extend(found)
        else:
            files.append(p)
    return files


def collect_pieces(inputs: list[str | Path], join: bool = False) -> list[tuple[str, list[Path]]]:
    """Pieces to scan as (output stem, files); folders expand to their images and PDFs, sorted by name.

    Raises InputError when nothing is left to scan (bad usage).
    """
    if not inputs:
        raise InputError("no input given; pass image or PDF files or folders")
    files = _expand([Path(p) for p in inputs])
    if not files:
        raise InputError(f"no images or PDFs found in {', '.join(str(p) for p in inputs)}")
    if join:
        return [(files[0].stem, files)]
    stems: dict[str, int] = {}
    out: list[tuple[str, list[Path]]] = []
    for f in files:
        stem = f.stem
        n = stems.get(stem, 0)
        stems[stem] = n + 1
        out.append((stem if n == 0 else f"{stem}-{n + 1}", [f]))
    return out


def _load_file_pages(path: Path, cfg: NormalizeConfig) -> list[np.ndarray]:
    """Pages of one file: every frame of a multi-page TIFF, every page of a PDF, else one image."""
    if path.suffix.lower() in (".tif", ".tiff") and path.is_file():
        from PIL import Image, ImageSequence

        try:
            with Image.open(path) as im:
                n = getattr(im, "n_frames", 1)
                if n > 1:
                    if im.size[0] * im.size[1] * n > cfg.max_pixels * 4:
                        raise InputError(f"{path}: {n} frames of {im.size[0]}x{im.size[1]} is too large")
                    return [
                        np.asarray(f.convert("L"), dtype=np.uint8).copy() for f in ImageSequence.Iterator(im)
                    ]
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{path}: not a readable TIFF ({exc}); give a PNG/JPEG/TIFF or a PDF") from None
    return load_pages(path, cfg)


# --- detections (oracle mode) --------------------------------------------------------------------------


def _cat_name(cat: Any, categories: Any) -> str:
    if isinstance(cat, list):
        cat = cat[0] if cat else ""
    key = str(cat)
    if isinstance(categories, dict):
        entry = categories.get(key)
        if isinstance(entry, dict):
            return str(entry.get("name", key))
        return str(entry) if entry is not None else key
    if isinstance(categories, list):
        for c in categories:
            if isinstance(c, dict) and str(c.get("id")) == key:
                return str(c.get("name", key))
    return key


def read_detections(path: str | Path) -> list[list[Glyph]]:
    """Glyphs per page from a DeepScoresV2-layout JSON (one entry in `images` per page, in order).

    Reads the data engine's page annotations and the detector's output alike; a `frontline.class_name`
    on an annotation wins over its category; a `score` is kept (1.0 when absent).
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: detections file not found") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{p}: not a readable JSON file ({exc})") from None
    try:
        categories = data.get("categories", {})
        anns = data["annotations"]
        items = (
            list(anns.items())
            if isinstance(anns, dict)
            else [(str(a.get("id", i)), a) for i, a in enumerate(anns)]
        )
        images = data.get("images") or [{"id": 1, "ann_ids": [k for k, _ in items]}]
        by_id = dict(items)
        pages: list[list[Glyph]] = []
        for img in images:
            ids = img.get("ann_ids")
            if ids is None:
                ids = [k for k, a in items if str(a.get("img_id", a.get("image_id"))) == str(img.get("id"))]
            glyphs: list[Glyph] = []
            for k in ids:
                a = by_id[str(k)] if str(k) in by_id else by_id[k]
                name = (a.get("frontline") or {}).get("class_name") or _cat_name(a.get("cat_id"), categories)
                x0, y0, x1, y1 = (float(v) for v in a["a_bbox"])
                try:
                    gid = int(k)
                except (TypeError, ValueError):
                    gid = len(glyphs)
                glyphs.append(Glyph(name, (x0, y0, x1, y1), float(a.get("score", 1.0)), gid))
            pages.append(glyphs)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"{p}: not a DeepScoresV2-layout detections JSON ({exc.__class__.__name__}: {exc})"
        ) from None
    return pages


# --- outputs -------------------------------------------------------------------------------------------


def _fr(x: Fraction) -> float | str:
    return float(x) if Fraction(float(x)) == x else f"{x.numerator}/{x.denominator}"


def assembly_json(assembly: Assembly, sources: list[str], mode: str) -> dict[str, Any]:
    """The notation graph as a JSON-ready dict: detections per page, notes linked to their glyph ids,
    measures with confidence and review flags, warnings."""
    pages = []
    for layout in assembly.pages:
        pages.append(
            {
                "page": layout.page + 1,
                "staves": [
                    {
                        "index": s.index,
                        "line_ys": [round(y, 2) for y in s.line_ys],
                        "x0": round(s.x0, 1),
                        "x1": round(s.x1, 1),
                    }
                    for s in layout.staves
                ],
                "systems": [
                    {"staves": [s.index for s in sy.staves], "parts": [list(p) for p in sy.part_staves]}
                    for sy in layout.systems
                ],
                "detections": [
                    {
                        "id": g.glyph_id,
                        "class": g.class_name,
                        "score": round(g.score, 4),
                        "bbox": [round(v, 2) for v in g.bbox_xyxy],
                    }
                    for g in layout.glyphs
                ],
            }
        )
    notes = []
    nid = 0
    for pi, part in enumerate(assembly.score.parts):
        for m in part.measures:
            for e in m.events:
                members: list[Any] = list(e.notes) if isinstance(e, Chord) else [e]
                for n in members:
                    nid += 1
                    rec: dict[str, Any] = {
                        "id": nid,
                        "part": pi + 1,
                        "measure": m.number,
                        "staff": n.staff,
                        "voice": n.voice,
                        "onset_q": _fr(n.onset_q),
                        "duration_q": _fr(n.duration_q),
                        "type": n.note_type,
                        "dots": n.dots,
                        "glyph_ids": list(n.glyph_ids),
                    }
                    if isinstance(n, Note):
                        rec.update(
                            {
                                "pitch": str(n.pitch),
                                "midi": n.pitch.midi,
                                "grace": n.grace,
                                "chord": isinstance(e, Chord),
                            }
                        )
                    else:
                        rec.update({"rest": True, "measure_rest": n.measure_rest, "hidden": n.hidden})
                    notes.append(rec)
    measures = [
        {
            "part": r.part + 1,
            "number": r.number,
            "page": r.page + 1,
            "bbox": [round(v, 1) for v in r.bbox_xyxy],
            "flagged": r.flagged,
            "confidence": r.confidence,
            "repair": r.edit,
            "reason": r.reason,
        }
        for r in assembly.measures
    ]
    return {
        "format": "frontline-scan/1",
        "mode": mode,
        "sources": sources,
        "pages": pages,
        "notes": notes,
        "measures": measures,
        "warnings": list(assembly.warnings),
    }


def draw_overlay(grey: np.ndarray, assembly: Assembly, page: int, max_side: int = 1800) -> bytes:
    """PNG bytes of one page: detections as thin boxes, notes filled by voice, flagged measures in red.

    Repaired measures are outlined in orange. Large pages are downscaled to `max_side` pixels.
    """
    from PIL import Image, ImageDraw

    layout = assembly.pages[page]
    scale = min(1.0, max_side / max(grey.shape))
    im = Image.fromarray(grey)
    if scale < 1.0:  # shrink the one-channel page before colouring it: 3x less work
        size = (max(1, int(grey.shape[1] * scale)), max(1, int(grey.shape[0] * scale)))
        im = im.resize(size, Image.Resampling.BOX)
    im = im.convert("RGB")
    draw = ImageDraw.Draw(im, "RGBA")

    def box(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        # corners in order: a measure whose barlines were read out of order spans x1 < x0, and PIL
        # refuses such a box (which failed the whole piece after its MusicXML was written)
        x0, x1 = sorted((b[0] * scale, b[2] * scale))
        y0, y1 = sorted((b[1] * scale, b[3] * scale))
        return (x0, y0, x1, y1)

    voice = dict(layout.voice_of_glyph)
    for g in layout.glyphs:
        if g.class_name == "staff":
            continue
        if g.glyph_id in voice:
            c = _VOICE_COLOURS[(voice[g.glyph_id] - 1) % len(_VOICE_COLOURS)]
            draw.rectangle(box(g.bbox_xyxy), fill=(*c, 110), outline=(*c, 255))
        else:
            draw.rectangle(box(g.bbox_xyxy), outline=(120, 120, 120, 160))
    for r in assembly.measures:
        if r.page != page:
            continue
        if r.flagged:
            draw.rectangle(box(r.bbox_xyxy), outline=(220, 0, 0, 255), width=3)
        elif r.edit:
            draw.rectangle(box(r.bbox_xyxy), outline=(255, 150, 0, 255), width=2)
    return _png_rgb(np.asarray(im))


def _png_rgb(rgb: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 3) uint8 image: one IDAT of unfiltered rows, zlib level 3.

    Pillow's encoder tries five row filters on every row, 53 ms of a 1800 x 1273 overlay's 65; unfiltered
    rows of a page with boxes drawn on it compress as well (0.25 MB against 0.28) in 22 ms. Decodes to the
    same pixels (dev pages, compared)."""
    h, w = rgb.shape[:2]
    raw = np.empty((h, w * 3 + 1), np.uint8)
    raw[:, 0] = 0  # filter type None
    raw[:, 1:] = rgb.reshape(h, w * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, deflate, no interlace
    idat = zlib.compress(raw.tobytes(), 3)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- one piece -----------------------------------------------------------------------------------------


def _detector(cfg: ScanConfig) -> Callable[[np.ndarray], tuple[list[Glyph], list[str]]]:
    """The shipped detector as a function page -> (glyphs, warnings); JobError when it is not there."""
    try:
        from frontline.music import detect
    except ImportError as exc:
        raise JobError(
            f"the symbol detector is not available ({exc}); use --detections for oracle mode"
        ) from None
    try:
        model = detect.load_model(cfg.model_path, threads=None)
        detect.prepare(model)
    except FrontlineError as exc:
        raise JobError(f"cannot load the symbol detector: {exc}; use --detections for oracle mode") from None

    def run(grey: np.ndarray) -> tuple[list[Glyph], list[str]]:
        res = detect.detect_page(grey, model)
        return list(res.glyphs), list(res.warnings)

    return run


def scan_piece(
    stem: str,
    files: list[Path],
    cfg: ScanConfig,
    detector: Callable[[np.ndarray], tuple[list[Glyph], list[str]]] | None = None,
    on_page: Callable[[], None] | None = None,
) -> PieceResult:
    """Scan one piece (one or more files, pages in order) and write its outputs; errors become a result.

    `detector` maps a greyscale page to (glyphs, warnings); None loads the shipped one, unless
    `cfg.detections` selects oracle mode.
    """
    t0 = time.perf_counter()
    names = tuple(str(f) for f in files)
    try:
        pages: list[np.ndarray] = []
        per_file: list[int] = []
        for f in files:
            loaded = _load_file_pages(f, cfg.normalize)
            pages.extend(loaded)
            per_file.append(len(loaded))
        if not pages:
            raise InputError(f"{names[0]}: no pages")
        warnings: list[str] = []
        # where each page comes from: input file, page in that file, left edge of the part read
        origins = [(name, k, 0) for name, n in zip(names, per_file, strict=True) for k in range(n)]
        ends = [True] * len(pages)  # whether a page is the last part of an input page (progress ticks)
        spaces: list[float | None] = [None] * len(pages)  # measured staff spaces (None: not yet)
        if cfg.detections is None and cfg.split_spreads:
            pages, ends, origins, spaces = _split_spreads(pages, origins, warnings, cfg.split)
        dewarped = [False] * len(pages)
        if cfg.detections is None and cfg.dewarp:
            for i, grey in enumerate(pages):
                pages[i], res = dewarp(grey, cfg.dewarp_config, spaces[i])
                dewarped[i] = res.applied
        if cfg.detections is not None:
            mode = "oracle"
            det = Path(cfg.detections)
            # one JSON for the whole piece, or (a folder) one STEM.json per input file
            sources = (
                [(det / f"{f.stem}.json", n) for f, n in zip(files, per_file, strict=True)]
                if det.is_dir()
                else [(det, len(pages))]
            )
            page_glyphs = []
            for path, n in sources:
                det_pages = read_detections(path)
                if len(det_pages) < n:
                    raise InputError(
                        f"{path}: has {len(det_pages)} page(s) of detections for {n} page(s) of input"
                    )
                page_glyphs.extend(det_pages[:n])
            for _ in pages:
                if on_page:
                    on_page()
        else:
            mode = "detector"
            run = detector or _detector(cfg)
            page_glyphs = []
            for grey, end in zip(pages, ends, strict=True):
                glyphs, warn = run(grey)
                page_glyphs.append(glyphs)
                warnings.extend(warn)
                if on_page and end:
                    on_page()
        for grey in pages:  # fixed from here on: the assembly and the text readers share a tilted
            grey.setflags(write=False)  # page's rotation (`staves.rotated_page`)
        assembly = assemble_pages(list(zip(page_glyphs, pages, strict=True)), cfg.assemble)
        sung: list[LyricLine] = []
        if cfg.lyrics and ocr_available():
            with_lyrics, sung = read_lyric_lines(assembly, pages, cfg.lyrics_config)
            assembly = replace(assembly, score=with_lyrics)
        if cfg.words and ocr_available():
            assembly = replace(
                assembly, score=read_words(assembly, pages, cfg.words_config, lyric_lines=sung)
            )
        if (cfg.lyrics or cfg.words) and not ocr_available():
            warnings.append(
                "lyrics and text directions not read: the OCR model is missing "
                "(pip install --no-deps rapidocr_onnxruntime==1.4.4)"
            )
        if not any(p.measures for p in assembly.score.parts):
            raise JobError(
                f"{names[0]}: no music found (no staves or no symbols); {'; '.join(assembly.warnings) or 'check the page'}"
            )
        out = cfg.out_dir
        out.mkdir(parents=True, exist_ok=True)
        outputs: list[str] = []
        if cfg.fmt == "mxl":
            target = out / f"{stem}.mxl"
            save_mxl(assembly.score, target)
        else:
            target = out / f"{stem}.musicxml"
            save_musicxml(assembly.score, target)
        outputs.append(str(target))
        save_midi(assembly.score, out / f"{stem}.mid")
        outputs.append(str(out / f"{stem}.mid"))
        doc = assembly_json(assembly, list(names), mode)
        for entry, (owner, k, x0), dw in zip(doc["pages"], origins, dewarped, strict=False):
            # the page's pixel coordinates are those of this part of the input, after levelling
            entry["source"] = {"file": owner, "file_page": k + 1, "x_offset": x0, "dewarped": dw}
        _atomic_write(out / f"{stem}.json", (json.dumps(doc, separators=(",", ":")) + "\n").encode("utf-8"))
        outputs.append(str(out / f"{stem}.json"))
        if cfg.overlay:
            for i, grey in enumerate(pages):
                name = f"{stem}.overlay.png" if len(pages) == 1 else f"{stem}.p{i + 1}.overlay.png"
                _atomic_write(out / name, draw_overlay(grey, assembly, i))
                outputs.append(str(out / name))
        n_notes = sum(len(m.notes()) for p in assembly.score.parts for m in p.measures)
        n_measures = max((len(p.measures) for p in assembly.score.parts), default=0)
        return PieceResult(
            stem,
            names,
            pages=len(pages),
            measures=n_measures,
            notes=n_notes,
            flagged=sum(1 for r in assembly.measures if r.flagged),
            seconds=time.perf_counter() - t0,
            outputs=tuple(outputs),
            warnings=tuple(dict.fromkeys(warnings + list(assembly.warnings))),
            mode=mode,
        )
    except FrontlineError as exc:
        return PieceResult(stem, names, seconds=time.perf_counter() - t0, error=str(exc))
    except MemoryError:
        return PieceResult(stem, names, seconds=time.perf_counter() - t0, error=f"{names[0]}: out of memory")
    except Exception as exc:  # a bug must cost one piece, not the batch; say what and where
        msg = f"{names[0]}: internal error {exc.__class__.__name__}: {exc}; please report it with this file"
        return PieceResult(stem, names, seconds=time.perf_counter() - t0, error=msg)


def _split_spreads(
    pages: list[np.ndarray],
    origins: list[tuple[str, int, int]],
    warnings: list[str],
    config: SplitConfig,
) -> tuple[list[np.ndarray], list[bool], list[tuple[str, int, int]], list[float | None]]:
    """Each image holding pages side by side (an open book) becomes its pages, left to right.

    Returns the pages, per page whether it is the last part of its input page, per page its origin
    (input file, page in that file, left edge of the part in the input page's pixels), and per page
    its staff space when measured here (an unsplit page; None for the parts of a split one).
    """
    out: list[np.ndarray] = []
    ends: list[bool] = []
    where_from: list[tuple[str, int, int]] = []
    spaces: list[float | None] = []
    for grey, (owner, k, _) in zip(pages, origins, strict=True):
        space = staff_space(grey, config.measure_width)
        cols = split_columns(grey, config, space)
        if len(cols) > 1:
            where = ", ".join(f"x {a}-{b}" for a, b in cols)
            warnings.append(
                f"{owner} (page {k + 1}): {len(cols)} pages side by side ({where}), read left to right"
            )
        out.extend(np.ascontiguousarray(grey[:, a:b]) for a, b in cols)
        ends.extend(i == len(cols) - 1 for i in range(len(cols)))
        where_from.extend((owner, k, a) for a, _ in cols)
        spaces.extend([space] if len(cols) == 1 else [None] * len(cols))
    return out, ends, where_from, spaces


def _scan_worker(args: tuple[str, list[Path], ScanConfig]) -> PieceResult:
    stem, files, cfg = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return scan_piece(stem, files, cfg)


def _progress(total: int, enabled: bool) -> Generator[Callable[[], None], None, None]:
    from tqdm import tqdm

    bar = tqdm(total=total or None, unit="page", desc="scan", disable=not enabled, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()


def scan(inputs: list[str | Path], config: ScanConfig | None = None) -> ScanSummary:
    """Scan images, PDFs or folders into MusicXML + MIDI + JSON + overlays under `config.out_dir`.

    Per-file problems end up in the result of that piece (the batch goes on); bad usage raises InputError.
    """
    cfg = config or ScanConfig()
    if cfg.fmt not in ("musicxml", "mxl"):
        raise InputError(f"--format must be musicxml or mxl, not {cfg.fmt!r}")
    if cfg.jobs < 1:
        raise InputError(f"--jobs must be at least 1, not {cfg.jobs}")
    if cfg.detections is not None and not Path(cfg.detections).exists():
        raise InputError(f"{cfg.detections}: detections file or folder not found")
    pieces = collect_pieces(inputs, cfg.join)
    if cfg.detections is not None and Path(cfg.detections).is_file() and len(pieces) > 1:
        raise InputError(
            "a --detections file describes one piece; give one input, --join, or a folder of STEM.json"
        )
    try:
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{cfg.out_dir}: cannot create the output folder ({exc.strerror})") from None
    results: list[PieceResult] = []
    multi = any(f.suffix.lower() in (".pdf", ".tif", ".tiff") for _, fs in pieces for f in fs)
    parallel = cfg.jobs > 1 and len(pieces) > 1
    gen = _progress(
        len(pieces) if parallel else (0 if multi else sum(len(fs) for _, fs in pieces)), cfg.progress
    )
    tick = next(gen)
    try:
        if parallel:
            with ProcessPoolExecutor(max_workers=cfg.jobs) as pool:
                for res in pool.map(_scan_worker, [(s, f, cfg) for s, f in pieces]):
                    results.append(res)
                    tick()
        else:
            detector = None
            if cfg.detections is None:
                try:
                    detector = _detector(cfg)
                except JobError as exc:
                    return ScanSummary(
                        tuple(PieceResult(s, tuple(map(str, f)), error=str(exc)) for s, f in pieces)
                    )
            if (cfg.lyrics or cfg.words) and ocr_available():
                with contextlib.suppress(JobError):  # each piece then says why it read no text
                    prepare_ocr(cfg.lyrics_config)  # loaded once, before the pages, like the detector
            for stem, files in pieces:
                results.append(scan_piece(stem, files, cfg, detector, on_page=tick))
    finally:
        gen.close()
    return ScanSummary(tuple(results))


# --- demo ----------------------------------------------------------------------------------------------

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo did: the piece result, which symbols it used, and its note F1 against the page's truth."""

    piece: PieceResult
    mode: str
    note_f1: float
    note: str = ""


def demo(out_dir: str | Path, use_detector: bool = True) -> DemoResult:
    """Scan the bundled example page end to end into `out_dir` and score it against its ground truth.

    Uses the shipped detector when it loads; otherwise (or with `use_detector=False`) the page's
    ground-truth symbols (oracle mode), and says so in `note`.
    """
    from frontline.music.evaluate.notation import note_f1
    from frontline.music.musicxml import load_musicxml

    page = EXAMPLES_DIR / "demo_page.png"
    truth_symbols = EXAMPLES_DIR / "demo_page.json"
    truth_score = EXAMPLES_DIR / "demo_page.musicxml"
    base = ScanConfig(out_dir=Path(out_dir), progress=False)
    note = ""
    res: PieceResult | None = None
    if use_detector:
        try:
            detector = _detector(base)
            res = scan_piece("demo_page", [page], base, detector)
            if res.error:
                note = f"detector run failed ({res.error}); fell back to the ground-truth symbols"
                res = None
        except JobError as exc:
            note = f"{exc}; used the page's ground-truth symbols instead (oracle mode)"
    if res is None:
        cfg = ScanConfig(out_dir=Path(out_dir), progress=False, detections=truth_symbols)
        res = scan_piece("demo_page", [page], cfg)
    if res.error:
        raise JobError(f"demo failed: {res.error}")
    pred = load_musicxml(Path(out_dir) / "demo_page.musicxml")
    f1 = note_f1(pred, load_musicxml(truth_score)).f1
    return DemoResult(res, res.mode, f1, note)
