"""Space Conquest game mechanics: maps, orders, ticks, combat and the end of a game (NumPy, batched).

Every function works on a `GameState` holding a batch of `B` independent games on maps with the same
number of planets `P`; a single game is a batch of one. Players are 1 and 2, owner 0 is neutral.

Rules (one tick):
1. Production: every planet owned by a player gains `production` ships (neutral planets do not grow).
2. Fleets whose arrival tick is now land. Per planet, the forces of each side are summed (the garrison
   counts for its owner). The largest force wins and keeps `largest - second largest` ships; every other
   side loses everything, so both sides of a duel lose the same number of ships. On a tie the old owner
   keeps the planet with 0 ships.
3. A game ends when a player has no planets and no fleets (the other wins; both: draw), or at the tick
   limit, where the higher score wins: ships on planets and in flight + `PRODUCTION_WEIGHT` x production.

Orders (applied at decision ticks, before the next tick): `Launch(source, target, ships)` takes ships
from an own planet; the fleet flies in a straight line at `SPEED` map units per tick and arrives
`ceil(distance / SPEED)` ticks later. `Upgrade(planet)` costs `upgrade_cost(level)` ships and raises the
planet's production by `UPGRADE_PRODUCTION` (at most `MAX_LEVEL` upgrades).

Maps are point-symmetric about the centre: planet `2k + 1` mirrors planet `2k` (a lone planet with an
odd count sits in the centre), homes are planets 0 (player 1) and 1 (player 2), so both sides of a seed
are the same game. Functions that advance the state mutate it in place (speed); use `GameState.copy`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from frontline.errors import InputError

__all__ = [
    "SPEED",
    "MAX_LEVEL",
    "UPGRADE_PRODUCTION",
    "PRODUCTION_WEIGHT",
    "DECISION_TICKS",
    "MIN_PLANETS",
    "MAX_PLANETS",
    "GameMap",
    "GameState",
    "Launch",
    "Upgrade",
    "Order",
    "generate_map",
    "tick_limit_for",
    "new_games",
    "upgrade_cost",
    "apply_orders",
    "advance",
    "resolve_combat",
    "scores",
]

SPEED = 1.0
"""Fleet speed in map units per tick (distance is time)."""
MAX_LEVEL = 3
"""Upgrades a planet can take."""
UPGRADE_PRODUCTION = 1
"""Production (ships per tick) one upgrade adds."""
UPGRADE_BASE_COST = 30
"""Ships the first upgrade costs; level k costs UPGRADE_BASE_COST * (k + 1)."""
DECISION_TICKS = 10
"""Ticks between two decisions of the players (agents and bots alike)."""
PRODUCTION_WEIGHT = 10.0
"""At the tick limit one unit of production counts as this many ships."""
MIN_PLANETS = 6
MAX_PLANETS = 160
"""Maps from 6 planets (the issue's range is 6-40; larger ones are allowed for transfer tests)."""
HOME_SHIPS = 100
HOME_PRODUCTION = 5


@dataclass(frozen=True, slots=True)
class Launch:
    """Send `ships` ships from planet `source` to planet `target`."""

    source: int
    target: int
    ships: int


@dataclass(frozen=True, slots=True)
class Upgrade:
    """Upgrade planet `planet` (+production, costs ships)."""

    planet: int


Order = Launch | Upgrade


@dataclass(frozen=True, slots=True)
class GameMap:
    """One procedurally generated map; `positions` in map units, planets `2k`/`2k+1` mirror each other."""

    positions: np.ndarray
    """(P, 2) float64 planet centres in map units."""
    production: np.ndarray
    """(P,) int64 ships per tick when owned."""
    ships: np.ndarray
    """(P,) int64 initial garrisons."""
    size: float
    """Side length of the square map in map units."""
    seed: int
    """The seed that generated it."""

    @property
    def n_planets(self) -> int:
        return int(self.positions.shape[0])


def tick_limit_for(n_planets: int) -> int:
    """Default tick limit of a map size: grows with the map's diameter (about 100 x sqrt(P))."""
    return int(round(100 * np.sqrt(n_planets)))


def generate_map(n_planets: int, seed: int) -> GameMap:
    """A seeded, point-symmetric random map with `n_planets` planets; homes are planets 0 and 1.

    The map's side grows as 12 x sqrt(P) map units so planet density is constant across sizes.
    """
    if not MIN_PLANETS <= n_planets <= MAX_PLANETS:
        raise InputError(f"map size {n_planets} is out of range; use {MIN_PLANETS}..{MAX_PLANETS} planets")
    rng = np.random.default_rng(seed)
    size = 12.0 * np.sqrt(n_planets)
    min_sep = 0.55 * size / np.sqrt(n_planets)
    centre = np.array([size / 2, size / 2])
    pos: list[np.ndarray] = []
    # home of player 1 in the lower-left quarter, player 2 mirrored
    home = rng.uniform(0.1 * size, 0.3 * size, size=2)
    pos += [home, 2 * centre - home]
    n_pairs = n_planets // 2
    tries = 0
    while len(pos) < 2 * n_pairs:
        p = rng.uniform(0.04 * size, 0.96 * size, size=2)
        q = 2 * centre - p
        tries += 1
        sep = min_sep if tries < 5000 else min_sep * 0.5
        if np.linalg.norm(p - q) < sep:
            continue
        if all(np.linalg.norm(p - o) >= sep and np.linalg.norm(q - o) >= sep for o in pos):
            pos += [p, q]
    if n_planets % 2:
        pos.append(centre.copy())
    positions = np.array(pos, dtype=np.float64)
    production = np.empty(n_planets, dtype=np.int64)
    ships = np.empty(n_planets, dtype=np.int64)
    for k in range(n_pairs):
        if k == 0:
            pr, sh = HOME_PRODUCTION, HOME_SHIPS
        else:
            pr = int(rng.integers(1, 6))
            sh = int(rng.integers(3, 8) * pr + rng.integers(0, 10))
        production[2 * k : 2 * k + 2] = pr
        ships[2 * k : 2 * k + 2] = sh
    if n_planets % 2:
        production[-1] = 5
        ships[-1] = int(rng.integers(30, 60))
    return GameMap(positions, production, ships, float(size), int(seed))


def upgrade_cost(level: np.ndarray | int) -> np.ndarray | int:
    """Ships an upgrade from `level` costs."""
    return UPGRADE_BASE_COST * (level + 1)


@dataclass(slots=True)
class GameState:
    """A batch of `B` games on `P`-planet maps; arrays are indexed [game, planet] or [game, fleet slot].

    Mutable on purpose: `advance` and `apply_orders` update it in place. Fleet slots with 0 ships are free.
    """

    positions: np.ndarray
    """(B, P, 2) float64 planet centres, map units."""
    travel: np.ndarray
    """(B, P, P) int64 ticks a fleet needs from planet i to planet j: ceil(distance / SPEED)."""
    owner: np.ndarray
    """(B, P) int8: 0 neutral, 1 or 2 the player."""
    ships: np.ndarray
    """(B, P) int64 garrisons."""
    production: np.ndarray
    """(B, P) int64 ships per tick when owned by a player."""
    level: np.ndarray
    """(B, P) int64 upgrades taken."""
    fleet_owner: np.ndarray
    """(B, F) int8 player of each fleet slot."""
    fleet_ships: np.ndarray
    """(B, F) int64 ships of each fleet (0 = free slot)."""
    fleet_source: np.ndarray
    """(B, F) int64 planet the fleet left."""
    fleet_target: np.ndarray
    """(B, F) int64 planet the fleet flies to."""
    fleet_depart: np.ndarray
    """(B, F) int64 tick it left."""
    fleet_arrive: np.ndarray
    """(B, F) int64 tick it lands."""
    tick: np.ndarray
    """(B,) int64 ticks played."""
    tick_limit: int
    """Ticks after which a game ends on score."""
    done: np.ndarray
    """(B,) bool game over."""
    winner: np.ndarray
    """(B,) int8: 1 or 2 the winner, 0 a draw or not over."""
    map_size: np.ndarray
    """(B,) float64 side length of each map, map units."""
    seeds: np.ndarray
    """(B,) int64 seed of each map."""

    @property
    def batch(self) -> int:
        return int(self.owner.shape[0])

    @property
    def n_planets(self) -> int:
        return int(self.owner.shape[1])

    def copy(self) -> GameState:
        """A deep copy (every array copied)."""
        vals: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            vals[f.name] = v.copy() if isinstance(v, np.ndarray) else v
        return GameState(**vals)


def new_games(
    maps: list[GameMap], tick_limit: int | None = None, fleet_slots: int | None = None
) -> GameState:
    """Start one game per map (all maps must have the same planet count); player 1 owns planet 0, player 2 planet 1."""
    if not maps:
        raise InputError("new_games needs at least one map")
    n = maps[0].n_planets
    if any(m.n_planets != n for m in maps):
        raise InputError("all maps of a batch must have the same number of planets")
    b = len(maps)
    f = fleet_slots if fleet_slots is not None else 6 * n + 16
    pos = np.stack([m.positions for m in maps])  # (B, P, 2)
    dist = np.linalg.norm(pos[:, :, None, :] - pos[:, None, :, :], axis=-1)  # (B, P, P)
    travel = np.ceil(dist / SPEED - 1e-9).astype(np.int64)
    owner = np.zeros((b, n), dtype=np.int8)
    owner[:, 0], owner[:, 1] = 1, 2
    return GameState(
        positions=pos,
        travel=travel,
        owner=owner,
        ships=np.stack([m.ships for m in maps]).astype(np.int64),
        production=np.stack([m.production for m in maps]).astype(np.int64),
        level=np.zeros((b, n), dtype=np.int64),
        fleet_owner=np.zeros((b, f), dtype=np.int8),
        fleet_ships=np.zeros((b, f), dtype=np.int64),
        fleet_source=np.zeros((b, f), dtype=np.int64),
        fleet_target=np.zeros((b, f), dtype=np.int64),
        fleet_depart=np.zeros((b, f), dtype=np.int64),
        fleet_arrive=np.zeros((b, f), dtype=np.int64),
        tick=np.zeros(b, dtype=np.int64),
        tick_limit=int(tick_limit if tick_limit is not None else tick_limit_for(n)),
        done=np.zeros(b, dtype=bool),
        winner=np.zeros(b, dtype=np.int8),
        map_size=np.array([m.size for m in maps], dtype=np.float64),
        seeds=np.array([m.seed for m in maps], dtype=np.int64),
    )


def apply_orders(state: GameState, game: int, player: int, orders: list[Order] | tuple[Order, ...]) -> None:
    """Carry out `player`'s orders in game `game` (in place); an illegal order raises InputError.

    Legal: the source (or upgraded planet) is the player's, 1 <= ships <= garrison, target != source and
    on the map, an upgrade below MAX_LEVEL with enough ships. Orders are applied in sequence.
    """
    if player not in (1, 2):
        raise InputError(f"player must be 1 or 2, got {player}")
    if state.done[game]:
        return
    n = state.n_planets
    for order in orders:
        if isinstance(order, Launch):
            s, t, k = int(order.source), int(order.target), int(order.ships)
            if not (0 <= s < n and 0 <= t < n) or s == t:
                raise InputError(f"illegal launch {order}: planets must differ and lie in 0..{n - 1}")
            if state.owner[game, s] != player:
                raise InputError(f"illegal launch {order}: planet {s} is not player {player}'s")
            if not 1 <= k <= state.ships[game, s]:
                raise InputError(f"illegal launch {order}: planet {s} has {int(state.ships[game, s])} ships")
            free = np.flatnonzero(state.fleet_ships[game] == 0)
            if free.size == 0:
                raise InputError(
                    f"illegal launch {order}: all {state.fleet_ships.shape[1]} fleet slots are in use"
                )
            slot = int(free[0])
            state.ships[game, s] -= k
            state.fleet_owner[game, slot] = player
            state.fleet_ships[game, slot] = k
            state.fleet_source[game, slot] = s
            state.fleet_target[game, slot] = t
            state.fleet_depart[game, slot] = state.tick[game]
            state.fleet_arrive[game, slot] = state.tick[game] + state.travel[game, s, t]
        elif isinstance(order, Upgrade):
            p = int(order.planet)
            if not 0 <= p < n or state.owner[game, p] != player:
                raise InputError(f"illegal upgrade {order}: planet {p} is not player {player}'s")
            lvl = int(state.level[game, p])
            cost = int(upgrade_cost(lvl))
            if lvl >= MAX_LEVEL or state.ships[game, p] < cost:
                raise InputError(
                    f"illegal upgrade {order}: level {lvl}, {int(state.ships[game, p])} ships < {cost}"
                )
            state.ships[game, p] -= cost
            state.level[game, p] = lvl + 1
            state.production[game, p] += UPGRADE_PRODUCTION
        else:
            raise InputError(f"unknown order {order!r}; use Launch or Upgrade")


def resolve_combat(
    owner: np.ndarray, garrison: np.ndarray, arriving: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome of every planet's battle: (new owner, new ships); pure.

    owner (..., ) int, garrison (...,) int, arriving (..., 3) ships landing per side (index 0 unused by
    fleets). The garrison joins its owner's force; the largest force wins with `largest - second` ships;
    on a tie the old owner keeps the planet with 0 ships.
    """
    forces = arriving.astype(np.int64) + (np.arange(3) == owner[..., None]) * garrison[..., None]  # (..., 3)
    top2 = np.sort(forces, axis=-1)[..., 1:]  # (..., 2): second, largest
    best = np.argmax(forces, axis=-1)
    new_owner = np.where(top2[..., 1] > top2[..., 0], best, owner).astype(owner.dtype)
    return new_owner, top2[..., 1] - top2[..., 0]


def scores(state: GameState) -> np.ndarray:
    """(B, 3) score per side at the current tick: ships on planets + in flight + PRODUCTION_WEIGHT x production."""
    out = np.zeros((state.batch, 3), dtype=np.float64)
    for p in (1, 2):
        own = state.owner == p
        out[:, p] = (
            (state.ships * own).sum(1)
            + (state.fleet_ships * (state.fleet_owner == p)).sum(1)
            + PRODUCTION_WEIGHT * (state.production * own).sum(1)
        )
    return out


def _check_end(state: GameState) -> None:
    """Mark finished games: a side without planets and fleets loses; the tick limit decides on score."""
    alive = np.zeros((state.batch, 3), dtype=bool)
    for p in (1, 2):
        alive[:, p] = (state.owner == p).any(1) | ((state.fleet_ships > 0) & (state.fleet_owner == p)).any(1)
    live = ~state.done
    both_dead = ~alive[:, 1] & ~alive[:, 2] & live
    one_dead = (alive[:, 1] ^ alive[:, 2]) & live
    state.winner[one_dead] = np.where(alive[one_dead, 1], 1, 2)
    state.done |= both_dead | one_dead
    at_limit = live & ~state.done & (state.tick >= state.tick_limit)
    if at_limit.any():
        sc = scores(state)
        w = np.where(sc[:, 1] > sc[:, 2], 1, np.where(sc[:, 2] > sc[:, 1], 2, 0)).astype(np.int8)
        state.winner[at_limit] = w[at_limit]
        state.done |= at_limit


def advance(state: GameState, n_ticks: int = 1) -> None:
    """Play `n_ticks` ticks of every unfinished game (in place): production, landings and combat, end check.

    Event-driven: each game jumps straight to its next landing (or the end of the span, or the tick limit),
    adding the production of the skipped ticks at once; owners only change at landings, so this equals
    playing the ticks one by one (a test checks it).
    """
    b, p = state.batch, state.n_planets
    rows = np.arange(b)[:, None]
    stop_at = np.minimum(state.tick + n_ticks, state.tick_limit)
    never = np.iinfo(np.int64).max
    while True:
        live = ~state.done & (state.tick < stop_at)
        if not live.any():
            break
        active = state.fleet_ships > 0
        next_landing = np.where(active, state.fleet_arrive, never).min(1)  # (B,)
        new_tick = np.where(live, np.minimum(stop_at, next_landing), state.tick)
        state.ships += state.production * (state.owner > 0) * (new_tick - state.tick)[:, None]
        state.tick = new_tick
        landing = active & (state.fleet_arrive == new_tick[:, None]) & live[:, None]
        if landing.any():
            flat = (rows * p + state.fleet_target) * 3 + state.fleet_owner  # (B, F) index into (B, P, 3)
            arriving = np.bincount(flat[landing], weights=state.fleet_ships[landing], minlength=b * p * 3)
            arriving = arriving.reshape(b, p, 3).astype(np.int64)
            state.owner, state.ships = resolve_combat(state.owner, state.ships, arriving)
            state.fleet_ships[landing] = 0
            _check_end(state)
        elif (live & (state.tick >= state.tick_limit)).any():
            _check_end(state)
