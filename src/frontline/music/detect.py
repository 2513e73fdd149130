"""Symbol detection on a page: normalise -> DWD network -> watershed decoding -> list[Glyph].

Why: one public entry (`detect_page`) that the scanner and the CLI share; the model is built by
`load_model` (the shipped weights by default, no download) and passed in, never loaded at import.
Boxes come back in the original page's pixels (x right, y down).
"""

from __future__ import annotations

import hashlib
import json
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError
from frontline.music import onnxrt
from frontline.music.decode import DecodeConfig, RawDetections, decode_maps, to_glyphs
from frontline.music.dwd_config import DWDConfig
from frontline.music.glyphnet import ReclassifyConfig
from frontline.music.lines import LineConfig
from frontline.music.normalize import (
    NormalizeConfig,
    NormalizedPage,
    PageTransform,
    load_pages,
    normalize_page,
)
from frontline.music.records import Glyph
from frontline.music.refine import (
    BAR_RESTS,
    SNAP_CLASS_PREFIXES,
    drop_heads_off_staff,
    drop_letters_as_heads,
    drop_missing_octave_eights,
    find_articulation_blobs,
    find_grace_slashes,
    find_octave_clefs,
    find_rest_bars,
    fit_breve_rests,
    fit_c_clefs,
    fit_cut_time,
    heads_by_stem,
    rank_tenuto_dashes,
    resolve_rest_lookalikes,
    snap_rest_bars,
    snap_to_ink,
    split_stacked_wholes,
)

if TYPE_CHECKING:
    from frontline.music.dwd import DWD

__all__ = [
    "BatchResult",
    "DetectConfig",
    "FileResult",
    "ExportedDWD",
    "NetworkMaps",
    "PageDetections",
    "decode_page",
    "default_model_path",
    "detect_file",
    "detect_page",
    "detect_to_folder",
    "draw_detections",
    "glyphs_to_original",
    "load_model",
    "network_maps",
    "confirm_rest_bars",
    "predict_normalized",
    "reclassify_page",
]

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = "dwd_small.pt"


@dataclass(frozen=True, slots=True)
class DetectConfig:
    """Settings of page detection."""

    normalize: NormalizeConfig = field(default_factory=NormalizeConfig)
    """Page loading and normalisation."""
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    """Energy-map decoding."""
    classes: tuple[str, ...] | None = None
    """Keep only these class names (None: all)."""
    min_score: float = 0.3
    """Drop detections with a lower confidence."""
    dot_margin: float = 0.1
    """Augmentation dots need this much more confidence than `min_score`: on degraded pages dust specks
    beside noteheads are scored 0.3-0.45 as dots (degraded dev pages: 131 false dots, 106 under 0.5) and
    made dotted notes; 0 = off. Degraded dev pages OMR-NED w/o lyrics 0.1375 -> 0.1349, clean dev A
    0.0609 -> 0.0604, B 0.0786 = (note F1 0.8885 -> 0.8907, 0.9607 -> 0.9611, 0.9347 =)."""
    tile: int = 2560
    """Memory cap: a normalised page of at most tile x tile pixels runs in one pass, a larger one in
    square tiles of this side (session 17: 2048 per side -> 2560 squared; a 300-dpi page with small
    staves normalises to 2100-2700 rows, which ran as two tiles, 0.40 -> 0.34 s per page for the
    network, detections unchanged on 8 such pages; peak RSS about 0.97 GB either way)."""
    onnx: bool = True
    """Run the network in ONNX Runtime when the weights have their export beside them (`onnx_session`);
    off: always PyTorch."""
    lines: bool = True
    """Also find line-like primitives (staff lines, stems, ledger lines, barlines, beams) classically."""
    snap_prefixes: tuple[str, ...] = SNAP_CLASS_PREFIXES
    """Snap the boxes of these small free-standing classes (name prefixes) to their ink; () = off."""
    snap_size_range: tuple[float, float] = (0.5, 2.2)
    """An ink blob replaces a snapped box when its width and height are within this range of the box's
    (1.8 -> 2.2 on the tuning pages: staccatissimo wedges are up to twice as tall as the network's box;
    mAP 0.871 -> 0.883)."""
    stem_rule: bool = True
    """Uncertain half / whole noteheads are named by whether a stem touches them (refine.heads_by_stem)."""
    stacked_wholes: bool = True
    """A whole-note detection over a stack of touching whole heads (thirds in a chord) becomes one
    detection per head (refine.split_stacked_wholes)."""
    letters_rule: bool = True
    """Drop uncertain whole notes beside a staff or where no music is (refine.drop_letters_as_heads)."""
    heads_need_ledgers: bool = True
    """Drop uncertain noteheads beyond a staff that no ledger line leads to (refine.drop_heads_off_staff)."""
    tenuto_rank: bool = True
    """Tenuto dashes whose ink runs on into a beam, tie or slur rank low (refine.rank_tenuto_dashes)."""
    tenuto_dashes: bool = True
    """Report the tenuto dashes the line finder tells from ledger lines (lines.find_lines_normalized)."""
    articulation_blobs: bool = True
    """Add staccato dots and wedges the network missed, from uncovered ink blobs over or under a
    notehead (refine.find_articulation_blobs)."""
    grace_slashes: bool = True
    """Find acciaccatura slashes across stem-up flags by their ink (refine.find_grace_slashes)."""
    fit_cut_time: bool = True
    """Stretch cut-time boxes over their vertical stroke (refine.fit_cut_time)."""
    snap_rest_bars: bool = True
    """Fit whole/half/double-whole rest boxes to their solid bar (refine.snap_rest_bars)."""
    octave_clefs: bool = True
    """A treble clef with a small 8 above it is a clefG8va (refine.find_octave_clefs)."""
    octave_eights: bool = True
    """A G-clef-8vb with no 8 below it is a plain treble clef (refine.drop_missing_octave_eights)."""
    breve_rests: bool = True
    """Double-whole rests on a staff fill the space that holds them (refine.fit_breve_rests); then they
    are not ink-fitted by `snap_rest_bars`."""
    c_clefs: bool = True
    """Fit C-clef boxes to their bars and name alto / tenor by the line they centre on (refine.fit_c_clefs)."""
    line_config: LineConfig = field(default_factory=LineConfig)
    """Thresholds of the classical line finder (lines.LineConfig)."""
    rest_bars: bool = True
    """Add lone whole/half rest bars the network missed (`refine.find_rest_bars`), those the glyph
    classifier confirms (so only with `glyph_classifier`)."""
    ledger_rests: bool = True
    """`rest_bars` also looks for rests on or under ledger lines beyond the staff."""
    rest_bar_confirm: float = 0.8
    """Least probability of a rest the glyph classifier must give a rule-found bar."""
    glyph_classifier: bool = True
    """Re-decide look-alike classes (noteheads, clefs, rests, time signatures, dots, flags) with the
    glyph classifier (`glyphnet.py`) after every rule."""
    glyph_model: str = ""
    """Glyph classifier checkpoint (empty: the shipped weights)."""
    reclassify: ReclassifyConfig = field(default_factory=ReclassifyConfig)
    """How the classifier's probabilities change a detection."""
    rest_rule: bool = False
    """Rename whole/half rests by the side of the staff line they touch (refine.resolve_rest_lookalikes).
    Off: with the step-14000 weights the network tells them apart and the rule cost 0.003 mAP on the
    degraded tuning pages (it helped the step-4500 weights: restWhole 0.00 -> 0.98)."""


