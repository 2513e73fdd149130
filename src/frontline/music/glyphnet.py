"""Second look at look-alike symbols: a small CNN re-decides a detection's class from a crop around it.

Why: the detector votes a class per pixel inside one energy basin, from a receptive field that
cannot always see what tells look-alikes apart: a whole note from a half note in a space, a
small head from a normal one, an alto from a tenor clef (the staff line it sits on), a 64th rest
from a 32nd rest (four hooks or three), cut from common time, an augmentation dot from a staccato
(where the head is). The talk's advice for such classes is context; this stage looks at a fixed
6.4-staff-space window centred on each detection of the normalised page (10 px per space) and
chooses among the classes of the detection's own group only (noteheads, clefs, rests, time
signatures, dots, flags), or calls it background (no symbol centred there), which lowers its score.

Crops and decisions are pure functions of the page and the glyphs; the network is loaded by
`load_glyph_classifier` (the shipped weights by default, no download), never at import.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError
from frontline.music import onnxrt
from frontline.music.records import Glyph

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "BACKGROUND",
    "GROUP_PREFIXES",
    "GROUP_SCALE",
    "OCTAVE_FAMILIES",
    "ExportedGlyphNet",
    "GlyphNetConfig",
    "ReclassifyConfig",
    "box_centres",
    "build_glyph_net",
    "crop_windows",
    "default_glyph_model_path",
    "glyph_group",
    "group_scale",
    "load_glyph_classifier",
    "reclassify",
]

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_GLYPH_MODEL = "glyphnet.pt"
BACKGROUND = "_background"
"""The classifier's extra class: no symbol of the group is centred in the window."""

GROUP_PREFIXES: dict[str, tuple[str, ...]] = {
    "notehead": ("notehead",),
    "clef": ("clef",),
    "rest": ("rest",),
    "timeSig": ("timeSig",),
    "dot": ("augmentationDot", "articStaccatoAbove", "articStaccatoBelow", "repeatDot"),
    "flag": ("flag",),
}
"""Look-alike groups: a detection is only ever relabelled within its own group."""

GROUP_SCALE: dict[str, int] = {"clef": 2}
"""Groups whose window covers `scale` times the crop (block-averaged down to the crop): a clef's
octave digit lies 4-5 spaces from its centre, outside a plain 6.4-space window."""


OCTAVE_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"clefG", "clefG8va", "clefG8vb"}),
    frozenset({"clefF", "clefF8va", "clefF8vb"}),
)
"""Clefs told apart only by a small 8 above or below: `refine.find_octave_clefs` measures that digit."""


def _head_kind(class_name: str) -> str:
    """A notehead's duration kind (Black, Half, Whole, DoubleWhole; Small for grace and cue size); "" for
    other classes."""
    for kind in ("DoubleWhole", "Whole", "Half", "Black"):
        if class_name.startswith("notehead" + kind):
            return kind + ("Small" if class_name.endswith("Small") else "")
    return ""


def glyph_group(class_name: str) -> str | None:
    """Name of the look-alike group of a class (None: the classifier leaves it alone)."""
    for group, prefixes in GROUP_PREFIXES.items():
        if group == "dot":
            if class_name in prefixes:
                return group
        elif class_name.startswith(prefixes):
            return group
    return None


@dataclass(frozen=True, slots=True)
class GlyphNetConfig:
    """Shape of the classifier network; stored in every checkpoint."""

    classes: tuple[str, ...] = ()
    """Output classes; the last one is BACKGROUND."""
    crop: int = 64
    """Side of the square input window in normalised pixels (10 px per staff space)."""
    widths: tuple[int, int, int, int] = (24, 32, 48, 64)
    """Channels of the four convolution stages (1/2, 1/4, 1/8, 1/16 of the crop)."""
    hidden: int = 128
    """Width of the fully connected layer (it keeps where things are in the window)."""
    dropout: float = 0.2
    """Dropout before the output layer."""
    box_head: bool = False
    """Also regress the symbol's box (x0, y0, x1, y1 relative to the window centre, in crops)."""


