"""Potential-based shaping: the terms telescope, so the shaped return differs from the raw one by -Phi(s0)."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.games.env import SpaceConquestEnv
from frontline.games.shaping import PotentialShaping, potential, shaping_term


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_shaping_sums_telescope(gamma: float) -> None:
    env = PotentialShaping(SpaceConquestEnv(map_size=8, opponent="expander"), gamma=gamma)
    rng = np.random.default_rng(0)
    _, info = env.reset(seed=3)
    phi0 = potential(info["shares"])
    disc_f, t, done = 0.0, 0, False
    while not done:
        _, r, done, _, info = env.step(int(rng.integers(6)))
        assert r == pytest.approx(info["raw_reward"] + info["shaping"])
        disc_f += gamma**t * info["shaping"]
        t += 1
    assert disc_f == pytest.approx(-phi0, abs=1e-9)
    assert 0.0 < phi0 < 1.0


def test_shaping_term_terminal_potential_is_zero() -> None:
    assert shaping_term(0.4, 0.9, 0.99, terminal=True) == pytest.approx(-0.4)
    assert shaping_term(0.4, 0.5, 0.5, terminal=False) == pytest.approx(-0.15)