@dataclass(frozen=True, slots=True)
class PageDetections:
    """Detections of one page with the page's geometry and timing."""

    glyphs: tuple[Glyph, ...]
    """Detected symbols, boxes in original page pixels, sorted by score."""
    page_size: tuple[int, int]
    """(width, height) of the original page in pixels."""
    staff_space_px: float
    """Measured staff space of the original page (0 when no staff was found)."""
    warnings: tuple[str, ...] = ()
    """Why the list may be empty or unreliable."""
    timing_s: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: normalize, network, decode, lines."""


def default_model_path() -> Path:
    """Path of the shipped detector weights."""
    return MODELS_DIR / DEFAULT_MODEL


@dataclass(frozen=True, eq=False)
class ExportedDWD:
    """The detector as its ONNX export alone (`onnxrt.load_exported`): runs without PyTorch.

    What a scan needs of a model: its config, the session and the class and box head weights (the
    decoder evaluates those heads only at blob pixels). `torch_model` loads the checkpoint in PyTorch
    where something needs the network itself (Grad-CAM, training, `DetectConfig.onnx` off).
    """

    config: DWDConfig
    exported: onnxrt.Exported

    def heads(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(class weight (C, D), class bias (C,), box weight (4, D), box bias (4,))."""
        a = self.exported.arrays
        return a["cls_weight"], a["cls_bias"], a["box_weight"], a["box_bias"]

    def torch_model(self) -> DWD:
        """The same checkpoint as a PyTorch model (loaded once)."""
        hit = _TORCH_TWINS.get(self)
        if hit is None:
            hit = _TORCH_TWINS[self] = load_model(self.exported.checkpoint, engine="torch")
        return hit  # type: ignore[return-value]


_TORCH_TWINS: weakref.WeakKeyDictionary[ExportedDWD, Any] = weakref.WeakKeyDictionary()
_HEAD_ARRAYS = ("cls_weight", "cls_bias", "box_weight", "box_bias")


def _dwd_config(mc: dict[str, Any]) -> DWDConfig:
    mc = dict(mc)
    for key in ("classes", "widths", "dilations"):
        mc[key] = tuple(mc[key])
    return DWDConfig(**mc)


