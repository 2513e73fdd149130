"""Scripted opponents of rising strength, in the spirit of the Planet Wars AI Challenge sample bots.

A policy is anything with `act(state, game, player, rng) -> list[Order]`, called at every decision tick.
Bots are built by name from `BOTS` (`make_bot("rule")`):

- `random`: each own planet sends, with probability 0.3, a random fraction of its ships anywhere.
- `expander` (nearest-expander): each own planet with > 10 ships captures its nearest not-owned planet
  when it alone has enough ships.
- `bully`: the strongest own planet sends half its ships to the weakest planet it does not own
  (enemy planets first).
- `upgrader` (defensive upgrader): defends, upgrades whenever it can, expands only with big surpluses.
- `rule` (the session-1 strong rule bot): defend, expand, attack when it out-produces the enemy or the
  attack is cheap, upgrade planets far from the front, push rear ships to the front. Tuned to beat the
  four above.
- `rule2` (session 4, the strongest, `STRONGEST_BOT`): the forecast planner's BUILD plan every decision
  (`intents.PLANS`): defend with the forecast, capture any planet, reinforce planets short against the
  enemy garrisons in reach (GUARD*), and once the map is taken upgrade every planet that stays safe
  and pays back before the tick limit (BUILD*). Tuned on dev maps until it beat every other bot and every
  fixed intent played all game (round-robin table in docs/games.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from frontline.errors import InputError
from frontline.games.intents import Intent, intent_orders, player_view, primitive_orders, rule_plan
from frontline.games.rules import GameState, Launch, Order

__all__ = ["Policy", "BOTS", "DETERMINISTIC_POLICIES", "STRONGEST_BOT", "make_bot", "IntentPolicy"]


DETERMINISTIC_POLICIES: tuple[str, ...] = (
    "rule2",
    "rule",
    "always-guard",
    "always-attack",
    "always-reinforce",
    "always-expand",
    "always-upgrade",
    "always-defend",
    "always-wait",
    "always-rule",
    "expander",
    "bully",
    "upgrader",
)
"""The scripted policies that give the same orders in the same state (`random` draws from its generator,
so it cannot be predicted); `rule2`, the strongest, first. The opponent models of `frontline.games.search`."""


class Policy(Protocol):
    """Decides one player's orders in one game of a batch at a decision tick."""

    name: str

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]: ...


class RandomBot:
    name = "random"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        orders: list[Order] = []
        n = state.n_planets
        for s in np.flatnonzero(state.owner[game] == player):
            k = int(state.ships[game, s] * rng.uniform(0.2, 1.0))
            if k >= 1 and rng.random() < 0.3:
                t = int(rng.integers(n - 1))
                orders.append(Launch(int(s), t + int(t >= s), k))
        return orders


class NearestExpander:
    name = "expander"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        v = player_view(state, game, player)
        orders: list[Order] = []
        claimed = v.incoming_own > 0
        for s in np.flatnonzero(v.mine):
            if v.ships[s] <= 10:
                continue
            free = np.flatnonzero(~v.mine & ~claimed)
            if free.size == 0:
                break
            t = int(free[np.argmin(v.travel[s, free])])
            need = int(v.ships[t] + 1 + (v.production[t] * v.travel[s, t] if v.owner[t] else 0))
            if v.ships[s] - 1 >= need:
                orders.append(Launch(int(s), t, need))
                claimed[t] = True
        return orders


class Bully:
    name = "bully"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        v = player_view(state, game, player)
        mine = np.flatnonzero(v.mine)
        if mine.size == 0:
            return []
        s = int(mine[np.argmax(v.ships[mine])])
        pool = np.flatnonzero(v.enemy)
        if pool.size == 0:
            pool = np.flatnonzero(v.owner == 0)
        if pool.size == 0 or v.ships[s] < 2:
            return []
        t = int(pool[np.argmin(v.ships[pool])])
        return [Launch(s, t, int(v.ships[s] // 2))]


class DefensiveUpgrader:
    name = "upgrader"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        v = player_view(state, game, player)
        spare = v.spare()
        orders = primitive_orders(v, Intent.DEFEND, spare)
        orders += primitive_orders(v, Intent.UPGRADE, spare)
        # expand only with what stays above a 40-ship reserve on every planet
        big = np.maximum(0, spare - 40)
        spare_left = big.copy()
        got = primitive_orders(v, Intent.EXPAND, spare_left)
        return orders + got


class RuleBot:
    """The strong scripted bot: defend, expand, attack on advantage, upgrade safe planets, feed the front."""

    name = "rule"

    def __init__(self, attack_ratio: float = 0.8, upgrade_safety: float = 25.0, reserve: float = 0.0) -> None:
        self.attack_ratio = attack_ratio
        self.upgrade_safety = upgrade_safety
        self.reserve = reserve

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        return rule_plan(
            player_view(state, game, player), self.attack_ratio, self.upgrade_safety, self.reserve
        )


class Rule2Bot:
    """The strongest scripted bot: the BUILD plan every decision (see the module docstring)."""

    name = "rule2"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        return intent_orders(player_view(state, game, player), Intent.BUILD)


class IntentPolicy:
    """Plays one fixed intent every decision (a reference for what the heuristic alone does)."""

    def __init__(self, intent: Intent) -> None:
        self.intent = Intent(intent)
        self.name = f"always-{self.intent.name.lower()}"

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        return intent_orders(player_view(state, game, player), self.intent)


BOTS: dict[str, Callable[[], Policy]] = {
    "random": RandomBot,
    "expander": NearestExpander,
    "bully": Bully,
    "upgrader": DefensiveUpgrader,
    "rule": RuleBot,
    "rule2": Rule2Bot,
}
STRONGEST_BOT = "rule2"


def make_bot(name: str) -> Policy:
    """A scripted bot by name (see BOTS); unknown names raise InputError."""
    if name in BOTS:
        return BOTS[name]()
    if name.startswith("always-"):
        try:
            return IntentPolicy(Intent[name[len("always-") :].upper()])
        except KeyError:
            pass
    raise InputError(f"unknown bot {name!r}; choose one of {', '.join(BOTS)} (or always-<intent>)")
