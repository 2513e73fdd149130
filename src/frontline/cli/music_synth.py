"""`frontline music synth ...`: the DeepScores-style data engine."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors, print_json
from frontline.errors import InputError

app = typer.Typer(
    help="Data engine: engrave random and corpus music with Verovio, annotate every symbol.\n\n"
    "Example: frontline music synth --pages 100 --out data/synth --seed 1 --jobs 2 --preset mixed",
    invoke_without_command=True,
)


@app.callback()
@handle_errors
def synth(
    ctx: typer.Context,
    pages: int = typer.Option(None, "--pages", help="Number of pages to write."),
    out: Path = typer.Option(None, "--out", help="Output folder."),
    seed: int = typer.Option(0, "--seed", help="Master seed (>= 0); same seed, same dataset."),
    jobs: int = typer.Option(1, "--jobs", help="Worker processes."),
    preset: str = typer.Option("clean", "--preset", help="Degradations: clean, scan, photo or mixed."),
    dpi: int = typer.Option(150, "--dpi", help="Raster resolution (150 or 300 typical)."),
    rare_boost: float = typer.Option(1.0, "--rare-boost", help="Multiply rare-symbol probabilities by X."),
    long_notes: float = typer.Option(
        1.0, "--long-notes", help="Multiply the probability of whole and dotted-half notes by X."
    ),
    corpus_fraction: float = typer.Option(
        0.1, "--corpus-fraction", help="Share of pages from the music21 corpus."
    ),
    rare_paste: int = typer.Option(0, "--rare-paste", help="Paste up to N rare-symbol crops into margins."),
    source: str = typer.Option(
        "train",
        "--source",
        help="train (generator + training corpus) or eval (reserved corpus folders only).",
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Write N annotated pages: page_NNNNNN.png + .json (DeepScoresV2 layout) + .musicxml, and index.json."""
    if ctx.invoked_subcommand is not None:
        return
    if pages is None or out is None:
        raise InputError("give --pages N and --out DIR (or a subcommand: show, stats); see --help")
    from frontline.music.synth.dataset import SynthConfig, synthesize

    summary = synthesize(
        SynthConfig(
            pages=pages,
            out=out,
            seed=seed,
            jobs=jobs,
            preset=preset,
            dpi=dpi,
            rare_boost=rare_boost,
            long_notes=long_notes,
            corpus_fraction=corpus_fraction,
            rare_paste=rare_paste,
            source=source,
            progress=not quiet,
        )
    )
    print_json(
        {
            "out": str(summary.out),
            "pages": summary.pages,
            "skipped": summary.skipped,
            "seconds": round(summary.seconds, 2),
            "pages_per_second": round(summary.pages_per_second, 3),
        }
    )


@app.command("show")
@handle_errors
def show(
    image: Path = typer.Argument(..., help="A page image of a dataset (its .json lies next to it)."),
    output: Path = typer.Option(
        Path("annotated.png"), "-o", "--output", help="Where to write the overlay PNG."
    ),
    no_labels: bool = typer.Option(False, "--no-labels", help="Boxes only, no class names."),
) -> None:
    """Draw a page's annotations (coloured boxes + class names). Example: frontline music synth show DIR/page_000000.png -o out.png"""
    from frontline.music.synth.view import show_page

    path = show_page(image, output, labels=not no_labels)
    typer.echo(str(path))


@app.command("stats")
@handle_errors
def stats(
    folder: Path = typer.Argument(..., help="A dataset folder written by `frontline music synth`."),
    plot: Path = typer.Option(None, "--plot", help="Figure path (default DIR/stats.png)."),
    max_pages: int = typer.Option(None, "--max-pages", help="Only read the first N pages."),
) -> None:
    """Print class frequencies and sizes; plot them (log scale). Example: frontline music synth stats data/synth"""
    from frontline.music.synth.view import dataset_stats, plot_stats

    st = dataset_stats(folder, max_pages)
    total = sum(st.class_counts.values())
    typer.echo(f"{st.pages} pages, {total} annotations, {len(st.class_counts)} classes")
    typer.echo(f"{'class':32s} {'count':>9s} {'share':>7s} {'med w px':>9s} {'med h px':>9s}")
    for name, n in st.class_counts.items():
        w, h = st.median_size_px[name]
        typer.echo(f"{name:32s} {n:9d} {100 * n / total:6.2f}% {w:9.1f} {h:9.1f}")
    path = plot_stats(st, plot or Path(folder) / "stats.png")
    typer.echo(f"plot: {path}")
