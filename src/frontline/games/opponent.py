"""Opponent models that are not the opponent's code: a generic heuristic family, fitted online, and a fit score.

The session-5 search (`frontline.games.search`) rolled games out against exact copies of the scripted
bots. A real player does not have its opponent's code, so session 6 adds models it could honestly have:

- `GenericPolicy`: a small parametrised heuristic written for modelling, not any bench bot: every own
  planet above a `reserve` sends a `send` fraction of its ships above the reserve to one not-owned planet,
  chosen by a `target` rule (nearest, weakest garrison at arrival, or most production per tick of
  travel), when those ships are enough to take it. `GENERIC_FAMILY` is its 27-member grid.
- `snapshot_distance`: how far a predicted snapshot is from the real one (ships on planets, ships in the
  air per side and target, owners, levels); 0 when the prediction was exact. The search keeps a decayed
  sum of it per model (`SearchConfig.fit`) and rolls out with the model that explains the enemy's
  observed play best, so the family's parameters are fitted to the launches seen so far.
- `leave_one_out`: a model library without the evaluated opponent and without every policy that played
  exactly like it on dev games (for measuring the search with no code of the opponent in the loop).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from frontline.errors import InputError
from frontline.games.bots import Policy, make_bot
from frontline.games.intents import player_view
from frontline.games.rules import (
    DECISION_TICKS,
    GameState,
    Launch,
    Order,
    advance,
    apply_orders,
    generate_map,
    new_games,
)

__all__ = [
    "GenericParams",
    "GenericPolicy",
    "GENERIC_PREFIX",
    "GENERIC_FAMILY",
    "generic_policy",
    "snapshot_distance",
    "leave_one_out",
    "model_policy",
    "expand_models",
    "OnlineFit",
    "replicate",
    "apply_both",
    "same_snapshot",
]

GENERIC_PREFIX = "generic:"
"""Model names `generic:<target>/<send>/<reserve>` build a `GenericPolicy` (e.g. `generic:near/0.75/10`)."""
TARGETS = ("near", "weak", "rich")
"""Target rules of the generic family (see `GenericPolicy`)."""
SENDS = (0.5, 0.75, 1.0)
"""Fractions of the ships above the reserve a source sends."""
RESERVES = (0, 10, 25)
"""Ships every own planet keeps."""


@dataclass(frozen=True, slots=True)
class GenericParams:
    """One member of the generic heuristic family (see `GenericPolicy`)."""

    target: str
    """`near` (fewest ticks away), `weak` (smallest garrison at arrival) or `rich` (most production per tick away)."""
    send: float
    """Fraction of the ships above `reserve` a source sends (0 < send <= 1)."""
    reserve: int
    """Ships every own planet keeps home."""

    @property
    def name(self) -> str:
        return f"{GENERIC_PREFIX}{self.target}/{self.send:g}/{self.reserve}"


class GenericPolicy:
    """Capture-only heuristic: each own planet above the reserve sends a fixed fraction of its surplus to one target.

    Deterministic; planets act in index order and a target claimed this decision (or by an own fleet in
    the air) is not chosen again. A launch happens only when the ships sent exceed the target's garrison
    at arrival (neutral garrisons do not grow; enemy ones grow by production x travel).
    """

    def __init__(self, params: GenericParams) -> None:
        if params.target not in TARGETS:
            raise InputError(f"generic target must be one of {', '.join(TARGETS)}, got {params.target!r}")
        if not 0.0 < params.send <= 1.0 or params.reserve < 0:
            raise InputError(f"generic send must be in (0, 1] and reserve >= 0, got {params}")
        self.params = params
        self.name = params.name

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        v = player_view(state, game, player)
        p = self.params
        claimed = v.mine | (v.incoming_own > 0)
        orders: list[Order] = []
        for s in np.flatnonzero(v.mine):
            avail = int((int(v.ships[s]) - p.reserve) * p.send)
            free = np.flatnonzero(~claimed)
            if avail < 1 or free.size == 0:
                continue
            eta = v.travel[s, free]
            need = v.ships[free] + np.where(v.owner[free] > 0, v.production[free] * eta, 0) + 1  # (T,)
            if p.target == "near":
                key = eta.astype(np.float64)
            elif p.target == "weak":
                key = need.astype(np.float64)
            else:
                key = -v.production[free] / np.maximum(eta, 1)
            for j in np.argsort(key, kind="stable").tolist():
                if avail >= need[j]:
                    t = int(free[j])
                    orders.append(Launch(int(s), t, avail))
                    claimed[t] = True
                    break
        return orders


GENERIC_FAMILY: tuple[str, ...] = tuple(
    GenericParams(t, s, r).name for t in TARGETS for s in SENDS for r in RESERVES
)
"""The 27 members of the generic family the online fit chooses among."""


def generic_policy(name: str) -> GenericPolicy:
    """`generic:<target>/<send>/<reserve>` -> its `GenericPolicy`; a malformed name raises InputError."""
    try:
        target, send, reserve = name[len(GENERIC_PREFIX) :].split("/")
        return GenericPolicy(GenericParams(target, float(send), int(reserve)))
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"bad generic model name {name!r}; expected generic:<target>/<send>/<reserve>"
        ) from exc


def replicate(state: GameState, game: int, n: int) -> GameState:
    """A new batch of `n` copies of game `game` of `state` (the input is not changed)."""
    if n < 1:
        raise InputError(f"replicate needs n >= 1, got {n}")
    vals: dict[str, Any] = {}
    for f in fields(state):
        v = getattr(state, f.name)
        vals[f.name] = np.repeat(v[game : game + 1], n, axis=0) if isinstance(v, np.ndarray) else v
    return GameState(**vals)


def apply_both(
    sim: GameState, game: int, player: int, own: list[Order] | tuple[Order, ...], enemy: list[Order]
) -> None:
    """Apply both sides' orders in the arena's order (side 1 first), as `arena.play_games` does."""
    if player == 1:
        apply_orders(sim, game, 1, own)
        apply_orders(sim, game, 2, enemy)
    else:
        apply_orders(sim, game, 1, enemy)
        apply_orders(sim, game, 2, own)


def _fleet_set(state: GameState, game: int) -> list[tuple[int, ...]]:
    act = state.fleet_ships[game] > 0
    cols = [state.fleet_owner, state.fleet_ships, state.fleet_source, state.fleet_target]
    cols += [state.fleet_depart, state.fleet_arrive]
    rows = np.stack([c[game][act].astype(np.int64) for c in cols], axis=1)
    return sorted(map(tuple, rows.tolist()))


def same_snapshot(a: GameState, ga: int, b: GameState, gb: int) -> bool:
    """Whether game `ga` of `a` and game `gb` of `b` are the same position (fleets compared as a set)."""
    for name in ("owner", "ships", "production", "level", "tick", "done"):
        if not np.array_equal(getattr(a, name)[ga], getattr(b, name)[gb]):
            return False
    return _fleet_set(a, ga) == _fleet_set(b, gb)


def snapshot_distance(pred: GameState, gp: int, real: GameState, gr: int) -> float:
    """How far game `gp` of `pred` is from game `gr` of `real`; 0 when they agree on everything compared.

    Sum of: |ships| difference on every planet, |ships in the air| difference per (side, target planet),
    10 per planet with a different owner, 30 per level of difference.
    """
    n = real.n_planets

    def air(s: GameState, g: int) -> np.ndarray:
        act = s.fleet_ships[g] > 0
        idx = s.fleet_target[g][act] * 3 + s.fleet_owner[g][act]
        return np.bincount(idx, weights=s.fleet_ships[g][act], minlength=3 * n)  # (3P,)

    d = np.abs(pred.ships[gp] - real.ships[gr]).sum()
    d += np.abs(air(pred, gp) - air(real, gr)).sum()
    d += 10 * (pred.owner[gp] != real.owner[gr]).sum()
    d += 30 * np.abs(pred.level[gp] - real.level[gr]).sum()
    return float(d)


class OnlineFit:
    """Which opponent models explain the enemy's play in one game: each predicts the next snapshot, scored when it comes.

    After our decision, `predict` plays our orders plus each model's orders for the enemy 10 ticks on in a
    copy of the game; at the next decision `observe` compares each prediction with the real snapshot.
    `exact`: a model that mispredicts once is dropped (`ranking` keeps the survivors in preference order).
    Otherwise every model stays and `ranking` sorts them by a decayed sum of `snapshot_distance` (the
    best explanation of the launches seen so far first; ties keep the preference order), so fitting a
    parametrised family is choosing its best-ranked member.
    """

    def __init__(self, models: dict[str, Policy], exact: bool, decay: float = 0.7) -> None:
        if not models:
            raise InputError("OnlineFit needs at least one opponent model")
        if not 0.0 <= decay < 1.0:
            raise InputError(f"fit decay must be in [0, 1), got {decay}")
        self.models = models
        self.exact = exact
        self.decay = decay
        self._pref = {n: i for i, n in enumerate(models)}
        self.alive: list[str] = list(models)
        """Models in use, best first (exact: those never contradicted)."""
        self.error: dict[str, float] = dict.fromkeys(models, 0.0)
        """Decayed prediction error of each model (not exact mode)."""
        self.last: dict[str, float] = {}
        """Each model's distance at the last `observe` (0: it predicted the snapshot)."""
        self._predicted: dict[str, tuple[GameState, int]] = {}
        self._rng = np.random.default_rng(0)

    @property
    def pending(self) -> bool:
        """Whether predictions wait for the next snapshot."""
        return bool(self._predicted)

    def predict(self, state: GameState, game: int, player: int, orders: Sequence[Order]) -> None:
        """Predict the snapshot DECISION_TICKS on under each model in use; `orders` are ours, applied first for side 1."""
        names = self.alive
        if not names:
            return
        nxt = replicate(state, game, len(names))
        for i, n in enumerate(names):
            apply_both(nxt, i, player, tuple(orders), self.models[n].act(state, game, 3 - player, self._rng))
        advance(nxt, DECISION_TICKS)
        self._predicted = {n: (nxt, i) for i, n in enumerate(names)}

    def observe(self, state: GameState, game: int) -> None:
        """Score the pending predictions against game `game` of `state` and re-rank the models."""
        if self.exact:
            self.alive = [n for n, (p, i) in self._predicted.items() if same_snapshot(p, i, state, game)]
            self.last = {n: 0.0 if n in self.alive else 1.0 for n in self._predicted}
        else:
            self.last = {n: snapshot_distance(p, i, state, game) for n, (p, i) in self._predicted.items()}
            for n, d in self.last.items():
                self.error[n] = self.decay * self.error[n] + d
            self.alive = sorted(self.models, key=lambda n: (round(self.error[n], 6), self._pref[n]))
        self._predicted = {}

    def ranking(self) -> list[str]:
        """The models in use, best first."""
        return list(self.alive)


