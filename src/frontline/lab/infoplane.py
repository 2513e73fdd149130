"""Information plane (Shwartz-Ziv & Tishby 2017): I(X;T) and I(T;Y) per layer over training.

Binning estimator, as in the paper: on a fixed validation batch, each chosen layer's activations T
(N, D) are discretised into `n_bins` equal-width bins (default 30) spanning that layer's minimum to
maximum value over the batch at that measurement, or over a fixed `value_range` (the paper's choice
for tanh layers: (-1, 1), which lets H(T) grow as activations spread out during training); each
item's binned vector is one discrete state.
Because X is deterministic and every input in the batch is distinct, I(X;T) = H(T). I(T;Y) = H(T) -
H(T|Y) with H(T|Y) = sum_y p(y) H(T | Y=y). Entropies are plug-in estimates in bits, so both are
bounded by log2(N) and log2(#classes) respectively: a wide layer whose items all fall into distinct
states sits at the upper bound (a known limit of the estimator; use narrow layers or fewer bins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from frontline.lab.run import Run

__all__ = ["InfoPlane", "InfoPoint", "binned_information"]


@dataclass(frozen=True, slots=True)
class InfoPoint:
    """One information-plane measurement of a layer (bits)."""

    step: int
    epoch: float
    layer: str
    i_xt: float
    i_ty: float


def _entropy_of_rows(keys: np.ndarray) -> float:
    """Plug-in entropy (bits) of the distribution of distinct rows in `keys` (N, D)."""
    if len(keys) == 0:
        return 0.0
    _, counts = np.unique(keys, axis=0, return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def binned_information(
    activations: np.ndarray,
    labels: np.ndarray,
    n_bins: int = 30,
    value_range: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits for activations (N, ...) and labels (N,), binning estimator (see module).

    Bins: `n_bins` equal-width bins over `value_range`, or over the activations' min..max when None.
    """
    t = np.asarray(activations, dtype=np.float64).reshape(len(activations), -1)
    y = np.asarray(labels).ravel()
    if len(t) != len(y) or len(t) == 0:
        raise InputError("binned_information needs as many labels as activation rows (and at least one)")
    if n_bins < 1:
        raise InputError(f"n_bins must be >= 1, got {n_bins}")
    lo, hi = value_range if value_range is not None else (float(t.min()), float(t.max()))
    edges = np.linspace(lo, hi, n_bins + 1)[1:-1]
    keys = np.digitize(t, edges).astype(np.int32)  # (N, D) bin ids 0..n_bins-1
    h_t = _entropy_of_rows(keys)
    h_t_given_y = 0.0
    for c in np.unique(y):
        mask = y == c
        h_t_given_y += mask.mean() * _entropy_of_rows(keys[mask])
    return h_t, h_t - h_t_given_y


class InfoPlane:
    """Measure I(X;T), I(T;Y) of chosen layers on a fixed batch (x, y); optionally record into a Run.

    `layers`: dotted module names, or a mapping display name -> module / dotted name.
    """

    def __init__(
        self,
        model: nn.Module,
        layers: Sequence[str] | Mapping[str, Any],
        x: torch.Tensor,
        y: torch.Tensor | np.ndarray,
        n_bins: int = 30,
        value_range: tuple[float, float] | None = None,
    ) -> None:
        from frontline.lab.features import resolve_layer

        items = layers.items() if isinstance(layers, Mapping) else ((str(n), n) for n in layers)
        self.model = model
        self.layers = {name: resolve_layer(model, mod) for name, mod in items}
        if not self.layers:
            raise InputError("InfoPlane needs at least one layer")
        self.x = x
        self.y = np.asarray(y.cpu() if hasattr(y, "cpu") else y).ravel()
        self.n_bins = n_bins
        self.value_range = value_range
        self.points: list[InfoPoint] = []

    def measure(self, step: int, epoch: float, run: Run | None = None) -> list[InfoPoint]:
        """One forward pass in eval mode; returns (and records) a point per layer."""
        import torch

        store: dict[str, np.ndarray] = {}
        handles = [
            mod.register_forward_hook(
                lambda _m, _i, out, name=name: store.__setitem__(name, out.detach().float().cpu().numpy())
            )
            for name, mod in self.layers.items()
        ]
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                self.model(self.x)
        finally:
            for h in handles:
                h.remove()
            self.model.train(was_training)
        out = []
        for name in self.layers:
            i_xt, i_ty = binned_information(store[name], self.y, self.n_bins, self.value_range)
            point = InfoPoint(int(step), float(epoch), name, i_xt, i_ty)
            out.append(point)
            if run is not None:
                run.log_infoplane(step, epoch, name, i_xt, i_ty)
        self.points.extend(out)
        return out
