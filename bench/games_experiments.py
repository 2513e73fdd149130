"""Long game-playing experiments whose results `bench/bench_games.py` prints: ablations and transfer.

Usage (each writes/updates docs/games/results.json and docs/games/learning_curves.png):
    python -m bench.games_experiments ablations --steps 40000 [--variants high flat no-shaping raw sb3]
    python -m bench.games_experiments transfer --agent src/frontline/games/models/dqn_default.pt --finetune-steps 10000
    python -m bench.games_experiments intents --test-maps 100   (each intent played all game vs every bot)
    python -m bench.games_experiments plot
    python -m bench.games_experiments ship --run runs/games/default-... (copy agent + model card + manifest)
    python -m bench.games_experiments dev dqn runs/games/<run>/agent.pt always-attack --maps 300 [--vs rule2]
        (candidates vs a bot on DEV maps, seeds 900,000+, never the held-out ones: how agents are chosen,
        and which maps they lose and how)
    python -m bench.games_experiments roster --maps 100
        (DEV maps: round robin of the scripted bots, and the strongest bot vs every fixed intent)
    python -m bench.games_experiments search rule2 rule always-guard --maps 100 [--held-out]
        (the shipped DQN with rollout search under opponent models, frontline.games.search: W/D/L, cost and
        search counters; DEV maps unless --held-out; --held-out also rewrites the model card's search section)

Ablations train each variant with the same environment-step budget, seed, opponents and evaluation schedule
(validation maps), then test the final agent on held-out maps against every bot. SB3's DQN has no action
masks: it trains on the flat interface with illegal actions played as WAIT (`invalid_action="wait"`), and
is evaluated with the mask applied to its Q-values ("masked where possible").
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from frontline.games.bots import DETERMINISTIC_POLICIES

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "games" / "results.json"
CURVES = ROOT / "docs" / "games" / "learning_curves.png"
RUNS = ROOT / "runs" / "games-experiments"
BOT_NAMES = ("random", "expander", "bully", "upgrader", "rule")
"""The session-1..3 bots (the cached ablation/transfer tables are against these)."""
SHIP_FIXED = ("always-attack", "always-reinforce", "always-guard")
"""The fixed intents that beat `rule` (the shipped agent is also tested against them)."""
ROSTER = ("random", "expander", "bully", "upgrader", "rule", "rule2")
FIXED = tuple(
    f"always-{n}" for n in ("expand", "attack", "reinforce", "upgrade", "defend", "wait", "rule", "guard")
)
"""Every fixed intent except BUILD (always-build is the rule2 bot itself, as always-rule is the rule bot)."""


def _load() -> dict[str, Any]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def _save(res: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2) + "\n")


def _test(policy: Any, n_maps: int, n_planets: int) -> dict[str, dict[str, float]]:
    from frontline.games.arena import match
    from frontline.games.bots import make_bot

    out = {}
    for b in BOT_NAMES:
        r = match(policy, make_bot(b), n_maps, n_planets)
        out[b] = {"win_rate": r.score, "ci_low": r.ci_low, "ci_high": r.ci_high, "games": r.games}
    return out


def _record(r: Any) -> dict[str, float]:
    """A match result as the JSON record the docs tables are built from."""
    return {
        "win_rate": r.score,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
        "games": r.games,
        "wins": r.wins,
        "draws": r.draws,
        "losses": r.losses,
    }


def _curve(run_dir: Path) -> list[dict[str, float]]:
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines() if x.strip()]
    return [
        {k: v for k, v in r.items() if k == "step" or k.startswith("win_rate")}
        for r in rows
        if r["split"] == "eval"
    ]


def _steps_to(curve: list[dict[str, float]], key: str = "win_rate_rule", level: float = 0.8) -> int | None:
    for r in curve:
        if r.get(key, 0.0) >= level:
            return int(r["step"])
    return None


class _SB3Policy:
    """A Stable-Baselines3 DQN acting greedily on the flat interface with the legal-action mask applied."""

    def __init__(self, model: Any, encoding: str) -> None:
        self.model, self.encoding, self.name = model, encoding, "sb3-dqn"

    def act(self, state: Any, game: int, player: int, rng: np.random.Generator) -> list[Any]:
        import torch

        from frontline.games.encoding import encode
        from frontline.games.env import flat_action_mask, flat_action_orders

        obs = torch.from_numpy(encode(state, game, player, self.encoding))[None]
        with torch.no_grad():
            q = self.model.q_net(obs)[0].numpy()
        mask = flat_action_mask(state, game, player).astype(bool)
        return flat_action_orders(state, game, player, int(np.argmax(np.where(mask, q, -np.inf))))


def _train_sb3(cfg: Any, test_maps: int) -> dict[str, Any]:
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    from frontline.games.dqn import VALIDATION_SEED0, evaluate
    from frontline.games.env import SpaceConquestEnv
    from frontline.games.shaping import PotentialShaping

    torch.set_num_threads(1)
    opponents = [
        o for o, w in zip(cfg.opponents, cfg.opponent_weights, strict=True) for _ in range(round(w * 10))
    ]
    env = PotentialShaping(
        SpaceConquestEnv(cfg.map_size, "flat", cfg.encoding, opponent=opponents, invalid_action="wait"),
        gamma=cfg.gamma,
    )
    curve: list[dict[str, float]] = []

    class _Eval(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps % cfg.eval_every == 0:
                wr = evaluate(
                    _SB3Policy(self.model, cfg.encoding),
                    BOT_NAMES,
                    cfg.eval_maps,
                    cfg.map_size,
                    VALIDATION_SEED0,
                )
                curve.append({"step": self.num_timesteps, **{f"win_rate_{b}": v for b, v in wr.items()}})
            return True

    model = DQN(
        "MlpPolicy",
        env,
        learning_rate=cfg.lr,
        buffer_size=cfg.buffer_size,
        learning_starts=cfg.learning_starts,
        batch_size=cfg.batch_size,
        gamma=cfg.gamma,
        train_freq=cfg.train_every,
        target_update_interval=cfg.target_every * cfg.train_every,
        exploration_fraction=cfg.eps_fraction,
        exploration_final_eps=cfg.eps_end,
        policy_kwargs={"net_arch": [2 * cfg.hidden, cfg.hidden]},
        seed=cfg.seed,
        device="cpu",
        verbose=0,
    )
    t0 = time.time()
    model.learn(total_timesteps=cfg.steps, callback=_Eval())
    seconds = time.time() - t0
    return {
        "curve": curve,
        "seconds": seconds,
        "test": _test(_SB3Policy(model, cfg.encoding), test_maps, cfg.map_size),
    }


def ablations(steps: int, variants: list[str], test_maps: int, seed: int, key: str = "ablations") -> None:
    import torch

    from frontline.games.dqn import DQNConfig, load_agent, train

    torch.set_num_threads(1)
    base = DQNConfig(steps=steps, seed=seed, eval_every=max(steps // 10, 1000))
    configs = {
        "high": base,
        "flat": replace(base, action_space="flat"),
        "no-shaping": replace(base, shaping=False),
        "raw": replace(base, encoding="raw"),
        "sb3": replace(base, action_space="flat"),
    }
    for v in variants:
        cfg = configs[v]
        print(f"[{time.strftime('%H:%M:%S')}] ablation {v}: {steps} steps", flush=True)
        if v == "sb3":
            out = _train_sb3(cfg, test_maps)
        else:
            res = train(cfg, root=RUNS, name=f"ablation-{v}")
            agent = load_agent(res.agent_path)
            out = {
                "curve": _curve(res.run_dir),
                "seconds": res.seconds,
                "run_dir": str(res.run_dir.relative_to(ROOT)),
                "test": _test(agent, test_maps, cfg.map_size),
            }
        out |= {
            "steps": steps,
            "seed": seed,
            "test_maps": test_maps,
            "steps_to_80": _steps_to(out["curve"]),
            "config": {
                "action_space": cfg.action_space,
                "encoding": cfg.encoding,
                "shaping": cfg.shaping,
                "map_size": cfg.map_size,
            },
        }
        res_all = _load()
        res_all.setdefault(key, {})[v] = out
        _save(res_all)
        print(json.dumps({v: out["test"]["rule"], "steps_to_80": out["steps_to_80"]}), flush=True)
    plot()


def transfer(agent_path: str, finetune_steps: int, test_maps: int, sizes: list[int]) -> None:
    import torch

    from frontline.games.dqn import load_agent, train

    torch.set_num_threads(1)
    agent = load_agent(agent_path)
    base_size = agent.cfg.map_size
    rows: dict[str, Any] = {
        "agent": agent_path,
        "trained_on": base_size,
        "finetune_steps": finetune_steps,
        "sizes": {},
    }
    rows["sizes"][str(base_size)] = {"zero_shot": _test(agent, test_maps, base_size)}
    for n in sizes:
        print(f"[{time.strftime('%H:%M:%S')}] transfer to {n} planets", flush=True)
        entry: dict[str, Any] = {"zero_shot": _test(agent, test_maps, n)}
        cfg = replace(
            agent.cfg,
            map_size=n,
            steps=finetune_steps,
            eps_start=0.2,
            eps_fraction=0.5,
            learning_starts=1000,
            eval_every=max(finetune_steps // 2, 1000),
        )
        res = train(cfg, root=RUNS, init=agent_path, name=f"finetune-{n}")
        entry["fine_tuned"] = _test(load_agent(res.agent_path), test_maps, n)
        entry["finetune_seconds"] = res.seconds
        rows["sizes"][str(n)] = entry
        res_all = _load()
        res_all["transfer"] = rows
        _save(res_all)
    res_all = _load()
    res_all["transfer"] = rows
    _save(res_all)


class _CountingAgent:
    """Wraps a high-level agent and counts the intents it picks (greedy argmax, as the agent plays)."""

    def __init__(self, agent: Any) -> None:
        self.agent, self.name, self.counts = agent, agent.name, np.zeros(agent.net.adv.out_features, np.int64)

    def act(self, state: Any, game: int, player: int, rng: np.random.Generator) -> list[Any]:
        from frontline.games.intents import intent_orders, player_view

        a = int(np.argmax(self.agent.q_values(state, game, player)))
        self.counts[a] += 1
        return intent_orders(player_view(state, game, player), a)


def intent_usage(agent: Any, n_maps: int, n_planets: int, vs: str = "rule") -> dict[str, float]:
    """Share of each intent in the agent's decisions against the bot `vs` on validation maps (900,000+)."""
    from frontline.games.arena import match
    from frontline.games.bots import make_bot
    from frontline.games.dqn import VALIDATION_SEED0
    from frontline.games.intents import Intent

    counting = _CountingAgent(agent)
    match(counting, make_bot(vs), n_maps, n_planets, seed0=VALIDATION_SEED0)
    total = max(1, int(counting.counts.sum()))
    return {Intent(i).name.lower(): round(float(c) / total, 4) for i, c in enumerate(counting.counts)}


