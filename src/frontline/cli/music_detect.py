"""`frontline music detect`, `train` and `train-glyphs`: the Deep Watershed Detector stage and its look-alike classifier."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors, print_json
from frontline.errors import InputError
from frontline.music.train import TrainConfig
from frontline.music.train_glyphs import GlyphTrainConfig

_TD = TrainConfig()  # defaults shown by `frontline music train --help`
_TG = GlyphTrainConfig()  # defaults shown by `frontline music train-glyphs --help`


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `music` sub-app."""
    app.command("detect")(detect)
    app.command("train")(train)
    app.command("train-glyphs")(train_glyphs)
    app.command("export-onnx")(export_onnx)


@handle_errors
def export_onnx(
    checkpoint: Path = typer.Argument(..., help="Detector checkpoint (.pt), e.g. runs/dwd-.../best.pt."),
    out: Path = typer.Option(
        None, "-o", "--out", help="ONNX file (default: beside the checkpoint, STEM.onnx)."
    ),
) -> None:
    """Export a detector or glyph-classifier checkpoint to ONNX; beside the checkpoint, the scanner runs it in ONNX Runtime.

    Needs the onnx package (pip install onnx). Example: frontline music export-onnx runs/dwd-x/best.pt
    """
    import torch

    from frontline.music.detect import export_onnx as export_detector
    from frontline.music.glyphnet import export_glyph_onnx

    if not checkpoint.is_file():
        raise InputError(f"{checkpoint}: no such checkpoint file")
    try:
        ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise InputError(
            f"{checkpoint}: cannot read the checkpoint ({exc.__class__.__name__}: empty, truncated or not "
            "a PyTorch file); give a best.pt from frontline music train or train-glyphs"
        ) from None
    mc = ckpt.get("model_config") if isinstance(ckpt, dict) else None
    if not isinstance(mc, dict):
        raise InputError(
            f"{checkpoint}: not a frontline checkpoint (no model_config); give a best.pt from training"
        )
    run = export_glyph_onnx if "crop" in mc else export_detector
    typer.echo(str(run(checkpoint, out)))


@handle_errors
def detect(
    inputs: list[Path] = typer.Argument(..., help="Page images (PNG/JPEG/TIFF) or PDFs."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for NAME.json and NAME.detections.png."),
    classes: str = typer.Option("", "--classes", help="Comma-separated class names to keep (default: all)."),
    min_score: float = typer.Option(0.3, "--min-score", help="Drop detections below this confidence (0..1)."),
    model: Path = typer.Option(None, "--model", help="Detector checkpoint or run folder (default: shipped)."),
    no_lines: bool = typer.Option(
        False, "--no-lines", help="Skip the classical line finder (stems, staves...)."
    ),
    no_overlay: bool = typer.Option(False, "--no-overlay", help="Do not write NAME.detections.png."),
) -> None:
    """Detect music symbols on each page; exit 1 only if every input failed.

    Example: frontline music detect page.png score.pdf -o out/detect --min-score 0.4 --classes noteheadBlackOnLine,clefG
    """
    from frontline.music.detect import DetectConfig, detect_to_folder

    if not 0.0 <= min_score <= 1.0:
        raise InputError(f"--min-score must lie in [0, 1], got {min_score}")
    keep = tuple(c.strip() for c in classes.split(",") if c.strip()) or None
    cfg = DetectConfig(classes=keep, min_score=min_score, lines=not no_lines)
    res = detect_to_folder(list(inputs), out, cfg, model_path=model, overlay=not no_overlay)
    for f in res.files:
        if not f.ok:
            typer.secho(f"error: {f.error}", fg=typer.colors.RED, err=True)
        for w in f.warnings:
            typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)
    print_json(
        {
            "files": [
                {"path": f.path, "ok": f.ok, "glyphs": f.glyphs, "outputs": list(f.outputs), "error": f.error}
                for f in res.files
            ]
        }
    )
    if res.all_failed:
        raise typer.Exit(1)


