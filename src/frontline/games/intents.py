"""High-level intents and the heuristic that turns one into concrete fleet orders.

The talk's first lesson: with thousands of concrete moves, exploration is hopeless, so the network picks
one of a handful of intents and a fixed heuristic picks the concrete move. An intent is a short plan of
primitive steps run in order on the same pool of spare ships (per game, for one player, at a decision tick):

- EXPAND = defend, expand;          ATTACK = defend, attack, expand;   REINFORCE = defend, reinforce, attack;
- UPGRADE = defend, upgrade, expand; DEFEND = defend;                  WAIT = nothing.

Every plan but WAIT starts by covering threatened planets, so choosing "attack" never means abandoning
defences. The primitive steps (also used on their own by the scripted bots, `primitive_orders`):

- *spare ships* of an own planet = garrison - max(0, enemy ships flying to it - own ships flying to it) - 1
  (a planet never strips what it needs against fleets already on their way).
- EXPAND: neutral planets not already claimed by an own fleet, best first by
  production / (ships needed + 5) / (1 + travel ticks / 10), where ships needed = garrison + 1 + enemy
  ships flying there; taken from the nearest planets with spare ships (at most 3 sources per target).
- ATTACK: enemy planets, best first by (production + 1) / ships needed / (1 + travel / 10), where ships
  needed = garrison + production x travel time from the farthest source used + 1 + enemy fleets flying
  there - own fleets flying there; sent only when the nearest sources together have enough.
- REINFORCE: every rear planet (its nearest enemy planet is > 1.3 x farther than the front planet's)
  sends 3/4 of its spare ships to the front planet (the own planet closest to any enemy planet).
- UPGRADE: upgrade every own planet that can pay the cost out of its spare ships, highest production first.
- DEFEND: each own planet whose incoming enemy fleets beat garrison + production x their arrival time +
  own incoming gets the deficit from the nearest planets with spare ships that arrive in time.
- WAIT: no orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from frontline.games.rules import MAX_LEVEL, GameState, Launch, Order, Upgrade, upgrade_cost

__all__ = ["Intent", "INTENTS", "PLANS", "PlayerView", "player_view", "intent_orders", "primitive_orders"]


class Intent(IntEnum):
    """The high-level actions of the `high` action interface (values are the action indices)."""

    EXPAND = 0
    ATTACK = 1
    REINFORCE = 2
    UPGRADE = 3
    DEFEND = 4
    WAIT = 5


INTENTS = tuple(Intent)


@dataclass(frozen=True, slots=True)
class PlayerView:
    """One game seen by one player at the current tick; arrays are per planet (P,)."""

    player: int
    owner: np.ndarray
    """(P,) 0 neutral, 1/2 player."""
    ships: np.ndarray
    production: np.ndarray
    level: np.ndarray
    travel: np.ndarray
    """(P, P) ticks between planets."""
    incoming_own: np.ndarray
    """(P,) ships of own fleets flying to each planet."""
    incoming_enemy: np.ndarray
    """(P,) ships of enemy fleets flying to each planet."""
    first_enemy_eta: np.ndarray
    """(P,) ticks until the first enemy fleet lands there (large when none)."""
    tick: int

    @property
    def mine(self) -> np.ndarray:
        return self.owner == self.player

    @property
    def enemy(self) -> np.ndarray:
        return self.owner == 3 - self.player

    def spare(self) -> np.ndarray:
        """(P,) ships each own planet can send without losing it to fleets already flying (0 elsewhere)."""
        need = np.maximum(0, self.incoming_enemy - self.incoming_own)
        return np.where(self.mine, np.maximum(0, self.ships - need - 1), 0)


def player_view(state: GameState, game: int, player: int) -> PlayerView:
    """Collect what `player` needs to decide in game `game` (fleet sums per target planet)."""
    n = state.n_planets
    fs, fo, ft = state.fleet_ships[game], state.fleet_owner[game], state.fleet_target[game]
    active = fs > 0
    own_f = active & (fo == player)
    en_f = active & (fo == 3 - player)
    eta = np.full(n, 10**6, dtype=np.int64)
    if en_f.any():
        np.minimum.at(eta, ft[en_f], state.fleet_arrive[game][en_f] - state.tick[game])
    return PlayerView(
        player=player,
        owner=state.owner[game],
        ships=state.ships[game],
        production=state.production[game],
        level=state.level[game],
        travel=state.travel[game],
        incoming_own=np.bincount(ft[own_f], weights=fs[own_f], minlength=n).astype(np.int64),
        incoming_enemy=np.bincount(ft[en_f], weights=fs[en_f], minlength=n).astype(np.int64),
        first_enemy_eta=eta,
        tick=int(state.tick[game]),
    )


def _gather(
    view: PlayerView, spare: np.ndarray, target: int, need: int, max_sources: int = 3
) -> list[Launch]:
    """Launches from the nearest planets with spare ships that together bring `need` ships, or []."""
    srcs = np.flatnonzero(spare > 0)
    srcs = srcs[srcs != target]
    if srcs.size == 0:
        return []
    srcs = srcs[np.argsort(view.travel[srcs, target], kind="stable")][:max_sources]
    if spare[srcs].sum() < need:
        return []
    out, left = [], need
    for s in srcs:
        k = int(min(spare[s], left))
        out.append(Launch(int(s), int(target), k))
        spare[s] -= k
        left -= k
        if left <= 0:
            break
    return out


def _expand(view: PlayerView, spare: np.ndarray) -> list[Order]:
    cand = np.flatnonzero((view.owner == 0) & (view.incoming_own == 0))
    if cand.size == 0 or not view.mine.any():
        return []
    mine = np.flatnonzero(view.mine)
    dist = view.travel[np.ix_(mine, cand)].min(0)  # (C,) ticks from the nearest own planet
    need = view.ships[cand] + 1 + view.incoming_enemy[cand]
    value = view.production[cand] / (need + 5.0) / (1.0 + dist / 10.0)
    orders: list[Order] = []
    for i in np.argsort(-value, kind="stable"):
        orders += _gather(view, spare, int(cand[i]), int(need[i]))
    return orders


def _attack(view: PlayerView, spare: np.ndarray) -> list[Order]:
    cand = np.flatnonzero(view.enemy)
    if cand.size == 0 or not view.mine.any():
        return []
    srcs_all = np.flatnonzero(spare > 0)
    if srcs_all.size == 0:
        return []
    plans = []
    for t in cand:
        srcs = srcs_all[np.argsort(view.travel[srcs_all, t], kind="stable")][:3]
        eta = int(view.travel[srcs, t].max())
        need = int(
            view.ships[t] + view.production[t] * eta + 1 + view.incoming_enemy[t] - view.incoming_own[t]
        )
        if need <= 0:
            continue
        plans.append(((view.production[t] + 1) / need / (1.0 + eta / 10.0), int(t), need))
    orders: list[Order] = []
    for _, target, amount in sorted(plans, reverse=True):
        orders += _gather(view, spare, target, amount)
    return orders


def _front(view: PlayerView) -> tuple[int, np.ndarray] | None:
    """(front planet, (P,) ticks from each planet to its nearest enemy planet) or None without enemies."""
    if not view.enemy.any() or not view.mine.any():
        return None
    to_enemy = view.travel[:, view.enemy].min(1)  # (P,)
    mine = np.flatnonzero(view.mine)
    return int(mine[np.argmin(to_enemy[mine])]), to_enemy


def _reinforce(view: PlayerView, spare: np.ndarray) -> list[Order]:
    front = _front(view)
    if front is None:
        return []
    f, to_enemy = front
    orders: list[Order] = []
    for s in np.flatnonzero(view.mine):
        k = int(spare[s] * 3 // 4)
        if s != f and k > 0 and to_enemy[s] > 1.3 * to_enemy[f]:
            orders.append(Launch(int(s), f, k))
            spare[s] -= k
    return orders


def _upgrade(view: PlayerView, spare: np.ndarray) -> list[Order]:
    orders: list[Order] = []
    for p in np.flatnonzero(view.mine)[np.argsort(-view.production[view.mine], kind="stable")]:
        lvl = int(view.level[p])
        if lvl < MAX_LEVEL and spare[p] >= upgrade_cost(lvl):
            orders.append(Upgrade(int(p)))
            spare[p] -= upgrade_cost(lvl)
    return orders


def _defend(view: PlayerView, spare: np.ndarray) -> list[Order]:
    orders: list[Order] = []
    mine = np.flatnonzero(view.mine)
    eta = view.first_enemy_eta
    deficit = (
        view.incoming_enemy - view.ships - view.production * np.minimum(eta, 10**4) - view.incoming_own + 1
    )
    for t in mine[np.argsort(-view.production[mine], kind="stable")]:
        if view.incoming_enemy[t] == 0 or deficit[t] <= 0:
            continue
        ok = spare.copy()
        ok[view.travel[:, t] > eta[t]] = 0  # only help that lands in time
        got = _gather(view, ok, int(t), int(deficit[t]), max_sources=4)
        for o in got:
            spare[o.source] -= o.ships
        orders += got
    return orders


_HEURISTICS = {
    Intent.EXPAND: _expand,
    Intent.ATTACK: _attack,
    Intent.REINFORCE: _reinforce,
    Intent.UPGRADE: _upgrade,
    Intent.DEFEND: _defend,
}


PLANS: dict[Intent, tuple[Intent, ...]] = {
    Intent.EXPAND: (Intent.DEFEND, Intent.EXPAND),
    Intent.ATTACK: (Intent.DEFEND, Intent.ATTACK, Intent.EXPAND),
    Intent.REINFORCE: (Intent.DEFEND, Intent.REINFORCE, Intent.ATTACK),
    Intent.UPGRADE: (Intent.DEFEND, Intent.UPGRADE, Intent.EXPAND),
    Intent.DEFEND: (Intent.DEFEND,),
    Intent.WAIT: (),
}
"""The primitive steps each intent runs, in order, on one pool of spare ships."""


def primitive_orders(view: PlayerView, step: Intent | int, spare: np.ndarray | None = None) -> list[Order]:
    """Orders of one primitive step (see the module docstring); WAIT gives none.

    `spare` (P,) ships still free this decision; it is reduced in place so steps can be chained.
    """
    step = Intent(int(step))
    if step == Intent.WAIT:
        return []
    if spare is None:
        spare = view.spare()
    return _HEURISTICS[step](view, spare)


def intent_orders(view: PlayerView, intent: Intent | int, spare: np.ndarray | None = None) -> list[Order]:
    """Concrete legal orders for one intent: its plan's primitive steps in order (`PLANS`)."""
    intent = Intent(int(intent))
    if spare is None:
        spare = view.spare()
    orders: list[Order] = []
    for step in PLANS[intent]:
        orders += primitive_orders(view, step, spare)
    return orders