def leave_one_out(
    library: Sequence[str], opponent: str, n_maps: int = 5, seed0: int = 900_000, n_planets: int = 10
) -> tuple[str, ...]:
    """`library` without `opponent` and without every policy that gave its orders at every decision it played.

    The check plays `opponent` against itself and against each library policy on dev maps `seed0 ..
    seed0 + n_maps - 1` (both sides) and, at each of the opponent's decisions, asks every library policy for
    its orders on the same snapshot; a policy that matched all of them plays identically as far as these
    games show, and is left out with the opponent.
    """
    if n_maps < 1:
        raise InputError(f"leave_one_out needs n_maps >= 1, got {n_maps}")
    opp = make_bot(opponent)
    rest = [n for n in library if n != opponent]
    models = {n: make_bot(n) for n in rest}
    same = dict.fromkeys(rest, True)
    rng = np.random.default_rng(0)
    for other in [opponent, *rest]:
        foe = make_bot(other)
        st = new_games([generate_map(n_planets, seed0 + i) for i in range(n_maps)])
        while not st.done.all():
            for g in np.flatnonzero(~st.done).tolist():
                mine = opp.act(st, g, 1, rng)
                for n, pol in models.items():
                    if same[n] and pol.act(st, g, 1, rng) != mine:
                        same[n] = False
                apply_orders(st, g, 1, mine)
                apply_orders(st, g, 2, foe.act(st, g, 2, rng))
            advance(st, DECISION_TICKS)
    return tuple(n for n in rest if not same[n])


def model_policy(name: str, self_policy: Policy | None = None) -> Policy:
    """An opponent model by name: `self` (the agent's own policy on the other side), `generic:...`, or a bot."""
    if name == "self":
        if self_policy is None:
            raise InputError("the `self` opponent model needs the agent's own policy")
        return self_policy
    if name.startswith(GENERIC_PREFIX):
        return generic_policy(name)
    return make_bot(name)


def expand_models(names: Sequence[str]) -> tuple[str, ...]:
    """Model names with the alias `generic` replaced by the whole `GENERIC_FAMILY` (order kept, no repeats)."""
    out: list[str] = []
    for n in names:
        for m in GENERIC_FAMILY if n == "generic" else (n,):
            if m not in out:
                out.append(m)
    return tuple(out)