@handle_errors
def train(
    data: Path = typer.Option(..., "--data", help="Folder of training pages (frontline music synth output)."),
    out: Path = typer.Option(Path("runs"), "--out", help="Folder for run folders (dwd-<time>/)."),
    val_data: Path = typer.Option(
        None, "--val-data", help="Validation pages (default: hold out 8 of --data)."
    ),
    steps: int = typer.Option(_TD.steps, "--steps", help="Optimizer steps."),
    batch: int = typer.Option(_TD.batch, "--batch", help="Crops per step."),
    crop: int = typer.Option(_TD.crop, "--crop", help="Crop side in normalised pixels (multiple of 8)."),
    lr: float = typer.Option(_TD.lr, "--lr", help="Peak learning rate."),
    val_every: int = typer.Option(_TD.val_every, "--val-every", help="Validate every N steps."),
    model: str = typer.Option("dwd_small", "--model", help="Registered model: dwd_small or dwd_tiny."),
    focal_gamma: float = typer.Option(
        _TD.focal_gamma, "--focal-gamma", help="Focal loss gamma of the class head (0 = CE)."
    ),
    cb_beta: float = typer.Option(
        _TD.class_balanced_beta, "--cb-beta", help="Class-balanced weight beta (0 = no weights)."
    ),
    sampler_power: float = typer.Option(
        _TD.sampler_power, "--sampler-power", help="Class-aware crop sampler power (0 = off)."
    ),
    cls_weight: float = typer.Option(
        _TD.cls_weight, "--cls-weight", help="Extra factor on the class loss term."
    ),
    threads: int = typer.Option(2, "--threads", help="torch threads."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    resume: str = typer.Option("", "--resume", help="Run folder or checkpoint to continue."),
) -> None:
    """Train the Deep Watershed Detector; prints the run folder (best.pt inside).

    Example: frontline music train --data data/synth-train --val-data data/synth-val --out runs --steps 1000
    """
    from frontline.music.train import TrainConfig
    from frontline.music.train import train as run_training

    cfg = TrainConfig(
        data=str(data),
        out=str(out),
        val_data=str(val_data) if val_data else "",
        steps=steps,
        batch=batch,
        crop=crop,
        lr=lr,
        val_every=val_every,
        model=model,
        focal_gamma=focal_gamma,
        class_balanced_beta=cb_beta,
        sampler_power=sampler_power,
        cls_weight=cls_weight,
        threads=threads,
        seed=seed,
        resume=resume,
    )
    run_dir = run_training(cfg)
    print_json({"run": str(run_dir), "best": str(run_dir / "best.pt")})


@handle_errors
def train_glyphs(
    data: list[Path] = typer.Option(
        ..., "--data", help="Training page folder(s) (frontline music synth output)."
    ),
    out: Path = typer.Option(Path("runs"), "--out", help="Folder for run folders (glyphnet-<time>/)."),
    val_data: Path = typer.Option(
        None, "--val-data", help="Validation pages (default: hold out a share of --data)."
    ),
    epochs: int = typer.Option(_TG.epochs, "--epochs", help="Passes over the resampled windows."),
    batch: int = typer.Option(_TG.batch_size, "--batch", help="Windows per step."),
    lr: float = typer.Option(_TG.lr, "--lr", help="Peak learning rate."),
    max_per_class: int = typer.Option(_TG.max_per_class, "--max-per-class", help="Cap on windows per class."),
    sampler_power: float = typer.Option(
        _TG.sampler_power, "--sampler-power", help="Class-aware sampler power (0 = uniform)."
    ),
    threads: int = typer.Option(1, "--threads", help="torch threads."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    resume: str = typer.Option("", "--resume", help="Run folder to continue."),
) -> None:
    """Train the look-alike glyph classifier the detector consults; prints the run folder (best.pt inside).

    Example: frontline music train-glyphs --data data/dwd-train --val-data data/dwd-val --out runs
    """
    from frontline.music.train_glyphs import train_glyph_classifier

    if epochs < 1 or batch < 1 or max_per_class < 1:
        raise InputError("--epochs, --batch and --max-per-class must be at least 1")
    cfg = GlyphTrainConfig(
        data=tuple(str(d) for d in data),
        out=str(out),
        val_data=str(val_data) if val_data else "",
        epochs=epochs,
        batch_size=batch,
        lr=lr,
        max_per_class=max_per_class,
        sampler_power=sampler_power,
        threads=threads,
        seed=seed,
        resume=resume,
    )
    run_dir = train_glyph_classifier(cfg)
    print_json({"run": str(run_dir), "best": str(run_dir / "best.pt")})