def build_glyph_net(config: GlyphNetConfig) -> nn.Module:
    """The classifier: 4 conv stages (the first with stride 2), a position-keeping dense head.

    About 4 M multiply-adds per 64 x 64 window. Named layers (`act1`..`act4`, `fc`) are what the
    lab's Grad-CAM and information-plane hooks attach to.
    """
    from torch import nn

    w1, w2, w3, w4 = config.widths
    side = config.crop // 16
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    layers["conv1"] = nn.Conv2d(1, w1, 5, stride=2, padding=2, bias=False)
    layers["bn1"] = nn.BatchNorm2d(w1)
    layers["act1"] = nn.ReLU(inplace=True)
    layers["pool1"] = nn.MaxPool2d(2)
    layers["conv2"] = nn.Conv2d(w1, w2, 3, padding=1, bias=False)
    layers["bn2"] = nn.BatchNorm2d(w2)
    layers["act2"] = nn.ReLU(inplace=True)
    layers["pool2"] = nn.MaxPool2d(2)
    layers["conv3"] = nn.Conv2d(w2, w3, 3, padding=1, bias=False)
    layers["bn3"] = nn.BatchNorm2d(w3)
    layers["act3"] = nn.ReLU(inplace=True)
    layers["pool3"] = nn.MaxPool2d(2)
    layers["conv4"] = nn.Conv2d(w3, w4, 3, padding=1, bias=False)
    layers["bn4"] = nn.BatchNorm2d(w4)
    layers["act4"] = nn.ReLU(inplace=True)
    layers["flat"] = nn.Flatten()
    layers["fc"] = nn.Linear(w4 * side * side, config.hidden)
    layers["act5"] = nn.ReLU(inplace=True)
    layers["drop"] = nn.Dropout(config.dropout)
    layers["out"] = nn.Linear(config.hidden, len(config.classes))
    if config.box_head:
        layers["box"] = nn.Linear(config.hidden, 4)

    class GlyphNet(nn.Sequential):
        """`forward` gives class logits (what the lab's hooks expect); `forward_both` adds the box."""

        def forward(self, x: Any) -> Any:
            return self.forward_both(x)[0]

        def forward_both(self, x: Any) -> tuple[Any, Any]:
            for name, module in self.named_children():
                if name in ("out", "box"):
                    break
                x = module(x)
            box = self.get_submodule("box")(x) if config.box_head else None
            return self.get_submodule("out")(x), box

    return GlyphNet(layers)


def box_centres(boxes: np.ndarray) -> np.ndarray:
    """(N, 2) xy centres of (N, 4) xyxy boxes."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2], 1)


def crop_windows(image: np.ndarray, centres: np.ndarray, size: int, scale: int = 1) -> np.ndarray:
    """(N, size, size) uint8 windows of `image` (255 = paper) centred on the rounded `centres` (N, 2) xy.

    With `scale` > 1 each window covers size * scale pixels, block-averaged down to size. Parts
    outside the page are paper. Pure and cheap: one padded copy, then slicing.
    """
    c = np.asarray(centres, np.float64).reshape(-1, 2)
    side = size * scale
    out = np.full((len(c), side, side), 255, np.uint8)
    if not len(c):
        return out[:, :size, :size]
    half = side // 2
    padded = np.pad(image, side, constant_values=255)
    xs = np.clip(np.rint(c[:, 0]).astype(np.int64), -side + half, image.shape[1] + side - half - 1)
    ys = np.clip(np.rint(c[:, 1]).astype(np.int64), -side + half, image.shape[0] + side - half - 1)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        x0, y0 = x - half + side, y - half + side
        out[i] = padded[y0 : y0 + side, x0 : x0 + side]
    if scale == 1:
        return out
    blocks = out.reshape(len(c), size, scale, size, scale).astype(np.float32).mean(axis=(2, 4))
    return np.rint(blocks).astype(np.uint8)


def group_scale(class_name: str) -> int:
    """Window scale of a class's group (1 for most)."""
    return GROUP_SCALE.get(glyph_group(class_name) or "", 1)


