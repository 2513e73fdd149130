"""Intents give legal orders; every bot plays legal games from both sides; the rule bot is the strongest."""

from __future__ import annotations

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.games.arena import match, play_games, wilson_interval
from frontline.games.bots import BOTS, make_bot
from frontline.games.intents import INTENTS, Intent, forecast, intent_orders, player_view
from frontline.games.rules import DECISION_TICKS, advance, apply_orders, generate_map, new_games


def test_every_intent_gives_legal_orders_through_a_game() -> None:
    rng = np.random.default_rng(0)
    opp = make_bot("expander")
    for seed in range(3):
        st = new_games([generate_map(12, seed)])
        while not st.done[0]:
            view = player_view(st, 0, 1)
            for intent in INTENTS:  # each one must be legal on its own
                trial = st.copy()
                apply_orders(trial, 0, 1, intent_orders(view, intent))
            apply_orders(st, 0, 1, intent_orders(view, int(rng.integers(len(INTENTS)))))
            apply_orders(st, 0, 2, opp.act(st, 0, 2, rng))
            advance(st, DECISION_TICKS)


@pytest.mark.parametrize("name", list(BOTS))
def test_bots_play_legal_games_from_both_sides(name: str) -> None:
    rng = np.random.default_rng(1)
    for players in ((make_bot(name), make_bot("random")), (make_bot("random"), make_bot(name))):
        st = new_games([generate_map(n, 11) for n in [10] * 4])
        winners = play_games(st, players, rng)
        assert st.done.all() and set(winners.tolist()) <= {0, 1, 2}


def test_rule_bot_beats_the_others() -> None:
    for other in ("expander", "upgrader"):
        assert match(make_bot("rule"), make_bot(other), n_maps=4, n_planets=10).score >= 0.75


def test_unknown_bot_and_wilson() -> None:
    with pytest.raises(InputError, match="unknown bot"):
        make_bot("nosuchbot")
    lo, hi = wilson_interval(95, 100)
    assert lo < 0.95 < hi and lo > 0.88


def test_forecast_matches_the_simulator() -> None:
    """The forecast (no new orders) predicts the owners and garrisons the game itself reaches."""
    rng = np.random.default_rng(2)
    bots = (make_bot("rule"), make_bot("bully"))
    for seed in range(3):
        st = new_games([generate_map(10, 40 + seed)])
        for _ in range(4):  # a few decisions in, with fleets in the air
            for side, bot in ((1, bots[0]), (2, bots[1])):
                apply_orders(st, 0, side, bot.act(st, 0, side, rng))
            advance(st, DECISION_TICKS)
        fc = forecast(player_view(st, 0, 2))
        rel = {0: 0, 1: 2, 2: 1}  # player 2's view: own = 1, enemy = 2
        for t in (5, 17, 30):
            future = st.copy()
            advance(future, t)
            if future.done[0]:
                break
            assert [rel[int(o)] for o in future.owner[0]] == fc.owner[t].tolist()
            assert future.ships[0].tolist() == fc.ships[t].tolist()


def test_rule_intent_is_the_rule_bot_and_attack_beats_it() -> None:
    st = new_games([generate_map(10, 77)])
    rng = np.random.default_rng(0)
    assert intent_orders(player_view(st, 0, 1), Intent.RULE) == make_bot("rule").act(st, 0, 1, rng)
    # the forecast-based ATTACK plan alone beats the rule bot (measured: ~95% over 100 training-range maps)
    assert (
        match(make_bot("always-attack"), make_bot("rule"), n_maps=6, n_planets=10, seed0=500_000).score
        >= 0.75
    )
