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
    cut_for_apcer,
    cut_minimax,
    decide,
    detect_replay,
    load_replay_model,
    overlapping_photos,
    pipeline_rates,
    print_attack,
    rates_at_apcer,
    rates_at_minimax,
    replay_input,
    screen_attack,
    split_validation,
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
    assert x.shape == (9, 64, 64) and x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1
    for patches, highpass, spectrum in [
        (1, False, False),
        (1, True, True),
        (2, False, True),
        (2, True, True),
    ]:
        xp = replay_input(img, face, patches)
        assert xp.shape == (3 + 3 * patches, 64, 64)
        net = build_replay_net(8, highpass, patches, spectrum)
        out = net(torch.from_numpy(np.stack([xp, xp])))
        assert out.shape == (2, len(CLASSES)) and torch.isfinite(out).all()
    m = apcer_bpcer(np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 0, 1, 2, 2]))
    assert m["bpcer"] == 0.5 and m["apcer_screen"] == 0.5 and m["apcer_print"] == 0.0


def test_large_faces_are_shrunk_to_the_training_size() -> None:
    import cv2

    img, face = _face_image()  # face box 120x150 px: below the cap, the input is cut as it is
    big = cv2.resize(img, (2048, 2048), interpolation=cv2.INTER_CUBIC)  # face box 480x600 px
    x, y, w, h = face.bbox_xywh
    big_face = Face((4 * x, 4 * y, 4 * w, 4 * h), tuple((4 * a, 4 * b) for a, b in face.landmarks), 0.9)
    capped = replay_input(big, big_face)
    s = 320 / 600  # the big face's box is brought to the 320 px cap
    mid = cv2.resize(big, (round(2048 * s), round(2048 * s)), interpolation=cv2.INTER_AREA)
    mid_face = Face(
        (4 * x * s, 4 * y * s, 4 * w * s, 4 * h * s),
        tuple((a * s, b * s) for a, b in big_face.landmarks),
        0.9,
    )
    same = replay_input(mid, mid_face)
    assert np.abs(capped - same).mean() < 0.02  # same scale (crop borders round differently)
    assert np.abs(capped - replay_input(big[::1], big_face, 2)).max() == 0  # deterministic


def test_training_refuses_held_out_photos_under_another_name(photos: Path, tmp_path: Path) -> None:
    import shutil

    from frontline.errors import InputError
    from frontline.faces.replay import ReplayTrainConfig, train_replay

    copy = tmp_path / "renamed.jpg"
    shutil.copy(photos / "train/biden/biden.jpg", copy)
    held = (str(photos / "train/biden/biden.jpg"), "skimage:astronaut")
    assert overlapping_photos((str(copy), str(photos / "train/obama/obama.jpg")), held) == [str(copy)]
    cfg = ReplayTrainConfig(train_images=(str(copy),), test_images=held, out=str(tmp_path / "w.pt"))
    with pytest.raises(InputError, match="renamed.jpg"):
        train_replay(cfg)


def test_pipeline_rates_count_quality_refusals_apart() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
    pred = np.array([0, 1, 1, 0, 0, 0, 0, 0, 2, 2])
    ok = np.array([1, 1, 0, 0, 1, 0, 1, 0, 1, 1], dtype=bool)
    m = pipeline_rates(y, pred, ok)
    assert m["bpcer"] == 0.25 and m["refused_live"] == 0.5  # the refused flagged one is not a BPCER error
    assert m["apcer_screen"] == 0.5 and m["refused_screen"] == 0.5  # the refused miss is not accepted
    assert m["apcer_print"] == 0.25 and m["refused_print"] == 0.25


def test_decision_rule_uses_the_summed_attack_probability() -> None:
    prob = np.array([[0.9, 0.06, 0.04], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.61, 0.2, 0.19]])
    assert decide(prob, 0.5).tolist() == [0, 1, 2, 0]  # row 2: neither attack class alone reaches 0.5
    assert decide(prob, 0.95).tolist() == [0, 0, 0, 0]
    assert decide(prob, 0.35).tolist() == [0, 1, 2, 1]


