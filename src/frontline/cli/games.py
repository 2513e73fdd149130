"""`frontline games ...` commands: train a DQN, play arenas between agents and bots, render replays."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors, print_json

app = typer.Typer(help="Space Conquest: train a DQN, run arenas, render replays.", no_args_is_help=True)


@app.command()
@handle_errors
def train(
    action_space: str = typer.Option(
        "high", "--action-space", help="high (intents + heuristic) or flat (masked)."
    ),
    shaping: bool = typer.Option(True, "--shaping/--no-shaping", help="Potential-based reward shaping."),
    encoding: str = typer.Option("ref", "--encoding", help="ref (reference points) or raw (coordinates)."),
    map_size: int = typer.Option(10, "--map-size", help="Planets per map (6..40)."),
    steps: int = typer.Option(200_000, "--steps", help="Environment steps (agent decisions)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    root: Path = typer.Option(Path("runs"), "--root", help="Folder for run folders."),
    resume: Path | None = typer.Option(
        None, "--resume", help="Run folder to continue from its last checkpoint."
    ),
    init: Path | None = typer.Option(
        None, "--init", help="Agent file whose weights start the run (fine-tuning)."
    ),
    eval_every: int = typer.Option(10_000, "--eval-every", help="Steps between evaluations/checkpoints."),
    eval_maps: int = typer.Option(10, "--eval-maps", help="Validation maps per bot per evaluation."),
    name: str = typer.Option("games-dqn", "--name", help="Run name."),
    opponents: str = typer.Option(
        "rule=0.6,expander=0.1,bully=0.1,upgrader=0.1,random=0.1",
        "--opponents",
        help="Training bots as name=weight,...",
    ),
    lr: float = typer.Option(5e-4, "--lr", help="Adam learning rate."),
    hidden: int = typer.Option(64, "--hidden", help="Hidden width of the Q-network."),
) -> None:
    """Train a DQN agent; writes <root>/<name>-<stamp>/agent.pt and report.html.

    Example: frontline games train --action-space high --shaping --encoding ref --map-size 10 --steps 200000
    """
    from frontline.games.dqn import DQNConfig, parse_opponents
    from frontline.games.dqn import train as train_dqn

    names, weights = parse_opponents(opponents)
    cfg = DQNConfig(
        opponents=names,
        opponent_weights=weights,
        lr=lr,
        hidden=hidden,
        action_space=action_space,
        shaping=shaping,
        encoding=encoding,
        map_size=map_size,
        steps=steps,
        seed=seed,
        eval_every=eval_every,
        eval_maps=eval_maps,
    )
    res = train_dqn(cfg, root=root, resume=resume, init=init, name=name)
    print_json(
        {
            "run_dir": res.run_dir,
            "agent": res.agent_path,
            "steps": res.steps,
            "seconds": round(res.seconds, 1),
            "val_win_rates": res.final_win_rates,
            "steps_to_80_vs_strongest": res.steps_to_80,
        }
    )


@app.command()
@handle_errors
def arena(
    players: list[str] = typer.Argument(
        ...,
        help="Bot names (random, expander, bully, upgrader, rule, rule2 = the strongest, always-<intent>), agent .pt"
        " files, dqn, or dqn+self / dqn+generic (rollout search with an opponent model that is not the"
        " opponent's code) / dqn+search (exact copies of the scripted bots as models); also AGENT.pt+self etc.",
    ),
    maps: int = typer.Option(200, "--maps", help="Maps per pair; each map is played from both sides."),
    map_size: int = typer.Option(10, "--map-size", help="Planets per map."),
    seed0: int = typer.Option(1_000_000, "--seed0", help="First map seed (held-out maps start at 1000000)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Round robin between agents and bots: win rates with 95% Wilson intervals.

    Example: frontline games arena dqn+self dqn rule2 --maps 200   (dqn = the shipped agent; or a .pt file)
    """
    from frontline.games.arena import arena_table

    rows, table = arena_table(players, maps, map_size, seed0)
    if as_json:
        print_json(rows)
    else:
        typer.echo(table)


@app.command()
@handle_errors
def replay(
    a: str = typer.Argument(
        ..., help="Side 1 (blue): bot name, agent .pt file, dqn, dqn+self or dqn+search."
    ),
    b: str = typer.Argument(..., help="Side 2 (red): bot name, agent .pt file, dqn, dqn+self or dqn+search."),
    seed: int = typer.Option(1_000_000, "--seed", help="Map seed."),
    map_size: int = typer.Option(10, "--map-size", help="Planets per map."),
    out: Path = typer.Option(Path("game.gif"), "-o", "--out", help="Output .gif."),
) -> None:
    """Play one game and render it as an animated GIF.

    Example: frontline games replay rule bully --seed 3 --map-size 12 -o game.gif
    """
    from frontline.games.replay import replay_to_gif

    path, winner, ticks = replay_to_gif(a, b, seed, map_size, out)
    print_json({"gif": path, "winner_side": winner, "ticks": ticks})
