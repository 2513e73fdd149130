"""`frontline lab ...` commands: demo, report, runs, threshold."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors

app = typer.Typer(
    help="The lab: run reports, imbalance tools, risk thresholds, and the digits demo.", no_args_is_help=True
)


def _fmt(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


@app.command()
@handle_errors
def demo(
    out: Path = typer.Option(
        Path("out/lab-demo"), "--out", help="Folder for the two run folders (under OUT/runs)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for split, weights, shuffling (same for both runs)."),
    epochs: int = typer.Option(25, "--epochs", help="Training epochs per run."),
    method: str = typer.Option(
        "cb_focal+sampler",
        "--method",
        help="Imbalance tools of run 2: cb_focal, sampler or cb_focal+sampler.",
    ),
) -> None:
    """Train a small CNN on imbalanced 8x8 digits with plain CE and with the imbalance tools; write both reports.

    Example: frontline lab demo --out out/lab-demo --seed 0
    """
    from frontline.lab.demo import DemoConfig, run_demo

    if epochs < 1:
        from frontline.errors import InputError

        raise InputError(f"--epochs must be at least 1, got {epochs}")
    res = run_demo(DemoConfig(out=str(out), seed=seed, epochs=epochs, method=method))
    typer.echo(f"training images per class: {res.n_train_per_class}")
    rows = [
        [
            r.name,
            f"{r.rare_recall:.3f}",
            " ".join(f"{c}:{v:.2f}" for c, v in r.rare_recall_per_class.items()),
            f"{r.macro_f1:.3f}",
            f"{r.accuracy:.3f}",
            f"{r.wall_s:.1f}",
        ]  # fmt: skip
        for r in res.runs
    ]
    typer.echo(_table(["run", "rare_recall", "per_rare_class", "macro_f1", "accuracy", "wall_s"], rows))
    typer.echo("(balanced held-out test set)")
    for r in res.runs:
        typer.echo(f"report: {r.report}")
    typer.echo(f"wall time: {res.wall_s:.1f} s")


@app.command()
@handle_errors
def report(run_dir: Path = typer.Argument(..., help="A run folder (holds config.json).")) -> None:
    """Rebuild RUN_DIR/report.html from the files in the run folder.

    Example: frontline lab report runs/dwd-20260101-120000
    """
    from frontline.lab.report import build_report

    typer.echo(str(build_report(run_dir)))


@app.command()
@handle_errors
def runs(root: Path = typer.Argument(Path("runs"), help="Folder holding run folders.")) -> None:
    """List the runs under ROOT with their status and summary numbers (best metrics).

    Example: frontline lab runs out/lab-demo/runs
    """
    from frontline.lab.run import list_runs

    infos = list_runs(root)
    if not infos:
        typer.echo(f"no runs under {root}")
        return
    rows = [
        [
            Path(i.dir).name,
            i.status,
            " ".join(f"{k}={_fmt(v)}" for k, v in i.summary.items() if not k.startswith("final_")),
        ]
        for i in infos
    ]
    typer.echo(_table(["run", "status", "summary"], rows))


@app.command()
@handle_errors
def threshold(
    scores: Path = typer.Argument(..., help="CSV with header score,label (label 1 = positive)."),
    recall: float | None = typer.Option(None, "--recall", help="Required recall in (0, 1]."),
    far: float | None = typer.Option(None, "--far", help="Largest false-accept rate allowed, in [0, 1]."),
) -> None:
    """Choose the threshold reaching a recall (best precision) or a FAR (best recall); print the operating point.

    Example: frontline lab threshold val_scores.csv --recall 0.99
    """
    from frontline.cli._common import print_json
    from frontline.errors import InputError
    from frontline.lab.risk import load_scores_csv, operating_point

    if (recall is None) == (far is None):
        raise InputError("give exactly one of --recall or --far")
    s, y = load_scores_csv(scores)
    point = operating_point(s, y, recall=recall, far=far)
    print_json({k: getattr(point, k) for k in point.__slots__})
