"""Play policies against each other on seeded maps: single games, head-to-head matches, round robins.

Fairness: every pair plays both sides of every map (the maps are point-symmetric, so a seed played from
both sides cancels any map advantage). A win scores 1, a draw 0.5; intervals are Wilson 95% intervals
over the 2 x maps games of a pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError
from frontline.games.bots import BOTS, Policy, make_bot
from frontline.games.rules import DECISION_TICKS, GameState, advance, apply_orders, generate_map, new_games

__all__ = [
    "resolve_player",
    "arena_table",
    "DEFAULT_AGENT",
    "MatchResult",
    "wilson_interval",
    "play_games",
    "match",
    "round_robin",
    "HELD_OUT_SEED0",
    "SEARCH_SUFFIX",
    "SEARCH_VARIANTS",
]

DEFAULT_AGENT = Path(__file__).parent / "models" / "dqn_default.pt"
"""The shipped agent; the name `dqn` in arenas and replays refers to it."""
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

    `players[0]` plays side 1, `players[1]` side 2; both decide every DECISION_TICKS ticks on the same
    snapshot (simultaneous moves: neither sees the other's fresh orders). With `record`,
    a copy of the state is appended after every tick (for replays).
    """
    while not state.done.all():
        for g in np.flatnonzero(~state.done):
            # simultaneous moves: both sides decide on the same snapshot, then both orders are applied
            orders = [pol.act(state, int(g), side, rng) for side, pol in ((1, players[0]), (2, players[1]))]
            apply_orders(state, int(g), 1, orders[0])
            apply_orders(state, int(g), 2, orders[1])
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


SEARCH_SUFFIX = "+search"
"""`dqn+search` (or `AGENT.pt+search`): the agent with the rollout check of `frontline.games.search`."""
SEARCH_VARIANTS = ("search", "self", "generic")
"""Suffixes `+<variant>` naming `frontline.games.search.VARIANTS` (kept here so bots need no torch import)."""


def resolve_player(name: str) -> Policy:
    """A bot by name, `dqn` (the shipped agent), an agent file path, or either + `+search`; unknown names raise InputError.

    Loading an agent sets torch to one thread: a forward pass per decision is tiny and threads only contend.
    `NAME+<variant>` wraps the agent in `search.SearchAgent` with `search.VARIANTS[variant]`: `+search` rolls
    out against exact copies of the scripted bots, `+self` against the agent's own network, `+generic`
    against a generic heuristic fitted to the enemy's play.
    """
    if name in BOTS or name.startswith("always-"):
        return make_bot(name)
    head, plus, variant = name.rpartition("+")
    if plus and head and variant in SEARCH_VARIANTS:
        from frontline.games.dqn import Agent
        from frontline.games.search import VARIANTS, SearchAgent

        base = resolve_player(head)
        if not isinstance(base, Agent):
            raise InputError(f"{name!r}: only a DQN agent (dqn or a .pt file) can take +{variant}")
        return SearchAgent(base, VARIANTS[variant], name=f"{base.name}+{variant}")
    if name == "dqn" or name.endswith(".pt") or "/" in name:
        import torch

        from frontline.games.dqn import load_agent

        torch.set_num_threads(1)
        return load_agent(
            DEFAULT_AGENT if name == "dqn" else name, name="dqn" if name == "dqn" else Path(name).stem
        )
    raise InputError(
        f"unknown bot or agent {name!r}; use one of {', '.join(BOTS)}, dqn, a .pt agent file, or dqn+<search variant>"
        f" ({', '.join(SEARCH_VARIANTS)})"
    )


def arena_table(
    names: list[str], n_maps: int, n_planets: int, seed0: int = HELD_OUT_SEED0
) -> tuple[list[dict[str, Any]], str]:
    """Round robin of named bots/agents: (rows as dicts, aligned text table of each row player's win rate)."""
    if n_maps < 1:
        raise InputError(f"--maps must be at least 1, got {n_maps}")
    if len(names) < 2:
        raise InputError("an arena needs at least two agents or bots")
    players = [resolve_player(n) for n in names]
    labels = [f"{n}#{i}" if names.count(n) > 1 else n for i, n in enumerate(names)]
    for p, lab in zip(players, labels, strict=True):
        p.name = lab
    res = round_robin(players, n_maps, n_planets, seed0)
    rows = [
        {
            "a": r.a,
            "b": r.b,
            "games": r.games,
            "wins": r.wins,
            "draws": r.draws,
            "losses": r.losses,
            "win_rate": round(r.score, 4),
            "ci95": [round(r.ci_low, 4), round(r.ci_high, 4)],
        }
        for r in res
    ]
    score = {(r.a, r.b): r for r in res}
    w = max(10, *(len(x) for x in labels)) + 2
    lines = [
        f"win rate of row vs column, {n_maps} maps x 2 sides, {n_planets} planets, 95% Wilson CI",
        "".ljust(w) + "".join(x.ljust(22) for x in labels) + "mean",
    ]
    for a in labels:
        cells, vals = [], []
        for b in labels:
            if a == b:
                cells.append("-".ljust(22))
                continue
            r = score.get((a, b))
            s, lo, hi = (
                (r.score, r.ci_low, r.ci_high)
                if r
                else (1 - score[(b, a)].score, 1 - score[(b, a)].ci_high, 1 - score[(b, a)].ci_low)
            )
            vals.append(s)
            cells.append(f"{s:.2f} [{lo:.2f},{hi:.2f}]".ljust(22))
        lines.append(a.ljust(w) + "".join(cells) + f"{np.mean(vals):.2f}")
    return rows, "\n".join(lines)