def ship(run: str, test_maps: int) -> None:
    """Copy a run's agent.pt into the package as the default agent, test it, write MODEL_CARD.md + manifest.json."""
    import hashlib
    import shutil

    import torch

    from frontline.games.arena import DEFAULT_AGENT, match
    from frontline.games.bots import STRONGEST_BOT, make_bot
    from frontline.games.dqn import load_agent

    torch.set_num_threads(1)
    run_dir = Path(run)
    summary = json.loads((run_dir / "summary.json").read_text())
    config = json.loads((run_dir / "config.json").read_text())
    DEFAULT_AGENT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "agent.pt", DEFAULT_AGENT)
    agent = load_agent(DEFAULT_AGENT, name="dqn")
    main = {}
    for b in (*BOT_NAMES, "rule2", *SHIP_FIXED):
        r = match(agent, make_bot(b), test_maps, agent.cfg.map_size)
        main[b] = _record(r)
        print(b, main[b], flush=True)
    curve = _curve(run_dir)
    usage = (
        intent_usage(agent, 50, agent.cfg.map_size, STRONGEST_BOT) if agent.cfg.action_space == "high" else {}
    )
    print(f"intent usage vs {STRONGEST_BOT} (50 validation maps x 2 sides):", usage, flush=True)
    res = _load()
    res["main"] = {
        "intent_usage_vs": STRONGEST_BOT,
        "intent_usage": usage,
        "run": run_dir.name,
        "test": main,
        "train_seconds": summary.get("seconds"),
        "steps": summary.get("steps"),
        "steps_to_80": _steps_to(curve),
        "steps_to_80_strongest": _steps_to(curve, f"win_rate_{STRONGEST_BOT}"),
        "curve": curve,
    }
    _save(res)
    sha = hashlib.sha256(DEFAULT_AGENT.read_bytes()).hexdigest()
    command = (
        f"frontline games train --action-space {config['action_space']} --{'' if config['shaping'] else 'no-'}shaping "
        f"--encoding {config['encoding']} --map-size {config['map_size']} --steps {config['steps']} --seed {config['seed']} "
        f"--opponents {','.join(f'{o}={w}' for o, w in zip(config['opponents'], config['opponent_weights'], strict=True))} "
        f"--lr {config['lr']} --hidden {config['hidden']}"
    )
    manifest_path = DEFAULT_AGENT.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": []}
    manifest["models"] = [m for m in manifest["models"] if m.get("file") != DEFAULT_AGENT.name] + [
        {
            "file": DEFAULT_AGENT.name,
            "sha256": sha,
            "bytes": DEFAULT_AGENT.stat().st_size,
            "licence": "MIT (trained here)",
            "provenance": "trained in this repository by frontline.games.dqn on procedurally generated maps (seeds < 900000), "
            "no external data",
            "command": command,
            "run": run_dir.name,
        }
    ]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    rule = main[STRONGEST_BOT]
    card = (
        f"""# dqn_default.pt: the shipped Space Conquest agent

- **What**: a DQN (double DQN, dueling head, 3-step returns, target network) choosing one of {agent.net.adv.out_features}
  high-level intents every 10 ticks; `frontline.games.intents` turns the intent into fleet orders with a
  forecast-based heuristic (see its docstring and docs/games.md). Set network (per-planet
  MLP, mean+max pooling, global features), hidden width {config["hidden"]}, {sum(p.numel() for p in agent.net.parameters()):,} parameters, {DEFAULT_AGENT.stat().st_size / 1024:.0f} KiB.
- **Data**: self-generated games on procedurally generated, point-symmetric {config["map_size"]}-planet maps
  (training seeds drawn below 900,000; validation curves on seeds 900,000+; tests on held-out seeds 1,000,000+),
  against the scripted bots {", ".join(config["opponents"])} with weights {config["opponent_weights"]}.
- **Observation**: encoding `{config["encoding"]}` (travel times to reference points){" plus the threat features (enemy and own garrisons within 20 ticks, shortfall against the threat)" if config.get("threat_features") else ""}; reward win/loss
  {"with potential-based shaping (ship/production/planet share)" if config["shaping"] else "only"}.
- **Command**: `{command}` ({summary.get("steps")} environment steps, {summary.get("seconds", 0) / 60:.1f} min wall on the
  shared 2-core machine, 1 torch thread).
- **Metrics** (held-out maps, each map played from both sides, draws count half, Wilson 95% CI):
  vs the strongest bot `{STRONGEST_BOT}`: {rule["win_rate"]:.3f} [{rule["ci_low"]:.3f}, {rule["ci_high"]:.3f}] over {rule["games"]} games
  ({rule["wins"]} W / {rule["draws"]} D / {rule["losses"]} L);
"""
        + "\n".join(
            f"  vs `{b}`: {m['win_rate']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}] over {m['games']} games;"
            for b, m in main.items()
            if b != STRONGEST_BOT
        )
        + f"""
- **Steps to 80% vs `{STRONGEST_BOT}`** (validation curve, 10 maps x 2 sides per point): {_steps_to(curve, f"win_rate_{STRONGEST_BOT}") or "not reached"}.
- **Intents it picks vs `{STRONGEST_BOT}`** (50 validation maps x 2 sides): {", ".join(f"{k} {v:.0%}" for k, v in usage.items())}.
  Compare each intent played alone: `python -m bench.games_experiments intents` (docs/games.md).
- **Limits**: plays any map size (set network) but was trained on {config["map_size"]} planets; see docs/games.md
  for transfer. Deterministic greedy play; the scripted bots are its only opponents so far.
- **sha256**: `{sha}`; licence MIT (trained here); provenance and command also in manifest.json.
"""
    )
    (DEFAULT_AGENT.parent / "MODEL_CARD.md").write_text(card)
    search_card()
    print(card)
    plot()


