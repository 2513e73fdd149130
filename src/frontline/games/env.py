"""Gymnasium environment `frontline/SpaceConquest-v0` and a vectorised batch of games for training.

One step = the agent's orders for this decision + the opponent bot's orders (both decided on the same
snapshot: simultaneous moves), then DECISION_TICKS ticks.
Reward: +1 win, -1 loss, 0 otherwise (draws too); shaping is a wrapper (`shaping.PotentialShaping`).
Action interfaces:
- `high`: Discrete(9) intents (`intents.Intent`), turned into orders by `intents.intent_orders`.
- `flat`: Discrete(P*P*3 + P + 1): index `(src*P + dst)*3 + f` launches FRACTIONS[f] of planet src's
  ships to dst, `P*P*3 + p` upgrades planet p, the last index waits. `info["action_mask"]` (int8) marks the
  legal ones; an illegal (masked) action raises InputError instead of being silently replaced, unless
  the env is built with `invalid_action="wait"` (for learners without masks, e.g. Stable-Baselines3's DQN,
  and gymnasium's env checker): then it is played as WAIT and flagged in `info["invalid_action"]`.
Observations: `encoding.encode` (`ref` or `raw`), float32 in [-5, 5]. The agent plays side 1 or 2 of a
point-symmetric map (drawn per episode unless `options={"side": s}`); `options={"map_seed": k}` fixes the map.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from frontline.errors import InputError
from frontline.games.arena import HELD_OUT_SEED0
from frontline.games.bots import Policy, make_bot
from frontline.games.encoding import encode, obs_layout, shares
from frontline.games.intents import INTENTS, intent_orders, player_view
from frontline.games.rules import (
    DECISION_TICKS,
    MAX_LEVEL,
    MAX_PLANETS,
    MIN_PLANETS,
    GameState,
    Launch,
    Order,
    Upgrade,
    advance,
    apply_orders,
    generate_map,
    new_games,
    upgrade_cost,
)

__all__ = [
    "ENV_ID",
    "ACTION_SPACES",
    "FRACTIONS",
    "SpaceConquestEnv",
    "BatchEnv",
    "flat_action_count",
    "flat_action_mask",
    "flat_action_orders",
    "register_env",
]

ENV_ID = "frontline/SpaceConquest-v0"
ACTION_SPACES = ("high", "flat")
FRACTIONS = (0.25, 0.5, 1.0)


def flat_action_count(n_planets: int) -> int:
    """Size of the flat action space: launches P*P*3, upgrades P, wait 1."""
    return n_planets * n_planets * len(FRACTIONS) + n_planets + 1


def flat_action_mask(state: GameState, game: int, player: int) -> np.ndarray:
    """(A,) int8 legal flat actions: launches from own planets with >= 1 ship to another planet, affordable upgrades, wait."""
    n = state.n_planets
    mine = state.owner[game] == player
    can_launch = mine & (state.ships[game] >= 1)
    launch = np.repeat((can_launch[:, None] & ~np.eye(n, dtype=bool))[:, :, None], len(FRACTIONS), axis=2)
    lvl = state.level[game]
    upg = mine & (lvl < MAX_LEVEL) & (state.ships[game] >= upgrade_cost(lvl))
    return np.concatenate([launch.ravel(), upg, [True]]).astype(np.int8)


def flat_action_orders(state: GameState, game: int, player: int, action: int) -> list[Order]:
    """The orders of one flat action; raises InputError when it is illegal (masked)."""
    n = state.n_planets
    if not 0 <= action < flat_action_count(n):
        raise InputError(f"flat action {action} out of range 0..{flat_action_count(n) - 1}")
    if not flat_action_mask(state, game, player)[action]:
        raise InputError(
            f"flat action {action} is masked (illegal) now; pick one with info['action_mask'] == 1"
        )
    n_launch = n * n * len(FRACTIONS)
    if action < n_launch:
        src, rest = divmod(action, n * len(FRACTIONS))
        dst, f = divmod(rest, len(FRACTIONS))
        k = max(1, int(state.ships[game, src] * FRACTIONS[f]))
        return [Launch(int(src), int(dst), k)]
    if action < n_launch + n:
        return [Upgrade(int(action - n_launch))]
    return []


def _check_options(map_size: int, action_space: str, encoding: str) -> None:
    if action_space not in ACTION_SPACES:
        raise InputError(f"unknown action space {action_space!r}; use one of {', '.join(ACTION_SPACES)}")
    obs_layout(map_size, encoding)  # validates the encoding
    if not MIN_PLANETS <= map_size <= MAX_PLANETS:
        raise InputError(f"map size {map_size} is out of range; use {MIN_PLANETS}..{MAX_PLANETS} planets")


def _resolve_opponents(opponent: str | Policy | list[str] | tuple[str, ...]) -> list[Policy]:
    if isinstance(opponent, str):
        return [make_bot(opponent)]
    if isinstance(opponent, (list, tuple)):
        if not opponent:
            raise InputError("opponent list is empty")
        return [make_bot(o) for o in opponent]
    return [opponent]


class SpaceConquestEnv(gym.Env):
    """Space Conquest against a scripted bot (see the module docstring for spaces and rewards)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        map_size: int = 10,
        action_space: str = "high",
        encoding: str = "ref",
        opponent: str | Policy | list[str] | tuple[str, ...] = "rule",
        seed_range: tuple[int, int] = (0, HELD_OUT_SEED0),
        render_mode: str | None = None,
        invalid_action: str = "raise",
        threat_features: bool = True,
    ) -> None:
        _check_options(map_size, action_space, encoding)
        if invalid_action not in ("raise", "wait"):
            raise InputError(f"invalid_action must be 'raise' or 'wait', got {invalid_action!r}")
        self.invalid_action = invalid_action
        self._invalid = False
        self.map_size = map_size
        self.action_kind = action_space
        self.encoding = encoding
        self.threat_features = threat_features
        self.opponents = _resolve_opponents(opponent)
        self.seed_range = seed_range
        self.render_mode = render_mode
        p, k, g = obs_layout(map_size, encoding, threat_features)
        self.observation_space = gym.spaces.Box(-5.0, 5.0, shape=(p * k + g,), dtype=np.float32)
        n_act = len(INTENTS) if action_space == "high" else flat_action_count(map_size)
        self.n_actions = n_act
        self.action_space = gym.spaces.Discrete(n_act)
        self.state: GameState | None = None
        self.player = 1
        self._opponent: Policy = self.opponents[0]

    # ------------------------------------------------------------------ helpers
    def _mask(self) -> np.ndarray:
        assert self.state is not None
        if self.action_kind == "high":
            return np.ones(len(INTENTS), dtype=np.int8)
        return flat_action_mask(self.state, 0, self.player)

    def _info(self) -> dict[str, Any]:
        assert self.state is not None
        return {
            "action_mask": self._mask(),
            "shares": shares(self.state, 0, self.player),
            "tick": int(self.state.tick[0]),
            "player": self.player,
            "winner": int(self.state.winner[0]),
            "map_seed": int(self.state.seeds[0]),
            "invalid_action": bool(self._invalid),
        }

    # ------------------------------------------------------------------ gym API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        map_seed = int(options.get("map_seed", self.np_random.integers(*self.seed_range)))
        side = int(options.get("side", self.np_random.integers(1, 3)))
        if side not in (1, 2):
            raise InputError(f"side must be 1 or 2, got {side}")
        self.player = side
        self._opponent = self.opponents[int(self.np_random.integers(len(self.opponents)))]
        self.state = new_games([generate_map(self.map_size, map_seed)])
        self._invalid = False
        return encode(self.state, 0, self.player, self.encoding, self.threat_features), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        if self.state is None:
            raise InputError("call reset() before step()")
        if self.state.done[0]:
            raise InputError("the game is over; call reset()")
        a = np.asarray(action)
        if a.shape not in ((), (1,)) or not np.issubdtype(a.dtype, np.integer):
            raise InputError(f"action must be one integer, got {action!r} (shape {a.shape}, dtype {a.dtype})")
        a_int = int(a.reshape(()))
        if not self.action_space.contains(a_int):
            raise InputError(f"action {a_int} out of range 0..{self.n_actions - 1}")
        if self.action_kind == "high":
            orders = intent_orders(player_view(self.state, 0, self.player), a_int)
        elif self.invalid_action == "wait" and not flat_action_mask(self.state, 0, self.player)[a_int]:
            orders = []
        else:
            orders = flat_action_orders(self.state, 0, self.player, a_int)
        self._invalid = (
            self.action_kind == "flat"
            and self.invalid_action == "wait"
            and not orders
            and a_int != self.n_actions - 1
        )
        opp = 3 - self.player
        opp_orders = self._opponent.act(
            self.state, 0, opp, self.np_random
        )  # simultaneous moves: same snapshot
        apply_orders(self.state, 0, self.player, orders)
        apply_orders(self.state, 0, opp, opp_orders)
        advance(self.state, DECISION_TICKS)
        done = bool(self.state.done[0])
        w = int(self.state.winner[0])
        reward = 0.0 if not done or w == 0 else (1.0 if w == self.player else -1.0)
        return (
            encode(self.state, 0, self.player, self.encoding, self.threat_features),
            reward,
            done,
            False,
            self._info(),
        )

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self.state is None:
            return None
        from frontline.games.replay import render_frame

        return render_frame(self.state, 0)


