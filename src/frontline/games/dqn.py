"""DQN for Space Conquest, written here in PyTorch: double DQN, target network, n-step replay, dueling head.

Reads top to bottom: the config, the Q-networks, the replay buffer, small pure helpers, the agent
(a `Policy` for arenas), then the training loop recorded with `frontline.lab.run`.
Prioritised replay is not used: with 9 intents, uniform replay already learns.

Networks (chosen by the action interface):
- `high` (9 intents; 7 for agents saved before GUARD, 8 for those saved before BUILD): a set network (DeepSets) so one model plays any map size: a per-planet MLP, mean-
  and max-pooled over planets, concatenated with the global features, then a dueling head V + A - mean(A).
- `flat` (P*P*3 + P + 1 actions): an MLP on the whole observation with a dueling head; illegal actions are
  masked out of the argmax (acting and double-DQN targets).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from frontline import lab
from frontline.errors import InputError
from frontline.games.arena import match
from frontline.games.bots import BOTS, STRONGEST_BOT, Policy, make_bot
from frontline.games.encoding import encode, obs_layout
from frontline.games.env import BatchEnv, flat_action_count, flat_action_mask, flat_action_orders
from frontline.games.intents import INTENTS, intent_orders, player_view
from frontline.games.rules import GameState, Order
from frontline.games.shaping import shaping_term

__all__ = [
    "parse_opponents",
    "DQNConfig",
    "QNetwork",
    "Agent",
    "TrainResult",
    "build_qnet",
    "train",
    "load_agent",
    "save_agent",
]

AGENT_FORMAT = "frontline-games-dqn-agent/1"
VALIDATION_SEED0 = 900_000
"""Maps for the learning curves during training: seeds 900_000.. (training maps are drawn below, test maps from 1_000_000)."""


# ---------------------------------------------------------------------------------------------- config
@dataclass
class DQNConfig:
    """Everything a training run needs; stored in the run folder and in every checkpoint."""

    action_space: str = "high"
    """`high` (9 intents + heuristic) or `flat` (source x target x fraction, upgrade, wait; masked)."""
    encoding: str = "ref"
    """`ref` (distances to reference points) or `raw` (x, y coordinates)."""
    shaping: bool = True
    """Add potential-based shaping (ship/production/planet share) to the win/loss reward."""
    shaping_scale: float = 1.0
    """Scale of the potential Phi."""
    map_size: int = 10
    """Planets per training map."""
    steps: int = 200_000
    """Environment steps (agent decisions, all parallel games together)."""
    n_envs: int = 8
    """Games played in parallel (one BatchEnv)."""
    opponents: tuple[str, ...] = ("rule", "expander", "bully", "upgrader", "random")
    """Bots the agent trains against."""
    opponent_weights: tuple[float, ...] = (0.6, 0.1, 0.1, 0.1, 0.1)
    """Probability of each opponent per game."""
    gamma: float = 0.99
    """Discount per decision."""
    n_step: int = 3
    """Steps of the n-step return."""
    lr: float = 5e-4
    """Adam learning rate."""
    batch_size: int = 128
    """Transitions per gradient step."""
    buffer_size: int = 50_000
    """Replay capacity (transitions)."""
    learning_starts: int = 2_000
    """Steps of experience before the first update."""
    train_every: int = 4
    """One gradient step per this many environment steps."""
    target_every: int = 500
    """Gradient steps between target-network copies."""
    eps_start: float = 1.0
    """Initial exploration rate."""
    eps_end: float = 0.05
    """Final exploration rate."""
    eps_fraction: float = 0.3
    """Fraction of `steps` over which epsilon falls linearly."""
    hidden: int = 64
    """Width of the hidden layers."""
    dueling: bool = True
    """Use a dueling head (V + A - mean A)."""
    double: bool = True
    """Double DQN targets (online argmax, target value)."""
    eval_every: int = 10_000
    """Steps between evaluations against every bot (learning curves, checkpoints)."""
    eval_maps: int = 10
    """Validation maps per bot per evaluation (each played from both sides)."""
    log_every: int = 1_000
    """Steps between training-scalar logs."""
    seed: int = 0
    """Seed of torch, the replay sampling and the map draws."""
    threads: int = 1
    """Torch CPU threads."""
    threat_features: bool = True
    """Observe the threat features (`encoding.encode(threat=True)`); agents saved before them load with False."""
    intents: int = len(INTENTS)
    """Intents the `high` network scores (7 for agents saved before GUARD, 8 before BUILD, 9 since; training needs all)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form notes stored with the run (e.g. the ablation name)."""


def parse_opponents(spec: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """'rule=0.6,expander=0.4' (or 'rule,bully': equal weights) -> (names, weights); bad specs raise InputError."""
    names, weights = [], []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, _, w = part.partition("=")
        try:
            weight = float(w) if w else 1.0
        except ValueError:
            raise InputError(f"--opponents: weight {w!r} of {name!r} is not a number") from None
        if weight <= 0:
            raise InputError(f"--opponents: weight of {name!r} must be > 0")
        make_bot(name.strip())
        names.append(name.strip())
        weights.append(weight)
    if not names:
        raise InputError("--opponents is empty; e.g. rule=0.6,expander=0.4")
    return tuple(names), tuple(weights)


# ---------------------------------------------------------------------------------------------- networks
class QNetwork(nn.Module):
    """Q-values for one observation batch; `forward(obs) -> (B, A)`.

    `kind="set"`: obs (B, P*K + G) is split into planets (B, P, K) and globals (B, G); works for any P.
    `kind="mlp"`: obs is used flat; P is fixed.
    """

    def __init__(
        self, kind: str, k: int, g: int, n_actions: int, hidden: int, dueling: bool, obs_dim: int = 0
    ) -> None:
        super().__init__()
        self.kind, self.k, self.g, self.dueling = kind, k, g, dueling
        if kind == "set":
            self.planet = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
            trunk_in = 2 * hidden + g
        elif kind == "mlp":
            self.planet = nn.Sequential()  # unused: the MLP reads the flat observation
            trunk_in = obs_dim
        else:
            raise InputError(f"unknown network kind {kind!r}")
        self.trunk = nn.Sequential(
            nn.Linear(trunk_in, 2 * hidden), nn.ReLU(), nn.Linear(2 * hidden, hidden), nn.ReLU()
        )
        self.adv = nn.Linear(hidden, n_actions)
        self.val = nn.Linear(hidden, 1) if dueling else None

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.ndim != 2:
            raise InputError(f"observations must be (batch, features), got shape {tuple(obs.shape)}")
        if self.kind == "set" and (obs.shape[1] <= self.g or (obs.shape[1] - self.g) % self.k):
            raise InputError(
                f"observation length {obs.shape[1]} is not P*{self.k} + {self.g} (wrong encoding?)"
            )
        if self.kind == "mlp" and obs.shape[1] != self.trunk[0].in_features:
            raise InputError(
                f"observation length {obs.shape[1]} != {self.trunk[0].in_features} this network was built for"
            )
        if self.kind == "set":
            n_pl = (obs.shape[1] - self.g) // self.k
            planets = obs[:, : n_pl * self.k].reshape(obs.shape[0], n_pl, self.k)  # (B, P, K)
            h = self.planet(planets)  # (B, P, H)
            x = torch.cat([h.mean(1), h.amax(1), obs[:, n_pl * self.k :]], dim=1)  # (B, 2H + G)
        else:
            x = obs
        z = self.trunk(x)  # (B, H)
        a = self.adv(z)  # (B, A)
        if self.val is None:
            return a
        return self.val(z) + a - a.mean(1, keepdim=True)


def build_qnet(cfg: DQNConfig) -> QNetwork:
    """The Q-network of a config (see the module docstring)."""
    p, k, g = obs_layout(cfg.map_size, cfg.encoding, cfg.threat_features)
    if cfg.action_space == "high":
        return QNetwork("set", k, g, cfg.intents, cfg.hidden, cfg.dueling)
    return QNetwork("mlp", k, g, flat_action_count(p), cfg.hidden, cfg.dueling, obs_dim=p * k + g)


# ---------------------------------------------------------------------------------------------- replay
class ReplayBuffer:
    """Uniform replay of n-step transitions (obs, action, n-step return, discount to bootstrap, next obs, next mask)."""

    def __init__(self, capacity: int, obs_dim: int, n_actions: int, store_mask: bool) -> None:
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.action = np.zeros(capacity, np.int64)
        self.ret = np.zeros(capacity, np.float32)
        self.disc = np.zeros(capacity, np.float32)  # gamma^n, or 0 when the episode ended within n steps
        self.next_mask = np.ones((capacity, n_actions), np.bool_) if store_mask else None
        self.capacity, self.size, self.pos = capacity, 0, 0

    def add(
        self,
        obs: np.ndarray,
        action: int,
        ret: float,
        disc: float,
        next_obs: np.ndarray,
        next_mask: np.ndarray | None,
    ) -> None:
        i = self.pos
        self.obs[i], self.action[i], self.ret[i], self.disc[i], self.next_obs[i] = (
            obs,
            action,
            ret,
            disc,
            next_obs,
        )
        if self.next_mask is not None and next_mask is not None:
            self.next_mask[i] = next_mask
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        idx = rng.integers(0, self.size, size=n)
        out = {
            "obs": torch.from_numpy(self.obs[idx]),
            "action": torch.from_numpy(self.action[idx]),
            "ret": torch.from_numpy(self.ret[idx]),
            "disc": torch.from_numpy(self.disc[idx]),
            "next_obs": torch.from_numpy(self.next_obs[idx]),
        }
        if self.next_mask is not None:
            out["next_mask"] = torch.from_numpy(self.next_mask[idx])
        return out


# ---------------------------------------------------------------------------------------------- helpers
def linear_schedule(start: float, end: float, duration: int, t: int) -> float:
    """Linear interpolation from `start` to `end` over `duration` steps, then `end`."""
    return end + (start - end) * max(0.0, 1.0 - t / max(duration, 1))


def _masked_argmax(q: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """(B,) argmax over legal actions; q (B, A), mask (B, A) bool or None."""
    if mask is None:
        return q.argmax(1)
    return q.masked_fill(~mask, -1e9).argmax(1)


def td_loss(
    online: QNetwork, target: QNetwork, batch: dict[str, torch.Tensor], double: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Huber TD loss of an n-step batch and the Q(s, a) it fitted; targets use double DQN when `double`."""
    q = online(batch["obs"]).gather(1, batch["action"][:, None]).squeeze(1)  # (B,)
    with torch.no_grad():
        mask = batch.get("next_mask")
        q_next_t = target(batch["next_obs"])  # (B, A)
        a_star = _masked_argmax(online(batch["next_obs"]) if double else q_next_t, mask)
        y = batch["ret"] + batch["disc"] * q_next_t.gather(1, a_star[:, None]).squeeze(1)
    return nn.functional.smooth_l1_loss(q, y), q.detach()


