"""Play policies against each other on seeded maps: single games, head-to-head matches, round robins.

Fairness: every pair plays both sides of every map (the maps are point-symmetric, so a seed played from
both sides cancels any map advantage). A win scores 1, a draw 0.5; intervals are Wilson 95% intervals
over the 2 x maps games of a pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from frontline.errors import InputError
from frontline.games.bots import Policy
from frontline.games.rules import DECISION_TICKS, GameState, advance, apply_orders, generate_map, new_games

__all__ = ["MatchResult", "wilson_interval", "play_games", "match", "round_robin", "HELD_OUT_SEED0"]

HELD_OUT_SEED0 = 1_000_000
"""Evaluation maps use seeds HELD_OUT_SEED0 + i; training draws seeds below it."""


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Outcome of `a` vs `b` over `games` games (each map from both sides)."""

    a: str
    b: str
    games: int
    wins: int
    draws: int
    losses: int
    score: float
    """(wins + draws / 2) / games, the win rate of `a`."""
    ci_low: float
    ci_high: float


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); (0, 1) when n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def play_games(
    state: GameState,
    players: tuple[Policy, Policy],
    rng: np.random.Generator,
    record: list[GameState] | None = None,
) -> np.ndarray:
    """Play every game of the batch to the end (in place); returns (B,) winners (1, 2 or 0 = draw).

    `players[0]` plays side 1, `players[1]` side 2; both decide every DECISION_TICKS ticks. With `record`,
    a copy of the state is appended after every tick (for replays).
    """
    while not state.done.all():
        for g in np.flatnonzero(~state.done):
            for side, pol in ((1, players[0]), (2, players[1])):
                apply_orders(state, int(g), side, pol.act(state, int(g), side, rng))
        if record is None:
            advance(state, DECISION_TICKS)
        else:
            for _ in range(DECISION_TICKS):
                advance(state, 1)
                record.append(state.copy())
    return state.winner.copy()


def match(
    a: Policy,
    b: Policy,
    n_maps: int,
    n_planets: int,
    seed0: int = HELD_OUT_SEED0,
    batch: int = 50,
    seed: int = 0,
) -> MatchResult:
    """`a` vs `b` on maps seed0 .. seed0 + n_maps - 1, each played once from each side."""
    if n_maps < 1:
        raise InputError(f"--maps must be at least 1, got {n_maps}")
    rng = np.random.default_rng(seed)
    wins = draws = 0
    for start in range(0, n_maps, batch):
        maps = [generate_map(n_planets, seed0 + i) for i in range(start, min(n_maps, start + batch))]
        w1 = play_games(new_games(maps), (a, b), rng)
        w2 = play_games(new_games(maps), (b, a), rng)
        wins += int((w1 == 1).sum() + (w2 == 2).sum())
        draws += int((w1 == 0).sum() + (w2 == 0).sum())
    games = 2 * n_maps
    score = (wins + 0.5 * draws) / games
    lo, hi = wilson_interval(wins + 0.5 * draws, games)
    return MatchResult(a.name, b.name, games, wins, draws, games - wins - draws, score, lo, hi)


def round_robin(
    policies: list[Policy], n_maps: int, n_planets: int, seed0: int = HELD_OUT_SEED0
) -> list[MatchResult]:
    """Every ordered pair i < j of `policies` plays `match`; results for (i, j) only (j's is 1 - score)."""
    if len(policies) < 2:
        raise InputError("an arena needs at least two agents or bots")
    out = []
    for i in range(len(policies)):
        for j in range(i + 1, len(policies)):
            out.append(match(policies[i], policies[j], n_maps, n_planets, seed0))
    return out