def intents(test_maps: int, n_planets: int = 10) -> None:
    """Each intent played every decision (`always-<intent>`) against every bot on held-out maps: what the
    heuristic alone is worth, before any learning."""
    from frontline.games.bots import make_bot
    from frontline.games.intents import INTENTS

    rows = {}
    for intent in INTENTS:
        name = f"always-{intent.name.lower()}"
        t0 = time.perf_counter()
        rows[name] = _test(make_bot(name), test_maps, n_planets)
        print(name, json.dumps(rows[name]["rule"]), f"{time.perf_counter() - t0:.0f}s", flush=True)
    res = _load()
    res["intents"] = {"test_maps": test_maps, "map_size": n_planets, "test": rows}
    _save(res)


DEV_SEED0 = 900_000
"""Dev/tuning maps (the validation range of training, below the held-out seeds 1,000,000+)."""


def dev(names: list[str], n_maps: int, n_planets: int = 10, key: str = "dev", vs: str = "rule") -> None:
    """Each candidate (bot, `dqn`, or an agent file) vs the bot `vs` on dev maps, from both sides; prints win
    rates with Wilson intervals and every lost game (map seed, side, end tick, eliminated or on points)."""
    from frontline.games.arena import play_games, resolve_player, wilson_interval
    from frontline.games.bots import make_bot
    from frontline.games.rules import generate_map, new_games

    rows: dict[str, Any] = {}
    for name in names:
        agent, bot = resolve_player(name), make_bot(vs)
        rng = np.random.default_rng(0)
        score, lost = 0.0, []
        for start in range(0, n_maps, 50):
            seeds = [DEV_SEED0 + i for i in range(start, min(n_maps, start + 50))]
            maps = [generate_map(n_planets, sd) for sd in seeds]
            for side, pair in ((1, (agent, bot)), (2, (bot, agent))):
                st = new_games(maps)
                w = play_games(st, pair, rng)
                score += float((w == side).sum() + 0.5 * (w == 0).sum())
                for g in np.flatnonzero(w != side).tolist():
                    how = "points" if st.tick[g] >= st.tick_limit else "eliminated"
                    lost.append((seeds[g], side, int(st.tick[g]), how if w[g] else "draw"))
        games = 2 * n_maps
        lo, hi = wilson_interval(score, games)
        rows[name] = {"win_rate": score / games, "ci_low": lo, "ci_high": hi, "games": games, "lost": lost}
        print(f"{name:<40} {score / games:.3f} [{lo:.3f}, {hi:.3f}] of {games}", flush=True)
        print("   lost:", " ".join(f"{sd}/{side}@{t}:{how}" for sd, side, t, how in lost), flush=True)
    res = _load()
    res.setdefault(key, {}).update({"maps": n_maps, "seed0": DEV_SEED0, "vs": vs})
    res[key].setdefault("rows", {}).update(rows)
    _save(res)


