"""`frontline music ...` commands of the scan stage: `scan` (images/PDFs -> MusicXML) and `demo`."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `music` sub-app."""

    @app.command("scan")
    @handle_errors
    def scan_cmd(
        inputs: list[Path] = typer.Argument(..., help="Images (PNG/JPEG/TIFF), PDFs or folders of them."),
        out: Path = typer.Option(Path("out/scan"), "-o", "--out", help="Output folder."),
        join: bool = typer.Option(False, "--join", help="All inputs are the pages of one piece."),
        jobs: int = typer.Option(1, "--jobs", help="Pieces scanned in parallel."),
        fmt: str = typer.Option("musicxml", "--format", help="musicxml or mxl."),
        detections: Path | None = typer.Option(
            None,
            "--detections",
            help="Oracle mode: DeepScoresV2-layout JSON of the symbols, or a folder with STEM.json per input.",
        ),
        no_overlay: bool = typer.Option(False, "--no-overlay", help="Skip the overlay pictures."),
        model: Path | None = typer.Option(
            None, "--model", help="Detector weights (default: the shipped model)."
        ),
        no_split: bool = typer.Option(
            False, "--no-split", help="Do not read an image of pages side by side as separate pages."
        ),
        lyrics: bool = typer.Option(
            True,
            "--lyrics/--no-lyrics",
            help="Read lyrics under the staves (OCR; about 0.5 s per page with lyrics).",
        ),
        words: bool = typer.Option(
            True,
            "--words/--no-words",
            help="Read text directions (tempo, expression words) and grand-staff names (OCR; about 0.1 s per page).",
        ),
    ) -> None:
        """Scan sheet music into MusicXML, MIDI, a notation-graph JSON and overlays.

        Example: frontline music scan page1.png page2.png --join -o out/scan
        """
        from frontline.music.scan import ScanConfig, scan

        cfg = ScanConfig(
            out_dir=out,
            join=join,
            jobs=jobs,
            fmt=fmt,
            detections=detections,
            overlay=not no_overlay,
            model_path=model,
            split_spreads=not no_split,
            lyrics=lyrics,
            words=words,
        )
        summary = scan(list(inputs), cfg)
        for p in summary.pieces:
            if p.error:
                typer.secho(f"failed  {p.stem}: {p.error}", fg=typer.colors.RED, err=True)
                continue
            flag = f", {p.flagged} flagged" if p.flagged else ""
            typer.echo(
                f"ok      {p.stem}: {p.pages} page(s), {p.measures} measures, {p.notes} notes{flag} -> {p.outputs[0]}"
            )
            for w in p.warnings[:5]:
                typer.secho(f"        warning: {w}", fg=typer.colors.YELLOW, err=True)
        t = summary.totals
        typer.echo(
            f"summary: {t['pieces']} piece(s) ok, {t['failed']} failed; {t['pages']} pages, {t['measures']} measures, "
            f"{t['notes']} notes, {t['flagged']} flagged measures; {t['seconds_per_page']:.2f} s/page"
        )
        if summary.all_failed:
            raise typer.Exit(1)

    @app.command("demo")
    @handle_errors
    def demo_cmd(
        out: Path = typer.Option(Path("out/demo/music"), "--out", help="Output folder."),
        oracle: bool = typer.Option(
            False, "--oracle", help="Use the page's ground-truth symbols, not the detector."
        ),
    ) -> None:
        """Scan the bundled example page end to end and print where the results are.

        Example: frontline music demo --out out/demo
        """
        from frontline.music.scan import demo

        res = demo(out, use_detector=not oracle)
        if res.note:
            typer.secho(f"note: {res.note}", fg=typer.colors.YELLOW)
        p = res.piece
        typer.echo(
            f"scanned the bundled page ({res.mode} symbols): {p.measures} measures, {p.notes} notes, {p.flagged} flagged"
        )
        typer.echo(f"note F1 against the page's ground truth: {res.note_f1:.3f}")
        if res.mode == "detector" and res.note_f1 < 0.9:
            typer.secho(
                "the shipped detector misses or misreads symbols here; `--oracle` shows the assembly alone",
                fg=typer.colors.YELLOW,
            )
        for path in p.outputs:
            typer.echo(f"  {path}")
