"""High-level intents and the heuristic that turns one into concrete fleet orders.

The talk's first lesson: with thousands of concrete moves, exploration is hopeless, so the network picks
one of a handful of intents and a fixed heuristic picks the concrete move. An intent is a short plan of
steps run in order on the same pool of free ships (per game, for one player, at a decision tick).

The agent's intents (`intent_orders`, session 2) plan with a **forecast**: every planet's owner and garrison
over the next H ticks if nobody launched anything new (production plus the fleets already flying, fought
with the game's own combat rule, `forecast`). From it:

- *free ships* of an own planet = its smallest forecast garrison while it stays ours, minus 1 (0 for a
  planet the forecast loses): a planet never sends ships it will need against fleets already on their way.
- DEFEND*: each own planet the forecast loses (most productive first) gets the fewest ships, from the
  nearest planets with free ships that land before the loss, that make the forecast keep it; lost causes
  get nothing.
- CAPTURE*: targets (neutral, enemy, or both) ranked by gain / (ships needed + 5) / (1 + arrival / 10),
  gain = production (x 2 for a planet the enemy holds at our arrival: it also stops his production), ships
  needed = the forecast garrison at our arrival + 1; then, best first, the fewest ships from the 3 nearest
  planets with free ships with which the forecast keeps the target to the horizon (found by bisection on
  the forecast). This times attacks by itself: a planet the enemy just took, or one a fight is emptying,
  needs few ships; an own fleet already on its way counts, so nothing is sent twice.
- UPGRADE*: own planets more than 15 ticks from every enemy planet (UPGRADE: any planet) that can pay the
  cost out of free ships, highest production first.
- REINFORCE*: rear planets (nearest enemy > 1.3 x farther than the front planet's) send 3/4 of their free
  ships to the front planet.

- GUARD* (session 3): `threat` = for each own planet, the largest strike the enemy's garrisons within
  THREAT_TICKS could land on it (enemy ships on planets at most t ticks away minus the planet's production
  over t, maximised over t); planets whose threat exceeds their forecast garrison get the difference, from
  the nearest planets (at most 3) that are not short themselves. No reserve is kept: a reserve against
  nearby stacks made every intent lose more (docs/games.md).

- BUILD* (session 4): once no neutral planet is left, upgrade any own planet whose forecast garrison after
  paying stays above its threat within BUILD_THREAT_TICKS (15) and whose upgrade pays back before the tick
  limit (`pays_back`: PRODUCTION_WEIGHT + ticks left > cost). In a balanced game both sides guard every
  planet and nothing can be taken; production then decides the score at the tick limit, and GUARD never
  upgrades planets within 15 ticks of the enemy.

EXPAND = DEFEND*, CAPTURE* neutral;   ATTACK = DEFEND*, CAPTURE* any, safe UPGRADE*;
GUARD = DEFEND*, CAPTURE* any, GUARD* (with the ships the captures left), safe UPGRADE*;
BUILD = GUARD with payback-checked safe upgrades, then BUILD*: exactly the `rule2` bot, the strongest
scripted bot, so the agent can always fall back on its move;
REINFORCE = DEFEND*, REINFORCE*, CAPTURE* any;   UPGRADE = DEFEND*, UPGRADE* (any planet), CAPTURE* any;
DEFEND = DEFEND*;   WAIT = nothing;   RULE = exactly the `rule` bot's plan (`rule_plan`), so the agent can
always fall back on the strongest scripted bot's move.

The scripted bots use the simpler session-1 primitives (`primitive_orders`, unchanged; the `rule` bot is
`rule_plan`): *spare ships* = garrison - max(0, enemy ships flying to it - own ships flying to it) - 1.

- EXPAND: neutral planets not already claimed by an own fleet, best first by
  production / (ships needed + 5) / (1 + travel ticks / 10), where ships needed = garrison + 1 + enemy
  ships flying there; taken from the nearest planets with spare ships (at most 3 sources per target).
- ATTACK: enemy planets, best first by (production + 1) / ships needed / (1 + travel / 10), where ships
  needed = garrison + production x travel time from the farthest source used + 1 + enemy fleets flying
  there - own fleets flying there; sent only when the nearest sources together have enough.
- REINFORCE: every rear planet sends 3/4 of its spare ships to the front planet (the own planet closest
  to any enemy planet).
- UPGRADE: upgrade every own planet that can pay the cost out of its spare ships, highest production first.
- DEFEND: each own planet whose incoming enemy fleets beat garrison + production x their arrival time +
  own incoming gets the deficit from the nearest planets with spare ships that arrive in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from frontline.games.rules import (
    MAX_LEVEL,
    PRODUCTION_WEIGHT,
    GameState,
    Launch,
    Order,
    Upgrade,
    resolve_combat,
    upgrade_cost,
)

__all__ = [
    "Intent",
    "INTENTS",
    "PLANS",
    "PlayerView",
    "Forecast",
    "player_view",
    "forecast",
    "intent_orders",
    "primitive_orders",
    "rule_plan",
    "threat",
    "THREAT_TICKS",
    "BUILD_THREAT_TICKS",
]


class Intent(IntEnum):
    """The high-level actions of the `high` action interface (values are the action indices)."""

    EXPAND = 0
    ATTACK = 1
    REINFORCE = 2
    UPGRADE = 3
    DEFEND = 4
    WAIT = 5
    RULE = 6
    GUARD = 7
    BUILD = 8


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
    fleets: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))
    """(F, 4) every flying fleet: ships, side (1 own, 2 enemy), target planet, ticks until it lands."""
    ticks_left: int = 1 << 30
    """Ticks until the game's tick limit (BUILD* only upgrades what pays back before it)."""

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
        fleets=np.stack(
            [
                fs[active],
                np.where(fo[active] == player, 1, 2),
                ft[active],
                state.fleet_arrive[game][active] - state.tick[game],
            ],
            axis=1,
        ).astype(np.int64),
        ticks_left=int(state.tick_limit - state.tick[game]),
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


