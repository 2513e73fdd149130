"""The Deep Watershed Detector network: a light encoder-decoder with energy, class and box heads.

Why: Tuggener et al. (ISMIR 2018) detect the many small symbols of a music page by predicting, per
pixel, a quantised energy that peaks at each symbol's centre, the symbol's class and its box; cutting
the energy and taking connected components yields one detection per symbol (see `decode.py`).
Sized for a 2-core CPU: plain 3x3 convolutions (measured faster than depthwise blocks here), output
at 1/2 of the input resolution, with a sub-pixel centre offset so tiny symbols (dots) stay accurate.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from frontline.music.dwd_config import DWDConfig

__all__ = [
    "DWD",
    "DWDConfig",
    "DWDOutputs",
    "MODEL_REGISTRY",
    "create_model",
    "dwd_losses",
    "inference_network",
    "make_targets",
]


@dataclass(frozen=True, slots=True)
class DWDOutputs:
    """Raw head outputs at 1/2 resolution: energy (B, K, h, w) logits, cls (B, C, h, w) logits,
    box (B, 4, h, w) = (dx, dy, log w, log h) in output pixels relative to each pixel's centre."""

    energy: torch.Tensor
    cls: torch.Tensor
    box: torch.Tensor


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class DWD(nn.Module):
    """Encoder (1/2, 1/4, 1/8) -> dilated bottleneck -> decoder with additive skips -> 3 heads at 1/2."""

    def __init__(self, config: DWDConfig) -> None:
        super().__init__()
        self.config = config
        c2, c4, c8, cd = config.widths
        self.stem = nn.Sequential(_conv(1, c2, stride=2), _conv(c2, c2))  # 1/2
        self.down4 = nn.Sequential(_conv(c2, c4, stride=2), _conv(c4, c4))  # 1/4
        self.down8 = _conv(c4, c8, stride=2)  # 1/8
        self.bottleneck = nn.Sequential(*[_conv(c8, c8, dilation=d) for d in config.dilations])
        self.lat8 = nn.Conv2d(c8, c4, 1)
        self.up4 = _conv(c4, c4)
        self.lat4 = nn.Conv2d(c4, cd, 1)
        self.skip2 = nn.Conv2d(c2, cd, 1)
        self.up2 = _conv(cd, cd)
        self.head_energy = nn.Conv2d(cd, config.energy_levels, 1)
        self.head_cls = nn.Conv2d(cd, max(1, len(config.classes)), 1)
        self.head_box = nn.Conv2d(cd, 4, 1)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) ink in [0, 1] -> (B, cd, H/2, W/2) decoder features (the Grad-CAM layer)."""
        f2 = self.stem(x)  # (B, c2, H/2, W/2)
        f4 = self.down4(f2)  # (B, c4, H/4, W/4)
        f8 = self.bottleneck(self.down8(f4))  # (B, c8, H/8, W/8)
        u4 = F.interpolate(self.lat8(f8), size=f4.shape[-2:], mode="nearest") + f4
        u4 = self.up4(u4)  # (B, c4, H/4, W/4)
        u2 = F.interpolate(self.lat4(u4), size=f2.shape[-2:], mode="nearest") + self.skip2(f2)
        return self.up2(u2)  # (B, cd, H/2, W/2)

    def forward_head(self, feats: torch.Tensor) -> DWDOutputs:
        """Decoder features -> energy, class and box maps."""
        return DWDOutputs(self.head_energy(feats), self.head_cls(feats), self.head_box(feats))

    def forward(
        self, x: torch.Tensor, targets: dict[str, torch.Tensor] | None = None
    ) -> tuple[DWDOutputs, dict[str, torch.Tensor] | None]:
        """(B, 1, H, W) -> (outputs, per-head losses or None); H and W should be multiples of 8."""
        out = self.forward_head(self.forward_features(x))
        return out, (dwd_losses(out, targets) if targets is not None else None)


def dwd_losses(
    out: DWDOutputs,
    targets: dict[str, torch.Tensor],
    class_weight: torch.Tensor | None = None,
    focal_gamma: float = 0.0,
) -> dict[str, torch.Tensor]:
    """Per-head losses: energy CE over all pixels, class CE and box smooth-L1 over foreground pixels.

    targets: energy (B, h, w) long, cls (B, h, w) long (-100 = ignore), box (B, 4, h, w) float,
    fg (B, h, w) bool. `focal_gamma` > 0 turns the class loss into a focal loss (lab.losses).
    """
    energy_t = targets["energy"]
    k = out.energy.shape[1]
    # background dominates: weight symbol levels by sqrt inverse frequency, capped at 5x background
    # (stronger weights made the model call every unsure pixel a symbol: blurred, merged blobs)
    counts = torch.bincount(energy_t.flatten(), minlength=k).float()
    ew = (counts.sum() / (counts + 1.0)).sqrt()
    ew = (ew / ew[0]).clamp(min=1.0, max=5.0)
    l_energy = F.cross_entropy(out.energy, energy_t, weight=ew)
    cls_t = targets["cls"]
    fg = targets["fg"]
    if fg.any():
        logits = out.cls.permute(0, 2, 3, 1)[fg]  # (N, C)
        labels = cls_t[fg]
        if focal_gamma > 0:
            from frontline.lab import losses as lab_losses

            l_cls = lab_losses.focal_loss(logits, labels, gamma=focal_gamma, weight=class_weight)
        else:
            l_cls = F.cross_entropy(logits, labels, weight=class_weight)
        pb = out.box.permute(0, 2, 3, 1)[fg]  # (N, 4)
        tb = targets["box"].permute(0, 2, 3, 1)[fg]
        l_box = F.smooth_l1_loss(pb, tb, beta=0.5)
    else:
        l_cls = out.cls.sum() * 0.0
        l_box = out.box.sum() * 0.0
    return {"energy": l_energy, "cls": l_cls, "box": l_box}


def make_targets(
    boxes_xyxy: Any,
    class_ids: Any,
    out_hw: tuple[int, int],
    config: DWDConfig,
) -> dict[str, Any]:
    """Rasterise one crop's boxes (input pixels) into target maps at output resolution (numpy).

    Each box paints a cone over `mark_shrink` of its extent: level = 1 + floor((1 - r) * (K - 1)),
    r the L-inf distance from the centre relative to the cone half-size. Where cones overlap the pixel
    belongs to the symbol with the higher level (ties: the smaller box), so dots on noteheads survive.
    Returns energy (h, w) int64, cls (h, w) int64 (-100 off symbols), box (4, h, w) float32, fg bool.
    """
    import numpy as np

    h, w = out_hw
    s = float(config.stride)
    k = config.energy_levels
    energy = np.zeros((h, w), np.int64)
    cls = np.full((h, w), -100, np.int64)
    box = np.zeros((4, h, w), np.float32)
    best_area = np.full((h, w), np.inf, np.float32)
    b = np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4) / s
    ids = np.asarray(class_ids, dtype=np.int64).reshape(-1)
    for (x0, y0, x1, y1), c in zip(b, ids, strict=True):
        cx, cy = (x0 + x1) / 2.0 - 0.5, (y0 + y1) / 2.0 - 0.5  # pixel-centre coordinates
        bw, bh = max(x1 - x0, 1e-3), max(y1 - y0, 1e-3)
        rx = max(bw * config.mark_shrink / 2.0, config.min_mark_radius)
        ry = max(bh * config.mark_shrink / 2.0, config.min_mark_radius)
        xa, xb = max(0, int(np.floor(cx - rx))), min(w - 1, int(np.ceil(cx + rx)))
        ya, yb = max(0, int(np.floor(cy - ry))), min(h - 1, int(np.ceil(cy + ry)))
        if xa > xb or ya > yb:
            continue
        xs = np.arange(xa, xb + 1, dtype=np.float64)
        ys = np.arange(ya, yb + 1, dtype=np.float64)
        dx = (cx - xs)[None, :]  # offset from the pixel to the centre
        dy = (cy - ys)[:, None]
        r = np.maximum(np.abs(dx) / rx, np.abs(dy) / ry)  # (ny, nx)
        lvl = np.where(r < 1.0, 1 + np.floor((1.0 - r) * (k - 1)), 0).astype(np.int64)
        lvl = np.minimum(lvl, k - 1)
        area = np.float32(bw * bh)
        sub_e = energy[ya : yb + 1, xa : xb + 1]
        sub_a = best_area[ya : yb + 1, xa : xb + 1]
        win = (lvl > 0) & ((lvl > sub_e) | ((lvl == sub_e) & (area < sub_a)))
        if not win.any():
            continue
        sub_e[win] = lvl[win]
        sub_a[win] = area
        cls[ya : yb + 1, xa : xb + 1][win] = c
        bx = np.broadcast_to(dx, r.shape)
        by = np.broadcast_to(dy, r.shape)
        box[0, ya : yb + 1, xa : xb + 1][win] = bx[win]
        box[1, ya : yb + 1, xa : xb + 1][win] = by[win]
        box[2, ya : yb + 1, xa : xb + 1][win] = np.log(bw)
        box[3, ya : yb + 1, xa : xb + 1][win] = np.log(bh)
    return {"energy": energy, "cls": cls, "box": box, "fg": energy > 0}


_INFERENCE: weakref.WeakKeyDictionary[DWD, tuple[tuple[int, ...], DWD]] = weakref.WeakKeyDictionary()


def inference_network(model: DWD) -> DWD:
    """A copy of `model` for fast CPU inference: every conv + batch-norm pair fused into one conv
    (`torch.nn.utils.fusion.fuse_conv_bn_eval`), weights in channels-last memory order.

    The same function up to float rounding (largest difference of the decoder features on a page: 3e-5).
    Why: on this 2-core machine the fused channels-last network computes a normalised page's decoder
    features about 2.5x as fast (oneDNN's channels-last convolutions, one pass less per layer). A model
    in training mode (batch statistics) is copied unfused; the original is never changed. The copy is
    kept per model and made again when any weight or statistic changed (tensor version counters), so
    validation during training sees the current weights.
    """
    key = (int(model.training),) + tuple(
        v for t in (*model.parameters(), *model.buffers()) for v in (id(t), t._version)
    )
    hit = _INFERENCE.get(model)
    if hit is not None and hit[0] == key:
        return hit[1]
    net = copy.deepcopy(model)
    if not model.training:
        for mod in net.modules():
            if isinstance(mod, nn.Sequential) and len(mod) == 3 and isinstance(mod[1], nn.BatchNorm2d):
                conv = mod[0]
                assert isinstance(conv, nn.Conv2d)
                mod[0] = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, mod[1])
                mod[1] = nn.Identity()
    net = net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    _INFERENCE[model] = (key, net)
    return net


def _dwd_small(classes: tuple[str, ...], **kw: Any) -> DWD:
    return DWD(DWDConfig(classes=classes, **kw))


def _dwd_tiny(classes: tuple[str, ...], **kw: Any) -> DWD:
    kw.setdefault("widths", (8, 16, 32, 16))
    return DWD(DWDConfig(classes=classes, **kw))


MODEL_REGISTRY = {"dwd_small": _dwd_small, "dwd_tiny": _dwd_tiny}
"""Model name -> factory(classes, **config overrides)."""


def create_model(name: str, classes: tuple[str, ...] | list[str], **overrides: Any) -> DWD:
    """Build a registered DWD by name (`dwd_small`, `dwd_tiny`) for the given class list."""
    if name not in MODEL_REGISTRY:
        from frontline.errors import InputError

        raise InputError(f"unknown detector model {name!r}; choose one of {sorted(MODEL_REGISTRY)}")
    return MODEL_REGISTRY[name](tuple(classes), **overrides)


def config_dict(config: DWDConfig) -> dict[str, Any]:
    """A DWDConfig as a plain dict (for checkpoints)."""
    return asdict(config)