class BatchEnv:
    """B games advanced together (one `advance` call per step) with automatic reset; for training.

    `step(actions)` -> (obs (B, D), reward (B,), done (B,), info) where `info["final_obs"]` holds the last
    observation of games that just ended (their `obs` row is already the next game's first observation),
    `info["winner_is_agent"]` (B,) 1/-1/0 for ended games, `info["shares"]` (B, 3), `info["action_mask"]` (B, A).
    """

    def __init__(
        self,
        n_envs: int,
        map_size: int = 10,
        action_space: str = "high",
        encoding: str = "ref",
        opponent: str | list[str] | tuple[str, ...] = "rule",
        opponent_weights: list[float] | None = None,
        seed: int = 0,
        seed_range: tuple[int, int] = (0, HELD_OUT_SEED0),
        threat_features: bool = True,
    ) -> None:
        _check_options(map_size, action_space, encoding)
        if n_envs < 1:
            raise InputError(f"n_envs must be >= 1, got {n_envs}")
        self.n = n_envs
        self.map_size, self.action_kind, self.encoding = map_size, action_space, encoding
        self.opponents = _resolve_opponents(opponent)
        w = np.asarray(
            opponent_weights if opponent_weights is not None else [1.0] * len(self.opponents), float
        )
        self.opponent_p = w / w.sum()
        self.rng = np.random.default_rng(seed)
        self.seed_range = seed_range
        self.threat_features = threat_features
        p, k, g = obs_layout(map_size, encoding, threat_features)
        self.obs_dim = p * k + g
        self.n_actions = len(INTENTS) if action_space == "high" else flat_action_count(map_size)
        self.players = np.ones(n_envs, dtype=np.int64)
        self.opp_index = np.zeros(n_envs, dtype=np.int64)
        self.state = new_games(
            [generate_map(map_size, int(self.rng.integers(*seed_range))) for _ in range(n_envs)]
        )
        for i in range(n_envs):
            self._reset_game(i)

    def _reset_game(self, i: int) -> None:
        fresh = new_games(
            [generate_map(self.map_size, int(self.rng.integers(*self.seed_range)))],
            self.state.tick_limit,
            self.state.fleet_ships.shape[1],
        )
        for f in fields(GameState):
            arr = getattr(self.state, f.name)
            if isinstance(arr, np.ndarray):
                arr[i] = getattr(fresh, f.name)[0]
        self.players[i] = int(self.rng.integers(1, 3))
        self.opp_index[i] = int(self.rng.choice(len(self.opponents), p=self.opponent_p))

    def observe(self) -> np.ndarray:
        """(B, D) float32 observations of the agent in every game."""
        return np.stack(
            [
                encode(self.state, i, int(self.players[i]), self.encoding, self.threat_features)
                for i in range(self.n)
            ]
        )

    def masks(self) -> np.ndarray:
        """(B, A) int8 legal actions."""
        if self.action_kind == "high":
            return np.ones((self.n, self.n_actions), dtype=np.int8)
        return np.stack([flat_action_mask(self.state, i, int(self.players[i])) for i in range(self.n)])

    def all_shares(self) -> np.ndarray:
        return np.stack([shares(self.state, i, int(self.players[i])) for i in range(self.n)])

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        actions = np.asarray(actions)
        if actions.shape != (self.n,):
            raise InputError(f"actions must have shape ({self.n},), got {actions.shape}")
        for i in range(self.n):
            me = int(self.players[i])
            if self.action_kind == "high":
                orders = intent_orders(player_view(self.state, i, me), int(actions[i]))
            else:
                orders = flat_action_orders(self.state, i, me, int(actions[i]))
            opp = self.opponents[int(self.opp_index[i])]
            opp_orders = opp.act(self.state, i, 3 - me, self.rng)  # simultaneous moves: same snapshot
            apply_orders(self.state, i, me, orders)
            apply_orders(self.state, i, 3 - me, opp_orders)
        advance(self.state, DECISION_TICKS)
        done = self.state.done.copy()
        outcome = (
            np.where(self.state.winner == 0, 0, np.where(self.state.winner == self.players, 1, -1)) * done
        )
        reward = outcome.astype(np.float64)
        final_obs = self.observe()
        info: dict[str, Any] = {
            "winner_is_agent": outcome,
            "final_shares": self.all_shares(),
            "opponent": [self.opponents[int(j)].name for j in self.opp_index],
        }
        for j in np.flatnonzero(done):
            self._reset_game(int(j))
        obs = self.observe() if done.any() else final_obs
        info["final_obs"] = final_obs
        info["shares"] = self.all_shares()
        info["action_mask"] = self.masks()
        return obs, reward, done, info


def register_env() -> None:
    """Register `frontline/SpaceConquest-v0` with gymnasium (idempotent)."""
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="frontline.games.env:SpaceConquestEnv")
