"""Session 3: the threat estimate, the GUARD intent, the threat features, and loading agents saved before them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from frontline.games.dqn import AGENT_FORMAT, DQNConfig, build_qnet, load_agent
from frontline.games.encoding import encode, obs_layout
from frontline.games.intents import INTENTS, Intent, PlayerView, intent_orders, player_view, threat
from frontline.games.rules import GameState, Launch, generate_map, new_games


def _view(owner: list[int], ships: list[int], production: list[int], travel: np.ndarray) -> PlayerView:
    n = len(owner)
    zeros = np.zeros(n, np.int64)
    return PlayerView(
        player=1,
        owner=np.asarray(owner),
        ships=np.asarray(ships, np.int64),
        production=np.asarray(production, np.int64),
        level=zeros,
        travel=travel,
        incoming_own=zeros,
        incoming_enemy=zeros,
        first_enemy_eta=np.full(n, 10**6, np.int64),
        tick=0,
    )


def test_threat_counts_enemy_garrisons_in_reach_minus_production() -> None:
    # planet 0 own (production 2); enemy 1 at 5 ticks (30 ships), enemy 2 at 12 (50), enemy 3 at 40 (500)
    travel = np.full((5, 5), 40, np.int64)
    np.fill_diagonal(travel, 0)
    for e, d in ((1, 5), (2, 12)):
        travel[0, e] = travel[e, 0] = d
    v = _view([1, 2, 2, 2, 0], [10, 30, 50, 500, 7], [2, 1, 1, 1, 1], travel)
    th = threat(v, horizon=20)
    assert th[0] == max(30 - 2 * 5, 30 + 50 - 2 * 12)  # 56: both in reach, the far stack is not
    assert th[1:].tolist() == [0, 0, 0, 0]  # only own planets carry a threat
    assert threat(v, horizon=4)[0] == 0


def _stack_next_to_us() -> GameState:
    """A 10-planet map where the enemy masses 200 ships next to a weak own planet; our home is rich enough
    that ships are left after every capture (GUARD reinforces with what the captures leave)."""
    st = new_games([generate_map(10, 123)])
    tr = st.travel[0]
    own, enemy_home = 0, 1
    near = [p for p in np.argsort(tr[enemy_home]) if p not in (own, enemy_home)]
    weak, stack = int(near[1]), int(near[0])
    st.owner[0][:] = 0
    st.owner[0][[own, weak]] = 1
    st.owner[0][[enemy_home, stack]] = 2
    st.ships[0][:] = 5
    st.ships[0][own], st.ships[0][weak], st.ships[0][stack], st.ships[0][enemy_home] = 1000, 10, 200, 5
    return st


def test_guard_reinforces_a_planet_an_enemy_stack_can_take() -> None:
    st = _stack_next_to_us()
    v = player_view(st, 0, 1)
    weak = int(np.flatnonzero(v.mine)[1])
    deficit = int(threat(v)[weak]) + 1 - int(v.ships[weak])
    assert deficit > 100  # the 200-ship stack is within THREAT_TICKS of the 10-ship planet
    guard = intent_orders(v, Intent.GUARD)
    assert sum(o.ships for o in guard if isinstance(o, Launch) and o.target == weak) >= deficit
    attack = intent_orders(v, Intent.ATTACK)  # ATTACK has no notion of the stack: nothing goes there
    assert not [o for o in attack if isinstance(o, Launch) and o.target == weak]


def test_threat_features_layout_and_values() -> None:
    st = _stack_next_to_us()
    p, k, g = obs_layout(10, "ref")
    _, k0, g0 = obs_layout(10, "ref", threat=False)
    assert (k, g) == (k0 + 3, g0 + 1)
    obs = encode(st, 0, 1, "ref")
    assert obs.shape == (p * k + g,)
    feats = obs[: p * k].reshape(p, k)
    v = player_view(st, 0, 1)
    short = np.maximum(0, threat(v) - v.ships) * v.mine
    np.testing.assert_allclose(feats[:, k - 1], np.log1p(short) / 5, rtol=1e-5)
    assert obs[-1] == np.float32((short > 0).sum() / v.mine.sum())
    assert encode(st, 0, 1, "ref", threat=False).shape == (p * (k - 3) + g - 1,)


def test_agents_saved_before_guard_still_load_and_play(tmp_path: Path) -> None:
    cfg = DQNConfig(hidden=16, threat_features=False, intents=7)
    net = build_qnet(cfg)
    blob = asdict(cfg)
    del blob["threat_features"], blob["intents"]  # a session-2 agent file has neither field
    torch.save(
        {"format": AGENT_FORMAT, "config": blob, "model": net.state_dict(), "meta": {}}, tmp_path / "old.pt"
    )
    agent = load_agent(tmp_path / "old.pt")
    assert agent.cfg.intents == 7 and not agent.cfg.threat_features
    st = new_games([generate_map(10, 5)])
    assert agent.q_values(st, 0, 1).shape == (7,)
    agent.act(st, 0, 1, np.random.default_rng(0))
    assert len(INTENTS) == 9 and build_qnet(DQNConfig(hidden=16)).adv.out_features == 9


def test_agents_saved_with_eight_intents_still_load_and_play(tmp_path: Path) -> None:
    cfg = DQNConfig(hidden=16, intents=8)
    torch.save(
        {"format": AGENT_FORMAT, "config": asdict(cfg), "model": build_qnet(cfg).state_dict(), "meta": {}},
        tmp_path / "s3.pt",
    )
    agent = load_agent(tmp_path / "s3.pt")
    st = new_games([generate_map(10, 6)])
    assert agent.q_values(st, 0, 2).shape == (8,)
    agent.act(st, 0, 2, np.random.default_rng(0))