def to_input(windows: np.ndarray) -> Any:
    """uint8 windows (N, S, S) -> float tensor (N, 1, S, S) of ink in [0, 1] (the detector's input)."""
    import torch

    return torch.from_numpy(1.0 - windows.astype(np.float32)[:, None] / 255.0)


@dataclass(frozen=True, slots=True)
class ReclassifyConfig:
    """How the classifier's probabilities change a detection."""

    switch_margin: float = 0.3
    """Relabel only when the group's best class beats the detected class by this probability."""
    background_power: float = 0.0
    """Score *= (1 - p(background)) ** power (0: the background class never lowers a score)."""
    blend: float = 0.5
    """Score = (1 - blend) * score + blend * p(chosen class): the classifier's say in the ranking."""
    batch: int = 512
    """Windows per forward pass."""
    box_blend: float = 0.5
    """Box = (1 - box_blend) * detected box + box_blend * the box head's (needs a box head; 0: keep)."""
    box_prefixes: tuple[str, ...] = ("clef", "rest", "timeSig", "noteheadWhole", "noteheadDoubleWhole")
    """Classes (name prefixes) whose boxes the box head refines. Not dots (left to their snap to ink:
    a pixel is a third of a dot) and not black or half heads (the scanner reads pitch from a head's
    centre: refining every head's box cost 0.002-0.004 note F1 on four of nine scan development
    sets and gained on two; whole heads and breves, 2 % of the heads, moved none by more than 0.001)."""
    size_prefixes: tuple[str, ...] = ("noteheadBlackInSpaceSmall", "noteheadBlackOnLineSmall")
    """Classes (name prefixes) whose box SIZE the box head refines by `box_blend`, around the detected
    centre (the scanner reads a head's pitch from its centre, so the centre stays). Small heads: the
    network's boxes of cue and grace heads are often too narrow (IoU under 0.5); tuning pages
    (session 9): small heads in a space 0.956 -> 1.000, 0.966 -> 0.987, on a line 0.927 -> 0.950,
    0.958 -> 1.000, 0.939 -> 1.000, 0.921 -> 1.000, no other class moved."""
    octave_margin: float = 0.9
    """Margin needed to switch within an octave family (clefG/clefG8va/clefG8vb...), where the rule
    `refine.find_octave_clefs` measures the 8 and few training windows exist (1.0: never)."""
    duration_margin: float = 0.9
    """Margin needed to change a notehead's duration kind (black, half, whole, breve; normal or small)."""
    lift: bool = False
    """Let the blend raise a score (False: scores only go down, so no new symbol crosses a threshold)."""
    onnx: bool = True
    """Run the classifier in ONNX Runtime when its weights have their export beside them (`onnxrt`); off:
    always PyTorch."""


