"""ID document vs selfie verification: every stage, a score, and a decision kept apart from the score.

Data flow: image -> orientation -> (ID: card + portrait) -> detect -> (selfie: subject among several
faces, or a refusal) -> align -> quality, replay -> embed -> cosine score -> `is_match(score, threshold)`, where the threshold comes from the shipped calibration
table for the false-accept rate the operator allows (`threshold_for_far`).

Public verbs: `load_models`, `analyse_image`, `verify`, `is_match`, `load_calibration`,
`threshold_for_far`, `build_calibration`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError
from frontline.faces.align import align_face
from frontline.faces.detect import Detector, detect_faces, load_detector
from frontline.faces.document import locate_portrait
from frontline.faces.embed import PUBLISHED_COSINE_THRESHOLD, Recognizer, embed_faces, load_recognizer
from frontline.faces.image import correct_orientation
from frontline.faces.quality import QualityConfig, assess_quality
from frontline.faces.records import Face, Issue, Side, SubjectChoice, Verification, issue
from frontline.faces.subject import SubjectConfig, choose_subject

__all__ = [
    "CALIBRATION_FILE",
    "Calibration",
    "Models",
    "VerifyConfig",
    "load_models",
    "load_calibration",
    "threshold_for_far",
    "build_calibration",
    "is_match",
    "analyse_image",
    "verify",
    "verify_with_views",
]

CALIBRATION_FILE = Path(__file__).parent / "models" / "calibration.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """The FAR -> cosine threshold table (ascending FAR) and where it came from."""

    far: tuple[float, ...]
    threshold: tuple[float, ...]
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Settings of `verify` (`frontline faces verify`)."""

    far: float = 1e-3
    """Allowed false-accept rate; the threshold is read from the calibration table for it."""
    quality: QualityConfig = QualityConfig()
    """Thresholds of the quality checks."""
    check_replay: bool = True
    """Run the replay-attack CNN on the selfie."""
    replay_threshold: float | None = None
    """Attack probability (p_screen + p_print) refusing the selfie; None: the cut shipped with the weights."""
    subject: SubjectConfig = SubjectConfig()
    """How the selfie's subject is picked among several faces, and when the picture is refused."""
    quality_blocks: bool = True
    """Quality failures block the verdict (False: report them as warnings only)."""


@dataclass
class Models:
    """Loaded networks and tables; build once with `load_models` and pass to every call."""

    detector: Detector
    recognizer: Recognizer
    replay: Any
    calibration: Calibration
    load_seconds: float = 0.0


def load_calibration(path: str | Path = CALIBRATION_FILE) -> Calibration:
    """Read the shipped FAR -> threshold table (models/calibration.json)."""
    data = json.loads(Path(path).read_text())
    rows = sorted(data["table"], key=lambda r: r["far"])
    return Calibration(
        tuple(r["far"] for r in rows), tuple(r["threshold"] for r in rows), data.get("provenance", {})
    )


def load_models(*, replay: bool = True, calibration: bool = True) -> Models:
    """Build detector, recogniser, replay CNN (when its weights ship) and read the calibration table."""
    t0 = time.perf_counter()
    replay_model = None
    if replay:
        from frontline.faces.replay import load_replay_model

        replay_model = load_replay_model()
    table = (
        load_calibration()
        if calibration
        else Calibration((1e-4, 1e-1), (0.363, 0.363), {"note": "uncalibrated"})
    )
    models = Models(load_detector(), load_recognizer(), replay_model, table)
    models.load_seconds = time.perf_counter() - t0
    return models


def threshold_for_far(far: float, calibration: Calibration) -> float:
    """Cosine threshold for an allowed false-accept rate, interpolated in log(FAR) within the table."""
    lo, hi = calibration.far[0], calibration.far[-1]
    if not lo <= far <= hi:
        raise InputError(
            f"--far {far:g} is outside the calibrated range [{lo:g}, {hi:g}]; pick a value inside it"
        )
    x = [math.log10(f) for f in calibration.far]
    return float(np.interp(math.log10(far), x, calibration.threshold))


def build_calibration(
    genuine: np.ndarray,
    impostor: np.ndarray,
    fars: tuple[float, ...] = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4),
    published: float = PUBLISHED_COSINE_THRESHOLD,
) -> list[dict[str, float | str]]:
    """FAR -> threshold rows from measured scores, conservative where the data are too few.

    For each FAR: the empirical (1 - FAR) quantile of impostor scores when at least 10 impostor pairs
    lie above it, a normal fit to the impostor tail (mean + z * std), and SFace's published 0.363 as a floor
    for FAR <= 1%. The largest of these is used; `method` says which one decided.
    """
    from statistics import NormalDist

    from frontline.lab.risk import operating_point

    mu, sd = float(np.mean(impostor)), float(np.std(impostor, ddof=1))
    rows: list[dict[str, float | str]] = []
    for far in fars:
        cands: dict[str, float] = {"normal_tail": mu + NormalDist().inv_cdf(1 - far) * sd}
        if len(impostor) * far >= 10:
            cands["empirical"] = float(np.quantile(impostor, 1 - far, method="higher"))
        if far <= 1e-2:
            cands["published_floor"] = published
        method = max(cands, key=lambda k: cands[k])
        thr = cands[method]
        rows.append({"far": far, "threshold": round(thr, 4), "method": method})

    # thresholds must not fall as the allowed FAR falls
    for i in range(len(rows) - 2, -1, -1):
        rows[i]["threshold"] = min(float(rows[i]["threshold"]), float(rows[i + 1]["threshold"]))
    scores = np.concatenate([genuine, impostor])
    labels = np.concatenate([np.ones(len(genuine)), np.zeros(len(impostor))])
    for row in rows:  # what the chosen threshold gives on the measured pairs (lab.risk at that point)
        thr = float(row["threshold"])
        row["tar_measured"] = float(np.mean(genuine >= thr))
        row["far_measured"] = float(np.mean(impostor >= thr))
        row["recall_at_measured_far"] = operating_point(scores, labels, far=float(row["far_measured"])).recall
    return rows