SEARCH_MODELS = DETERMINISTIC_POLICIES
"""The default opponent models (`frontline.games.search.MODEL_LIBRARY`; from `bots`, which imports no torch)."""
SEARCH_OPPONENTS = ("rule2", "rule", "always-guard", "always-attack", "always-reinforce")
"""Who the search agent is measured against first (the strongest bot, then the closest challengers)."""


def search(
    opponents: list[str],
    n_maps: int,
    models: list[str],
    held_out: bool = False,
    agent_path: str = "dqn",
    key: str | None = None,
    n_planets: int = 10,
    variant: str | None = None,
    seed0: int | None = None,
) -> None:
    """The shipped DQN with the rollout search (`frontline.games.search`) vs each opponent, with its cost.

    `variant`: a `search.VARIANTS` name (e.g. `self`), or `loo` (leave-one-out: the exact library without
    the opponent and every policy that plays like it, `opponent.leave_one_out`, fitted online, no
    fallbacks, outcome-only overrides as `self`); None: exact rollouts under `models` (session 5).

    DEV maps (900,000+) unless `held_out` (1,000,000+, the benchmark's maps: measure there once, to report).
    Records W/D/L, Wilson interval, wall seconds, and the search counters (searches, overrides, rollouts,
    games where the opponent left every model) under results.json[key]."""
    import torch

    from frontline.games.arena import HELD_OUT_SEED0, match, resolve_player
    from frontline.games.dqn import Agent
    from frontline.games.opponent import leave_one_out
    from frontline.games.search import VARIANTS, SearchAgent, SearchConfig

    torch.set_num_threads(1)
    seed0 = seed0 if seed0 is not None else (HELD_OUT_SEED0 if held_out else DEV_SEED0)
    prefix = "search" if variant is None else variant
    key = key or (f"{prefix}_heldout" if held_out else f"{prefix}_dev")
    base = resolve_player(agent_path)
    assert isinstance(base, Agent)
    for name in opponents:
        if variant == "loo":
            cfg = SearchConfig(models=leave_one_out(models, name), fit=True, fallbacks=(), outcome_only=True)
        elif variant is not None:
            cfg = VARIANTS[variant]
        else:
            cfg = SearchConfig(models=tuple(models))
        agent = SearchAgent(base, cfg)
        t0, c0 = time.perf_counter(), time.process_time()
        r = match(agent, resolve_player(name), n_maps, n_planets, seed0=seed0)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        row = {
            **_record(r),
            "seconds": secs,
            "cpu_seconds": cpu,
            "load": os.getloadavg()[0],
            "stats": agent.stats.as_dict(),
            "config": asdict(cfg),
        }
        res = _load()  # saved after every opponent, so a long run keeps what it measured
        res.setdefault(key, {}).update(
            {
                "maps": n_maps,
                "seed0": seed0,
                "agent": agent_path,
                "variant": variant,
                "config": asdict(cfg),  # of the last opponent (loo: each row has its own)
                "map_size": n_planets,
            }
        )
        res[key].setdefault("rows", {})[name] = row
        _save(res)
        st = agent.stats
        print(
            f"{name:<18} W/D/L {r.wins}/{r.draws}/{r.losses} {r.score:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]"
            f" {secs:.0f}s wall, {cpu:.0f}s CPU ({cpu / r.games:.2f} CPU-s/game, load {os.getloadavg()[0]:.1f})"
            f" searches {st.searches}"
            f" overrides {st.overrides} rollouts {st.rollouts} no-model games {st.model_breaks}"
            f" exact predictions {st.exact_predictions}/{st.predictions}"
            f" search {st.search_seconds:.0f}s",
            flush=True,
        )
    if held_out and key in ("search_heldout", "self_heldout"):
        search_card()