# ---------------------------------------------------------------------------------------------- agent
class Agent:
    """A trained Q-network playing greedily as a `Policy` (arena, replay, env)."""

    def __init__(self, net: QNetwork, cfg: DQNConfig, name: str = "dqn") -> None:
        self.net = net.eval()
        self.cfg = cfg
        self.name = name

    def q_values(self, state: GameState, game: int, player: int) -> np.ndarray:
        obs = encode(state, game, player, self.cfg.encoding, self.cfg.threat_features)
        if self.net.kind == "mlp" and obs.shape[0] != self.net.trunk[0].in_features:
            raise InputError(
                f"agent {self.name} was trained on {self.cfg.map_size}-planet maps with flat actions and cannot play "
                f"{state.n_planets}-planet maps (observation length {obs.shape[0]})"
            )
        with torch.no_grad():
            return self.net(torch.from_numpy(obs)[None])[0].numpy()

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        q = self.q_values(state, game, player)
        if self.cfg.action_space == "high":
            return intent_orders(player_view(state, game, player), int(np.argmax(q)))
        mask = flat_action_mask(state, game, player).astype(bool)
        return flat_action_orders(state, game, player, int(np.argmax(np.where(mask, q, -np.inf))))


def save_agent(path: str | Path, net: QNetwork, cfg: DQNConfig, meta: dict[str, Any] | None = None) -> Path:
    """Write a self-describing agent file (format tag, config, weights, metadata)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"format": AGENT_FORMAT, "config": asdict(cfg), "model": net.state_dict(), "meta": meta or {}}, path
    )
    return path


def load_agent(path: str | Path, name: str | None = None) -> Agent:
    """Load an agent file written by `save_agent`; a missing or corrupt file raises InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"agent file {path} not found; pass a bot name ({', '.join(BOTS)}) or a .pt agent file"
        )
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
        if not isinstance(blob, dict) or blob.get("format") != AGENT_FORMAT:
            raise ValueError("not an agent file")
        cfg_d = dict(blob["config"])
        cfg_d["opponents"] = tuple(cfg_d.get("opponents", ()))
        cfg_d["opponent_weights"] = tuple(cfg_d.get("opponent_weights", ()))
        cfg_d.setdefault("threat_features", False)  # saved before the threat features and GUARD
        cfg_d.setdefault("intents", 7)
        cfg = DQNConfig(**cfg_d)
        net = build_qnet(cfg)
        net.load_state_dict(blob["model"])
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"agent file {path} is corrupt or not a frontline DQN agent ({exc.__class__.__name__}: {exc})"
        ) from exc
    return Agent(net, cfg, name or path.stem)


