"""The file-level verbs the CLI (and any caller) uses: verify two photos, enrol, search, list, remove.

Each takes paths and plain values and returns plain records or JSON-ready dicts; models are built once
per call by `load_models` unless passed in.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError, JobError
from frontline.faces.align import align_face
from frontline.faces.detect import detect_faces
from frontline.faces.embed import embed_faces
from frontline.faces.gallery import open_gallery
from frontline.faces.image import correct_orientation, load_image
from frontline.faces.records import Enrolled, Hit, Verification
from frontline.faces.subject import choose_subject
from frontline.faces.verify import Models, VerifyConfig, load_models, threshold_for_far, verify_with_views

__all__ = [
    "verification_dict",
    "verify_files",
    "enroll_files",
    "search_file",
    "list_gallery",
    "remove_from_gallery",
]


def verification_dict(result: Verification) -> dict[str, Any]:
    """The JSON object of a verification: match, score, threshold, far, checks (per stage), errors."""

    def side(s: Any) -> dict[str, Any]:
        d = dataclasses.asdict(s)
        d["faces_found"] = s.faces_found
        return d

    return {
        "match": result.match,
        "score": None if result.score is None else round(result.score, 4),
        "threshold": round(result.threshold, 4),
        "far": result.far,
        "checks": {"id": side(result.id_side), "selfie": side(result.selfie_side)},
        "errors": [dataclasses.asdict(i) for i in result.issues if i.blocking],
        "warnings": [dataclasses.asdict(i) for i in result.issues if not i.blocking],
        "seconds": round(result.seconds, 4),
    }


def verify_files(
    id_path: str | Path,
    selfie_path: str | Path,
    config: VerifyConfig | None = None,
    *,
    explain: str | Path | None = None,
    models: Models | None = None,
) -> Verification:
    """Verify an ID photo against a selfie photo; optionally write the explain PNG."""
    cfg = config or VerifyConfig()
    id_img, _ = load_image(id_path)
    selfie, _ = load_image(selfie_path)
    m = models or load_models(replay=cfg.check_replay)
    threshold_for_far(cfg.far, m.calibration)  # bad --far fails before any work
    result, pictures = verify_with_views(id_img, selfie, m, cfg)
    if explain is not None:
        import cv2

        from frontline.faces.explain import explain_figure

        if not cv2.imwrite(str(explain), explain_figure(result, pictures)):
            raise InputError(f"cannot write the explain picture to {explain}; use a writable .png path")
    return result


def _embed_file(path: str | Path, models: Models) -> np.ndarray:
    import functools

    img, _ = load_image(path)
    det = functools.partial(detect_faces, detector=models.detector)
    upright, _ = correct_orientation(img, det)
    faces = det(upright)
    if not faces:
        raise JobError(f"NO_FACE: {path}: no face found; use a photo with one clear, frontal face")
    subject = choose_subject(faces, (upright.shape[0], upright.shape[1]))  # the rule `verify` uses
    if subject.index is None:
        raise JobError(
            f"MULTIPLE_FACES: {path}: {len(faces)} faces, no clear subject ({subject.reason}); use a photo of one person"
        )
    return embed_faces([align_face(upright, faces[subject.index])], models.recognizer)[0]


def enroll_files(
    name: str, paths: list[str | Path], gallery: str | Path, *, keep_images: bool = False
) -> int:
    """Embed each photo (one face each) and add them all to the gallery under `name` in one transaction."""
    if not paths:
        raise InputError("give at least one IMAGE to enrol")
    models = load_models(replay=False, calibration=False)
    embs = np.stack([_embed_file(p, models) for p in paths])  # every photo checked before anything is written
    images = [Path(p).read_bytes() for p in paths] if keep_images else None
    with open_gallery(gallery, create=True) as g:
        return g.enroll(name, embs, [str(Path(p).name) for p in paths], images)


def search_file(
    path: str | Path, gallery: str | Path, *, top: int = 5, far: float = 1e-3
) -> tuple[list[Hit], float]:
    """Search a probe photo in the gallery; returns (hits, threshold). hits[0] is "unknown" below threshold."""
    if top < 1:
        raise InputError(f"--top must be at least 1, got {top}")
    models = load_models(replay=False)
    thr = threshold_for_far(far, models.calibration)
    with open_gallery(gallery) as g:
        probe = _embed_file(path, models)
        return g.search(probe, top=top, threshold=thr), thr


def list_gallery(gallery: str | Path) -> list[Enrolled]:
    """Everyone enrolled in a gallery."""
    with open_gallery(gallery) as g:
        return g.people()


def remove_from_gallery(name: str, gallery: str | Path) -> int:
    """Remove a person (all their embeddings) from a gallery; returns the embeddings removed."""
    with open_gallery(gallery) as g:
        return g.remove(name)
