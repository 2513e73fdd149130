"""Potential-based reward shaping (Ng, Harada & Russell 1999): extra reward gamma*Phi(s') - Phi(s).

The talk's second lesson: a win/loss reward at the very end is too sparse to learn from. Shaping with a
potential keeps the optimal policy unchanged. Here Phi(s) = scale x mean(own share of ships, of
production, of planets) (each own / (own + enemy), see `encoding.shares`), and Phi = 0 in terminal
states, so over an episode the shaping terms telescope to -Phi(s0) (plus discounting corrections):
sum_t gamma^t F_t = gamma^T Phi(s_T) - Phi(s_0) = -Phi(s_0).
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

__all__ = ["potential", "shaping_term", "PotentialShaping"]


def potential(shares: np.ndarray, scale: float = 1.0) -> float:
    """Phi from the (3,) own shares of ships, production and planets."""
    return float(scale * np.mean(shares))


def shaping_term(phi: float, phi_next: float, gamma: float, terminal: bool) -> float:
    """F = gamma * Phi(s') - Phi(s), with Phi(s') = 0 when s' is terminal."""
    return gamma * (0.0 if terminal else phi_next) - phi


class PotentialShaping(gym.Wrapper):
    """Adds `shaping_term` to the env's win/loss reward; reads `info["shares"]` written by SpaceConquestEnv.

    `info["shaping"]` holds the term added at each step, `info["raw_reward"]` the unshaped reward.
    """

    def __init__(self, env: gym.Env, gamma: float = 0.99, scale: float = 1.0) -> None:
        super().__init__(env)
        self.gamma = gamma
        self.scale = scale
        self._phi = 0.0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(**kwargs)
        self._phi = potential(info["shares"], self.scale)
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        phi_next = potential(info["shares"], self.scale)
        f = shaping_term(self._phi, phi_next, self.gamma, terminated)
        self._phi = phi_next
        info = dict(info, shaping=f, raw_reward=float(reward))
        return obs, float(reward) + f, terminated, truncated, info
