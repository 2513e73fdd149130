"""The detector network's shape (`DWDConfig`), apart from the network so that reading it needs no PyTorch.

Why: a scan runs the network in ONNX Runtime (`onnxrt`); the config travels in the export's metadata
and is rebuilt here, so a fresh `frontline music scan` never imports PyTorch (about 2 s on a 2-core
machine). `frontline.music.dwd` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DWDConfig"]


@dataclass(frozen=True, slots=True)
class DWDConfig:
    """Shape of the detector network; stored in every checkpoint."""

    classes: tuple[str, ...] = ()
    """Symbol class names, index i = class id i (background is not a class: the energy head says it)."""
    energy_levels: int = 8
    """Number of quantised energy levels (0 = background, energy_levels - 1 = symbol centre)."""
    widths: tuple[int, int, int, int] = (16, 32, 64, 32)
    """Channels at 1/2, 1/4, 1/8 resolution and of the decoder output."""
    dilations: tuple[int, ...] = (1, 2, 4)
    """Dilations of the 3x3 convolutions in the 1/8-resolution bottleneck (receptive field for clefs)."""
    mark_shrink: float = 0.8
    """Energy cone covers this fraction of each box (per axis) so neighbours stay apart."""
    min_mark_radius: float = 1.5
    """Smallest cone half-size in output pixels (keeps dots visible at 1/2 resolution)."""
    stride: int = 2
    """Input pixels per output pixel (fixed by the architecture)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form notes saved with the model (e.g. the training staff space)."""
