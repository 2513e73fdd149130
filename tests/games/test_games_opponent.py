"""Session 6: opponent models that are not the opponent's code (`frontline.games.opponent`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.games.arena import play_games, resolve_player
from frontline.games.bots import BOTS, DETERMINISTIC_POLICIES, Policy, make_bot
from frontline.games.dqn import Agent
from frontline.games.intents import Intent
from frontline.games.opponent import (
    GENERIC_FAMILY,
    GenericParams,
    GenericPolicy,
    OnlineFit,
    expand_models,
    generic_policy,
    leave_one_out,
    model_policy,
    snapshot_distance,
)
from frontline.games.rules import DECISION_TICKS, advance, apply_orders, generate_map, new_games
from frontline.games.search import HONEST_VARIANT, TRUST_AFTER, VARIANTS, SearchAgent


@pytest.fixture(scope="module")
def dqn() -> Agent:
    agent = resolve_player("dqn")
    assert isinstance(agent, Agent)
    return agent


def _watch(
    enemy: Policy, models: dict[str, Policy], exact: bool, seed: int, decisions: int = 12
) -> OnlineFit:
    """Side 1 plays rule2 and fits `models` to side 2 (`enemy`) as the search agent does."""
    st = new_games([generate_map(10, seed)])
    me, rng = make_bot("rule2"), np.random.default_rng(0)
    fit = OnlineFit(models, exact=exact)
    for _ in range(decisions):
        if st.done[0]:
            break
        if fit.pending:
            fit.observe(st, 0)
        mine, theirs = me.act(st, 0, 1, rng), enemy.act(st, 0, 2, rng)
        fit.predict(st, 0, 1, mine)
        apply_orders(st, 0, 1, mine)
        apply_orders(st, 0, 2, theirs)
        advance(st, DECISION_TICKS)
    if fit.pending:
        fit.observe(st, 0)
    return fit


@pytest.mark.parametrize(
    ("params", "seed"),
    [(GenericParams("weak", 0.75, 10), 900_001), (GenericParams("near", 1.0, 25), 900_002)],
)
def test_online_fit_recovers_the_parameters_of_a_generic_heuristic(params: GenericParams, seed: int) -> None:
    family: dict[str, Policy] = {n: generic_policy(n) for n in GENERIC_FAMILY}
    fit = _watch(GenericPolicy(params), family, exact=False, seed=seed)
    best = fit.ranking()[0]
    assert best == params.name
    assert fit.error[best] < min(e for n, e in fit.error.items() if n != best)


def test_exact_fit_drops_a_model_at_its_first_misprediction() -> None:
    models = {n: make_bot(n) for n in ("rule", "always-attack", "rule2")}
    fit = _watch(make_bot("rule2"), models, exact=True, seed=900_003)
    assert fit.ranking() == ["rule2"]


def test_snapshot_distance_is_zero_only_for_the_same_position() -> None:
    st = new_games([generate_map(10, 900_004)] * 2)
    assert snapshot_distance(st, 0, st, 1) == 0.0
    apply_orders(st, 1, 1, make_bot("expander").act(st, 1, 1, np.random.default_rng(0)))
    assert snapshot_distance(st, 0, st, 1) > 0.0


def test_leave_one_out_excludes_the_opponent_and_its_exact_copies() -> None:
    library = (*DETERMINISTIC_POLICIES, "always-build")
    rest = leave_one_out(library, "rule2", n_maps=1)
    assert "rule2" not in rest and "always-build" not in rest  # always-build is rule2's plan
    assert "always-guard" in rest and "rule" in rest  # they play differently
    rest = leave_one_out(library, "always-rule", n_maps=1)
    assert "always-rule" not in rest and "rule" not in rest


def test_generic_models_give_legal_orders_and_bad_names_fail() -> None:
    st = new_games([generate_map(10, 900_005)])
    rng = np.random.default_rng(0)
    for n in expand_models(["generic"]):
        apply_orders(st.copy(), 0, 2, model_policy(n).act(st, 0, 2, rng))  # raises on an illegal order
    assert len(expand_models(["self", "generic", "generic"])) == 1 + len(GENERIC_FAMILY)
    for bad in ("generic:far/0.5/0", "generic:near/2/0", "generic:near"):
        with pytest.raises(InputError):
            generic_policy(bad)
    with pytest.raises(InputError):
        model_policy("self")


def test_honest_variants_hold_no_scripted_bot(dqn: Agent) -> None:
    bench = set(BOTS) | set(DETERMINISTIC_POLICIES) | {f"always-{i.name.lower()}" for i in Intent}
    for name in ("self", "generic"):
        agent = SearchAgent(dqn, VARIANTS[name])
        assert not set(agent.models) & bench
        assert all(p is dqn or isinstance(p, GenericPolicy) for p in agent.models.values())
        assert set(agent.bases) == {"dqn"}  # no fixed-intent fallbacks either
    assert HONEST_VARIANT in ("self", "generic")
    player = resolve_player("dqn+self")
    assert isinstance(player, SearchAgent) and player.cfg == VARIANTS["self"] and player.name == "dqn+self"
    with pytest.raises(InputError):
        resolve_player("rule2+self")


def test_self_model_search_turns_mirror_draws_against_rule2_into_wins(dqn: Agent) -> None:
    # dev map 900,000: the plain DQN draws rule2 from both sides (a mirror game)
    maps, foe = [generate_map(10, 900_000)], make_bot("rule2")
    assert play_games(new_games(maps), (dqn, foe), np.random.default_rng(0))[0] == 0
    agent = SearchAgent(dqn, VARIANTS["self"])
    assert play_games(new_games(maps), (agent, foe), np.random.default_rng(0))[0] == 1
    assert play_games(new_games(maps), (foe, agent), np.random.default_rng(0))[0] == 2
    st = agent.stats
    assert st.model_used.keys() == {"self"} and st.model_breaks == 0 and st.overrides >= 1
    assert 0 < st.exact_predictions < st.predictions  # the network is not rule2: an inexact model


def test_trust_gate_stops_searching_under_a_model_that_mispredicts(dqn: Agent) -> None:
    maps, foe = [generate_map(10, 900_006)], make_bot("expander")
    strict = SearchAgent(dqn, replace(VARIANTS["self"], trust=1.0))
    play_games(new_games(maps), (strict, foe), np.random.default_rng(0))
    st = strict.stats
    assert st.exact_predictions < st.predictions  # the network is not the expander
    assert st.untrusted > 0 and st.searches + st.untrusted <= st.decisions
    assert st.searches <= TRUST_AFTER + 1  # judged after TRUST_AFTER checks, then left to the DQN
