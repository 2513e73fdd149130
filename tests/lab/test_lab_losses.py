"""Imbalance losses, class-balanced weights and the staged loss schedule on known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from frontline.errors import InputError
from frontline.lab.losses import (
    StagedLoss,
    class_balanced_weights,
    focal_loss,
    inverse_frequency_weights,
    weighted_cross_entropy,
)


def test_focal_known_value() -> None:
    # two classes, p_t = 0.8 for the true class: loss = -(1 - 0.8)^2 * log(0.8)
    logits = torch.tensor([[math.log(0.8), math.log(0.2)]])
    loss = focal_loss(logits, torch.tensor([0]), gamma=2.0)
    assert float(loss) == pytest.approx(-(0.2**2) * math.log(0.8), rel=1e-5)


def test_focal_gamma_zero_is_weighted_ce() -> None:
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 4, generator=g)
    target = torch.randint(0, 4, (16,), generator=g)
    target[3] = -100
    w = torch.tensor([1.0, 2.0, 0.5, 3.0])
    ref = F.cross_entropy(logits, target, weight=w, ignore_index=-100)
    assert float(focal_loss(logits, target, gamma=0.0, weight=w)) == pytest.approx(float(ref), rel=1e-5)
    assert float(weighted_cross_entropy(logits, target, weight=w.numpy())) == pytest.approx(
        float(ref), rel=1e-6
    )


def test_focal_downweights_easy_examples() -> None:
    easy = torch.tensor([[5.0, -5.0]])
    hard = torch.tensor([[0.0, 0.0]])
    t = torch.tensor([0])
    ratio_focal = float(focal_loss(easy, t)) / float(focal_loss(hard, t))
    ratio_ce = float(F.cross_entropy(easy, t)) / float(F.cross_entropy(hard, t))
    assert ratio_focal < ratio_ce / 100


def test_class_balanced_weights_known_case() -> None:
    beta = 0.9
    w = class_balanced_weights([1, 10], beta=beta)
    raw = np.array([(1 - beta) / (1 - beta**1), (1 - beta) / (1 - beta**10)])
    np.testing.assert_allclose(w, raw / raw.sum() * 2)
    assert w.sum() == pytest.approx(2.0)
    np.testing.assert_allclose(class_balanced_weights([5, 50, 500], beta=0.0), [1, 1, 1])
    # beta -> 1 approaches inverse frequency
    np.testing.assert_allclose(
        class_balanced_weights([10, 100], beta=0.999999), inverse_frequency_weights([10, 100]), rtol=1e-3
    )
    with pytest.raises(InputError):
        class_balanced_weights([1, 2], beta=1.0)


def test_staged_loss_phases_and_normalisation() -> None:
    staged = StagedLoss([("energy", 2), ("class", 2)], momentum=0.5)
    a, b = torch.tensor(2.0), torch.tensor(10.0)
    assert [staged.phase(s) for s in range(5)] == ["energy", "energy", "class", "class", "sum"]
    total, info = staged(0, {"energy": a, "class": b})
    assert float(total) == 2.0 and info["stage"] == 0.0
    total, _ = staged(2, {"energy": a, "class": b})
    assert float(total) == 10.0
    total, info = staged(4, {"energy": a, "class": b})
    # each constant term divided by its running mean (= itself): 1 + 1
    assert float(total) == pytest.approx(2.0)
    assert info["norm_class"] == pytest.approx(10.0)
    state = staged.state_dict()
    other = StagedLoss([("energy", 2)])
    other.load_state_dict(state)
    assert other.running_mean("class") == pytest.approx(10.0)
    with pytest.raises(InputError):
        staged(0, {"class": b})
