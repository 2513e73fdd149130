"""Rules invariants: symmetric maps, combat, fleet timing, production, end conditions, illegal orders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from frontline.errors import InputError
from frontline.games import rules as R


@pytest.mark.parametrize("n", [6, 7, 20, 33, 40])
def test_maps_are_point_symmetric_and_seeded(n: int) -> None:
    m = R.generate_map(n, seed=5)
    c = np.array([m.size / 2, m.size / 2])
    pairs = n // 2
    np.testing.assert_allclose(
        m.positions[0 : 2 * pairs : 2] + m.positions[1 : 2 * pairs : 2], 2 * c[None].repeat(pairs, 0)
    )
    assert (m.production[0::2][:pairs] == m.production[1::2][:pairs]).all()
    assert (m.ships[0::2][:pairs] == m.ships[1::2][:pairs]).all()
    if n % 2:
        np.testing.assert_allclose(m.positions[-1], c)
    assert m.positions.min() >= 0 and m.positions.max() <= m.size
    again = R.generate_map(n, seed=5)
    np.testing.assert_array_equal(m.positions, again.positions)
    assert not np.array_equal(m.positions, R.generate_map(n, seed=6).positions)


@pytest.mark.parametrize("n", [5, 161])
def test_map_size_out_of_range(n: int) -> None:
    with pytest.raises(InputError):
        R.generate_map(n, 0)


def test_combat_conserves_ships_and_duels_cost_both_sides_equally() -> None:
    rng = np.random.default_rng(0)
    owner = rng.integers(0, 3, size=500).astype(np.int8)
    garrison = rng.integers(0, 50, size=500)
    arriving = rng.integers(0, 50, size=(500, 3)) * (rng.random((500, 3)) < 0.6)
    arriving[:, 0] = 0  # fleets always belong to a player
    new_owner, new_ships = R.resolve_combat(owner, garrison, arriving)
    forces = arriving.copy()
    forces[np.arange(500), owner] += garrison
    srt = np.sort(forces, axis=1)
    # survivors = largest - second; destroyed = everything else, the winner loses exactly `second`
    np.testing.assert_array_equal(new_ships, srt[:, 2] - srt[:, 1])
    assert ((forces.sum(1) - new_ships) == srt[:, 0] + 2 * srt[:, 1]).all()
    decided = srt[:, 2] > srt[:, 1]
    assert (new_owner[decided] == forces[decided].argmax(1)).all()
    assert (new_owner[~decided] == owner[~decided]).all()


def test_fleet_arrival_time_is_distance_over_speed() -> None:
    m = R.generate_map(10, 3)
    st = R.new_games([m], tick_limit=10_000)
    dist = float(np.linalg.norm(m.positions[0] - m.positions[4]))
    eta = math.ceil(dist / R.SPEED)
    R.apply_orders(st, 0, 1, [R.Launch(0, 4, 90)])
    assert st.fleet_arrive[0].max() == eta
    R.advance(st, eta - 1)
    assert (st.fleet_ships[0] > 0).sum() == 1 and st.owner[0, 4] == 0
    R.advance(st, 1)
    assert (st.fleet_ships[0] > 0).sum() == 0
    assert st.owner[0, 4] == 1 and st.ships[0, 4] == 90 - m.ships[4]


def test_production_only_for_players_and_upgrade() -> None:
    m = R.generate_map(8, 1)
    st = R.new_games([m], tick_limit=10_000)
    R.advance(st, 7)
    assert st.ships[0, 0] == m.ships[0] + 7 * m.production[0]
    np.testing.assert_array_equal(st.ships[0, 2:], m.ships[2:])  # neutral planets do not grow
    R.apply_orders(st, 0, 1, [R.Upgrade(0)])
    assert st.level[0, 0] == 1 and st.production[0, 0] == m.production[0] + R.UPGRADE_PRODUCTION
    assert st.ships[0, 0] == m.ships[0] + 7 * m.production[0] - R.upgrade_cost(0)


@pytest.mark.parametrize(
    "order",
    [
        R.Launch(1, 3, 5),
        R.Launch(0, 0, 5),
        R.Launch(0, 3, 0),
        R.Launch(0, 3, 10_000),
        R.Launch(0, 99, 1),
        R.Upgrade(2),
    ],
)
def test_illegal_orders_raise(order: R.Order) -> None:
    st = R.new_games([R.generate_map(8, 1)])
    with pytest.raises(InputError):
        R.apply_orders(st, 0, 1, [order])


def test_elimination_and_tick_limit() -> None:
    st = R.new_games([R.generate_map(6, 2)], tick_limit=10_000)
    st.ships[0, 1] = 0
    st.production[0, 1] = 0
    R.apply_orders(st, 0, 1, [R.Launch(0, 1, 50)])
    R.advance(st, int(st.travel[0, 0, 1]))
    assert st.done[0] and st.winner[0] == 1
    st = R.new_games([R.generate_map(6, 2)], tick_limit=30)
    R.apply_orders(st, 0, 2, [R.Upgrade(1)])  # costs ships, adds production worth PRODUCTION_WEIGHT each
    R.advance(st, 40)
    assert st.done[0] and st.tick[0] == 30
    sc = R.scores(st)[0]
    assert st.winner[0] == (1 if sc[1] > sc[2] else 2)


def test_batch_matches_single_games() -> None:
    maps = [R.generate_map(12, s) for s in range(3)]
    batch = R.new_games(maps, tick_limit=200)
    singles = [R.new_games([m], tick_limit=200) for m in maps]
    for g, single in enumerate(singles):
        for st, gi in ((batch, g), (single, 0)):
            R.apply_orders(st, gi, 1, [R.Launch(0, 5, 60)])
            R.apply_orders(st, gi, 2, [R.Launch(1, 4, 60)])
    R.advance(batch, 200)
    for g, single in enumerate(singles):
        R.advance(single, 200)
        np.testing.assert_array_equal(batch.ships[g], single.ships[0])
        np.testing.assert_array_equal(batch.owner[g], single.owner[0])


def _naive_advance(st: R.GameState, n: int) -> None:
    """Reference: tick by tick, planet by planet, fleet by fleet (slow, obviously right)."""
    for _ in range(n):
        for g in range(st.batch):
            if st.done[g]:
                continue
            st.tick[g] += 1
            owned = st.owner[g] > 0
            st.ships[g][owned] += st.production[g][owned]
            arriving = np.zeros((st.n_planets, 3), dtype=np.int64)
            landed = False
            for f in range(st.fleet_ships.shape[1]):
                if st.fleet_ships[g, f] > 0 and st.fleet_arrive[g, f] == st.tick[g]:
                    arriving[st.fleet_target[g, f], st.fleet_owner[g, f]] += st.fleet_ships[g, f]
                    st.fleet_ships[g, f] = 0
                    landed = True
            if landed:
                st.owner[g], st.ships[g] = R.resolve_combat(st.owner[g], st.ships[g], arriving)
        R._check_end(st)


def test_event_driven_advance_equals_tick_by_tick() -> None:
    from frontline.games.bots import make_bot

    rng = np.random.default_rng(0)
    maps = [R.generate_map(12, s) for s in range(4)]
    fast, slow = R.new_games(maps, tick_limit=150), R.new_games(maps, tick_limit=150)
    bots = (make_bot("rule"), make_bot("random"))
    while not fast.done.all():
        for g in np.flatnonzero(~fast.done):
            for side, bot in ((1, bots[0]), (2, bots[1])):
                orders = bot.act(fast, int(g), side, rng)
                R.apply_orders(fast, int(g), side, orders)
                R.apply_orders(slow, int(g), side, orders)
        R.advance(fast, R.DECISION_TICKS)
        _naive_advance(slow, R.DECISION_TICKS)
        for name in ("owner", "ships", "fleet_ships", "tick", "done", "winner"):
            np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