OLD_SEARCH_CARD_MARK = "## The shipped policy since session 5: `dqn+search`"
SEARCH_CARD_MARK = "## Reference: `dqn+search` (session 5, exact copies of the scripted bots as models)"
SELF_CARD_MARK = "## Main result since session 6: `dqn+self` (no opponent code in the loop)"


def _card_line(name: str, d: dict[str, Any]) -> str:
    st = d.get("stats", {})
    pred = (
        f", the self-model predicted {st['exact_predictions']} of {st['predictions']} enemy decisions exactly"
        if st.get("predictions") and "self" in st.get("model_used", {})
        else ""
    )
    return (
        f"  - vs `{name}`: {d['win_rate']:.3f} [{d['ci_low']:.3f}, {d['ci_high']:.3f}] over {d['games']} games"
        f" ({d['wins']} W / {d['draws']} D / {d['losses']} L),"
        f" {d.get('cpu_seconds', d['seconds']) / d['games']:.2f} CPU-s per game{pred}"
    )


def _self_card(res: dict[str, Any]) -> str:
    held, dev_ = res.get("self_heldout"), res.get("self_dev")
    if not held:
        return ""
    text = f"""
{SELF_CARD_MARK}

- **What**: the same weights (`dqn_default.pt`) played through `frontline.games.search.SearchAgent` with
  `VARIANTS["self"]` (`frontline games arena dqn+self ...`): at each decision the DQN ranks the intents;
  each distinct intent's orders are tried in a copy of the game played to the tick limit, our side following
  the DQN and the **enemy following the same network from its side** (the self-model). The DQN's choice is
  played unless another intent's rollout ends in a strictly better outcome (win > draw > loss; score margins
  do not count). No fallbacks, no new training.
- **Honesty**: no scripted bot's code is called as a model: the only opponent model is this network. Caveat:
  the network's own intents include BUILD, which is the `rule2` plan (`rule2` was defined in session 4 as
  always-BUILD), and the network picks it most of the time, so against `rule2` the self-model is often
  exact (see the prediction counts below); against an opponent unlike the agent it is not.
- **Versus the plain network**: docs/games.md (session 6) compares both on the same maps (session-6 run:
  far ahead against `rule2`, always-guard and always-attack, slightly ahead against always-reinforce,
  level against the weak bots, and behind against `rule` on held-out maps, 0.960 vs 0.985).
- **Cost**: CPU seconds of the one process per game (1 torch thread, one core of the shared machine); it
  searches again after every decision the self-model mispredicted.
- **Held-out maps** (seeds {held["seed0"]:,}+, each map from both sides, measured once, after every
  choice was made on dev maps):
"""
    text += "\n".join(_card_line(n, d) for n, d in held["rows"].items()) + "\n"
    if dev_:
        text += f"- **Dev maps** (seeds {dev_['seed0']:,}+, {dev_['maps']} maps x 2 sides, where it was chosen):\n"
        text += "\n".join(_card_line(n, d) for n, d in dev_["rows"].items()) + "\n"
    return text


