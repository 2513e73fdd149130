"""The gymnasium env: env checker for both action interfaces and encodings, masks, bad input, the batch env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import frontline.games  # noqa: F401  (registers the env)
from frontline.errors import InputError
from frontline.games.encoding import obs_layout
from frontline.games.env import ENV_ID, BatchEnv, SpaceConquestEnv, flat_action_count


@pytest.mark.parametrize("action_space", ["high", "flat"])
@pytest.mark.parametrize("encoding", ["ref", "raw"])
def test_check_env(action_space: str, encoding: str) -> None:
    env = gym.make(ENV_ID, map_size=8, action_space=action_space, encoding=encoding, invalid_action="wait")
    check_env(env.unwrapped, skip_render_check=False)
    obs, info = env.reset(seed=1)
    assert obs.shape == env.observation_space.shape and obs.dtype == np.float32
    assert isinstance(env.action_space, gym.spaces.Discrete)
    assert info["action_mask"].shape == (env.action_space.n,)


def test_flat_masked_action_raises_and_legal_game_finishes() -> None:
    env = SpaceConquestEnv(map_size=8, action_space="flat")
    assert isinstance(env.action_space, gym.spaces.Discrete)
    assert env.action_space.n == flat_action_count(8) == 8 * 8 * 3 + 8 + 1
    obs, info = env.reset(seed=0)
    illegal = int(np.flatnonzero(info["action_mask"] == 0)[0])
    with pytest.raises(InputError, match="masked"):
        env.step(illegal)
    rng = np.random.default_rng(0)
    done, steps = False, 0
    while not done:
        a = env.action_space.sample(mask=info["action_mask"])
        obs, r, done, trunc, info = env.step(a)
        steps += 1
        assert env.observation_space.contains(obs)
    assert r in (-1.0, 0.0, 1.0) and steps > 1 and rng is not None


def test_invalid_wait_mode_flags_the_action() -> None:
    env = SpaceConquestEnv(map_size=8, action_space="flat", invalid_action="wait")
    _, info = env.reset(seed=0)
    illegal = int(np.flatnonzero(info["action_mask"] == 0)[0])
    _, _, _, _, info = env.step(illegal)
    assert info["invalid_action"] is True


@pytest.mark.parametrize("bad", [np.array([1, 2]), 1.5, "2", 9, -1])
def test_bad_actions_raise(bad: object) -> None:
    env = SpaceConquestEnv(map_size=8)
    env.reset(seed=0)
    with pytest.raises(InputError):
        env.step(bad)


@pytest.mark.parametrize(
    "kwargs", [{"encoding": "polar"}, {"action_space": "huge"}, {"map_size": 3}, {"opponent": "nosuchbot"}]
)
def test_bad_options_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(InputError):
        SpaceConquestEnv(**kwargs)  # type: ignore[arg-type]


def test_step_before_reset_raises() -> None:
    with pytest.raises(InputError):
        SpaceConquestEnv().step(0)


def test_sides_and_maps_from_options() -> None:
    env = SpaceConquestEnv(map_size=8)
    o1, i1 = env.reset(seed=0, options={"map_seed": 7, "side": 1})
    o2, i2 = env.reset(seed=0, options={"map_seed": 7, "side": 2})
    assert i1["player"] == 1 and i2["player"] == 2 and i1["map_seed"] == i2["map_seed"] == 7
    # reference-point features are the same from both sides of a point-symmetric map (planets swap in pairs)
    p, k, _ = obs_layout(8, "ref")
    f1, f2 = o1[: p * k].reshape(p, k), o2[: p * k].reshape(p, k)
    np.testing.assert_allclose(f1[0::2], f2[1::2], atol=1e-5)


def test_batch_env_shapes_and_autoreset() -> None:
    env = BatchEnv(4, map_size=8, action_space="flat", seed=0)
    obs = env.observe()
    assert obs.shape == (4, env.obs_dim)
    ended = 0
    for _ in range(80):
        masks = env.masks()
        acts = np.array([np.flatnonzero(m)[-1] for m in masks])  # wait
        obs, rew, done, info = env.step(acts)
        ended += int(done.sum())
        assert info["action_mask"].shape == (4, env.n_actions)
        assert set(np.unique(rew)) <= {-1.0, 0.0, 1.0}
    assert ended > 0
    with pytest.raises(InputError):
        env.step(np.zeros(3, dtype=int))