# ---------------------------------------------------------------------------------------------- training
@dataclass(frozen=True, slots=True)
class TrainResult:
    """Where a run wrote its agent and report, and its last evaluation."""

    run_dir: Path
    agent_path: Path
    steps: int
    seconds: float
    final_win_rates: dict[str, float]
    steps_to_80: int | None
    """First evaluated step with >= 80% wins against the strongest bot (None if never)."""


def evaluate(
    agent: Policy, bots: tuple[str, ...], n_maps: int, n_planets: int, seed0: int = VALIDATION_SEED0
) -> dict[str, float]:
    """Win rate (draws count half) of the greedy agent against each bot on `n_maps` maps x both sides."""
    return {b: match(agent, make_bot(b), n_maps, n_planets, seed0=seed0).score for b in bots}


def _validate(cfg: DQNConfig) -> None:
    if cfg.action_space not in ("high", "flat"):
        raise InputError(f"--action-space must be high or flat, got {cfg.action_space!r}")
    obs_layout(cfg.map_size, cfg.encoding, cfg.threat_features)
    if cfg.action_space == "high" and cfg.intents != len(INTENTS):
        raise InputError(f"training needs all {len(INTENTS)} intents, config has intents={cfg.intents}")
    if cfg.steps < 1:
        raise InputError(f"--steps must be >= 1, got {cfg.steps}")
    for o in cfg.opponents:
        make_bot(o)
    if len(cfg.opponent_weights) != len(cfg.opponents):
        raise InputError("opponent_weights must have one weight per opponent")