def primitive_orders(view: PlayerView, step: Intent | int, spare: np.ndarray | None = None) -> list[Order]:
    """Orders of one session-1 primitive step (see the module docstring; the bots use these); WAIT and RULE give none.

    `spare` (P,) ships still free this decision; it is reduced in place so steps can be chained.
    """
    step = Intent(int(step))
    if step not in _HEURISTICS:
        return []
    if spare is None:
        spare = view.spare()
    return _HEURISTICS[step](view, spare)


def rule_plan(
    view: PlayerView, attack_ratio: float = 0.8, upgrade_safety: float = 25.0, reserve: float = 0.0
) -> list[Order]:
    """The `rule` bot's orders: defend, expand, attack when own production >= attack_ratio x the enemy's,
    upgrade planets more than `upgrade_safety` ticks from every enemy planet, push rear ships to the front."""
    spare = view.spare()
    spare = np.maximum(0, spare - (reserve * view.ships).astype(np.int64))
    orders = primitive_orders(view, Intent.DEFEND, spare)
    orders += primitive_orders(view, Intent.EXPAND, spare)
    own_prod = int(view.production[view.mine].sum())
    en_prod = int(view.production[view.enemy].sum())
    if own_prod >= attack_ratio * en_prod:
        orders += primitive_orders(view, Intent.ATTACK, spare)
    orders += _safe_upgrades(view, spare, upgrade_safety)
    if own_prod >= attack_ratio * en_prod:
        orders += primitive_orders(view, Intent.REINFORCE, spare)
    return orders


def _safe_upgrades(
    view: PlayerView, spare: np.ndarray, safety: float, by_production: bool = False, payback: bool = False
) -> list[Order]:
    """Upgrade own planets more than `safety` ticks from every enemy planet that can pay from `spare`.

    With `payback`, only upgrades that pay back before the tick limit (`pays_back`)."""
    if not view.enemy.any():
        return []
    to_enemy = view.travel[:, view.enemy].min(1)
    mine = np.flatnonzero(view.mine)
    if by_production:
        mine = mine[np.argsort(-view.production[mine], kind="stable")]
    out: list[Order] = []
    for p in mine:
        lvl = int(view.level[p])
        if lvl < MAX_LEVEL and to_enemy[p] > safety and spare[p] >= upgrade_cost(lvl):
            if payback and not pays_back(lvl, view.ticks_left):
                continue
            out.append(Upgrade(int(p)))
            spare[p] -= upgrade_cost(lvl)
    return out


