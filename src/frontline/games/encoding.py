"""Observations: per-planet features plus a few global ones, with distances raw or by reference points.

The talk's third lesson: distances are best given relative to reference points. With `encoding="ref"`
every planet carries its travel times (ticks / map side) to five reference points of the observing
player: own home, enemy home, own centre of mass, enemy centre of mass (mean position of owned planets)
and the front (midpoint of the closest own/enemy planet pair), plus its "frontness" (distance to the own
centre minus distance to the enemy centre). With `encoding="raw"` a planet carries its x, y coordinates
(divided by the map side) instead. Everything else is the same:

planet features (P, K): mine, enemy, neutral, log1p(ships)/5, production/5, level/3, log1p(own ships
flying to it)/5, log1p(enemy ships flying to it)/5, then 6 reference features (ref) or 2 coordinates (raw).
global features (G,): own share of ships, production and planets (own / (own + enemy)), tick / limit,
own and enemy ships in flight / own or enemy total, planets / 40, and (ref) home-to-home and
centre-to-centre travel times / map side.
With `threat=True` (the default since session 3; agents saved before it load with `threat=False`) every
planet carries 3 more features, what the GUARD intent reasons with: log1p(enemy garrisons within
`THREAT_TICKS` ticks)/5, log1p(own garrisons within them)/5 and, for own planets, log1p(max(0, threat -
garrison))/5 (`intents.threat`: the strike the enemy's nearby garrisons could land); and one more global
feature, the fraction of own planets whose threat exceeds their garrison.
The observation is `concat(planet_features.ravel(), global_features)`, float32, clipped to [-5, 5].
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from frontline.errors import InputError
from frontline.games.intents import THREAT_TICKS, player_view
from frontline.games.intents import threat as _threat
from frontline.games.rules import SPEED, GameState

__all__ = ["Encoding", "ENCODINGS", "obs_layout", "encode", "shares"]

Encoding = Literal["ref", "raw"]
ENCODINGS: tuple[str, ...] = ("ref", "raw")
_BASE = 8
_EXTRA = {"ref": 6, "raw": 2}
_GLOBAL = {"ref": 9, "raw": 7}
OBS_CLIP = 5.0


def obs_layout(n_planets: int, encoding: str, threat: bool = True) -> tuple[int, int, int]:
    """(P, K, G): planets, features per planet, global features; observation length is P*K + G."""
    if encoding not in ENCODINGS:
        raise InputError(f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    return n_planets, _BASE + _EXTRA[encoding] + 3 * threat, _GLOBAL[encoding] + threat


def shares(state: GameState, game: int, player: int) -> np.ndarray:
    """(3,) own share of ships (planets + fleets), production and planets: own / (own + enemy), 0.5 if both 0."""
    mine = state.owner[game] == player
    enemy = state.owner[game] == 3 - player
    fleets = state.fleet_ships[game]
    fo = state.fleet_owner[game]
    own = np.array(
        [
            state.ships[game][mine].sum() + fleets[fo == player].sum(),
            state.production[game][mine].sum(),
            mine.sum(),
        ],
        dtype=np.float64,
    )
    en = np.array(
        [
            state.ships[game][enemy].sum() + fleets[fo == 3 - player].sum(),
            state.production[game][enemy].sum(),
            enemy.sum(),
        ],
        dtype=np.float64,
    )
    tot = own + en
    return np.where(tot > 0, own / np.maximum(tot, 1e-9), 0.5)


def encode(
    state: GameState, game: int, player: int, encoding: str = "ref", threat: bool = True
) -> np.ndarray:
    """The observation of `player` in game `game`: (P*K + G,) float32 (see the module docstring)."""
    p, k, g = obs_layout(state.n_planets, encoding, threat)
    v = player_view(state, game, player)
    side = float(state.map_size[game])
    pos = state.positions[game]  # (P, 2)
    feats = np.zeros((p, k), dtype=np.float64)
    feats[:, 0] = v.mine
    feats[:, 1] = v.enemy
    feats[:, 2] = v.owner == 0
    feats[:, 3] = np.log1p(v.ships) / 5
    feats[:, 4] = v.production / 5
    feats[:, 5] = v.level / 3
    feats[:, 6] = np.log1p(v.incoming_own) / 5
    feats[:, 7] = np.log1p(v.incoming_enemy) / 5
    fleets = state.fleet_ships[game]
    fo = state.fleet_owner[game]
    own_total = v.ships[v.mine].sum() + fleets[fo == player].sum()
    en_total = v.ships[v.enemy].sum() + fleets[fo == 3 - player].sum()
    glob = np.zeros(g, dtype=np.float64)
    glob[0:3] = shares(state, game, player)
    glob[3] = state.tick[game] / state.tick_limit
    glob[4] = fleets[fo == player].sum() / max(own_total, 1)
    glob[5] = fleets[fo == 3 - player].sum() / max(en_total, 1)
    glob[6] = p / 40
    if encoding == "raw":
        feats[:, 8:10] = pos / side
    else:
        home, enemy_home = pos[player - 1], pos[2 - player]
        own_com = pos[v.mine].mean(0) if v.mine.any() else home
        en_com = pos[v.enemy].mean(0) if v.enemy.any() else enemy_home
        if v.mine.any() and v.enemy.any():
            d = v.travel[np.ix_(v.mine, v.enemy)]
            i, j = np.unravel_index(np.argmin(d), d.shape)
            front = (pos[v.mine][i] + pos[v.enemy][j]) / 2
        else:
            front = (own_com + en_com) / 2
        refs = np.stack([home, enemy_home, own_com, en_com, front])  # (5, 2)
        dist = np.linalg.norm(pos[:, None, :] - refs[None], axis=-1) / SPEED / side  # (P, 5) ticks / side
        feats[:, 8:13] = dist
        feats[:, 13] = dist[:, 2] - dist[:, 3]
        glob[7] = np.linalg.norm(home - enemy_home) / SPEED / side
        glob[8] = np.linalg.norm(own_com - en_com) / SPEED / side
    if threat:
        k0, g0 = _BASE + _EXTRA[encoding], _GLOBAL[encoding]
        reach = v.travel <= THREAT_TICKS  # (P, P)
        feats[:, k0] = np.log1p(reach[:, v.enemy] @ v.ships[v.enemy]) / 5
        feats[:, k0 + 1] = np.log1p(reach[:, v.mine] @ v.ships[v.mine]) / 5
        short = np.maximum(0, _threat(v) - v.ships) * v.mine
        feats[:, k0 + 2] = np.log1p(short) / 5
        glob[g0] = (short > 0).sum() / max(1, int(v.mine.sum()))
    out = np.concatenate([feats.ravel(), glob])
    return np.clip(out, -OBS_CLIP, OBS_CLIP).astype(np.float32)
