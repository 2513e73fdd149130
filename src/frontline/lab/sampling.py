"""Class-aware sampling: draw training items so that rare classes are seen more often.

`ClassAwareSampler` gives item i of class c the weight n_c^-power: power 1 makes every class equally
likely per draw (draw a class uniformly, then an item of it), power 0 is plain uniform sampling, and
values in between soften the rebalancing. Draws are with replacement and seeded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler

from frontline.errors import InputError

__all__ = ["ClassAwareSampler", "class_counts", "class_aware_weights"]


def class_counts(labels: Sequence[int] | np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Number of items per class, shape (C,)."""
    y = np.asarray(labels, dtype=np.int64).ravel()
    if y.size and y.min() < 0:
        raise InputError("class labels must be non-negative integers")
    return np.bincount(y, minlength=n_classes or 0)


def class_aware_weights(labels: Sequence[int] | np.ndarray, power: float = 1.0) -> np.ndarray:
    """Per-item sampling probabilities proportional to n_c^-power, shape (N,), summing to 1."""
    y = np.asarray(labels, dtype=np.int64).ravel()
    if y.size == 0:
        raise InputError("class-aware sampling needs at least one labelled item")
    counts = class_counts(y).astype(np.float64)
    w = counts[y] ** (-float(power))
    return w / w.sum()


class ClassAwareSampler(Sampler[int]):
    """Yield `num_samples` item indices per epoch, drawn with probability proportional to n_class^-power.

    `labels`: class of each dataset item (N,). `num_samples` defaults to N (one epoch of the same
    length). Seeded: epoch e draws from `numpy.random.default_rng([seed, e])`; the epoch advances after
    each full iteration or via `set_epoch(e)` (the Trainer calls it), so resumed runs redraw the same order.
    """

    def __init__(
        self,
        labels: Sequence[int] | np.ndarray,
        num_samples: int | None = None,
        power: float = 1.0,
        seed: int = 0,
    ) -> None:
        self.labels = np.asarray(labels, dtype=np.int64).ravel()
        self.weights = class_aware_weights(self.labels, power)
        self.num_samples = int(num_samples if num_samples is not None else len(self.labels))
        if self.num_samples <= 0:
            raise InputError(f"num_samples must be positive, got {self.num_samples}")
        self.power = power
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose draw the next iteration yields."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        idx = rng.choice(len(self.labels), size=self.num_samples, replace=True, p=self.weights)
        self.epoch += 1
        return iter(idx.tolist())

    def __len__(self) -> int:
        return self.num_samples
