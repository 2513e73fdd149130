"""Session 5: the rollout search under an opponent model (`frontline.games.search`) and the fast planner path."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.games.arena import play_games, resolve_player
from frontline.games.bots import make_bot
from frontline.games.dqn import Agent
from frontline.games.intents import _keeps, _timeline
from frontline.games.rules import (
    DECISION_TICKS,
    GameState,
    Launch,
    advance,
    apply_orders,
    generate_map,
    new_games,
    resolve_combat,
)
from frontline.games.search import SearchAgent, SearchConfig, replicate, rollout_values, same_snapshot


def _snapshot(state: GameState) -> dict[str, np.ndarray]:
    return {k: getattr(state, k).copy() for k in ("owner", "ships", "level", "fleet_ships", "tick", "done")}


def _midgame(seed: int = 900_003, decisions: int = 6) -> GameState:
    st = new_games([generate_map(10, seed)])
    bot, rng = make_bot("rule2"), np.random.default_rng(0)
    for _ in range(decisions):
        o1, o2 = bot.act(st, 0, 1, rng), bot.act(st, 0, 2, rng)
        apply_orders(st, 0, 1, o1)
        apply_orders(st, 0, 2, o2)
        advance(st, DECISION_TICKS)
    return st


@pytest.fixture(scope="module")
def dqn() -> Agent:
    agent = resolve_player("dqn")
    assert isinstance(agent, Agent)
    return agent


def _naive_timeline(
    owner0: np.ndarray, ships0: np.ndarray, prod: np.ndarray, arrivals: np.ndarray
) -> np.ndarray:
    """Tick by tick (the session-4 forecast): production, then the landings; owners (H+1, P)."""
    o, s, out = owner0.copy(), ships0.copy(), [owner0.copy()]
    for t in range(1, arrivals.shape[0]):
        s = s + prod * (o > 0)
        if arrivals[t].any():
            o, s = resolve_combat(o, s, arrivals[t])
        out.append(o.copy())
    return np.stack(out)


def test_event_driven_forecast_matches_tick_by_tick() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        h, p = int(rng.integers(1, 30)), int(rng.integers(1, 4))
        arr = np.zeros((h + 1, p, 3), np.int64)
        for t in rng.integers(1, h + 1, size=int(rng.integers(0, 6))):
            arr[t, int(rng.integers(0, p)), int(rng.integers(0, 3))] += int(rng.integers(0, 40))
        owner0, ships0 = rng.integers(0, 3, size=p), rng.integers(0, 40, size=p)
        prod = rng.integers(0, 6, size=p)
        want = _naive_timeline(owner0, ships0, prod, arr)
        owner, _ = _timeline(owner0, ships0, prod, arr)
        assert np.array_equal(owner, want)
        land = int(rng.integers(0, h + 2))
        until = None if rng.random() < 0.5 else int(rng.integers(0, h + 2))
        events = {t: arr[t, 0].tolist() for t in range(h + 1) if arr[t, 0].any()}
        keeps = _keeps(int(owner0[0]), int(ships0[0]), int(prod[0]), events, h, land, until)
        assert keeps == bool((want[land:until, 0] == 1).all())


def test_replicate_and_rollouts_leave_the_live_game_alone() -> None:
    st = _midgame()
    before = _snapshot(st)
    sim = replicate(st, 0, 3)
    assert sim.batch == 3 and same_snapshot(sim, 2, st, 0)
    sim.ships[1, 0] += 5
    assert not same_snapshot(sim, 1, st, 0)
    rollout_values(st, 0, 1, [(), ()], make_bot("rule2"), make_bot("rule2"), np.random.default_rng(0))
    for k, v in before.items():
        assert np.array_equal(getattr(st, k), v), k


def test_rollout_prefers_the_candidate_that_wins() -> None:
    # planet 0 (ours) holds 200 ships next to the enemy's only planet (1, 5 ships); every other planet neutral
    st = new_games([generate_map(10, 900_010)])
    st.ships[0, 0], st.ships[0, 1] = 200, 5
    strike = (Launch(0, 1, 190),)  # lands after 31 ticks on 5 + 31 x 5 = 160 ships
    wait, rng = make_bot("always-wait"), np.random.default_rng(0)
    vals = rollout_values(st, 0, 1, [(), strike], wait, wait, rng, horizon=60)
    assert vals[1, 0] == 1  # the strike takes the enemy's last planet: a win
    assert vals[0, 0] == 0  # waiting does not end the game within the horizon
    again = rollout_values(st, 0, 1, [(), strike], wait, wait, rng, horizon=60)
    assert np.array_equal(vals, again)  # deterministic


def test_search_turns_mirror_draws_against_rule2_into_wins(dqn: Agent) -> None:
    maps = [generate_map(10, 900_000 + i) for i in range(2)]
    plain = play_games(new_games(maps), (dqn, make_bot("rule2")), np.random.default_rng(0))
    agent = SearchAgent(dqn, SearchConfig())
    w1 = play_games(new_games(maps), (agent, make_bot("rule2")), np.random.default_rng(0))
    w2 = play_games(new_games(maps), (make_bot("rule2"), agent), np.random.default_rng(0))
    assert (plain != 1).any()  # the plain DQN does not win these
    assert (w1 == 1).all() and (w2 == 2).all()
    assert agent.stats.model_breaks == 0 and agent.stats.overrides >= 1
    again = SearchAgent(dqn, SearchConfig())
    assert np.array_equal(
        play_games(new_games(maps), (again, make_bot("rule2")), np.random.default_rng(0)), w1
    )


def test_search_switches_off_when_no_model_explains_the_opponent(dqn: Agent) -> None:
    st = new_games([generate_map(10, 900_020)])
    agent, foe, rng = SearchAgent(dqn, SearchConfig()), make_bot("random"), np.random.default_rng(0)
    plain_after_break = []
    while not st.done.all():
        mine = agent.act(st, 0, 1, rng)
        if agent.stats.model_breaks:
            plain_after_break.append(mine == dqn.act(st, 0, 1, rng))
        apply_orders(st, 0, 1, mine)
        apply_orders(st, 0, 2, foe.act(st, 0, 2, rng))
        advance(st, DECISION_TICKS)
    assert agent.stats.model_breaks == 1
    assert plain_after_break and all(plain_after_break)  # after the break it plays the plain DQN


def test_a_fallback_line_saves_a_game_the_dqn_lines_lose(dqn: Agent) -> None:
    # dev map 900,024: every line that continues with the DQN loses to always-reinforce (eliminated)
    maps, foe = [generate_map(10, 900_024)], make_bot("always-reinforce")
    only_dqn = SearchAgent(dqn, SearchConfig(fallbacks=()))
    assert play_games(new_games(maps), (only_dqn, foe), np.random.default_rng(0))[0] == 2
    agent = SearchAgent(dqn, SearchConfig())
    assert play_games(new_games(maps), (agent, foe), np.random.default_rng(0))[0] == 1
    assert agent.stats.handovers >= 1 and agent.stats.fallback_searches >= 1


def test_resolve_search_names() -> None:
    assert isinstance(resolve_player("dqn+search"), SearchAgent)
    with pytest.raises(InputError):
        resolve_player("rule2+search")
    with pytest.raises(InputError):
        rollout_values(new_games([generate_map(10, 1)]), 0, 1, [], make_bot("rule2"), make_bot("rule2"), None)  # type: ignore[arg-type]
