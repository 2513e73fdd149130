"""Class-aware sampler: rebalances rare classes, seeded and reproducible."""

from __future__ import annotations

import numpy as np

from frontline.lab.sampling import ClassAwareSampler, class_aware_weights, class_counts


def test_power_one_draws_classes_uniformly() -> None:
    labels = np.array([0] * 90 + [1] * 10)
    sampler = ClassAwareSampler(labels, num_samples=4000, power=1.0, seed=0)
    drawn = labels[list(sampler)]
    assert 0.45 < drawn.mean() < 0.55  # class 1 is 10% of the data, ~50% of the draws


def test_power_zero_is_uniform_over_items() -> None:
    labels = np.array([0] * 90 + [1] * 10)
    drawn = labels[list(ClassAwareSampler(labels, num_samples=4000, power=0.0, seed=0))]
    assert 0.07 < drawn.mean() < 0.13


def test_seeded_and_epochs_differ() -> None:
    labels = np.array([0, 0, 0, 1, 2, 2])
    a, b = ClassAwareSampler(labels, seed=3), ClassAwareSampler(labels, seed=3)
    first = list(a)
    assert first == list(b) and len(first) == len(labels)
    a.set_epoch(0)
    assert list(a) == first
    epochs = [list(a) for _ in range(5)]
    assert any(e != first for e in epochs)


def test_weights_and_counts() -> None:
    labels = [0, 0, 0, 1]
    np.testing.assert_array_equal(class_counts(labels, 3), [3, 1, 0])
    w = class_aware_weights(labels, power=1.0)
    assert w.sum() == 1.0 or abs(w.sum() - 1.0) < 1e-12
    assert w[3] == 3 * w[0]
