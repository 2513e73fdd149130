"""Game-playing benchmark: simulator speed, bot round robin, the shipped policy's main result, ablations, transfer.

Measured live: simulator ticks/s, the round robin of the scripted bots (incl. the strongest, `rule2`), the
main result, `dqn+self` (the shipped DQN with the rollout search of `frontline.games.search` under a model
of the opponent that is the agent's own network: no opponent code in the loop) against `rule2` on 200
held-out maps x 2 sides, next to the reference row `dqn+search` (rollouts against exact copies of the
scripted bots, session 5) and the plain DQN on the same maps, and `dqn+self` against the other bots and the
fixed intents that beat `rule` on 30 held-out maps (with seconds per game and the search counters). Read
from docs/games/results.json (written by real runs of
`python -m bench.games_experiments search|ship|ablations|transfer|intents`): the held-out tables of
`dqn+self` and `dqn+search` against every opponent, the plain DQN's session-4 table, ablations, transfer and
the fixed intents vs the session-1..3 bots (those cached tables predate `rule2`).
Environment variables: FRONTLINE_BENCH_GAMES_MAPS overrides the 200 held-out maps of the main result (e.g.
50 for a quick look), FRONTLINE_BENCH_GAMES_OTHER_MAPS the 30 maps of the other opponents.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "games" / "results.json"
BOT_NAMES = ("random", "expander", "bully", "upgrader", "rule", "rule2")
CACHED_BOTS = ("random", "expander", "bully", "upgrader", "rule")
"""The bots of the cached tables (ablations, intents, transfer: session 3, before `rule2`)."""
FIXED_INTENTS = ("always-attack", "always-reinforce", "always-guard")
"""The fixed intents that beat `rule` (docs/games.md), measured live next to the agent."""
SHIPPED = "dqn+self"
"""The main result since session 6: the shipped DQN with the rollout search under the self-model
(`frontline.games.search.VARIANTS["self"]`; no code of any scripted bot in the loop)."""
REFERENCE = "dqn+search"
"""Reference row: the session-5 search with exact copies of the scripted bots as opponent models."""


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*map(str, r)) for r in rows]
    )


def _ticks_per_second(n_planets: int, batch: int, seconds: float = 2.0) -> tuple[float, float, float]:
    """(simulator ticks per CPU second, per wall second, whole-game ticks per CPU second incl. the bots).

    Rule bot vs rule bot, deciding every 10 ticks (busy fleet traffic). CPU seconds are this process's own
    time on one core, so a machine shared with other jobs does not distort them; wall seconds do include
    waiting for the CPU.
    """
    from frontline.games.bots import make_bot
    from frontline.games.rules import DECISION_TICKS, advance, apply_orders, generate_map, new_games

    bot = make_bot("rule")
    rng = np.random.default_rng(0)
    sim_cpu = sim_wall = total_cpu = 0.0
    ticks = 0
    seed = 0
    while total_cpu < seconds:
        st = new_games([generate_map(n_planets, 10_000 + seed + i) for i in range(batch)])
        seed += batch
        c_start = time.process_time()
        while not st.done.all():
            for g in np.flatnonzero(~st.done):
                orders = [bot.act(st, int(g), side, rng) for side in (1, 2)]
                apply_orders(st, int(g), 1, orders[0])
                apply_orders(st, int(g), 2, orders[1])
            before = st.tick.copy()
            c0, t0 = time.process_time(), time.perf_counter()
            advance(st, DECISION_TICKS)
            sim_cpu += time.process_time() - c0
            sim_wall += time.perf_counter() - t0
            ticks += int((st.tick - before).sum())
        total_cpu += time.process_time() - c_start
    return ticks / sim_cpu, ticks / sim_wall, ticks / total_cpu


HEADER = [
    "opponent",
    "games",
    "W/D/L",
    "win rate",
    "95% CI",
    "wall s/game",
    "searches/game",
    "overrides",
    "no-model games",
    "exact predictions",
]
CACHED_HEADER = [*HEADER[:5], "CPU-s/game", *HEADER[6:]]


def _row(name: str, m: Any, seconds: float, stats: Any) -> list[str]:
    """One table row of a live match (search counters when the player is a search agent)."""
    extra = ["-", "-", "-", "-"]
    if stats is not None:
        extra = [
            f"{stats.searches / m.games:.1f}",
            str(stats.overrides),
            str(stats.model_breaks),
            f"{stats.exact_predictions}/{stats.predictions}",
        ]
    rate = [f"{m.score:.3f}", f"[{m.ci_low:.3f}, {m.ci_high:.3f}]", f"{seconds / m.games:.2f}"]
    return [name, str(m.games), f"{m.wins}/{m.draws}/{m.losses}", *rate, *extra]


def _cached_row(name: str, d: dict[str, Any]) -> list[str]:
    st = d["stats"]
    return [
        name,
        str(d["games"]),
        f"{d['wins']}/{d['draws']}/{d['losses']}",
        f"{d['win_rate']:.3f}",
        f"[{d['ci_low']:.3f}, {d['ci_high']:.3f}]",
        f"{d.get('cpu_seconds', d['seconds']) / d['games']:.2f}",
        f"{st['searches'] / d['games']:.1f}",
        str(st["overrides"]),
        str(st["model_breaks"]),
        f"{st['exact_predictions']}/{st['predictions']}" if "predictions" in st else "-",
    ]


def _fmt_rate(d: dict[str, float]) -> str:
    return f"{d['win_rate']:.2f} [{d['ci_low']:.2f},{d['ci_high']:.2f}]"


def main() -> None:
    import torch

    from frontline.games.arena import DEFAULT_AGENT, arena_table, match, resolve_player
    from frontline.games.bots import STRONGEST_BOT, make_bot

    torch.set_num_threads(1)
    print("Simulator speed, game ticks per second (rule bot vs rule bot; batch = games advanced together)")
    rows = []
    for n, b in ((20, 1), (20, 64), (40, 1)):
        cpu, wall, whole = _ticks_per_second(n, b)
        rows.append([str(n), str(b), f"{cpu:,.0f}", f"{wall:,.0f}", f"{whole:,.0f}"])
    print(_table(["planets", "batch", "sim ticks/CPU-s", "sim ticks/wall-s", "with bots, ticks/CPU-s"], rows))
    print(
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall-clock rates suffer from sharing)"
    )

    print("\nScripted bots, round robin (30 maps x 2 sides, 10 planets)")
    _, table = arena_table(list(BOT_NAMES), 30, 10)
    print(table)

    n_maps = int(os.environ.get("FRONTLINE_BENCH_GAMES_MAPS", "200"))
    other_maps = int(os.environ.get("FRONTLINE_BENCH_GAMES_OTHER_MAPS", "30"))
    res = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print(
        f"\nMain result: {SHIPPED} ({DEFAULT_AGENT.name} + rollout search, the opponent modelled by the agent's"
        f" own network: no bot code in the loop) vs the strongest bot {STRONGEST_BOT} on {n_maps} held-out maps x 2"
        f" sides, 10 planets; reference: {REFERENCE} (exact copies of the scripted bots as models, session 5) and"
        " the plain DQN on the same maps"
    )
    if DEFAULT_AGENT.exists():
        rows = []
        for name in (SHIPPED, REFERENCE, "dqn"):
            player = resolve_player(name)
            t0 = time.perf_counter()
            m = match(player, make_bot(STRONGEST_BOT), n_maps, 10)
            rows.append(_row(name, m, time.perf_counter() - t0, getattr(player, "stats", None)))
        print(_table([f"player (vs {STRONGEST_BOT})", *HEADER[1:]], rows))
        print(
            f"\n{SHIPPED} vs the other bots and the fixed intents that beat `rule`, {other_maps} held-out maps x 2"
            " sides (live; FRONTLINE_BENCH_GAMES_OTHER_MAPS; the held-out tables follow, cached)"
        )
        rows = []
        for name in (*BOT_NAMES[:-1], *FIXED_INTENTS):
            player = resolve_player(SHIPPED)
            t0 = time.perf_counter()
            m = match(player, make_bot(name), other_maps, 10)
            rows.append(_row(name, m, time.perf_counter() - t0, getattr(player, "stats", None)))
        print(_table(HEADER, rows))
    else:
        print(f"(no shipped agent at {DEFAULT_AGENT})")

    for key, who, how in (
        ("self_heldout", SHIPPED, "--variant self --held-out`, docs/games.md session 6"),
        ("search_heldout", REFERENCE, "--held-out`, docs/games.md session 5; exact bot models"),
    ):
        held = res.get(key)
        if held:
            print(
                f"\n{who} on held-out maps (each from both sides; games per row) vs every opponent (cached real run,"
                f" `python -m bench.games_experiments search ... {how})"
            )
            rows = [_cached_row(name, d) for name, d in held["rows"].items()]
            print(_table(CACHED_HEADER, rows))
    main_plain = res.get("main")
    if main_plain:
        print(
            f"\nThe plain DQN ({main_plain['run']}, session 4) on 200 held-out maps x 2 sides (cached, `games_experiments ship`)"
        )
        rows = [
            [
                name,
                str(d["games"]),
                f"{d['wins']}/{d['draws']}/{d['losses']}",
                f"{d['win_rate']:.3f}",
                f"[{d['ci_low']:.3f}, {d['ci_high']:.3f}]",
            ]
            for name, d in main_plain["test"].items()
        ]
        print(_table(["opponent", "games", "W/D/L", "win rate", "95% CI"], rows))

    keys = [k for k in res if k.startswith("ablations")]
    for key in keys:
        abl = res[key]
        budget = {out["steps"] for out in abl.values()}
        print(
            f"\nAblations [{key}] (cached real runs, docs/games/results.json; same budget {budget}, seed and opponents;"
            " test = held-out maps x 2 sides)"
        )
        rows = []
        for name, out in abl.items():
            c = out["config"]
            rows.append(
                [
                    name,
                    c["action_space"],
                    c["encoding"],
                    str(c["shaping"]),
                    str(out["steps"]),
                    f"{out['seconds'] / 60:.1f}",
                    str(out["steps_to_80"] or "never"),
                    str(out["test_maps"] * 2),
                ]
                + [_fmt_rate(out["test"][b]) for b in CACHED_BOTS]
            )
        print(
            _table(
                [
                    "variant",
                    "actions",
                    "enc",
                    "shaping",
                    "steps",
                    "train min",
                    "steps to 80% vs rule",
                    "test games",
                ]
                + [f"vs {b}" for b in CACHED_BOTS],
                rows,
            )
        )
    if keys:
        print("learning curves: docs/games/learning_curves.png")
        reused = [n for k in keys for n, out in res[k].items() if "note" in out]
        if reused:
            print(
                f"({', '.join(reused)}: session-1 runs, reused because the flat interface does not use intents)"
            )
    intents = res.get("intents")
    if intents:
        print(
            f"\nEach intent played every decision (cached real runs; {intents['test_maps']} held-out maps x 2 sides,"
            f" {intents['map_size']} planets): what the heuristic alone is worth"
        )
        rows = [[name] + [_fmt_rate(d[b]) for b in CACHED_BOTS] for name, d in intents["test"].items()]
        print(_table(["policy"] + [f"vs {b}" for b in CACHED_BOTS], rows))
    else:
        print("\n(no ablations yet: run python -m bench.games_experiments ablations)")

    tr = res.get("transfer")
    print("\nTransfer (cached real runs): agent trained on small maps, played on larger ones")
    if tr:
        rows = []
        for n, e in tr["sizes"].items():
            ft = e.get("fine_tuned")
            rows.append(
                [
                    n,
                    _fmt_rate(e["zero_shot"]["rule"]),
                    _fmt_rate(ft["rule"]) if ft else "-",
                    f"{np.mean([e['zero_shot'][b]['win_rate'] for b in CACHED_BOTS]):.2f}",
                    f"{np.mean([ft[b]['win_rate'] for b in CACHED_BOTS]):.2f}" if ft else "-",
                ]
            )
        print(f"trained on {tr['trained_on']} planets; fine-tune {tr['finetune_steps']} steps per size")
        print(
            _table(
                [
                    "planets",
                    "vs rule, zero-shot",
                    "vs rule, fine-tuned",
                    "mean vs bots, zero-shot",
                    "mean, fine-tuned",
                ],
                rows,
            )
        )
    else:
        print("(none yet: run python -m bench.games_experiments transfer)")
