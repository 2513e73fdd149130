"""Each stage on real photos (shared data, skipped when absent) and on synthetic ID cards."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from frontline.faces.align import align_face
from frontline.faces.detect import detect_faces
from frontline.faces.document import find_card, locate_portrait
from frontline.faces.embed import embed_faces
from frontline.faces.idcard import make_card, photograph_card, portrait_crop
from frontline.faces.image import correct_orientation, load_image, rotate
from frontline.faces.quality import assess_quality
from frontline.faces.verify import VerifyConfig, verify


def _img(photos: Path, rel: str) -> np.ndarray:
    return load_image(photos / rel)[0]


def test_detect_and_align(photos: Path, face_models) -> None:  # type: ignore[no-untyped-def]
    img = _img(photos, "train/obama/obama.jpg")
    faces = detect_faces(img, face_models.detector)
    assert len(faces) == 1 and faces[0].score > 0.8
    aligned = align_face(img, faces[0])
    assert aligned.shape == (112, 112, 3)
    emb = embed_faces([aligned], face_models.recognizer)
    assert emb.shape == (1, 128) and abs(np.linalg.norm(emb) - 1) < 1e-5
    group = _img(photos, "test/obama_and_biden.jpg")
    assert len(detect_faces(group, face_models.detector)) >= 2


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_orientation_is_corrected(photos: Path, face_models, turn: int) -> None:  # type: ignore[no-untyped-def]
    img = _img(photos, "train/biden/biden.jpg")
    det = functools.partial(detect_faces, detector=face_models.detector)
    upright, oriented = correct_orientation(rotate(img, turn), det)
    assert (oriented.rotation_deg + turn) % 360 == 0
    assert upright.shape == img.shape


def test_card_on_table_is_found_and_rectified(photos: Path, face_models) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    img = _img(photos, "train/obama/obama2.jpg")
    det = functools.partial(detect_faces, detector=face_models.detector)
    card = make_card(portrait_crop(img, det(img)[0]), rng)
    for _ in range(3):
        shot = photograph_card(card, rng)
        quad = find_card(shot.image)
        assert quad is not None and np.abs(quad - shot.quad_xy).max() < 15
        doc, view, faces = locate_portrait(shot.image, det)
        assert doc.method == "quadrilateral" and view.shape[:2] == (540, 856) and faces
        x, y, w, h = faces[0].bbox_xywh  # the portrait box of the card layout is x 40..270, y 120..420
        assert 20 < x + w / 2 < 290 and 100 < y + h / 2 < 440
    # tight crop (the card is the whole frame) and no card at all
    doc, _, faces = locate_portrait(card, det)
    assert doc.found_card and doc.method in ("full_frame", "quadrilateral") and faces
    doc, _, faces = locate_portrait(img, det)
    assert not doc.found_card and doc.method == "largest_face" and faces


def test_quality_reasons(photos: Path, face_models) -> None:  # type: ignore[no-untyped-def]
    import cv2

    img = _img(photos, "train/kit_harington/john1.jpeg")
    face = detect_faces(img, face_models.detector)[0]
    good = assess_quality(img, face, align_face(img, face))
    assert good.failed == ()
    blurred = cv2.GaussianBlur(img, (0, 0), 5)
    assert "BLURRY" in assess_quality(blurred, face, align_face(blurred, face)).failed
    dark = (img * 0.15).astype(np.uint8)
    assert "TOO_DARK" in assess_quality(dark, face, align_face(dark, face)).failed
    small = cv2.resize(img, None, fx=0.25, fy=0.25)
    sf = detect_faces(small, face_models.detector)
    if sf:
        assert "FACE_TOO_SMALL" in assess_quality(small, sf[0], align_face(small, sf[0])).failed


def test_verify_genuine_impostor_and_card(photos: Path, face_models) -> None:  # type: ignore[no-untyped-def]
    cfg = VerifyConfig(far=1e-3, check_replay=False)
    a, b = _img(photos, "train/obama/obama.jpg"), _img(photos, "test/obama1.jpg")
    c = _img(photos, "train/biden/biden.jpg")
    same = verify(a, b, face_models, cfg)
    assert same.match is True and same.score is not None and same.score > same.threshold
    other = verify(a, c, face_models, cfg)
    assert other.match is False
    card = make_card(portrait_crop(a, detect_faces(a, face_models.detector)[0]), np.random.default_rng(0))
    shot = photograph_card(card, np.random.default_rng(1))
    on_card = verify(shot.image, rotate(b, 90), face_models, cfg)
    assert (
        on_card.match is True and on_card.id_side.document is not None and on_card.id_side.document.found_card
    )
    assert "ROTATED" in [i.code for i in on_card.issues]


def test_verify_refuses_no_face_and_crowded_selfie(photos: Path, face_models) -> None:  # type: ignore[no-untyped-def]
    cfg = VerifyConfig(check_replay=False)
    a = _img(photos, "train/obama/obama.jpg")
    blank = np.full((300, 300, 3), 128, np.uint8)
    r = verify(a, blank, face_models, cfg)
    assert r.match is None and any(i.code == "NO_FACE" and i.blocking for i in r.issues)
    group = _img(photos, "test/kit_with_rose.jpg")
    r = verify(a, group, face_models, cfg)
    codes = {i.code: i for i in r.issues}
    assert "MULTIPLE_FACES" in codes