def search_card() -> None:
    """(Re)write the model card's search sections from results.json (self_* for session 6, search_* for 5)."""
    from frontline.games.arena import DEFAULT_AGENT

    res = _load()
    card_path = DEFAULT_AGENT.parent / "MODEL_CARD.md"
    card = card_path.read_text()
    for mark in (SELF_CARD_MARK, SEARCH_CARD_MARK, OLD_SEARCH_CARD_MARK):
        card = card.split(mark)[0]
    card = card.rstrip() + "\n" + _self_card(res)
    held, dev_ = res.get("search_heldout"), res.get("search_dev")
    if not held:
        card_path.write_text(card)
        return

    line = _card_line
    cfg = held["config"]
    text = f"""
{SEARCH_CARD_MARK}

- **What**: the same weights (`dqn_default.pt`) played through `frontline.games.search.SearchAgent`
  (`frontline games arena dqn+search ...`): at each decision the DQN ranks the intents; each distinct
  intent's orders are tried in a copy of the game, which is played to the tick limit with our side
  following the DQN and the enemy following an **opponent model**; the DQN's own choice is played unless
  another intent's rollout is strictly better (win > draw > loss, then score margin). No new training.
- **Opponent models** (in order): {", ".join(cfg["models"])}. The agent checks after every decision which
  models predicted the enemy's move exactly and searches under the first one left; with none left (e.g.
  `random`, or any opponent it has no exact model of) it plays the plain DQN. So the search result below
  rests on knowing the scripted opponents' code (the evaluated bot's own code is in the loop): a reference,
  not the main result since session 6; against an unknown opponent it is the plain DQN.
- **Fallbacks** when every DQN line loses: rollouts with our side following {", ".join(cfg["fallbacks"])}
  (a chosen fallback line hands the rest of the game to that fixed intent while the model holds).
- **Held-out maps** (seeds {held["seed0"]:,}+, {held["maps"]} maps x 2 sides, measured once, after every
  choice was made on dev maps):
"""
    text += "\n".join(line(n, d) for n, d in held["rows"].items()) + "\n"
    if dev_:
        text += f"- **Dev maps** (seeds {dev_['seed0']:,}+, {dev_['maps']} maps x 2 sides, where it was chosen):\n"
        text += "\n".join(line(n, d) for n, d in dev_["rows"].items()) + "\n"
    text += (
        "- **Cost**: CPU seconds of the one process per game (1 torch thread, one core of the shared 2-core"
        " machine; wall time and load in docs/games.md); searches stop in a game once the chosen line wins"
        " under the model.\n"
    )
    card_path.write_text(card + text)