def pays_back(level: int, ticks_left: int) -> bool:
    """Whether an upgrade from `level` gains more score by the tick limit than it costs (pure): the
    production it adds counts PRODUCTION_WEIGHT ships and makes one ship per remaining tick."""
    return bool(PRODUCTION_WEIGHT + ticks_left > upgrade_cost(level))


# ---------------------------------------------------------------------------------------------------------
# the agent's forecast-based heuristic
# ---------------------------------------------------------------------------------------------------------

HORIZON_EXTRA = 10
"""Ticks the forecast looks beyond the last known landing and the longest trip."""
CAPTURE_SOURCES = 3
"""Planets at most that send ships to one target."""
ENEMY_GAIN = 2.0
"""Weight of a target the enemy holds (his production lost + ours gained) relative to a neutral one."""
NEED_PAD = 5.0
DIST_SCALE = 10.0
SAFE_UPGRADE_TICKS = 15.0
"""ATTACK's upgrades: only planets farther than this from every enemy planet."""


@dataclass(frozen=True, slots=True)
class Forecast:
    """Every planet's future if nobody launched anything new; relative sides: 0 neutral, 1 own, 2 enemy."""

    owner: np.ndarray
    """(H+1, P) owner at tick offsets 0..H."""
    ships: np.ndarray
    """(H+1, P) garrison after that tick's landings."""
    arrivals: np.ndarray
    """(H+1, P, 3) ships landing per tick, planet and relative side."""