def test_cut_for_apcer_keeps_every_attack_type_under_the_target() -> None:
    rng = np.random.default_rng(0)
    live = rng.uniform(0.0, 0.5, 200)
    screen = rng.uniform(0.7, 1.0, 100)  # well separated from live
    prnt = np.r_[rng.uniform(0.05, 0.3, 10), rng.uniform(0.6, 1.0, 90)]  # 10% look live
    score = np.r_[live, screen, prnt]
    labels = np.r_[np.zeros(200), np.ones(100), np.full(100, 2)].astype(int)
    prob = np.stack([1 - score, score / 2, score / 2], axis=1)
    for target in (0.02, 0.05, 0.12):
        cut = cut_for_apcer(prob, labels, target)
        m = apcer_bpcer(labels, decide(prob, cut))
        assert m["apcer_screen"] <= target and m["apcer_print"] <= target
    assert cut_for_apcer(prob, labels, 0.05) < 0.3  # print needs a cut inside its live-looking tail
    assert cut_for_apcer(prob, labels, 0.12) >= 0.6  # then the cut moves up and flags far fewer live
    assert np.mean(live >= cut_for_apcer(prob, labels, 0.12)) < np.mean(
        live >= cut_for_apcer(prob, labels, 0.05)
    )


def test_web_photo_augmentation_is_training_only_and_keeps_the_photo() -> None:
    from frontline.faces.replay import _dataset, _web_photo

    img, face = _face_image()
    out = _web_photo(img, np.random.default_rng(3))
    assert out.shape == img.shape and out.dtype == np.uint8
    assert 0 < np.abs(out.astype(float) - img).mean() < 20  # compressed, not destroyed
    plain = _dataset([(img, face)], 3, np.random.default_rng(1))[0]
    assert np.array_equal(plain, _dataset([(img, face)], 3, np.random.default_rng(1))[0])
    assert not np.array_equal(plain, _dataset([(img, face)], 3, np.random.default_rng(1), web=True)[0])


def test_poor_source_photos_are_degraded_for_every_class_and_keep_the_face() -> None:
    from frontline.faces.replay import _dataset, _hard_photo

    img, face = _face_image()
    smalls = 0
    for seed in range(12):
        out, f2 = _hard_photo(img, face, np.random.default_rng(seed))
        assert out.dtype == np.uint8 and out.ndim == 3
        assert np.abs(out.astype(float)[:100, :100] - img[:100, :100]).mean() > 0 or out.shape != img.shape
        s = out.shape[1] / img.shape[1]
        assert np.allclose(f2.bbox_xywh, [v * s for v in face.bbox_xywh], rtol=0.02)
        assert np.allclose(f2.landmarks[2], [v * s for v in face.landmarks[2]], rtol=0.02)
        if out.shape != img.shape:  # "small": the face box lands at 48-110 px
            smalls += 1
            assert 46 <= f2.bbox_xywh[2] <= 112
    assert 0 < smalls < 12
    plain = _dataset([(img, face)], 4, np.random.default_rng(1))[0]
    assert np.array_equal(plain, _dataset([(img, face)], 4, np.random.default_rng(1), hard=0.0)[0])
    flags: list[bool] = []
    hard, labels = _dataset([(img, face)], 4, np.random.default_rng(1), hard=1.0, poor=flags)
    assert flags == [True] * 12 and labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert not np.array_equal(plain, hard)


def test_rates_at_apcer_reports_the_cut_and_the_cross_entropy() -> None:
    y = np.array([0] * 50 + [1] * 50 + [2] * 50)
    attack = np.r_[np.linspace(0.0, 0.6, 50), np.linspace(0.5, 1.0, 50), np.linspace(0.4, 1.0, 50)]
    prob = np.stack([1 - attack, attack / 2, attack / 2], axis=1)
    r = rates_at_apcer(prob, y, 0.04)
    assert r["apcer_screen"] <= 0.04 and r["apcer_print"] <= 0.04
    assert 0.0 < r["bpcer"] < 0.5 and abs(r["cut"] - cut_for_apcer(prob, y, 0.04)) < 1e-12
    p_true = prob[np.arange(len(y)), y]
    assert abs(r["cross_entropy"] - float(-np.mean(np.log(np.maximum(p_true, 1e-12))))) < 1e-9


def test_detect_replay_defaults_to_the_threshold_shipped_with_the_model() -> None:
    import torch

    img, face = _face_image()
    net = build_replay_net()
    with torch.no_grad():  # a net that always says p = (0.2, 0.5, 0.3)
        net[-1].weight.zero_()
        net[-1].bias.copy_(torch.log(torch.tensor([0.2, 0.5, 0.3])))
    net.eval()
    net.attack_threshold = 0.9
    r = detect_replay(img, face, net)
    assert r.label == "live" and abs(r.p_live - 0.2) < 1e-5
    assert detect_replay(img, face, net, attack_threshold=0.8).label == "screen"


