"""Losses for class imbalance and multi-term training: focal, class-balanced weights, weighted CE, staged loss.

- `focal_loss` (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma, so easy examples count less.
- `class_balanced_weights` (Cui et al. 2019): weight per class (1 - beta) / (1 - beta^n_c), the inverse
  "effective number" of samples, normalised to sum to the number of classes.
- `weighted_cross_entropy`: cross-entropy with per-class weights (e.g. from the two functions above).
- `StagedLoss`: trains one loss term at a time for given step ranges, then their sum with each term
  divided by its running mean (the Deep Watershed Detector recipe, Tuggener et al. 2018).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError

if TYPE_CHECKING:
    import torch

__all__ = [
    "StagedLoss",
    "class_balanced_weights",
    "focal_loss",
    "inverse_frequency_weights",
    "weighted_cross_entropy",
]


def class_balanced_weights(counts: Sequence[int] | np.ndarray, beta: float = 0.999) -> np.ndarray:
    """Class-balanced weights from per-class sample counts (Cui et al. 2019), shape (C,), summing to C.

    w_c = (1 - beta) / (1 - beta^n_c); beta -> 0 gives equal weights, beta -> 1 gives inverse frequency.
    Classes with zero samples are treated as having one (they get the largest weight).
    """
    n = np.asarray(counts, dtype=np.float64).ravel()
    if n.size == 0 or (n < 0).any():
        raise InputError("class_balanced_weights needs non-negative counts for at least one class")
    if not 0.0 <= beta < 1.0:
        raise InputError(f"beta must lie in [0, 1), got {beta}")
    effective = (1.0 - np.power(beta, np.maximum(n, 1.0))) / (1.0 - beta)
    w = 1.0 / effective
    return w / w.sum() * n.size


def inverse_frequency_weights(counts: Sequence[int] | np.ndarray, power: float = 1.0) -> np.ndarray:
    """Weights n_c^-power normalised to sum to C (power 1: inverse frequency, 0.5: its square root)."""
    n = np.maximum(np.asarray(counts, dtype=np.float64).ravel(), 1.0)
    w = n ** (-power)
    return w / w.sum() * n.size


def _as_weight(weight: Any, like: torch.Tensor) -> torch.Tensor | None:
    import torch

    if weight is None:
        return None
    return torch.as_tensor(np.asarray(weight) if not torch.is_tensor(weight) else weight).to(like)


def weighted_cross_entropy(
    logits: torch.Tensor,
    target: torch.Tensor,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    """Cross-entropy with per-class `weight` (C,); logits (N, C[, ...]), integer target (N[, ...]).

    `reduction="mean"` divides by the summed weight of the non-ignored targets (PyTorch's convention).
    """
    import torch.nn.functional as F

    return F.cross_entropy(
        logits, target, weight=_as_weight(weight, logits), ignore_index=ignore_index, reduction=reduction
    )


def focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    gamma: float = 2.0,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> torch.Tensor:
    """Focal loss -w_t (1 - p_t)^gamma log p_t; logits (N, C[, ...]), integer target (N[, ...]).

    `weight` (C,) weights each item by its true class (alpha in the paper; e.g. class-balanced weights).
    With gamma=0 this equals `weighted_cross_entropy`; "mean" divides by the summed weight of the
    non-ignored items, "sum" and "none" as in PyTorch.
    """
    import torch
    import torch.nn.functional as F

    if gamma < 0:
        raise InputError(f"focal loss gamma must be >= 0, got {gamma}")
    logp = F.log_softmax(logits, dim=1)  # (N, C, ...)
    valid = target != ignore_index
    safe_t = torch.where(valid, target, torch.zeros_like(target))
    logp_t = logp.gather(1, safe_t.unsqueeze(1)).squeeze(1)  # (N, ...)
    p_t = logp_t.exp()
    loss = -((1.0 - p_t).clamp_min(0.0) ** gamma) * logp_t
    w = _as_weight(weight, logits)
    w_t = w[safe_t] if w is not None else torch.ones_like(loss)
    w_t = w_t * valid.to(loss.dtype)
    loss = loss * w_t
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w_t.sum().clamp_min(1e-12)
    raise InputError(f"unknown reduction {reduction!r}; use 'mean', 'sum' or 'none'")


class StagedLoss:
    """Train one loss term at a time for given step ranges, then the sum with running-mean normalisation.

    `schedule` is a list of (term name, number of steps): e.g. [("energy", 2000), ("class", 1000),
    ("box", 1000)] trains "energy" alone for steps 0-1999, then "class" alone, then "box" alone; after
    the schedule every term is used, each divided by its running mean (an exponential moving average
    of its detached value with `momentum`, debiased), so terms of different scale weigh the same.
    Running means are updated on every call for every term, also while it is not trained, so they are
    ready when the sum starts. Call as `total, info = staged(step, {"energy": l1, "class": l2})`.
    """

    def __init__(
        self, schedule: Sequence[tuple[str, int]] = (), momentum: float = 0.99, eps: float = 1e-8
    ) -> None:
        if not 0.0 <= momentum < 1.0:
            raise InputError(f"StagedLoss momentum must lie in [0, 1), got {momentum}")
        for term, n in schedule:
            if int(n) < 0:
                raise InputError(f"StagedLoss: stage {term!r} has a negative length {n}")
        self.schedule = [(str(t), int(n)) for t, n in schedule]
        self.momentum = momentum
        self.eps = eps
        self._acc: dict[str, float] = {}
        self._norm: dict[str, float] = {}

    def phase(self, step: int) -> str:
        """The term trained alone at `step`, or "sum" once the schedule is over."""
        end = 0
        for term, n in self.schedule:
            end += n
            if step < end:
                return term
        return "sum"

    def running_mean(self, term: str) -> float | None:
        """Debiased running mean of the term's value, or None before its first call."""
        if term not in self._acc:
            return None
        return self._acc[term] / self._norm[term]

    def __call__(self, step: int, terms: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        """Total loss at `step` and an info dict (raw term values, running means, phase index)."""
        if not terms:
            raise InputError("StagedLoss needs at least one loss term")
        m = self.momentum
        info: dict[str, float] = {}
        for name, value in terms.items():
            v = float(value.detach())
            if np.isfinite(v):
                self._acc[name] = m * self._acc.get(name, 0.0) + (1 - m) * v
                self._norm[name] = m * self._norm.get(name, 0.0) + (1 - m)
            info[f"loss_{name}"] = v
        phase = self.phase(step)
        names = [t for t, _ in self.schedule]
        info["stage"] = float(names.index(phase)) if phase in names else float(len(names))
        if phase != "sum":
            if phase not in terms:
                raise InputError(
                    f"StagedLoss: stage {phase!r} is scheduled at step {step} but no such term was given"
                )
            return terms[phase], info
        total = None
        for name, value in terms.items():
            rm = self.running_mean(name)
            scale = 1.0 / max(abs(rm), self.eps) if rm is not None else 1.0
            info[f"norm_{name}"] = rm if rm is not None else float("nan")
            total = value * scale if total is None else total + value * scale
        assert total is not None
        return total, info

    def state_dict(self) -> dict[str, Any]:
        """Running means, for checkpoints."""
        return {"acc": dict(self._acc), "norm": dict(self._norm)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore running means from `state_dict()`."""
        self._acc = {str(k): float(v) for k, v in state.get("acc", {}).items()}
        self._norm = {str(k): float(v) for k, v in state.get("norm", {}).items()}
