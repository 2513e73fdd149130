"""Tiny DQN smoke runs: a few hundred steps for both action interfaces, resume, fine-tune init, agent files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from frontline.errors import InputError
from frontline.games.dqn import DQNConfig, build_qnet, load_agent, train
from frontline.games.encoding import obs_layout
from frontline.games.intents import INTENTS
from frontline.games.rules import generate_map, new_games

TINY = {
    "steps": 320,
    "n_envs": 4,
    "learning_starts": 64,
    "batch_size": 32,
    "train_every": 4,
    "eval_every": 160,
    "eval_maps": 1,
    "log_every": 80,
    "hidden": 16,
    "buffer_size": 1000,
    "map_size": 8,
}


def test_set_network_plays_any_map_size() -> None:
    cfg = DQNConfig(hidden=16)
    net = build_qnet(cfg)
    _, k, g = obs_layout(8, "ref")
    for p in (8, 20, 40):
        obs = torch.zeros(3, p * k + g)
        q = net(obs)
        assert q.shape == (3, len(INTENTS)) and torch.isfinite(q).all()


def test_wrong_observation_shapes_raise() -> None:
    net = build_qnet(DQNConfig(hidden=16))
    _, k, g = obs_layout(8, "ref")
    for bad in (torch.zeros(3, k * 8 + g + 5), torch.zeros(k * 8 + g), torch.zeros(2, 4)):
        with pytest.raises(InputError):
            net(bad)
    flat = build_qnet(DQNConfig(hidden=16, action_space="flat", map_size=8))
    with pytest.raises(InputError):
        flat(torch.zeros(1, k * 10 + g))


@pytest.mark.parametrize("action_space,encoding,shaping", [("high", "ref", True), ("flat", "raw", False)])
def test_tiny_training_run_and_resume(
    tmp_path: Path, action_space: str, encoding: str, shaping: bool
) -> None:
    cfg = DQNConfig(action_space=action_space, encoding=encoding, shaping=shaping, **TINY)  # type: ignore[arg-type]
    res = train(cfg, root=tmp_path, name="tiny")
    assert res.steps >= 320 and res.agent_path.is_file()
    rows = [json.loads(x) for x in (res.run_dir / "metrics.jsonl").read_text().splitlines()]
    keys = set().union(*rows)
    assert {"td_loss", "q_mean", "epsilon", "win_rate_rule", "episodic_return"} <= keys
    assert (res.run_dir / "report.html").is_file()
    assert set(res.final_win_rates) == {"random", "expander", "bully", "upgrader", "rule", "rule2"}
    agent = load_agent(res.agent_path)
    st = new_games([generate_map(8, 5)])
    assert isinstance(agent.act(st, 0, 2, np.random.default_rng(0)), list)
    # resume: continue the same run folder to a larger budget from checkpoints/last.pt
    more = DQNConfig(action_space=action_space, encoding=encoding, shaping=shaping, **(TINY | {"steps": 480}))  # type: ignore[arg-type]
    res2 = train(more, root=tmp_path, resume=res.run_dir, name="tiny")
    assert res2.run_dir == res.run_dir and res2.steps >= 480
    steps = [
        r["step"] for r in (json.loads(x) for x in (res.run_dir / "metrics.jsonl").read_text().splitlines())
    ]
    assert max(steps) >= 480 and min(steps) <= 160


def test_missing_and_corrupt_agent_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_agent(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(InputError, match="corrupt"):
        load_agent(bad)
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="corrupt"):
        load_agent(tmp_path / "other.pt")


def test_bad_config_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        train(DQNConfig(action_space="huge"), root=tmp_path)
    with pytest.raises(InputError):
        train(DQNConfig(steps=0), root=tmp_path)