def _timeline(
    owner0: np.ndarray, ships0: np.ndarray, prod: np.ndarray, arrivals: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Owner and garrison (H+1, P) of planets starting at owner0/ships0 (P,) under arrivals (H+1, P, 3).

    Each tick: production, then the landings fought with `resolve_combat`. Owners only change at ticks with
    landings, so the ticks between them are filled at once (garrisons grow linearly)."""
    h = arrivals.shape[0] - 1
    owner = np.empty((h + 1, owner0.size), np.int64)
    ships = np.empty_like(owner)
    o, s = owner0.astype(np.int64), ships0.astype(np.int64)
    owner[0], ships[0] = o, s
    busy = np.flatnonzero(arrivals.reshape(h + 1, -1).any(axis=1)).tolist()
    prev = 0
    for te in [t for t in busy if t >= 1] + [h + 1]:
        grow = prod * (o > 0)  # (P,) ships per tick while nothing lands
        if te - prev > 1:  # ticks prev+1 .. te-1: no landing
            owner[prev + 1 : te] = o
            ships[prev + 1 : te] = s + grow[None, :] * np.arange(1, te - prev)[:, None]
        if te > h:
            break
        o, s = resolve_combat(o, s + grow * (te - prev), arrivals[te])
        owner[te], ships[te] = o, s
        prev = te
    return owner, ships


def _keeps(
    owner0: int,
    ships0: int,
    prod: int,
    events: dict[int, list[int]],
    horizon: int,
    land: int,
    until: int | None,
) -> bool:
    """Whether one planet is ours (side 1) at every tick offset in [land, until) of 0..horizon (pure).

    `events` maps a tick offset to the ships landing then per side ([neutral, own, enemy]). The same rule
    as `_timeline` for a single planet (production, then the landing fought with `resolve_combat`'s rule:
    the largest force wins with largest - second, a tie keeps the owner with 0 ships), on Python ints and
    only at the landings, because the planner asks it thousands of times per game.
    """
    stop = horizon + 1 if until is None else min(until, horizon + 1)
    lo = max(land, 0)
    if lo >= stop:
        return True
    o, s, prev = owner0, ships0, 0
    for te in sorted(events):
        if te < 1:
            continue
        if te >= stop:
            break
        if o != 1 and max(prev, lo) < te:  # the owner o held ticks prev .. te-1
            return False
        if o > 0:
            s += prod * (te - prev)
        forces = list(events[te])
        forces[o] += s
        largest = max(forces)
        second = sorted(forces)[1]
        if largest > second:
            o = forces.index(largest)
        s = largest - second
        prev = te
    return not (o != 1 and max(prev, lo) < stop)


def forecast(view: PlayerView, extra: int = HORIZON_EXTRA) -> Forecast:
    """Forecast of every planet (pure) up to the last known landing or longest trip + `extra` ticks."""
    rel = np.where(view.mine, 1, np.where(view.owner == 0, 0, 2)).astype(np.int64)
    f = view.fleets
    h = int(max(int(f[:, 3].max()) if f.size else 0, int(view.travel.max()))) + extra
    arrivals = np.zeros((h + 1, rel.size, 3), np.int64)
    if f.size:
        np.add.at(arrivals, (f[:, 3], f[:, 2], f[:, 1]), f[:, 0])
    owner, ships = _timeline(rel, view.ships, view.production.astype(np.int64), arrivals)
    return Forecast(owner, ships, arrivals)


THREAT_TICKS = 20
"""GUARD's threat horizon: enemy garrisons this many ticks away or closer can strike an own planet."""
BUILD_THREAT_TICKS = 15
"""BUILD*'s threat horizon: an upgrade must leave a planet's garrison above the strike of the enemy
garrisons this close (15 chosen on dev maps over 10 and 20)."""


def threat(view: PlayerView, horizon: int = THREAT_TICKS) -> np.ndarray:
    """(P,) ships each own planet would need now against a strike of every enemy garrison within reach (pure).

    For own planet p: max over t <= horizon of (ships on the enemy planets at most t ticks away) minus p's
    production over t ticks; 0 for planets we do not hold and where no enemy planet is in reach. Counts
    garrisons only (fleets in the air are in the forecast) and no help from other own planets.
    """
    out = np.zeros(view.owner.size, np.int64)
    en, mine = np.flatnonzero(view.enemy), np.flatnonzero(view.mine)
    if en.size == 0 or mine.size == 0:
        return out
    d = view.travel[np.ix_(en, mine)]  # (E, M)
    order = np.argsort(d, axis=0, kind="stable")
    t = np.take_along_axis(d, order, axis=0)
    strike = np.cumsum(view.ships[en][order], axis=0) - view.production[mine][None, :] * t
    strike = np.where(t <= horizon, strike, 0)
    out[mine] = np.maximum(0, strike.max(0)).astype(np.int64)
    return out


class _Planner:
    """Working state of one decision: the forecast, free ships, and the fleets planned so far."""

    __slots__ = ("view", "fc", "rel", "prod", "free", "arrivals")

    def __init__(self, view: PlayerView) -> None:
        self.view = view
        self.fc = forecast(view)
        self.rel = self.fc.owner[0]
        self.prod = view.production.astype(np.int64)
        kept = (self.fc.owner == 1).all(0)
        self.free = np.where(kept, np.maximum(0, self.fc.ships.min(0) - 1), 0)  # (P,)
        self.arrivals = self.fc.arrivals.copy()  # plus the fleets this decision plans

    def holds(
        self,
        target: int,
        events: dict[int, list[int]],
        trips: list[int],
        amounts: list[int],
        until: int | None = None,
    ) -> bool:
        """Whether the forecast keeps `target` ours from the last planned landing on, with these launches.

        `events` are the landings already planned at `target` (tick offset -> ships per side; not changed),
        `trips` the travel ticks of the sources, `amounts` the ships each sends (plain Python: the planner
        asks this thousands of times per game)."""
        ev = dict(events)
        land = 0
        for t, k in zip(trips, amounts, strict=True):
            if k > 0:
                r = ev.get(t, [0, 0, 0])
                ev[t] = [r[0], r[1] + k, r[2]]
                land = max(land, t)
        h = self.arrivals.shape[0] - 1
        return _keeps(
            int(self.rel[target]), int(self.view.ships[target]), int(self.prod[target]), ev, h, land, until
        )

    def capture(self, target: int, srcs: np.ndarray, until: int | None = None) -> list[Order]:
        """The fewest ships from `srcs` (nearest first) that make the forecast keep `target`; [] if none do."""
        srcs = srcs[srcs != target]
        if srcs.size == 0:
            return []
        cap = [int(c) for c in self.free[srcs]]
        trips = [int(t) for t in self.view.travel[srcs, target]]
        arr = self.arrivals[:, target, :]  # (H+1, 3)
        events = {int(t): arr[t].tolist() for t in np.flatnonzero(arr.any(axis=1))}

        def fill(total: int) -> list[int]:
            """Ships per source, nearest first, that add up to `total` (as far as the sources have them)."""
            out, left = [], total
            for c in cap:
                k = min(c, max(left, 0))
                out.append(k)
                left -= k
            return out

        if not self.holds(target, events, trips, cap, until):
            return []
        lo, hi = 1, sum(cap)
        while lo < hi:  # bisection on the total; the forecast outcome is monotone in it
            mid = (lo + hi) // 2
            if self.holds(target, events, trips, fill(mid), until):
                hi = mid
            else:
                lo = mid + 1
        out: list[Order] = []
        for s, k in zip(srcs, fill(lo), strict=True):
            if k > 0:
                out.append(Launch(int(s), int(target), int(k)))
                self.free[s] -= k
                self.arrivals[self.view.travel[s, target], target, 1] += k
        return out

    def defend(self) -> list[Order]:
        v, fc = self.view, self.fc
        lost = np.flatnonzero((self.rel == 1) & ~(fc.owner == 1).all(0))
        orders: list[Order] = []
        for p in lost[np.argsort(-self.prod[lost], kind="stable")]:
            t_loss = int(np.argmax(fc.owner[:, p] != 1))
            srcs = np.flatnonzero((self.free > 0) & (v.travel[:, p] <= t_loss))
            orders += self.capture(int(p), srcs[np.argsort(v.travel[srcs, p], kind="stable")])
        return orders

    def capture_best(self, kinds: str) -> list[Order]:
        """CAPTURE* over neutral targets (`kinds="neutral"`) or every planet we do not hold (`"any"`)."""
        v, fc, h = self.view, self.fc, self.fc.owner.shape[0] - 1
        lost = ~(fc.owner == 1).all(0)  # planets not ours at some point: to take, or to retake
        cand = np.flatnonzero(self.rel == 0) if kinds == "neutral" else np.flatnonzero(lost)
        plans = []
        have = np.flatnonzero(self.free > 0)  # free ships do not change while targets are ranked
        for t in cand.tolist() if have.size else []:
            srcs = have[np.argsort(v.travel[have, t], kind="stable")][:CAPTURE_SOURCES]
            arrive = min(int(v.travel[srcs, t].max()), h)
            if fc.owner[arrive, t] == 1:
                continue
            need = int(fc.ships[arrive, t]) + 1
            gain = self.prod[t] * (ENEMY_GAIN if fc.owner[arrive, t] == 2 else 1.0)
            plans.append((gain / (need + NEED_PAD) / (1.0 + arrive / DIST_SCALE), int(t)))
        orders: list[Order] = []
        for _, target in sorted(plans, reverse=True):
            srcs = np.flatnonzero(self.free > 0)
            t = int(target)
            orders += self.capture(t, srcs[np.argsort(v.travel[srcs, t], kind="stable")][:CAPTURE_SOURCES])
        return orders

    def upgrade(self, safety: float, payback: bool = False) -> list[Order]:
        return _safe_upgrades(self.view, self.free, safety, by_production=True, payback=payback)

    def build(self, skip: set[int]) -> list[Order]:
        """BUILD*: once no neutral planet is left, upgrade any own planet (highest production first, not in
        `skip`) that pays from its free ships, keeps a forecast garrison above its threat within
        BUILD_THREAT_TICKS after paying, and pays back before the tick limit."""
        v = self.view
        if (v.owner == 0).any() or not v.enemy.any():
            return []
        th = threat(v, BUILD_THREAT_TICKS)
        kept = np.where((self.fc.owner == 1).all(0), self.fc.ships.min(0), 0)
        mine = np.flatnonzero(v.mine)
        out: list[Order] = []
        for p in mine[np.argsort(-v.production[mine], kind="stable")].tolist():
            lvl, cost = int(v.level[p]), upgrade_cost(int(v.level[p]))
            if lvl >= MAX_LEVEL or p in skip or self.free[p] < cost or not pays_back(lvl, v.ticks_left):
                continue
            if kept[p] - cost <= th[p]:
                continue
            out.append(Upgrade(p))
            self.free[p] -= cost
            kept[p] -= cost
        return out

    def guard(self) -> list[Order]:
        """Send ships from unthreatened planets to own planets whose threat exceeds their forecast garrison."""
        v = self.view
        th = threat(v)
        kept = np.where((self.fc.owner == 1).all(0), self.fc.ships.min(0), 0)
        deficit = np.where(v.mine, np.maximum(0, th + 1 - kept), 0)
        orders: list[Order] = []
        for p in np.flatnonzero(deficit > 0)[np.argsort(-self.prod[deficit > 0], kind="stable")].tolist():
            srcs = np.flatnonzero((self.free > 0) & (deficit == 0))
            srcs = srcs[np.argsort(v.travel[srcs, p], kind="stable")][:CAPTURE_SOURCES]
            left = int(deficit[p])
            for s_ in srcs.tolist():
                k = int(min(self.free[s_], left))
                orders.append(Launch(s_, p, k))
                self.free[s_] -= k
                self.arrivals[v.travel[s_, p], p, 1] += k
                left -= k
                if left <= 0:
                    break
        return orders

    def reinforce(self) -> list[Order]:
        orders = _reinforce(self.view, self.free)
        for o in orders:
            if isinstance(o, Launch):
                self.arrivals[self.view.travel[o.source, o.target], o.target, 1] += o.ships
        return orders


def _forecast_plan(view: PlayerView, intent: Intent) -> list[Order]:
    pl = _Planner(view)
    orders = pl.defend()
    if intent == Intent.EXPAND:
        orders += pl.capture_best("neutral")
    elif intent == Intent.ATTACK:
        orders += pl.capture_best("any")
        orders += pl.upgrade(SAFE_UPGRADE_TICKS)
    elif intent == Intent.REINFORCE:
        orders += pl.reinforce()
        orders += pl.capture_best("any")
    elif intent == Intent.UPGRADE:
        orders += pl.upgrade(-1.0)
        orders += pl.capture_best("any")
    elif intent == Intent.GUARD:
        orders += pl.capture_best("any")
        orders += pl.guard()
        orders += pl.upgrade(SAFE_UPGRADE_TICKS)
    elif intent == Intent.BUILD:
        orders += pl.capture_best("any")
        orders += pl.guard()
        orders += pl.upgrade(SAFE_UPGRADE_TICKS, payback=True)
        orders += pl.build({o.planet for o in orders if isinstance(o, Upgrade)})
    return orders


PLANS: dict[Intent, str] = {
    Intent.EXPAND: "DEFEND*, CAPTURE* neutral planets",
    Intent.ATTACK: "DEFEND*, CAPTURE* any planet, UPGRADE* planets > 15 ticks from the enemy",
    Intent.REINFORCE: "DEFEND*, REINFORCE*, CAPTURE* any planet",
    Intent.UPGRADE: "DEFEND*, UPGRADE* any planet, CAPTURE* any planet",
    Intent.DEFEND: "DEFEND*",
    Intent.WAIT: "nothing",
    Intent.RULE: "the rule bot's plan (rule_plan)",
    Intent.GUARD: "DEFEND*, CAPTURE* any, GUARD* (reinforce planets short against their threat), safe UPGRADE*",
    Intent.BUILD: "GUARD's plan with upgrades that pay back before the tick limit, then BUILD* (the rule2 bot's plan)",
}
"""What each intent does (forecast-based steps marked *; see the module docstring)."""


def intent_orders(view: PlayerView, intent: Intent | int) -> list[Order]:
    """Concrete legal orders for one intent of the agent (`PLANS`)."""
    intent = Intent(int(intent))
    if intent == Intent.WAIT:
        return []
    if intent == Intent.RULE:
        return rule_plan(view)
    return _forecast_plan(view, intent)
