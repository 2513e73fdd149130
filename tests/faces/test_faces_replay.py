"""Replay attacks: the generator's artefacts, the CNN contract, the shipped weights on held-out-style data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontline.faces.records import Face
from frontline.faces.replay import (
    CLASSES,
    REPLAY_WEIGHTS,
    apcer_bpcer,
    build_replay_net,
    camera,
    print_attack,
    replay_input,
    screen_attack,
)


def _face_image() -> tuple[np.ndarray, Face]:
    from skimage import data

    img = np.ascontiguousarray(data.astronaut()[:, :, ::-1])  # 512x512, face near (200-300, 80-220)
    face = Face(
        (170.0, 80.0, 120.0, 150.0),
        ((205.0, 135.0), (255.0, 135.0), (230.0, 165.0), (210.0, 195.0), (250.0, 195.0)),
        0.9,
    )
    return img, face


def _high_freq_energy(img: np.ndarray) -> float:
    grey = img[:, :, 2].astype(np.float64)  # one channel: the subpixel stripes are chromatic
    spec = np.abs(np.fft.fftshift(np.fft.fft2(grey - grey.mean())))
    h, w = spec.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - h / 2, xx - w / 2)
    return float(spec[r > min(h, w) / 6].sum() / spec.sum())


def test_attacks_keep_size_and_add_their_artefacts() -> None:
    img, _ = _face_image()
    rng = np.random.default_rng(0)
    scr, prn = screen_attack(img, rng), print_attack(img, rng)
    assert scr.shape == img.shape == prn.shape and scr.dtype == np.uint8
    assert _high_freq_energy(scr) > _high_freq_energy(img)  # subpixel grid
    assert _high_freq_energy(prn) > _high_freq_energy(img)  # halftone dots
    sat = lambda x: float(np.std(x.astype(float), axis=2).mean())  # noqa: E731
    assert sat(prn[100:400, 100:400]) < sat(img[100:400, 100:400])  # ink gamut: duller colours
    assert np.array_equal(
        screen_attack(img, np.random.default_rng(5)), screen_attack(img, np.random.default_rng(5))
    )
    shot = camera(img, rng, 0.5)
    assert 0.4 * 512 <= shot.shape[0] <= 0.6 * 512


def test_network_contract_and_metrics() -> None:
    import torch

    img, face = _face_image()
    x = replay_input(img, face)
    assert x.shape == (6, 64, 64) and x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1
    net = build_replay_net()
    out = net(torch.from_numpy(np.stack([x, x])))
    assert out.shape == (2, len(CLASSES)) and torch.isfinite(out).all()
    m = apcer_bpcer(np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 0, 1, 2, 2]))
    assert m["bpcer"] == 0.5 and m["apcer_screen"] == 0.5 and m["apcer_print"] == 0.0


@pytest.mark.skipif(not REPLAY_WEIGHTS.is_file(), reason="no shipped replay weights")
def test_shipped_weights_separate_synthetic_attacks_on_an_unseen_face(face_models) -> None:  # type: ignore[no-untyped-def]
    import torch

    from frontline.faces.detect import detect_faces
    from frontline.faces.replay import _dataset

    img, _ = _face_image()  # the astronaut is in the held-out split, never in training
    face = detect_faces(img, face_models.detector)[0]
    x, y = _dataset([(img, face)], 20, np.random.default_rng(123))
    with torch.no_grad():
        pred = face_models.replay(torch.from_numpy(x)).argmax(1).numpy()
    accuracy = float(np.mean(pred == y))
    assert accuracy > 0.6, accuracy  # chance is 1/3; the held-out average is 0.93


def test_shipped_weights_are_in_the_manifest() -> None:
    import hashlib
    import json

    manifest = json.loads((REPLAY_WEIGHTS.parent / "manifest.json").read_text())
    entry = {e["file"]: e for e in manifest["models"]}[REPLAY_WEIGHTS.name]
    assert entry["sha256"] == hashlib.sha256(Path(REPLAY_WEIGHTS).read_bytes()).hexdigest()
    assert entry["licence"] and entry["command"].startswith("frontline faces train-replay")