def test_validation_split_keeps_people_apart() -> None:
    paths = (
        "k/train/obama/obama.jpg",
        "k/train/kit_harington/john1.jpeg",
        "k/test/kit_with_rose.jpg",
        "k/test/obama_and_biden.jpg",
        "k/train/rose_leslie/img1.jpg",
    )
    train, val = split_validation(paths, ("kit_harington", "rose_leslie"))
    assert set(val) == {paths[1], paths[2], paths[4]} and set(train) == {paths[0], paths[3]}
    train, val = split_validation(paths[:1] + ("k/train/biden/biden.jpg",), ("nobody",))
    assert val == (paths[0],) and train == ("k/train/biden/biden.jpg",)  # fallback: last identity


@pytest.mark.skipif(not REPLAY_WEIGHTS.is_file(), reason="no shipped replay weights")
def test_shipped_weights_separate_synthetic_attacks_on_an_unseen_face(face_models) -> None:  # type: ignore[no-untyped-def]
    import torch

    from frontline.faces.detect import detect_faces
    from frontline.faces.replay import _dataset

    img, _ = _face_image()  # the astronaut is in the held-out split, never in training or validation
    face = detect_faces(img, face_models.detector)[0]
    x, y = _dataset([(img, face)], 20, np.random.default_rng(123), face_models.replay.patches)
    with torch.no_grad():
        prob = torch.softmax(face_models.replay(torch.from_numpy(x)), dim=1).numpy()
    thr = face_models.replay.attack_threshold
    assert 0.0 < thr <= 1.0
    pred = decide(prob, thr)
    assert float(np.mean(pred == y)) > 0.6  # chance is 1/3
    assert float(np.mean(pred[y == 0] != 0)) <= 0.25  # live faces mostly pass
    assert detect_replay(img, face, face_models.replay).label == "live"  # the unaltered photo
    assert load_replay_model(REPLAY_WEIGHTS).attack_threshold == thr


def test_shipped_weights_are_in_the_manifest() -> None:
    import hashlib
    import json

    manifest = json.loads((REPLAY_WEIGHTS.parent / "manifest.json").read_text())
    entry = {e["file"]: e for e in manifest["models"]}[REPLAY_WEIGHTS.name]
    assert entry["sha256"] == hashlib.sha256(Path(REPLAY_WEIGHTS).read_bytes()).hexdigest()
    assert entry["licence"] and entry["command"].startswith("frontline faces train-replay")