def reclassify(
    image: np.ndarray,
    glyphs: list[Glyph],
    classifier: tuple[nn.Module | ExportedGlyphNet, GlyphNetConfig],
    config: ReclassifyConfig | None = None,
    centres: np.ndarray | None = None,
    to_glyph_space: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[Glyph]:
    """The glyphs with look-alike classes re-decided on `image` (the normalised page).

    `centres` (N, 2): each glyph's centre in `image` pixels; default: the centres of the glyph boxes
    (boxes already in `image` pixels). `to_glyph_space` maps (M, 4) boxes from `image` pixels to the
    glyphs' pixels (default: the same). Glyphs outside every group, or whose class the classifier does
    not know, are returned as they are. `classifier[0]` may be an `ExportedGlyphNet` (no PyTorch needed
    unless `config.onnx` is off).
    """
    cfg = config or ReclassifyConfig()
    net, nc = classifier
    index = {c: i for i, c in enumerate(nc.classes)}
    todo = [i for i, g in enumerate(glyphs) if g.class_name in index and glyph_group(g.class_name)]
    if not todo:
        return list(glyphs)
    if centres is None:
        at = box_centres(np.asarray([glyphs[i].bbox_xyxy for i in todo], np.float64))
    else:
        at = np.asarray(centres, np.float64).reshape(-1, 2)[todo]
    scales = np.asarray([group_scale(glyphs[i].class_name) for i in todo])
    windows = np.empty((len(todo), nc.crop, nc.crop), np.uint8)
    for sc in np.unique(scales):
        windows[scales == sc] = crop_windows(image, at[scales == sc], nc.crop, int(sc))
    probs, rel = [], []
    if isinstance(net, ExportedGlyphNet) and not cfg.onnx:
        net = net.torch_model()
    sess = onnxrt.session(net) if cfg.onnx else None
    if sess is not None:
        for k in range(0, len(todo), cfg.batch):
            ink = 1.0 - windows[k : k + cfg.batch].astype(np.float32)[:, None] / 255.0
            got = sess.run(None, {"windows": ink})
            probs.append(got[0])
            if len(got) > 1:
                rel.append(got[1])
    else:
        import torch

        assert not isinstance(net, ExportedGlyphNet)
        with torch.inference_mode():
            for k in range(0, len(todo), cfg.batch):
                logits, box = net.forward_both(to_input(windows[k : k + cfg.batch]))  # type: ignore[operator]
                probs.append(torch.softmax(logits, 1).numpy())
                if box is not None:
                    rel.append(box.numpy())
    p = np.concatenate(probs)
    new_boxes: np.ndarray | None = None
    if rel and cfg.box_blend > 0:
        # the head's box: window centre (rounded, as cut) + offsets in crops, at the group's scale
        r = np.concatenate(rel).astype(np.float64) * nc.crop * scales[:, None]
        c = np.rint(at)
        in_image = np.stack([c[:, 0] + r[:, 0], c[:, 1] + r[:, 1], c[:, 0] + r[:, 2], c[:, 1] + r[:, 3]], 1)
        new_boxes = to_glyph_space(in_image) if to_glyph_space is not None else in_image
    groups = {g: np.asarray([glyph_group(c) == g for c in nc.classes]) for g in GROUP_PREFIXES}
    bg = index.get(BACKGROUND)
    out = list(glyphs)
    for k, (row, i) in enumerate(zip(p, todo, strict=True)):
        g = out[i]
        if new_boxes is not None and g.class_name.startswith(cfg.box_prefixes):
            old_box = np.asarray(g.bbox_xyxy, np.float64)
            b = (1.0 - cfg.box_blend) * old_box + cfg.box_blend * new_boxes[k]
            if b[2] > b[0] and b[3] > b[1]:
                g = replace(g, bbox_xyxy=(float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        elif new_boxes is not None and cfg.size_prefixes and g.class_name.startswith(cfg.size_prefixes):
            ob, nb = np.asarray(g.bbox_xyxy, np.float64), new_boxes[k]
            size = (1.0 - cfg.box_blend) * (ob[2:] - ob[:2]) + cfg.box_blend * (nb[2:] - nb[:2])
            if (size > 0).all():
                mid = (ob[:2] + ob[2:]) / 2.0
                lo, hi = mid - size / 2.0, mid + size / 2.0
                g = replace(g, bbox_xyxy=(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])))
        members = groups[glyph_group(g.class_name) or ""]
        own = index[g.class_name]
        best = int(np.argmax(np.where(members, row, -1.0)))
        name = g.class_name
        if best != own and row[best] >= row[own] + cfg.switch_margin:
            name = nc.classes[best]
            # switches that change the music beyond a staff position need a near-certain window
            octave = any(name in f and g.class_name in f for f in OCTAVE_FAMILIES)
            duration = _head_kind(name) != _head_kind(g.class_name)
            need = cfg.octave_margin if octave else cfg.duration_margin if duration else cfg.switch_margin
            if row[best] < row[own] + need:
                name = g.class_name
        score = g.score
        if cfg.blend:
            blended = (1.0 - cfg.blend) * score + cfg.blend * float(row[index[name]])
            score = blended if cfg.lift else min(score, blended)
        if cfg.background_power and bg is not None:
            score *= float(1.0 - row[bg]) ** cfg.background_power
        out[i] = (
            replace(g, class_name=name, score=float(score)) if (name, score) != (g.class_name, g.score) else g
        )
    return out


def default_glyph_model_path() -> Path:
    """Path of the shipped classifier weights."""
    return MODELS_DIR / DEFAULT_GLYPH_MODEL


@dataclass(frozen=True, eq=False)
class ExportedGlyphNet:
    """The classifier as its ONNX export alone (`onnxrt.load_exported`): runs without PyTorch."""

    exported: onnxrt.Exported

    def torch_model(self) -> nn.Module:
        """The same checkpoint as a PyTorch network (where something needs the network itself)."""
        p = self.exported.checkpoint
        return _torch_load(str(p), p.stat().st_mtime)[0]


def _glyph_config(mc: dict[str, Any]) -> GlyphNetConfig:
    mc = dict(mc)
    mc["classes"] = tuple(mc["classes"])
    mc["widths"] = tuple(mc["widths"])
    return GlyphNetConfig(**mc)


@functools.lru_cache(maxsize=8)
def _load(
    path: str, mtime: float, engine: str = "auto"
) -> tuple[nn.Module | ExportedGlyphNet, GlyphNetConfig]:
    if engine == "auto":
        ex = onnxrt.load_exported(Path(path))
        if ex is not None:
            try:
                return ExportedGlyphNet(ex), _glyph_config(ex.config)
            except (TypeError, KeyError):
                pass  # a config this code cannot read: PyTorch reads the checkpoint
    return _torch_load(path, mtime)


@functools.lru_cache(maxsize=4)
def _torch_load(path: str, mtime: float) -> tuple[nn.Module, GlyphNetConfig]:
    import torch

    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        config = _glyph_config(ckpt["model_config"])
        net = build_glyph_net(config)
        net.load_state_dict(ckpt["model"])
    except Exception as exc:
        raise InputError(
            f"{path}: cannot read the glyph classifier checkpoint ({exc.__class__.__name__}); "
            "train one with `frontline music train-glyphs`"
        ) from None
    net.eval()
    onnxrt.attach(net, Path(path))
    return net, config


def export_glyph_onnx(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """Write the ONNX export of a glyph classifier checkpoint (windows (N, 1, S, S) of ink in [0, 1] ->
    class probabilities (N, C) and, with a box head, boxes (N, 4)), by default beside it as STEM.onnx,
    where the classifier's loader finds it. Needs the `onnx` package (`pip install onnx`)."""
    import torch

    src = Path(checkpoint)
    net, nc = _torch_load(str(src.resolve()), src.stat().st_mtime)

    class _Probs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> Any:
            logits, box = self.net.forward_both(x)  # type: ignore[operator]
            return (torch.softmax(logits, 1), box) if box is not None else torch.softmax(logits, 1)

    outputs = ["probs", "box"] if nc.box_head else ["probs"]
    axes = {name: {0: "n"} for name in ["windows", *outputs]}
    dst = Path(out) if out is not None else src.with_suffix(".onnx")
    return onnxrt.export(
        _Probs(), torch.zeros(2, 1, nc.crop, nc.crop), src, dst, ["windows"], outputs, axes, asdict(nc)
    )


def load_glyph_classifier(
    path: str | Path | None = None,
) -> tuple[nn.Module | ExportedGlyphNet, GlyphNetConfig]:
    """(network in eval mode, its config) from a checkpoint; the shipped weights by default. Where the
    checkpoint's ONNX export lies beside it with its config, the network is an `ExportedGlyphNet`
    (no PyTorch import).

    Loaded once per file and kept (the detector calls this for every page).
    """
    p = Path(path) if path else default_glyph_model_path()
    if p.is_dir():
        p = p / "best.pt"
    if not p.is_file():
        raise InputError(
            f"glyph classifier weights not found at {p}; train with `frontline music train-glyphs`"
        )
    return _load(str(p.resolve()), p.stat().st_mtime)