def _training_env(cfg: DQNConfig, seed: int) -> BatchEnv:
    """The batch of training games a run plays, seeded so that a resumed run draws fresh maps."""
    return BatchEnv(
        cfg.n_envs,
        cfg.map_size,
        cfg.action_space,
        cfg.encoding,
        cfg.opponents,
        list(cfg.opponent_weights),
        seed=seed,
        threat_features=cfg.threat_features,
    )


def train(
    cfg: DQNConfig,
    root: str | Path = "runs",
    resume: str | Path | None = None,
    init: str | Path | None = None,
    name: str = "games-dqn",
) -> TrainResult:
    """Train a DQN agent per `cfg`, recorded in `<root>/<name>-<stamp>/` (agent.pt + report.html).

    Resuming (`resume` = run folder) restores the networks, optimiser, step counter and RNG streams from
    checkpoints/last.pt; the replay buffer is not checkpointed and refills before updates resume.
    `init` (an agent file of the same action interface) starts from its weights: fine-tuning, e.g. on larger maps.
    """
    _validate(cfg)
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    env = _training_env(cfg, cfg.seed)
    online, target = build_qnet(cfg), build_qnet(cfg)
    if init is not None:
        start = load_agent(init)
        if start.cfg.action_space != cfg.action_space or start.cfg.encoding != cfg.encoding:
            raise InputError(
                f"--init {init}: agent uses {start.cfg.action_space}/{start.cfg.encoding}, run wants "
                f"{cfg.action_space}/{cfg.encoding}"
            )
        try:
            online.load_state_dict(start.net.state_dict())
        except RuntimeError as exc:
            raise InputError(f"--init {init}: weights do not fit this network ({exc})") from exc
    target.load_state_dict(online.state_dict())
    optim = torch.optim.Adam(online.parameters(), lr=cfg.lr)
    flat = cfg.action_space == "flat"
    buf = ReplayBuffer(cfg.buffer_size, env.obs_dim, env.n_actions, store_mask=flat)
    t0 = time.time()
    with lab.run(name, cfg, root=root, resume=resume) as run:
        step, updates, best, steps_to_80 = 0, 0, -1.0, None
        if run.checkpoint is not None:
            ck = run.checkpoint
            online.load_state_dict(ck["model"])
            target.load_state_dict(ck["target"])
            optim.load_state_dict(ck["optim"])
            step, updates, steps_to_80 = int(ck["step"]), int(ck["updates"]), ck.get("steps_to_80")
            best = float(ck.get("best_metric") or -1.0)
            rng = np.random.default_rng(cfg.seed + step)
            env = _training_env(cfg, cfg.seed + step)
            torch.manual_seed(cfg.seed + step)
        resume_step = step
        obs, masks = env.observe(), env.masks().astype(bool)
        phi = np.array([cfg.shaping_scale * s.mean() for s in env.all_shares()])
        pending: list[deque[tuple[np.ndarray, int, float]]] = [deque() for _ in range(cfg.n_envs)]
        ep_ret = np.zeros(cfg.n_envs)
        recent: dict[str, deque[float]] = {b: deque(maxlen=100) for b in cfg.opponents}
        returns: deque[float] = deque(maxlen=100)
        losses: deque[float] = deque(maxlen=200)
        qs: deque[float] = deque(maxlen=200)
        last_log, last_eval, sps_t, sps_s = step, step, time.time(), step
        agent = Agent(online, cfg)
        wr: dict[str, float] | None = None
        while step < cfg.steps:
            # ------------------------------------------------------------ act (epsilon-greedy, masked)
            eps = linear_schedule(cfg.eps_start, cfg.eps_end, int(cfg.eps_fraction * cfg.steps), step)
            with torch.no_grad():
                q = online(torch.from_numpy(obs))  # (B, A)
            greedy = _masked_argmax(q, torch.from_numpy(masks) if flat else None).numpy()
            rand = (
                np.array([rng.choice(np.flatnonzero(m)) for m in masks])
                if flat
                else rng.integers(0, env.n_actions, cfg.n_envs)
            )
            actions = np.where(rng.random(cfg.n_envs) < eps, rand, greedy)
            next_obs, reward, done, info = env.step(actions)
            next_masks = info["action_mask"].astype(bool)
            # ------------------------------------------------------------ rewards (+ shaping), n-step transitions
            phi_next = cfg.shaping_scale * info["final_shares"].mean(1)
            r = reward.copy()
            if cfg.shaping:
                r += np.array(
                    [shaping_term(phi[i], phi_next[i], cfg.gamma, bool(done[i])) for i in range(cfg.n_envs)]
                )
            for i in range(cfg.n_envs):
                pending[i].append((obs[i], int(actions[i]), float(r[i])))
                ep_ret[i] += r[i]
                final = info["final_obs"][i]
                if len(pending[i]) == cfg.n_step or done[i]:
                    while pending[i]:
                        ret = sum(cfg.gamma**j * tr[2] for j, tr in enumerate(pending[i]))
                        disc = 0.0 if done[i] else cfg.gamma ** len(pending[i])
                        o0, a0, _ = pending[i].popleft()
                        buf.add(o0, a0, ret, disc, final, next_masks[i] if not done[i] else None)
                        if not done[i]:
                            break
                if done[i]:
                    recent[info["opponent"][i]].append(float(info["winner_is_agent"][i] > 0))
                    returns.append(ep_ret[i])
                    ep_ret[i] = 0.0
            phi = cfg.shaping_scale * info["shares"].mean(1)
            obs, masks = next_obs, next_masks
            prev = step
            step += cfg.n_envs
            # ------------------------------------------------------------ learn
            if buf.size >= cfg.learning_starts and step - resume_step >= cfg.learning_starts:
                for _ in range(step // cfg.train_every - prev // cfg.train_every):
                    batch = buf.sample(cfg.batch_size, rng)
                    loss, qsa = td_loss(online, target, batch, cfg.double)
                    optim.zero_grad()
                    loss.backward()
                    nn.utils.clip_grad_norm_(online.parameters(), 10.0)
                    optim.step()
                    updates += 1
                    losses.append(float(loss.detach()))
                    qs.append(float(qsa.mean()))
                    if updates % cfg.target_every == 0:
                        target.load_state_dict(online.state_dict())
            # ------------------------------------------------------------ plumbing: logs, evals, checkpoints
            if step - last_log >= cfg.log_every:
                last_log = step
                now = time.time()
                scalars = {"epsilon": eps, "sps": (step - sps_s) / max(now - sps_t, 1e-9), "updates": updates}
                sps_t, sps_s = now, step
                if returns:
                    scalars["episodic_return"] = float(np.mean(returns))
                if losses:
                    scalars |= {
                        "td_loss": float(np.mean(losses)),
                        "q_mean": float(np.mean(qs)),
                        "q_max": float(np.max(qs)),
                    }
                for b, d in recent.items():
                    if d:
                        scalars[f"win_rate_{b}"] = float(np.mean(d))
                run.log(step, split="train", **scalars)
            if step - last_eval >= cfg.eval_every or step >= cfg.steps:
                last_eval = step
                online.eval()
                wr = evaluate(agent, tuple(BOTS), cfg.eval_maps, cfg.map_size)
                online.train()
                run.log(step, split="eval", **{f"win_rate_{b}": v for b, v in wr.items()})
                if steps_to_80 is None and wr[STRONGEST_BOT] >= 0.8:
                    steps_to_80 = step
                best = max(best, wr[STRONGEST_BOT])
                run.save_checkpoint(
                    {
                        "model": online.state_dict(),
                        "target": target.state_dict(),
                        "optim": optim.state_dict(),
                        "updates": updates,
                        "steps_to_80": steps_to_80,
                    },
                    step,
                    best_metric=best,
                )
        if wr is None:
            wr = evaluate(agent, tuple(BOTS), cfg.eval_maps, cfg.map_size)
        agent_path = save_agent(run.dir / "agent.pt", online, cfg, {"steps": step, "val_win_rates": wr})
        seconds = time.time() - t0
        run.summary(
            steps=step,
            seconds=round(seconds, 1),
            steps_to_80=steps_to_80,
            **{f"val_win_rate_{b}": v for b, v in wr.items()},
        )
    return TrainResult(run.dir, agent_path, step, seconds, wr, steps_to_80)