def roster(n_maps: int, n_planets: int = 10) -> None:
    """On DEV maps (900,000+): round robin of the scripted bots, then the strongest bot vs every fixed intent.
    This is where the strongest bot was chosen; the held-out maps are for the bench only."""
    from frontline.games.arena import arena_table, match
    from frontline.games.bots import STRONGEST_BOT, make_bot

    t0 = time.perf_counter()
    rows, table = arena_table(list(ROSTER), n_maps, n_planets, seed0=DEV_SEED0)
    print(table, flush=True)
    fixed = {}
    for name in FIXED:
        r = match(make_bot(STRONGEST_BOT), make_bot(name), n_maps, n_planets, seed0=DEV_SEED0)
        fixed[name] = _record(r)
        print(
            f"{STRONGEST_BOT} vs {name:<18} {r.score:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] W/D/L {r.wins}/{r.draws}/{r.losses}",
            flush=True,
        )
    res = _load()
    res["roster"] = {
        "maps": n_maps,
        "seed0": DEV_SEED0,
        "strongest": STRONGEST_BOT,
        "round_robin": rows,
        "table": table,
        "strongest_vs_fixed": fixed,
        "seconds": time.perf_counter() - t0,
    }
    _save(res)


def markdown() -> str:
    """The results of docs/games/results.json as markdown tables (pasted into docs/games.md)."""

    def rate(d: dict[str, Any]) -> str:
        return f"{d['win_rate']:.2f} [{d['ci_low']:.2f}, {d['ci_high']:.2f}]"

    res = _load()
    out = []
    if "main" in res:
        m = res["main"]
        out += ["| opponent | games | W/D/L | win rate [95% CI] |", "|---|---|---|---|"]
        for b, d in m["test"].items():
            out.append(f"| {b} | {d['games']} | {d['wins']}/{d['draws']}/{d['losses']} | {rate(d)} |")
        out.append("")
    for key in [k for k in res if k.startswith("ablations")]:
        out += [
            f"{key}:",
            "",
            "| variant | actions | encoding | shaping | steps | train min | steps to 80% vs rule | "
            + " | ".join(f"vs {b}" for b in BOT_NAMES)
            + " |",
            "|" + "---|" * (7 + len(BOT_NAMES)),
        ]
        for name, a in res[key].items():
            c = a["config"]
            out.append(
                f"| {name} | {c['action_space']} | {c['encoding']} | {c['shaping']} | {a['steps']} | "
                f"{a['seconds'] / 60:.1f} | {a['steps_to_80'] or 'never'} | "
                + " | ".join(rate(a["test"][b]) for b in BOT_NAMES)
                + " |"
            )
        out.append("")
    if "intents" in res:
        out += [
            "| intent played every decision | " + " | ".join(f"vs {b}" for b in BOT_NAMES) + " |",
            "|---|" + "---|" * len(BOT_NAMES),
        ]
        for name, d in res["intents"]["test"].items():
            out.append(f"| {name} | " + " | ".join(rate(d[b]) for b in BOT_NAMES) + " |")
        out.append("")
    if "transfer" in res:
        t = res["transfer"]
        out += [
            "| planets | vs rule, zero-shot | vs rule, fine-tuned | mean vs 5 bots, zero-shot | mean, fine-tuned |",
            "|---|---|---|---|---|",
        ]
        for n, e in t["sizes"].items():
            ft = e.get("fine_tuned")
            zs_mean = np.mean([e["zero_shot"][b]["win_rate"] for b in BOT_NAMES])
            ft_mean = f"{np.mean([ft[b]['win_rate'] for b in BOT_NAMES]):.2f}" if ft else "-"
            out.append(
                f"| {n} | {rate(e['zero_shot']['rule'])} | {rate(ft['rule']) if ft else '-'} | {zs_mean:.2f} | {ft_mean} |"
            )
    return "\n".join(out)


def plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = _load()
    abl = {
        (f"{n} ({k[len('ablations') :].strip('-') or 'a'})" if k != "ablations" else n): v
        for k in res
        if k.startswith("ablations")
        for n, v in res[k].items()
    }
    if not abl:
        return
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    colours = [plt.get_cmap("tab20")(i) for i in range(20)]
    series = dict(abl)
    if "main" in res:
        series[f"shipped agent ({res['main']['steps']} steps)"] = res["main"]
    for k, (name, out) in enumerate(series.items()):
        steps = [r["step"] for r in out["curve"]]
        style = {
            "marker": "o",
            "ms": 3,
            "label": name,
            "color": colours[(2 * k) % 20 if k < 10 else (2 * k + 1) % 20],
            "lw": 2.5 if name.startswith("shipped") else 1.2,
        }
        axes[0].plot(steps, [r.get("win_rate_rule", np.nan) for r in out["curve"]], **style)
        axes[1].plot(
            steps,
            [np.mean([r.get(f"win_rate_{b}", np.nan) for b in BOT_NAMES]) for r in out["curve"]],
            **style,
        )
    axes[0].axhline(0.8, color="grey", ls=":", lw=1)
    axes[0].set_xscale("log")
    axes[1].set_xscale("log")
    axes[0].set(
        title="win rate vs rule bot (validation maps)",
        xlabel="environment steps",
        ylabel="win rate",
        ylim=(0, 1.02),
    )
    axes[1].set(title="mean win rate vs all 5 bots", xlabel="environment steps", ylim=(0, 1.02))
    axes[1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.tight_layout()
    CURVES.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(CURVES, dpi=90)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ablations")
    a.add_argument("--steps", type=int, default=40_000)
    a.add_argument("--variants", nargs="+", default=["high", "flat", "no-shaping", "raw", "sb3"])
    a.add_argument("--test-maps", type=int, default=100)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument(
        "--key", default="ablations", help="results.json key (e.g. ablations-60k for a second budget)"
    )
    t = sub.add_parser("transfer")
    t.add_argument("--agent", default=str(ROOT / "src/frontline/games/models/dqn_default.pt"))
    t.add_argument("--finetune-steps", type=int, default=10_000)
    t.add_argument("--test-maps", type=int, default=100)
    t.add_argument("--sizes", type=int, nargs="+", default=[20, 40])
    it = sub.add_parser("intents")
    it.add_argument("--test-maps", type=int, default=100)
    sub.add_parser("plot")
    sub.add_parser("markdown")
    dv = sub.add_parser("dev")
    dv.add_argument("names", nargs="+")
    dv.add_argument("--maps", type=int, default=300)
    dv.add_argument("--key", default="dev")
    dv.add_argument("--vs", default="rule", help="the bot every candidate plays (e.g. rule2)")
    ro = sub.add_parser("roster")
    ro.add_argument("--maps", type=int, default=100)
    se = sub.add_parser("search")
    se.add_argument("opponents", nargs="*", default=list(SEARCH_OPPONENTS))
    se.add_argument("--maps", type=int, default=100)
    se.add_argument("--models", nargs="+", default=list(SEARCH_MODELS))
    se.add_argument("--held-out", action="store_true", help="the benchmark's maps (1,000,000+): report only")
    se.add_argument("--agent", default="dqn")
    se.add_argument("--key", default=None)
    se.add_argument("--map-size", type=int, default=10)
    se.add_argument("--variant", default=None, help="search.VARIANTS name (self, generic, search) or loo")
    se.add_argument(
        "--seed0", type=int, default=None, help="first map seed (default: 900,000 dev, 1,000,000 held-out)"
    )
    sub.add_parser("search-card")
    sh = sub.add_parser("ship")
    sh.add_argument("--run", required=True)
    sh.add_argument("--test-maps", type=int, default=200)
    args = ap.parse_args()
    if args.cmd == "ablations":
        ablations(args.steps, args.variants, args.test_maps, args.seed, args.key)
    elif args.cmd == "transfer":
        transfer(args.agent, args.finetune_steps, args.test_maps, args.sizes)
    elif args.cmd == "markdown":
        print(markdown())
    elif args.cmd == "intents":
        intents(args.test_maps)
    elif args.cmd == "dev":
        dev(args.names, args.maps, key=args.key, vs=args.vs)
    elif args.cmd == "roster":
        roster(args.maps)
    elif args.cmd == "search-card":
        search_card()
    elif args.cmd == "search":
        search(
            args.opponents,
            args.maps,
            args.models,
            args.held_out,
            args.agent,
            args.key,
            args.map_size,
            args.variant,
            args.seed0,
        )
    elif args.cmd == "ship":
        ship(args.run, args.test_maps)
    else:
        plot()


if __name__ == "__main__":
    main()