def _probs_from_scores(
    live: np.ndarray, screen: np.ndarray, prnt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Softmax-like rows (N, 3) whose attack score 1 - p_live is the given score, and their labels."""
    rows, labels = [], []
    for k, scores in enumerate((live, screen, prnt)):
        for s in scores:
            rows.append([1.0 - s, s * (0.7 if k == 1 else 0.3), s * (0.3 if k == 1 else 0.7)])
            labels.append(k)
    return np.asarray(rows), np.asarray(labels)


def test_cut_minimax_balances_the_worst_error_and_beats_every_other_cut() -> None:
    # live scores 0.00-0.59, attacks 0.41-1.00 (print) and 0.51-1.00 (screen): any cut in
    # (0.49, 0.51] has a worst error of 10/60 (BPCER 10 then print APCER 9, or 9 then 10); every
    # other cut is worse, and the middle of that interval is 0.50
    grid = np.arange(60) / 100
    prob, labels = _probs_from_scores(grid, np.linspace(0.51, 1.0, 60), 0.41 + grid)
    cut = cut_minimax(prob, labels)
    score = 1.0 - prob[:, 0]
    m = apcer_bpcer(labels, decide(prob, cut))
    worst = max(m["apcer_max"], m["bpcer"])
    assert cut == pytest.approx(0.50) and worst == pytest.approx(10 / 60)
    for c in np.linspace(0.0, 1.0, 401):  # no other cut has a smaller worst error
        mc = apcer_bpcer(labels, decide(prob, c))
        assert max(mc["apcer_max"], mc["bpcer"]) >= worst - 1e-12
    assert np.all(score[labels == 0][score[labels == 0] >= cut] >= 0.5)
    r = rates_at_minimax(prob, labels)
    assert r["cut"] == cut and r["max_error"] == pytest.approx(worst) and r["cross_entropy"] > 0


def test_cut_minimax_takes_the_middle_of_a_clean_gap_and_needs_every_class() -> None:
    live, attacks = np.array([0.05, 0.1, 0.2]), np.array([0.6, 0.7, 0.9])
    prob, labels = _probs_from_scores(live, attacks, attacks)
    assert cut_minimax(prob, labels) == pytest.approx(0.4)  # errors 0 anywhere in (0.2, 0.6]
    with pytest.raises(ValueError, match="every attack type"):
        cut_minimax(prob[labels != 2], labels[labels != 2])


def test_heldout2_photos_share_no_file_with_the_other_splits(photos: Path) -> None:
    """Held-out-2 (session 6, rebuilt by docs/faces.md into $FRONTLINE_REPLAY_HELDOUT2) held no photo
    of session 6's training, validation or first held-out split (since session 7 its photos are
    training and validation photos themselves); skips when the folder is absent."""
    import os

    from frontline.faces.replay import collect_images

    held2 = Path(os.environ.get("FRONTLINE_REPLAY_HELDOUT2", "/tmp/replay-heldout2"))
    if not held2.is_dir():
        pytest.skip(f"held-out-2 photos not found at {held2}")
    others = [photos, *(Path(d) for d in ("/tmp/replay-train", "/tmp/replay-val") if Path(d).is_dir())]
    mine = collect_images([held2])
    assert len(mine) >= 10
    assert overlapping_photos(mine, collect_images(others)) == []


def test_photo_kinds_keep_the_photo_and_look_like_their_kind() -> None:
    from frontline.faces.replay import PHOTO_KINDS, _photo_kind

    img, _ = _face_image()
    for kind in PHOTO_KINDS:
        out = _photo_kind(img, np.random.default_rng(5), kind)
        assert out.shape == img.shape and out.dtype == np.uint8, kind
        assert np.array_equal(out, _photo_kind(img, np.random.default_rng(5), kind)), kind  # seeded
        diff = np.abs(out.astype(float) - img).mean()
        assert 0.5 < diff < 60, (kind, diff)  # changed, still the same photo

    def one_tone(a: np.ndarray) -> bool:  # grey (R = B) or sepia (R - B grows with brightness)
        d, luma = a[:, :, 2] - a[:, :, 0], a.mean(axis=2)
        return bool(d.std() < 3 or np.corrcoef(d.ravel(), luma.ravel())[0, 1] > 0.9)

    assert not one_tone(img.astype(float))
    for seed in range(6):
        assert one_tone(_photo_kind(img, np.random.default_rng(seed), "scan").astype(float)), seed
    grey = img.astype(float) @ np.array([0.114, 0.587, 0.299])
    lap = np.abs(np.diff(grey, 2, axis=1)).mean()
    press = _photo_kind(img, np.random.default_rng(0), "press").astype(float) @ np.array(
        [0.114, 0.587, 0.299]
    )
    assert np.abs(np.diff(press, 2, axis=1)).mean() > lap  # sharpening halos survive the JPEG
    with pytest.raises(ValueError, match="unknown photo kind"):
        _photo_kind(img, np.random.default_rng(0), "polaroid")


def test_kind_augment_comes_last_on_live_samples_and_under_the_attack_otherwise() -> None:
    from frontline.faces.replay import _dataset

    img, face = _face_image()
    plain = _dataset([(img, face)], 3, np.random.default_rng(1))[0]
    assert np.array_equal(plain, _dataset([(img, face)], 3, np.random.default_rng(1), kind=0.0)[0])
    x, y = _dataset([(img, face)], 16, np.random.default_rng(3), kind=1.0)
    # the face view (channels 0-2): a grey scan applied after the camera leaves a live sample exactly
    # grey; under a screen or print (coloured subpixels, tinted paper) an attack never stays grey
    grey = np.array([np.array_equal(v[0], v[1]) and np.array_equal(v[1], v[2]) for v in x])
    assert grey[y == 0].any() and not grey[y != 0].any()


def test_heldout3_photos_share_no_file_with_any_other_split(photos: Path) -> None:
    """Held-out-3 (session 7, rebuilt by docs/faces.md into $FRONTLINE_REPLAY_HELDOUT3) must not hold a
    photo of the training, validation, held-out or held-out-2 photos; skips when the folder is absent."""
    import os

    from frontline.faces.replay import collect_images

    held3 = Path(os.environ.get("FRONTLINE_REPLAY_HELDOUT3", "/tmp/replay-heldout3"))
    if not held3.is_dir():
        pytest.skip(f"held-out-3 photos not found at {held3}")
    dirs = (
        "/tmp/replay-train",
        "/tmp/replay-val",
        "/tmp/replay-train7",
        "/tmp/replay-val7",
        "/tmp/replay-heldout2",
    )
    others = [photos, *(Path(d) for d in dirs if Path(d).is_dir())]
    mine = collect_images([held3])
    assert len(mine) >= 5
    assert overlapping_photos(mine, collect_images(others)) == []