def load_model(
    path: str | Path | None = None, threads: int | None = None, engine: str = "auto"
) -> DWD | ExportedDWD:
    """The detector from a self-describing checkpoint (default: the shipped weights), ready for inference.

    `engine` "auto": where the checkpoint has its ONNX export beside it, with the config and head
    weights (`export_onnx`), an `ExportedDWD` that runs without importing PyTorch; else (and with
    "torch") a PyTorch DWD in eval mode (its export, if any, still runs its network: `onnxrt.attach`).
    """
    p = Path(path) if path is not None else default_model_path()
    if p.is_dir():
        cand = [p / "best.pt", p / "checkpoints" / "best.pt", p / "checkpoints" / "last.pt"]
        found = [c for c in cand if c.is_file()]
        if not found:
            raise InputError(f"{p}: no best.pt or checkpoints/last.pt in this folder")
        p = found[0]
    if not p.is_file():
        raise InputError(f"detector weights not found at {p}; train with `frontline music train`")
    if engine == "auto":
        ex = onnxrt.load_exported(p, threads)
        if ex is not None and all(k in ex.arrays for k in _HEAD_ARRAYS):
            return ExportedDWD(_dwd_config(ex.config), ex)
    import torch

    from frontline.music.dwd import DWD

    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise InputError(f"{p}: cannot read the detector checkpoint ({exc.__class__.__name__})") from None
    model = DWD(_dwd_config(ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    if threads:
        torch.set_num_threads(threads)
    onnxrt.attach(model, p)
    return model


def onnx_session(model: DWD | ExportedDWD) -> Any | None:
    """The ONNX Runtime session of the detector's export (`onnxrt.session`), or None: PyTorch runs it."""
    return onnxrt.session(model)


def prepare(model: DWD | ExportedDWD, config: DetectConfig | None = None) -> None:
    """Make now what the first page would otherwise make: the detector's and the glyph classifier's ONNX
    Runtime sessions and the classifier's weights (a scan loads its models once, before its pages; a
    damaged export warns here), and the decoder's watershed modules (scikit-image and scipy.ndimage:
    0.5-0.8 s of imports that the first page paid)."""
    cfg = config or DetectConfig()
    import scipy.ndimage  # noqa: F401
    from skimage.segmentation import watershed  # noqa: F401

    if cfg.onnx:
        onnx_session(model)
    if cfg.glyph_classifier:
        from frontline.music.glyphnet import load_glyph_classifier

        net, _ = load_glyph_classifier(cfg.glyph_model or None)
        if cfg.reclassify.onnx:
            onnxrt.session(net)


def export_onnx(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """Write the ONNX export of a detector checkpoint's network (energy and decoder features), by default
    beside it as STEM.onnx, where `load_model` finds it. Needs the `onnx` package (`pip install onnx`).

    The graph takes the page's ink (1, 1, H, W), H and W multiples of 8, and gives the energy logits
    (1, K, H/s, W/s) and the decoder features pixel-major (1, H/s, W/s, D), as `network_maps` reads them.
    """
    import torch

    from frontline.music.dwd import config_dict, inference_network

    src = Path(checkpoint)
    model = load_model(src, engine="torch")
    assert not isinstance(model, ExportedDWD)
    net = inference_network(model)

    class _Maps(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            f = self.net.forward_features(x)
            return self.net.head_energy(f), f.permute(0, 2, 3, 1)

    axes = {"ink": {2: "h", 3: "w"}, "energy": {2: "hs", 3: "ws"}, "features": {1: "hs", 2: "ws"}}
    dst = Path(out) if out is not None else src.with_suffix(".onnx")
    (cw, cb), (bw, bb) = _head_arrays(model.head_cls), _head_arrays(model.head_box)
    heads = {"cls_weight": cw, "cls_bias": cb, "box_weight": bw, "box_bias": bb}
    return onnxrt.export(
        _Maps(),
        torch.zeros(1, 1, 256, 256),
        src,
        dst,
        ["ink"],
        ["energy", "features"],
        axes,
        config_dict(model.config),
        heads,
    )


@dataclass(frozen=True, slots=True)
class NetworkMaps:
    """The network's output for one normalised page: the energy map everywhere, class and box on demand.

    Why: the decoder reads the class and box heads only at the pixels of its energy blobs (about 0.4% of
    a page), so they are evaluated there, from the stored decoder features, instead of everywhere (the
    75-channel class head alone took a sixth of the network's time and 160 MB per page).
    """

    energy: np.ndarray
    """(K, h, w) energy logits at 1/stride of the normalised page."""
    features: np.ndarray
    """(h, w, D) decoder features the three 1x1 heads read (pixel-major: one pixel's features together)."""
    cls_weight: np.ndarray
    """(C, D) class head weights."""
    cls_bias: np.ndarray
    """(C,) class head bias."""
    box_weight: np.ndarray
    """(4, D) box head weights."""
    box_bias: np.ndarray
    """(4,) box head bias."""

    def heads_at(self, ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Class logits (C, P) and box values (4, P) at output pixels (ys, xs)."""
        f = self.features[ys, xs].T  # (D, P)
        return self.cls_weight @ f + self.cls_bias[:, None], self.box_weight @ f + self.box_bias[:, None]

    def dense(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All three maps everywhere: energy (K, h, w), class logits (C, h, w), box (4, h, w)."""
        h, w, _ = self.features.shape
        ys, xs = np.divmod(np.arange(h * w), w)
        c, b = self.heads_at(ys, xs)
        return self.energy, c.reshape(-1, h, w), b.reshape(4, h, w)


def network_maps(
    model: DWD | ExportedDWD, image: np.ndarray, tile: int = 2560, engine: str = "auto"
) -> NetworkMaps:
    """The network on a normalised page (uint8, 255 = paper): energy everywhere, class and box on demand.

    Runs the model's ONNX export in ONNX Runtime where `onnx_session` has one (`engine` "auto"), else
    (or with `engine` "torch") a fused channels-last copy of `model` (`dwd.inference_network`). Pages
    larger than `tile` squared run in tiles of `tile` pixels with a 64-px context margin; maps are padded size / stride.
    An `ExportedDWD` needs PyTorch only with `engine` "torch".
    """
    if isinstance(model, ExportedDWD) and engine != "auto":
        model = model.torch_model()
    h, w = image.shape
    ph, pw = (h + 7) // 8 * 8, (w + 7) // 8 * 8
    ink = np.zeros((ph, pw), np.float32)
    ink[:h, :w] = 1.0 - image.astype(np.float32) / 255.0
    s = model.config.stride
    tile, margin = max(256, tile // 8 * 8), 64

    sess = onnx_session(model) if engine == "auto" else None
    if sess is not None:

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            e, f = sess.run(None, {"ink": np.ascontiguousarray(x)[None, None]})
            return e[0], f[0]

        energy, feats = _tiled(run, ink, tile, margin, s, model.config)
    else:
        import torch

        from frontline.music.dwd import inference_network

        assert not isinstance(model, ExportedDWD)
        net = inference_network(model)

        def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            t = torch.from_numpy(x)[None, None].contiguous(memory_format=torch.channels_last)
            f = net.forward_features(t)
            e = net.head_energy(f)
            # channels-last outputs: (h, w, D) features are a view, the (K, h, w) energy one small copy
            return e[0].contiguous().numpy(), f[0].permute(1, 2, 0).contiguous().numpy()

        with torch.inference_mode():
            energy, feats = _tiled(run, ink, tile, margin, s, model.config)
    if isinstance(model, ExportedDWD):
        return NetworkMaps(energy, feats, *model.heads())
    (cw, cb), (bw, bb) = _head_arrays(model.head_cls), _head_arrays(model.head_box)
    return NetworkMaps(energy, feats, cw, cb, bw, bb)


def _head_arrays(conv: Any) -> tuple[np.ndarray, np.ndarray]:
    """A 1x1 convolution's (weight (C, D), bias (C,)) as arrays."""
    wt = conv.weight.detach()[:, :, 0, 0].contiguous().numpy()
    b = conv.bias.detach().numpy() if conv.bias is not None else np.zeros(wt.shape[0], np.float32)
    return wt, b


def _tiled(
    run: Any, ink: np.ndarray, tile: int, margin: int, s: int, config: DWDConfig
) -> tuple[np.ndarray, np.ndarray]:
    """`run` (ink -> energy (K, h, w), features (h, w, D)) on the whole padded page, or tile by tile."""
    ph, pw = ink.shape
    if ph * pw <= tile * tile:
        # one pass when the page is no larger than a tile in area (the memory cap is the pixel count):
        # a normalised A4 page is about 1250 x 1750, a 300-dpi one with small staves up to 1900 x 2700
        return run(ink)
    k, d = config.energy_levels, config.widths[3]
    energy = np.zeros((k, ph // s, pw // s), np.float32)
    feats = np.zeros((ph // s, pw // s, d), np.float32)
    for y0 in range(0, ph, tile):
        for x0 in range(0, pw, tile):
            # tile with a margin so the receptive field sees context; keep only the core
            ya, xa = max(0, y0 - margin), max(0, x0 - margin)
            yb, xb = min(ph, y0 + tile + margin), min(pw, x0 + tile + margin)
            e, f = run(ink[ya:yb, xa:xb])
            oy0, ox0 = (y0 - ya) // s, (x0 - xa) // s
            ty, tx = min(tile, ph - y0) // s, min(tile, pw - x0) // s
            sl = (slice(None), slice(y0 // s, y0 // s + ty), slice(x0 // s, x0 // s + tx))
            core = (slice(None), slice(oy0, oy0 + ty), slice(ox0, ox0 + tx))
            energy[sl] = e[core]
            feats[sl[1:]] = f[core[1:]]
    return energy, feats


def predict_normalized(
    model: DWD | ExportedDWD, image: np.ndarray, config: DetectConfig | None = None
) -> RawDetections:
    """Run the network and the decoder on a normalised page (uint8, 255 = paper); boxes in its pixels."""
    cfg = config or DetectConfig()
    maps = network_maps(model, image, cfg.tile, "auto" if cfg.onnx else "torch")
    s = model.config.stride
    dets = decode_maps(
        maps.energy,
        None,
        None,
        stride=s,
        mark_shrink=model.config.mark_shrink,
        config=cfg.decode,
        heads=maps.heads_at,
    )
    h, w = image.shape
    inside = (dets.boxes[:, 0] < w) & (dets.boxes[:, 1] < h)
    return RawDetections(dets.boxes[inside], dets.scores[inside], dets.classes[inside])


def glyphs_to_original(glyphs: list[Glyph], transform: PageTransform) -> list[Glyph]:
    """The same glyphs with their boxes mapped from normalised to original page pixels."""
    if not glyphs:
        return []
    ob = transform.to_original_boxes(np.asarray([g.bbox_xyxy for g in glyphs], np.float64))
    return [
        replace(g, bbox_xyxy=(float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        for g, b in zip(glyphs, ob, strict=True)
    ]


TENUTO_SCORE = 0.9
"""Score given to a tenuto found by the line finder (a rule, not a network probability)."""


def _merge_dashes(glyphs: list[Glyph], dashes: list[Glyph], space: float) -> list[Glyph]:
    """Add line-finder tenuto dashes; drop the network's tenuto detections within half a space of one."""
    centres = np.array([d.center_xy for d in dashes], np.float64).reshape(-1, 2)
    kept = []
    for g in glyphs:
        if g.class_name.startswith("articTenuto"):
            d = np.abs(centres - np.array(g.center_xy)).max(axis=1)
            if (d <= 0.5 * space).any():
                continue
        kept.append(g)
    return kept + dashes


def detect_page(
    grey: np.ndarray, model: DWD | ExportedDWD, config: DetectConfig | None = None
) -> PageDetections:
    """Detect the symbols of one greyscale page (uint8, 255 = paper); boxes in its own pixels.

    A page without staff lines gives an empty list and a warning, not an error.
    """
    cfg = config or DetectConfig()
    t0 = time.perf_counter()
    norm: NormalizedPage = normalize_page(grey, cfg.normalize)
    t1 = time.perf_counter()
    timing = {"normalize": t1 - t0, "network": 0.0, "decode": 0.0, "lines": 0.0}
    h, w = grey.shape
    if not norm.staff.found:
        return PageDetections((), (w, h), 0.0, norm.warnings, timing)
    maps = network_maps(model, norm.image, cfg.tile, "auto" if cfg.onnx else "torch")
    timing["network"] = time.perf_counter() - t1
    return decode_page(grey, norm, maps, model, cfg, timing)


def decode_page(
    grey: np.ndarray,
    norm: NormalizedPage,
    maps: NetworkMaps,
    model: DWD | ExportedDWD,
    config: DetectConfig | None = None,
    timing: dict[str, float] | None = None,
) -> PageDetections:
    """Everything after the network: decoding, line finder, rule-found symbols, box refinement.

    `maps`: `network_maps(model, norm.image)` of the page `norm` normalised from `grey`. Separate from
    `detect_page` so that decoder variants can be compared on one network pass (bench ablation).
    """
    cfg = config or DetectConfig()
    timing = dict(timing or {"normalize": 0.0, "network": 0.0})
    h, w = grey.shape
    t2 = time.perf_counter()
    dets = decode_maps(
        maps.energy,
        None,
        None,
        stride=model.config.stride,
        mark_shrink=model.config.mark_shrink,
        config=cfg.decode,
        heads=maps.heads_at,
    )
    classes = model.config.classes
    space = norm.staff.space_px * norm.transform.scale
    line_glyphs: list[Glyph] = []
    rest_bars: list[Glyph] = []
    staves: list[tuple[float, float, float, float]] = []
    t3 = time.perf_counter()
    normed = to_glyphs(dets, classes)
    if cfg.lines:
        from frontline.music.lines import find_lines_normalized

        symbols = [
            (classes[int(c)], (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
            for b, c, sc in zip(dets.boxes, dets.classes, dets.scores, strict=True)
            if sc >= cfg.min_score
        ]
        segs = find_lines_normalized(norm.image, space, cfg.line_config, symbols=symbols)
        staves = [
            (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
            for c, b in zip(segs.classes, segs.boxes, strict=True)
            if c == "staff"
        ]
        # look-alikes that only the staff tells apart, decided on the deskewed page
        if cfg.rest_rule:
            normed = resolve_rest_lookalikes(normed, staves)
        # tenuto dashes the line finder told from ledger lines join the symbols (and replace the
        # network's own tenuto detections there), so they are snapped to ink like other articulations
        dashes = [
            Glyph(c, (float(b[0]), float(b[1]), float(b[2]), float(b[3])), TENUTO_SCORE, -1)
            for c, b in zip(segs.classes, segs.boxes, strict=True)
            if c.startswith("articTenuto")
        ]
        if cfg.letters_rule:
            normed = drop_letters_as_heads(normed, staves, space)
        if cfg.heads_need_ledgers:
            ledgers = segs.boxes[[c == "legerLine" for c in segs.classes]].reshape(-1, 4)
            normed = drop_heads_off_staff(normed, staves, ledgers, space)
        if dashes and cfg.tenuto_rank:
            dashes = rank_tenuto_dashes(norm.image, dashes, space)
        if dashes and cfg.tenuto_dashes:
            normed = _merge_dashes(normed, dashes, space)
        stem_boxes = segs.boxes[[c == "stem" for c in segs.classes]].reshape(-1, 4)
        if cfg.stem_rule:
            normed = heads_by_stem(normed, stem_boxes, space)
        if cfg.stacked_wholes:
            normed = split_stacked_wholes(norm.image, normed, space)
        if cfg.articulation_blobs:
            normed = find_articulation_blobs(norm.image, normed, space, stem_boxes)
        if cfg.grace_slashes:
            normed = find_grace_slashes(norm.image, normed, stem_boxes, space)
        if cfg.c_clefs:
            normed = fit_c_clefs(norm.image, normed, staves, space)
        if cfg.breve_rests:
            normed = fit_breve_rests(normed, staves)
        if cfg.rest_bars and cfg.glyph_classifier:
            rest_bars = find_rest_bars(norm.image, normed, staves, space, cfg.ledger_rests)
        if cfg.octave_clefs:
            normed = find_octave_clefs(norm.image, normed, staves, space)
        keep_line = [i for i, c in enumerate(segs.classes) if not c.startswith("articTenuto")]
        if keep_line:
            orig = norm.transform.to_original_boxes(segs.boxes[keep_line])
            line_glyphs = [
                Glyph(segs.classes[i], (float(b[0]), float(b[1]), float(b[2]), float(b[3])), 1.0, -1)
                for i, b in zip(keep_line, orig, strict=True)
            ]
    glyphs = glyphs_to_original(normed, norm.transform)
    if cfg.snap_prefixes:
        glyphs = snap_to_ink(grey, glyphs, cfg.snap_prefixes, cfg.snap_size_range)
    if cfg.snap_rest_bars:
        bars = tuple(n for n in BAR_RESTS if not (cfg.breve_rests and cfg.lines and n == "restDoubleWhole"))
        glyphs = snap_rest_bars(grey, glyphs, bars)
    if cfg.fit_cut_time:
        glyphs = fit_cut_time(grey, glyphs)
    t4 = time.perf_counter()
    timing.update({"decode": t3 - t2, "lines": t4 - t3})  # lines include the refinements
    if cfg.glyph_classifier and glyphs:
        # scores only go down (ReclassifyConfig.lift off), so glyphs below min_score need no look
        if not cfg.reclassify.lift:
            glyphs = [g for g in glyphs if g.score >= cfg.min_score]
        glyphs = reclassify_page(norm, glyphs, cfg) if glyphs else glyphs
        if rest_bars:
            glyphs = glyphs + confirm_rest_bars(norm, rest_bars, cfg)
        timing["classify"] = time.perf_counter() - t4
    if cfg.octave_eights and staves:  # after the glyph classifier, which reads such clefs as clefG8vb too
        glyphs = _octave_eights(norm, glyphs, staves, space)
    allg = _confident(glyphs, cfg.min_score, cfg.dot_margin) + line_glyphs
    if cfg.classes is not None:
        keep = set(cfg.classes)
        allg = [g for g in allg if g.class_name in keep]
    allg = [replace(g, glyph_id=i) for i, g in enumerate(allg)]
    warn = list(norm.warnings)
    if not glyphs:
        warn.append("staff lines found but no symbols detected")
    return PageDetections(tuple(allg), (w, h), norm.staff.space_px, tuple(warn), timing)


def _octave_eights(
    norm: NormalizedPage, glyphs: list[Glyph], staves: list[tuple[float, float, float, float]], space: float
) -> list[Glyph]:
    """`refine.drop_missing_octave_eights` for glyphs in original pixels (tested on the normalised page)."""
    if not any(g.class_name == "clefG8vb" for g in glyphs):
        return glyphs
    idx = [i for i, g in enumerate(glyphs) if g.class_name in ("clefG8vb", "clefG")]
    boxes = np.asarray([glyphs[i].bbox_xyxy for i in idx], np.float64)
    corners = np.concatenate([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [0, 3]], boxes[:, [2, 3]]])
    pts = norm.transform.to_normalized_points(corners).reshape(4, len(idx), 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    normed = [
        replace(glyphs[i], bbox_xyxy=(float(a[0]), float(a[1]), float(b[0]), float(b[1])))
        for i, a, b in zip(idx, lo, hi, strict=True)
    ]
    out = list(glyphs)
    for i, g in zip(idx, drop_missing_octave_eights(norm.image, normed, staves, space), strict=True):
        if g.class_name != out[i].class_name:
            out[i] = replace(out[i], class_name=g.class_name)
    return out


def _confident(glyphs: list[Glyph], min_score: float, dot_margin: float) -> list[Glyph]:
    """The glyphs scored `min_score` or more; augmentation dots need `dot_margin` more (`DetectConfig`)."""
    dot_min = min_score + dot_margin
    return [
        g
        for g in glyphs
        if g.score >= min_score and (g.class_name != "augmentationDot" or g.score >= dot_min)
    ]


def reclassify_page(norm: NormalizedPage, glyphs: list[Glyph], config: DetectConfig) -> list[Glyph]:
    """`glyphnet.reclassify` on the normalised page for glyphs whose boxes are in original pixels."""
    from frontline.music.glyphnet import box_centres, load_glyph_classifier, reclassify

    centres = norm.transform.to_normalized_points(box_centres(np.asarray([g.bbox_xyxy for g in glyphs])))
    classifier = load_glyph_classifier(config.glyph_model or None)
    return reclassify(
        norm.image, glyphs, classifier, config.reclassify, centres, norm.transform.to_original_boxes
    )


def confirm_rest_bars(norm: NormalizedPage, bars: list[Glyph], config: DetectConfig) -> list[Glyph]:
    """The rule-found rest bars (normalised pixels) the glyph classifier calls a rest, in original pixels.

    Score = the classifier's probability of the rest it names; bars under `rest_bar_confirm` go.
    """
    from frontline.music.glyphnet import load_glyph_classifier, reclassify

    classifier = load_glyph_classifier(config.glyph_model or None)
    sure = replace(config.reclassify, blend=1.0, lift=True, box_prefixes=())
    judged = reclassify(norm.image, bars, classifier, sure)
    keep = [
        g for g in judged if g.class_name in ("restHalf", "restWhole") and g.score >= config.rest_bar_confirm
    ]
    return glyphs_to_original(keep, norm.transform)


def detect_file(
    path: str | Path, model: DWD | ExportedDWD, config: DetectConfig | None = None
) -> list[PageDetections]:
    """Detect every page of an image or PDF; raises InputError for unreadable files."""
    cfg = config or DetectConfig()
    return [detect_page(p, model, cfg) for p in load_pages(path, cfg.normalize)]


def to_deepscores(pages: list[tuple[str, PageDetections]], classes: tuple[str, ...]) -> dict[str, Any]:
    """DeepScoresV2-layout dict (images, annotations, categories) for detected pages.

    Boxes are `a_bbox` [x0, y0, x1, y1] in original pixels; `o_bbox` repeats the axis-aligned corners;
    `score` is our addition. Category ids follow `frontline.music.synth.classes` when a name is there.
    """
    try:
        from frontline.music.synth.classes import CLASS_ID
    except ImportError:  # the vocabulary module is optional for reading results
        CLASS_ID = {}
    names = sorted({g.class_name for _, pd in pages for g in pd.glyphs} | set(classes))
    cat_id = {n: CLASS_ID.get(n, 1000 + i) for i, n in enumerate(names)}
    images, anns = [], {}
    next_id = 1
    for img_id, (fname, pd) in enumerate(pages, start=1):
        ids = []
        for g in pd.glyphs:
            x0, y0, x1, y1 = (round(v, 2) for v in g.bbox_xyxy)
            anns[str(next_id)] = {
                "a_bbox": [x0, y0, x1, y1],
                "o_bbox": [x1, y1, x1, y0, x0, y0, x0, y1],
                "cat_id": [str(cat_id[g.class_name])],
                "area": round((x1 - x0) * (y1 - y0), 2),
                "img_id": str(img_id),
                "score": round(g.score, 4),
                "comments": "",
            }
            ids.append(str(next_id))
            next_id += 1
        images.append(
            {
                "id": img_id,
                "filename": fname,
                "width": pd.page_size[0],
                "height": pd.page_size[1],
                "ann_ids": ids,
                "staff_space_px": round(pd.staff_space_px, 3),
                "warnings": list(pd.warnings),
            }
        )
    cats = {str(cat_id[n]): {"name": n, "annotation_set": "deepscores", "color": 0} for n in names}
    return {
        "info": {"description": "frontline DWD detections", "version": "1"},
        "annotation_sets": ["deepscores"],
        "categories": cats,
        "images": images,
        "annotations": anns,
    }


def write_json(path: Path, obj: dict[str, Any]) -> None:
    """Write a JSON file (UTF-8, 1-space indent)."""
    path.write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")


@dataclass(frozen=True, slots=True)
class FileResult:
    """Outcome of one input file of a batch."""

    path: str
    ok: bool
    outputs: tuple[str, ...] = ()
    """Files written (NAME.json, NAME.detections.png per page)."""
    glyphs: int = 0
    """Detections over all pages."""
    error: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of a batch: one FileResult per input, in input order."""

    files: tuple[FileResult, ...]

    @property
    def all_failed(self) -> bool:
        """True when no input could be processed (the CLI then exits 1)."""
        return bool(self.files) and not any(f.ok for f in self.files)


def _colour(name: str) -> tuple[int, int, int]:
    h = int(hashlib.md5(name.encode()).hexdigest()[:6], 16)
    r, g, b = (h >> 16) & 255, (h >> 8) & 255, h & 255
    return (int(r * 0.8), int(g * 0.8), int(b * 0.8))


def draw_detections(
    grey: np.ndarray, glyphs: list[Glyph] | tuple[Glyph, ...], max_side: int = 0
) -> np.ndarray:
    """RGB overlay (H, W, 3) uint8: the page with one coloured box per glyph and a legend of the classes.

    `max_side` > 0 downscales the picture so its longer side is at most that many pixels.
    """
    import cv2

    f = 1.0
    if max_side and max(grey.shape) > max_side:
        f = max_side / max(grey.shape)
        grey = cv2.resize(
            grey, (int(grey.shape[1] * f), int(grey.shape[0] * f)), interpolation=cv2.INTER_AREA
        )
    img = cv2.cvtColor((grey // 2 + 127).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    thick = max(1, int(round(max(img.shape) / 1500)))
    counts: dict[str, int] = {}
    for g in glyphs:
        x0, y0, x1, y1 = (int(round(v * f)) for v in g.bbox_xyxy)
        cv2.rectangle(img, (x0, y0), (x1, y1), _colour(g.class_name), thick)
        counts[g.class_name] = counts.get(g.class_name, 0) + 1
    # legend panel on the right
    names = sorted(counts, key=lambda n: -counts[n])
    row = 18
    panel = np.full((max(img.shape[0], row * (len(names) + 1)), 260, 3), 255, np.uint8)
    for i, n in enumerate(names):
        y = row * (i + 1)
        cv2.rectangle(panel, (6, y - 11), (20, y + 1), _colour(n), -1)
        cv2.putText(
            panel, f"{n} ({counts[n]})", (26, y), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA
        )
    canvas = np.full((panel.shape[0], img.shape[1] + panel.shape[1], 3), 255, np.uint8)
    canvas[: img.shape[0], : img.shape[1]] = img
    canvas[:, img.shape[1] :] = panel
    return canvas


def detect_to_folder(
    paths: list[str] | list[Path],
    out_dir: str | Path,
    config: DetectConfig | None = None,
    model: DWD | ExportedDWD | None = None,
    model_path: str | Path | None = None,
    overlay: bool = True,
) -> BatchResult:
    """Detect every page of every input and write NAME.json (DeepScoresV2 layout) + NAME.detections.png.

    Pages of a multi-page PDF are written as NAME-pK. A file that cannot be read is reported in its
    FileResult and the batch goes on.
    """
    from PIL import Image

    cfg = config or DetectConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    net = model if model is not None else load_model(model_path)
    results = []
    for raw in paths:
        p = Path(raw)
        try:
            pages = load_pages(p, cfg.normalize)
        except InputError as exc:
            results.append(FileResult(str(p), False, error=str(exc)))
            continue
        written: list[str] = []
        warns: list[str] = []
        n = 0
        for k, grey in enumerate(pages, start=1):
            stem = p.stem if len(pages) == 1 else f"{p.stem}-p{k}"
            pd = detect_page(grey, net, cfg)
            n += len(pd.glyphs)
            warns.extend(f"{stem}: {w}" for w in pd.warnings)
            js = out / f"{stem}.json"
            write_json(
                js, to_deepscores([(p.name if len(pages) == 1 else f"{p.name}#{k}", pd)], net.config.classes)
            )
            written.append(str(js))
            if overlay:
                png = out / f"{stem}.detections.png"
                Image.fromarray(draw_detections(grey, pd.glyphs, max_side=3000)).save(png)
                written.append(str(png))
        results.append(FileResult(str(p), True, tuple(written), n, "", tuple(warns)))
    return BatchResult(tuple(results))