def is_match(score: float, threshold: float) -> bool:
    """The decision: same person when the cosine score reaches the threshold."""
    return score >= threshold


def _cached_detector(detector: Detector) -> Callable[[np.ndarray], list[Face]]:
    """detect_faces that remembers its answer per image object (orientation and portrait search share it)."""
    seen: dict[int, tuple[np.ndarray, list[Face]]] = {}

    def det(image: np.ndarray) -> list[Face]:
        key = id(image)
        if key not in seen:
            seen[key] = (image, detect_faces(image, detector))  # keep the image alive so ids stay unique
        return seen[key][1]

    return det


def analyse_image(
    image: np.ndarray, role: str, models: Models, config: VerifyConfig, *, exif_transposed: bool = False
) -> tuple[Side, list[Issue], np.ndarray | None, dict[str, np.ndarray | None]]:
    """Run every pre-matching stage on one image ("id" or "selfie").

    Returns (Side record, issues, embedding or None, pictures): pictures holds "upright" (after
    orientation), "view" (the image the face was found in: the rectified card for an ID) and "aligned"
    (the 112x112 face, or None).
    """
    det = _cached_detector(models.detector)
    issues: list[Issue] = []
    upright, oriented = correct_orientation(image, det, exif_transposed=exif_transposed)
    if oriented.rotation_deg:
        issues.append(
            issue(
                "ROTATED", blocking=False, image=role, detail=f"turned {oriented.rotation_deg} deg clockwise"
            )
        )
    document = None
    if role == "id":
        document, view, faces = locate_portrait(upright, det)
        if not document.found_card:
            issues.append(
                issue(
                    "NO_DOCUMENT", blocking=not faces, image=role, detail="used the largest face in the photo"
                )
            )
    else:
        view, faces = upright, det(upright)
    face: Face | None = None
    subject: SubjectChoice | None = None
    if not faces:
        issues.append(issue("NO_FACE", image=role))
    elif role == "id":
        face = faces[0]  # the card's portrait is the largest face on the card; its ghost portrait is smaller
        if len(faces) > 1:
            issues.append(
                issue(
                    "MULTIPLE_FACES",
                    blocking=False,
                    image=role,
                    detail=f"{len(faces)} faces; used the largest",
                )
            )
    else:
        subject = choose_subject(faces, (view.shape[0], view.shape[1]), config.subject)
        if subject.index is not None:
            face = faces[subject.index]
        if len(faces) > 1:
            if subject.index is None:
                detail = f"{len(faces)} faces, no clear subject: {subject.reason}"
            else:
                x, y, w, h = faces[subject.index].bbox_xywh
                detail = (
                    f"{len(faces)} faces; used face {subject.index + 1} (largest first; box x={x:.0f}"
                    f" y={y:.0f} w={w:.0f} h={h:.0f}): {subject.reason}"
                )
            issues.append(issue("MULTIPLE_FACES", blocking=face is None, image=role, detail=detail))
    if face is None:
        side = Side(role, oriented, document, None, len(faces), None, None, subject)
        return side, issues, None, {"upright": upright, "view": view, "aligned": None}
    aligned = align_face(view, face)
    quality = assess_quality(view, face, aligned, config.quality)
    for code in quality.failed:
        issues.append(issue(code, blocking=config.quality_blocks, image=role))
    replay = None
    if role == "selfie" and config.check_replay and models.replay is not None:
        from frontline.faces.replay import detect_replay

        replay = detect_replay(view, face, models.replay, attack_threshold=config.replay_threshold)
        if replay.label != "live":
            code = "SUSPECTED_SCREEN_REPLAY" if replay.label == "screen" else "SUSPECTED_PRINT_REPLAY"
            issues.append(issue(code, image=role, detail=f"p_live={replay.p_live:.2f}"))
    emb = embed_faces([aligned], models.recognizer)[0]
    side = Side(role, oriented, document, face, len(faces), quality, replay, subject)
    return side, issues, emb, {"upright": upright, "view": view, "aligned": aligned}


def verify(
    id_image: np.ndarray, selfie: np.ndarray, models: Models, config: VerifyConfig | None = None
) -> Verification:
    """Is the person in the selfie the person on the ID document? Score, threshold and every stage's result.

    `match` is None when a blocking issue (no face, replay suspected, bad quality, ...) makes a verdict
    impossible; the score is still reported when both faces were found.
    """
    result, _ = verify_with_views(id_image, selfie, models, config)
    return result


def verify_with_views(
    id_image: np.ndarray, selfie: np.ndarray, models: Models, config: VerifyConfig | None = None
) -> tuple[Verification, dict[str, Any]]:
    """`verify`, plus each side's pictures (see `analyse_image`) that the explain figure draws."""
    cfg = config or VerifyConfig()
    threshold = threshold_for_far(cfg.far, models.calibration)
    t0 = time.perf_counter()
    id_side, id_issues, id_emb, id_pics = analyse_image(id_image, "id", models, cfg)
    s_side, s_issues, s_emb, s_pics = analyse_image(selfie, "selfie", models, cfg)
    issues = tuple(id_issues + s_issues)
    score = float(id_emb @ s_emb) if id_emb is not None and s_emb is not None else None
    blocked = any(i.blocking for i in issues)
    match = None if blocked or score is None else is_match(score, threshold)
    result = Verification(match, score, threshold, cfg.far, id_side, s_side, issues, time.perf_counter() - t0)
    return result, {"id": id_pics, "selfie": s_pics}
