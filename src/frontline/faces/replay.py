"""Presentation-attack (replay) detection: a synthetic attack generator and a small 3-class CNN.

No public attack data can be downloaded here, so attacks are simulated from real face photos:
screen recapture (subpixel RGB grid, moire, refresh banding, glare, bezel, display colour) and print
(halftone dots, paper texture, ink gamut and colour shift, paper edge). Every sample, live or attack,
then goes through the same simulated phone camera (resampling, blur, noise, JPEG) so the network cannot
tell the classes apart by processing alone. The CNN sees two 64x64 views of the face: the whole face box
(shape, colour) and a patch at the photo's native resolution around the nose (texture).

Public verbs: `screen_attack`, `print_attack`, `camera`, `replay_input`, `build_replay_net`,
`load_replay_model`, `detect_replay`, `train_replay`, `compare_replay` (pick among trained candidates
on validation only).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.faces.records import Face, Replay

__all__ = [
    "CLASSES",
    "REPLAY_WEIGHTS",
    "screen_attack",
    "print_attack",
    "camera",
    "replay_input",
    "build_replay_net",
    "load_replay_model",
    "detect_replay",
    "ReplayTrainConfig",
    "collect_images",
    "PHOTO_KINDS",
    "cut_for_apcer",
    "cut_minimax",
    "decide",
    "split_validation",
    "overlapping_photos",
    "apcer_bpcer",
    "pipeline_rates",
    "rates_at_apcer",
    "rates_at_minimax",
    "train_replay",
    "ReplayCompareConfig",
    "compare_replay",
]

CLASSES = ("live", "screen", "print")
REPLAY_WEIGHTS = Path(__file__).parent / "models" / "replay_cnn.pt"
_VIEW = 64
_MAX_FACE = 320  # px: the largest face box the training data has (the input shrinks larger ones)


# ----------------------------------------------------------------------------- attack generator
def screen_attack(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo as a phone camera sees it shown on a screen (same size, BGR uint8).

    Subpixel RGB stripes at the screen's pixel pitch, moire beating with the camera grid, refresh
    banding, display colour (blue tint, lifted blacks), a specular glare and a dark bezel on one side.
    """
    import cv2

    h, w = image.shape[:2]
    pitch = rng.uniform(2.2, 4.5)  # screen pixel size in camera pixels
    sw, sh = max(8, int(w / pitch)), max(8, int(h / pitch))
    low = cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA)
    up = cv2.resize(low, (w, h), interpolation=cv2.INTER_NEAREST).astype(np.float64)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    phase = (xx / pitch) % 1.0
    grid = np.stack(
        [(phase < 1 / 3), (phase >= 1 / 3) & (phase < 2 / 3), (phase >= 2 / 3)], axis=-1
    )  # B,G,R stripes
    mix = rng.uniform(0.25, 0.6)
    out = up * ((1 - mix) + mix * 2.2 * grid.astype(np.float64))
    ang = rng.uniform(0, np.pi)
    f = rng.uniform(0.03, 0.25)
    moire = np.sin(2 * np.pi * f * (xx * np.cos(ang) + yy * np.sin(ang)) + rng.uniform(0, 6.28))
    out *= 1 + rng.uniform(0.05, 0.2) * moire[:, :, None]
    band = np.sin(2 * np.pi * yy / rng.uniform(h / 8, h / 2) + rng.uniform(0, 6.28))
    out *= 1 + rng.uniform(0.03, 0.12) * band[:, :, None]
    out = out * rng.uniform(0.8, 1.0) + rng.uniform(10, 40)  # backlight lifts the blacks
    out[:, :, 0] *= rng.uniform(1.0, 1.15)  # cool white point
    gx, gy = rng.uniform(0, w), rng.uniform(0, h)
    out += (
        rng.uniform(20, 110)
        * np.exp(-(((xx - gx) / (0.3 * w)) ** 2 + ((yy - gy) / (0.2 * h)) ** 2))[:, :, None]
    )
    side, width = int(rng.integers(0, 4)), int(rng.uniform(0.02, 0.08) * min(h, w))
    bezel = rng.uniform(5, 35)
    if side == 0:
        out[:width] = bezel
    elif side == 1:
        out[-width:] = bezel
    elif side == 2:
        out[:, :width] = bezel
    else:
        out[:, -width:] = bezel
    return np.clip(out, 0, 255).astype(np.uint8)


def print_attack(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo as a phone camera sees it printed on paper (same size, BGR uint8).

    Per-channel halftone dot screens at different angles, ink gamut (lifted blacks, dull whites, less
    saturation, warm shift), paper fibre texture, and a paper edge with the table behind it on one side.
    """
    import cv2

    h, w = image.shape[:2]
    img = image.astype(np.float64) / 255.0
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    period = rng.uniform(2.5, 6.0)
    out = np.empty_like(img)
    for c, ang in enumerate(np.radians([15, 75, 0]) + rng.uniform(0, np.pi / 4)):
        u = (xx * np.cos(ang) + yy * np.sin(ang)) / period
        v = (-xx * np.sin(ang) + yy * np.cos(ang)) / period
        dots = (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4 + 0.5  # 0..1 dot screen
        ink = 1 - img[:, :, c]
        out[:, :, c] = 1 - np.clip((ink - dots) * rng.uniform(3, 8) + ink, 0, 1)
    soft = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 0.9))
    grey = soft.mean(axis=2, keepdims=True)
    soft = grey + (soft - grey) * rng.uniform(0.55, 0.85)  # ink gamut: less saturation
    soft = 0.1 + soft * rng.uniform(0.72, 0.85)  # lifted blacks, dull paper white
    soft *= np.array([rng.uniform(0.85, 0.95), rng.uniform(0.95, 1.0), 1.0])  # warm/yellow paper (BGR)
    fibre = cv2.GaussianBlur(rng.normal(0, 1, size=(h, w)), (0, 0), rng.uniform(0.8, 2.0))
    soft *= 1 + rng.uniform(0.02, 0.06) * fibre[:, :, None] / max(fibre.std(), 1e-6)
    out8 = np.clip(soft * 255, 0, 255)
    side, width = int(rng.integers(0, 4)), int(rng.uniform(0.03, 0.1) * min(h, w))
    table = rng.uniform(20, 120, size=3)
    margin = int(width * 0.4)
    edge = [
        (slice(0, width), slice(None)),
        (slice(h - width, h), slice(None)),
        (slice(None), slice(0, width)),
        (slice(None), slice(w - width, w)),
    ][side]
    out8[edge] = table
    white = [
        (slice(width, width + margin), slice(None)),
        (slice(h - width - margin, h - width), slice(None)),
        (slice(None), slice(width, width + margin)),
        (slice(None), slice(w - width - margin, w - width)),
    ][side]
    out8[white] = 0.92 * 255
    return out8.astype(np.uint8)


def camera(image: np.ndarray, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """A phone camera's view: resample by `scale` (jittered), exposure and white balance, blur or
    sharpening, sensor noise, JPEG 40-98. One shot in four is a clean one (no blur, little noise,
    high JPEG quality), for every class alike, so neither "pristine" nor "degraded" gives the class away.
    """
    import cv2

    h, w = image.shape[:2]
    s = scale * rng.uniform(0.85, 1.15)
    out = cv2.resize(
        image,
        (max(16, int(w * s)), max(16, int(h * s))),
        interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
    )
    clean = rng.uniform() < 0.25
    lit = out.astype(np.float64) * rng.uniform(0.8, 1.2) + rng.uniform(-15, 15)
    lit *= rng.uniform(0.92, 1.08, size=3)  # white balance
    if not clean:
        lit = np.asarray(cv2.GaussianBlur(lit, (0, 0), rng.uniform(0.3, 1.3)), dtype=np.float64)
    if rng.uniform() < 0.3:  # phone sharpening (unsharp mask)
        soft = np.asarray(cv2.GaussianBlur(lit, (0, 0), rng.uniform(0.8, 1.6)), dtype=np.float64)
        lit = lit + rng.uniform(0.3, 1.0) * (lit - soft)
    noise = rng.uniform(0, 1.5) if clean else rng.uniform(1, 6)
    lit = lit + rng.normal(0, noise, size=lit.shape)
    out8 = np.clip(lit, 0, 255).astype(np.uint8)
    quality = int(rng.integers(90, 99)) if clean else int(rng.integers(40, 96))
    ok, buf = cv2.imencode(".jpg", out8, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    return out8 if decoded is None else np.asarray(decoded)


# ----------------------------------------------------------------------------- model input and network
def _cap_face_size(image: np.ndarray, face: Face) -> tuple[np.ndarray, Face]:
    """The face neighbourhood shrunk so the face box is at most `_MAX_FACE` px (the largest size the
    training data has); smaller faces are returned as they are. Texture cues (halftone dots, subpixel
    stripes, skin pores, JPEG blocks) then have the scale they have in training."""
    import cv2

    x, y, bw, bh = face.bbox_xywh
    side = max(bw, bh, 1.0)
    if side <= _MAX_FACE:
        return image, face
    s = _MAX_FACE / side
    h, w = image.shape[:2]
    x0, y0 = int(max(0, x - side)), int(max(0, y - side))
    x1, y1 = int(min(w, x + bw + side)), int(min(h, y + bh + side))
    crop = image[y0:y1, x0:x1]
    small = cv2.resize(
        crop,
        (max(8, round(crop.shape[1] * s)), max(8, round(crop.shape[0] * s))),
        interpolation=cv2.INTER_AREA,
    )
    sx, sy = small.shape[1] / crop.shape[1], small.shape[0] / crop.shape[0]
    moved = Face(
        ((x - x0) * sx, (y - y0) * sy, bw * sx, bh * sy),
        tuple(((px - x0) * sx, (py - y0) * sy) for px, py in face.landmarks),
        face.score,
    )
    return small, moved


def _native_patch(padded: np.ndarray, cx: float, cy: float) -> np.ndarray:
    """A 64x64 window of the reflect-padded image centred at (cx, cy) of the unpadded image."""
    h, w = padded.shape[0] - 2 * _VIEW, padded.shape[1] - 2 * _VIEW
    x0 = int(min(max(cx, 0), w - 1)) + _VIEW // 2
    y0 = int(min(max(cy, 0), h - 1)) + _VIEW // 2
    return padded[y0 : y0 + _VIEW, x0 : x0 + _VIEW]


def replay_input(image: np.ndarray, face: Face, patches: int = 2) -> np.ndarray:
    """The CNN input (3 + 3 * patches, 64, 64) float32 in [0, 1]: the face box resized, and native patches.

    Faces larger than `_MAX_FACE` px are first shrunk to that size (the training data has none larger).
    Native patches are 64x64 pixels cut without resampling, so halftone dots and screen subpixels keep
    their size: the first centred between the nose and the eyes, the second (when `patches` is 2) on the
    cheek below the image-left eye.
    """
    import cv2

    image, face = _cap_face_size(image, face)
    h, w = image.shape[:2]
    x, y, bw, bh = face.bbox_xywh
    x0, y0 = int(max(0, x)), int(max(0, y))
    x1, y1 = int(min(w, x + bw)), int(min(h, y + bh))
    box = image[y0:y1, x0:x1] if x1 > x0 + 1 and y1 > y0 + 1 else image
    whole = cv2.resize(box, (_VIEW, _VIEW), interpolation=cv2.INTER_AREA)
    (ex0, ey0), (ex1, ey1), (nx, ny) = face.landmarks[0], face.landmarks[1], face.landmarks[2]
    padded = cv2.copyMakeBorder(image, _VIEW, _VIEW, _VIEW, _VIEW, cv2.BORDER_REFLECT)
    views = [whole, _native_patch(padded, nx, (ny + (ey0 + ey1) / 2) / 2)]
    if patches >= 2:
        left = (ex0, ey0) if ex0 <= ex1 else (ex1, ey1)
        views.append(_native_patch(padded, left[0], ny))
    both = np.concatenate(views, axis=2).astype(np.float32) / 255.0  # (64, 64, 3 + 3 * patches)
    return np.ascontiguousarray(both.transpose(2, 0, 1))


def build_replay_net(
    width: int = 16, highpass: bool = False, patches: int = 2, spectrum: bool = False
) -> Any:
    """The 3-class replay CNN: 4 conv blocks (64 -> 4 px) and a linear head; about 30k parameters.

    Input (B, 3 + 3 * patches, 64, 64) from `replay_input`. `highpass` adds a fixed first step that
    appends each native patch's high-pass residual (patch minus its 3x3 mean, x4) as 3 more channels:
    halftone dots and subpixel stripes without the colour. `spectrum` (needs `highpass`) also appends,
    per patch, the log magnitude of the 2-D Fourier transform of the grey residual (centred): a weak
    periodic pattern (halftone screen, display grid) sums up coherently into a peak there, where 3x3
    filters see it buried in sensor noise.
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class HighPass(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3+3p, H, W) -> (B, 3+6p[+p], H, W)
            native = x[:, 3:]
            res = 4.0 * (native - F.avg_pool2d(native, 3, stride=1, padding=1, count_include_pad=False))
            parts = [x, res]
            if spectrum:
                b, c, h, w = res.shape
                grey = res.reshape(b, c // 3, 3, h, w).mean(2)  # (B, p, H, W)
                mag = torch.fft.fftshift(torch.fft.fft2(grey).abs(), dim=(-2, -1))
                parts.append(torch.log1p(mag) / 4.0)  # (B, p, H, W), about 0..1
            return torch.cat(parts, dim=1)

    def block(cin: int, cout: int) -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)
        )

    spectrum = spectrum and highpass
    cin = 3 + 3 * patches + (3 * patches if highpass else 0) + (patches if spectrum else 0)
    net = nn.Sequential(
        *([HighPass()] if highpass else []),
        block(cin, width),  # (B, w, 32, 32)
        block(width, 2 * width),  # (B, 2w, 16, 16)
        block(2 * width, 2 * width),  # (B, 2w, 8, 8)
        block(2 * width, 4 * width),  # (B, 4w, 4, 4)
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4 * width, len(CLASSES)),
    )
    setattr(net, "patches", patches)  # noqa: B010  (read by detect_replay to build the matching input)
    return net


def load_replay_model(path: str | Path = REPLAY_WEIGHTS) -> Any:
    """The trained replay CNN in eval mode (weights file from `train_replay`), or None if absent.

    The returned module carries `attack_threshold`: the operating point shipped with the weights
    (chosen on the validation split), 0.5 for weights that ship none.
    """
    import torch

    p = Path(path)
    if not p.is_file():
        return None
    ckpt = torch.load(p, map_location="cpu", weights_only=True)
    patches = int(ckpt.get("patches", 1))
    net = build_replay_net(
        int(ckpt["width"]), bool(ckpt.get("highpass", False)), patches, bool(ckpt.get("spectrum", False))
    )
    net.load_state_dict(ckpt["state_dict"])
    net.eval()
    net.attack_threshold = float(ckpt.get("attack_threshold", 0.5))
    return net


def detect_replay(
    image: np.ndarray, face: Face, model: Any, *, attack_threshold: float | None = None
) -> Replay:
    """Live/screen/print probabilities for one face; an attack when p_screen + p_print >= threshold.

    `attack_threshold` None uses the one shipped with the weights (`model.attack_threshold`); the
    attack label is the likelier of screen and print.
    """
    import torch

    thr = attack_threshold if attack_threshold is not None else getattr(model, "attack_threshold", 0.5)
    x = torch.from_numpy(replay_input(image, face, getattr(model, "patches", 1)))[None]  # (1, C, 64, 64)
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)[0].numpy()
    label = "live"
    if 1.0 - p[0] >= thr:
        label = CLASSES[int(np.argmax(p[1:])) + 1]
    return Replay(p_live=float(p[0]), p_screen=float(p[1]), p_print=float(p[2]), label=label)


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True, slots=True)
class ReplayTrainConfig:
    """Settings of `frontline faces train-replay`."""

    train_images: tuple[str, ...] = ()
    """Real face photos the training attacks are made from (identities disjoint from the held-out ones)."""
    test_images: tuple[str, ...] = ()
    """Real face photos kept for the held-out split (other people, other source images)."""
    val_identities: tuple[str, ...] = ("ardern", "sunak", "tom_hanks")
    """People (`calibrate.identity_of`) whose training photos form the validation split instead; it
    picks the epoch and the threshold. When none match, the last training identity is used."""
    samples_per_class: int = 600
    """Training samples generated per class (live, screen, print)."""
    val_per_class: int = 200
    """Validation samples generated per class."""
    test_per_class: int = 150
    """Held-out samples generated per class."""
    epochs: int = 14
    """Passes over the training set."""
    batch_size: int = 64
    """Mini-batch size."""
    lr: float = 1e-3
    """AdamW peak learning rate (one-cycle schedule)."""
    ema: float = 0.98
    """Decay of the exponential moving average of the weights (the EMA model is evaluated and shipped)."""
    val_bpcer: float = 0.02
    """BPCER allowed on the validation split; sets the shipped attack threshold (lab.risk) when
    `val_apcer` is None."""
    val_apcer: float | None = None
    """APCER allowed per attack type on the validation split; when set, it sets the shipped attack
    threshold instead of `val_bpcer` (`cut_for_apcer`)."""
    web_augment: bool = False
    """Training-only augmentation: one source photo in two passes through `_web_photo` (JPEG, rescale)."""
    hard_augment: float = 0.0
    """Share of training samples (every class alike) whose source photo is a poor one (`_hard_photo`)."""
    kind_augment: float = 0.0
    """Share of training samples (every class alike) given a real photo kind (`_photo_kind`: press,
    graded film/TV still, grey/sepia scan, double JPEG): after the camera on live samples, on the
    source photo of attacks."""
    val_images: tuple[str, ...] = ()
    """More validation photos (people in neither the training nor the held-out photos); with the
    `val_identities` photos they form the validation split."""
    val_hard: float = 0.0
    """Share of validation samples (every class alike) whose source photo is a poor one
    (`_hard_photo`: small, recompressed, blurred, noisy, dark, backlit); 0 keeps the plain draw."""
    width: int = 16
    """Channels of the first conv block."""
    highpass: bool = True
    """Give the CNN each native patch's high-pass residual as 3 extra channels."""
    patches: int = 2
    """Native-resolution patches in the input (1: between nose and eyes; 2: also the cheek)."""
    spectrum: bool = True
    """Give the CNN each patch's Fourier magnitude (of the high-pass residual) as one more channel."""
    seed: int = 0
    """Seed of the data generator and of torch."""
    out: str = str(REPLAY_WEIGHTS)
    """Where the trained weights are written."""
    runs: str = "runs"
    """Root folder of the lab run (report, curves, confusion)."""
    threads: int = 1
    """Torch CPU threads (the machine is shared)."""


def collect_images(paths: list[Path] | tuple[Path, ...]) -> tuple[str, ...]:
    """Image files given directly or found (recursively, sorted) in the given folders."""
    exts = {".jpg", ".jpeg", ".png", ".webp"}
    out: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += [str(f) for f in sorted(p.rglob("*")) if f.suffix.lower() in exts]
        elif p.is_file():
            out.append(str(p))
    return tuple(out)


def _sources(paths: tuple[str, ...]) -> list[tuple[np.ndarray, Face]]:
    """(image, largest face) per photo, the image shrunk so the face box is at most 360 px."""
    import cv2

    from frontline.faces.detect import detect_faces, load_detector
    from frontline.faces.image import load_image

    det = load_detector()
    out = []
    for p in paths:
        if p == "skimage:astronaut":
            from skimage import data

            img = np.ascontiguousarray(data.astronaut()[:, :, ::-1])
        else:
            img, _ = load_image(p)
        faces = detect_faces(img, det)
        if not faces:
            continue
        for face in faces[:6]:  # group photos contribute several people
            x, y, w, h = face.bbox_xywh
            if w < 48:
                continue
            cx, cy, half = x + w / 2, y + h / 2, max(w, h) * 1.1
            x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
            crop = img[y0 : int(min(img.shape[0], cy + half)), x0 : int(min(img.shape[1], cx + half))]
            s = min(1.0, 360 / w)
            crop = cv2.resize(
                crop,
                (max(16, int(crop.shape[1] * s)), max(16, int(crop.shape[0] * s))),
                interpolation=cv2.INTER_AREA,
            )
            lm = tuple(((px - x0) * s, (py - y0) * s) for px, py in face.landmarks)
            out.append((crop, Face(((x - x0) * s, (y - y0) * s, w * s, h * s), lm, face.score)))
    return out


def _web_photo(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A photo that has been through the web or a messenger (training-only augmentation, every class
    alike): JPEG at quality 30-90 (8x8 blocks, ringing), on every other draw followed by a resize by
    0.5-1.5 and back, which turns the block grid into a pattern of another period, as a re-scaled
    web photo has. Real bona-fide photos carry such periodic traces; the CNN must not read them as a
    halftone screen or a display grid."""
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 91))])
    out = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)) if ok else img
    if rng.uniform() < 0.5:
        h, w = img.shape[:2]
        f = rng.uniform(0.5, 1.5)
        mid = cv2.resize(out, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_LINEAR)
        out = cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def _hard_photo(img: np.ndarray, face: Face, rng: np.random.Generator) -> tuple[np.ndarray, Face]:
    """A poor source photo, as many real bona-fide photos are (and as the attacker's source photo may be):
    each of small (face box 48-110 px, kept small), backlit (bright, clipped background, darker face),
    dark (gain and gamma), blurred (Gaussian or motion), noisy (luma or colour noise) and
    JPEG-recompressed (quality 15-60, once or twice) with probability 0.4, at least one. Applied to
    the source photo before the attack simulation, so every class gets it alike and the screen and
    print artefacts are still added on top: live samples get harder to tell from attacks, and
    attacks made from a poor photo somewhat harder to catch.
    """
    import cv2

    kinds = rng.uniform(size=6) < 0.4
    if not kinds.any():
        kinds[int(rng.integers(6))] = True
    small, backlit, dark, blur, noisy, jpeg = (bool(k) for k in kinds)
    x, y, bw, bh = face.bbox_xywh
    if small:
        s = min(1.0, rng.uniform(48, 110) / max(bw, 1.0))
        if s < 1.0:
            h, w = img.shape[:2]
            img = cv2.resize(
                img, (max(16, round(w * s)), max(16, round(h * s))), interpolation=cv2.INTER_AREA
            )
            sy, sx = img.shape[0] / h, img.shape[1] / w
            face = Face(
                (x * sx, y * sy, bw * sx, bh * sy),
                tuple((px * sx, py * sy) for px, py in face.landmarks),
                face.score,
            )
            x, y, bw, bh = face.bbox_xywh
    out = img.astype(np.float64)
    h, w = out.shape[:2]
    if backlit:  # window or sky behind the person: the camera exposes for the background
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        inside = np.exp(-(((xx - x - bw / 2) / (0.7 * bw)) ** 2 + ((yy - y - bh / 2) / (0.8 * bh)) ** 2))
        gain = inside * rng.uniform(0.35, 0.7) + (1 - inside) * rng.uniform(1.2, 1.6)
        out = out * gain[:, :, None] + (1 - inside)[:, :, None] * rng.uniform(30, 90)
    if dark:
        out = 255.0 * (np.clip(out, 0, 255) / 255.0) ** rng.uniform(1.2, 1.8) * rng.uniform(0.45, 0.8)
    if blur:
        if rng.uniform() < 0.5:
            out = np.asarray(cv2.GaussianBlur(out, (0, 0), rng.uniform(1.0, 2.5)), dtype=np.float64)
        else:  # motion blur: a line kernel of 3-9 px at a random angle
            n = int(rng.integers(3, 10))
            k = np.zeros((n, n))
            k[n // 2] = 1.0
            rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), rng.uniform(0, 180), 1.0)
            k = np.asarray(cv2.warpAffine(k, rot, (n, n)), dtype=np.float64)
            out = np.asarray(cv2.filter2D(out, -1, k / max(k.sum(), 1e-6)), dtype=np.float64)
    if noisy:
        sigma = rng.uniform(4, 14)
        if rng.uniform() < 0.5:
            out = out + rng.normal(0, sigma, size=out.shape[:2])[:, :, None]
        else:
            out = out + rng.normal(0, sigma, size=out.shape)
    out8 = np.clip(out, 0, 255).astype(np.uint8)
    if jpeg:
        for _ in range(1 + int(rng.uniform() < 0.4)):
            ok, buf = cv2.imencode(".jpg", out8, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 61))])
            if ok:
                out8 = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR))
    return out8, face


PHOTO_KINDS = ("press", "graded", "scan", "double_jpeg")


def _photo_kind(img: np.ndarray, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """A real kind of bona-fide photo (same size, BGR uint8), `kind` one of `PHOTO_KINDS` (None: drawn):

    - "press": a press or agency photo: strong unsharp-mask sharpening (halos at edges), often a
      resize, then heavy JPEG (quality 15-45);
    - "graded": a film or TV still: S-curve contrast, split toning (teal shadows, warm highlights),
      lifted or crushed blacks, film grain (band-limited, stronger in the mid-tones), JPEG 50-90;
    - "scan": a scanned photograph: grey or sepia, the print's tone curve (lifted blacks, compressed
      whites), scanner blur, grain, JPEG 60-95 (no halftone screen: that is the print attack's cue);
    - "double_jpeg": recompressed twice (quality 20-60) with a rescale by 0.6-0.95 in between, so the
      two 8x8 block grids do not line up.

    Training-only augmentation (`ReplayTrainConfig.kind_augment`). On a live sample it is applied after
    the simulated camera (the published photo's own processing, at the photo's scale); on an attack to
    the source photo, under the screen or print and the phone camera.
    """
    import cv2

    kind = kind if kind is not None else PHOTO_KINDS[int(rng.integers(len(PHOTO_KINDS)))]
    if kind not in PHOTO_KINDS:
        raise ValueError(f"unknown photo kind {kind!r}; one of {PHOTO_KINDS}")
    h, w = img.shape[:2]

    def jpeg(a: np.ndarray, lo: int, hi: int) -> np.ndarray:
        ok, buf = cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(lo, hi + 1))])
        return np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)) if ok else a

    def grain(shape: tuple[int, ...], amount: float) -> np.ndarray:
        g = cv2.GaussianBlur(rng.normal(0, 1, size=shape[:2]), (0, 0), rng.uniform(0.5, 1.2))
        return np.asarray(g / max(float(g.std()), 1e-6) * amount, dtype=np.float64)

    x = img.astype(np.float64)
    if kind == "press":
        if rng.uniform() < 0.5:  # agency resize
            f = rng.uniform(0.5, 0.9)
            small = cv2.resize(img, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
            x = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float64)
        soft = np.asarray(cv2.GaussianBlur(x, (0, 0), rng.uniform(1.0, 2.5)), dtype=np.float64)
        x = x + rng.uniform(0.8, 2.0) * (x - soft)
        return jpeg(np.clip(x, 0, 255).astype(np.uint8), 15, 45)
    if kind == "graded":
        t = np.clip(x / 255.0, 0, 1)
        t = t - rng.uniform(0.2, 0.6) * np.sin(2 * np.pi * t) / (2 * np.pi)  # S-curve: more mid contrast
        lum = t.mean(axis=2, keepdims=True)
        teal, warm = np.array([1.0, 0.6, -0.2]), np.array([-0.6, 0.1, 1.0])  # BGR directions
        tone = rng.uniform(0.02, 0.08)
        t = t + tone * ((1 - lum) * teal + lum * warm)
        t = rng.uniform(-0.04, 0.08) + t * rng.uniform(0.85, 1.0)  # lifted or crushed blacks
        grey = t.mean(axis=2, keepdims=True)
        t = grey + (t - grey) * rng.uniform(0.6, 1.2)
        x = t * 255 + grain(x.shape, rng.uniform(3, 10))[:, :, None] * (4 * lum * (1 - lum))
        return jpeg(np.clip(x, 0, 255).astype(np.uint8), 50, 90)
    if kind == "scan":
        g = x @ np.array([0.114, 0.587, 0.299])  # BGR -> luma
        g = g / 255.0
        g = rng.uniform(0.04, 0.15) + g * rng.uniform(0.7, 0.9)  # the print's tone range
        g = np.asarray(cv2.GaussianBlur(g, (0, 0), rng.uniform(0.5, 1.1)), dtype=np.float64)
        g = g * 255 + grain(g.shape, rng.uniform(2, 7))
        if rng.uniform() < 0.5:  # sepia toning
            x = g[:, :, None] * np.array([rng.uniform(0.70, 0.85), rng.uniform(0.88, 0.95), 1.0])
        else:
            x = np.repeat(g[:, :, None], 3, axis=2)
        return jpeg(np.clip(x, 0, 255).astype(np.uint8), 60, 95)
    out = jpeg(img, 20, 60)  # double_jpeg
    f = rng.uniform(0.6, 0.95)
    mid = cv2.resize(out, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
    return jpeg(cv2.resize(jpeg(mid, 20, 60), (w, h), interpolation=cv2.INTER_LINEAR), 30, 80)


def _source_variation(img: np.ndarray, rng: np.random.Generator, web: bool = False) -> np.ndarray:
    """Vary the source photo like real photos vary, for every class alike: resolution (down-up
    resampling), studio retouch (edge-preserving smoothing), saturation, contrast, faded blacks, colour
    cast. The ranges cover the print simulation's gamut shift, so colour alone does not mean "print".
    `web` (training only; the validation and held-out draws never use it) first passes one photo in
    two through `_web_photo`.
    """
    import cv2

    if web and rng.uniform() < 0.5:
        img = _web_photo(img, rng)
    h, w = img.shape[:2]
    if rng.uniform() < 0.5:
        f = rng.uniform(0.3, 0.9)
        small = cv2.resize(img, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.uniform() < 0.25:  # retouched studio portrait: smooth skin, crisp edges
        img = cv2.bilateralFilter(img, 7, rng.uniform(20, 60), rng.uniform(3, 9))
    x = img.astype(np.float64)
    grey = x.mean(axis=2, keepdims=True)
    x = grey + (x - grey) * rng.uniform(0.5, 1.3)
    x = (x - 128) * rng.uniform(0.7, 1.2) + 128 + rng.uniform(-20, 20)
    if rng.uniform() < 0.3:  # faded blacks / matte look
        lift = rng.uniform(10, 40)
        x = lift + x * (255 - lift) / 255
    x *= rng.uniform(0.88, 1.08, size=3)  # colour cast (warm or cool)
    return np.clip(x, 0, 255).astype(np.uint8)


def _passes_quality(shot: np.ndarray, face: Face) -> bool:
    """Whether the pipeline's quality stage (default `QualityConfig`) lets this face through."""
    from frontline.faces.align import align_face
    from frontline.faces.quality import assess_quality

    return not assess_quality(shot, face, align_face(shot, face)).failed


def _sample(
    src: tuple[np.ndarray, Face],
    label: int,
    rng: np.random.Generator,
    patches: int = 2,
    gate: list[bool] | None = None,
    web: bool = False,
    hard: bool = False,
    kind: bool = False,
) -> np.ndarray:
    import cv2

    img, face = src
    # bring the face to the size the camera will see (64-330 px box, never enlarged) before the attack
    s0 = min(1.0, rng.uniform(64, 330) / max(face.bbox_xywh[2], 1.0))
    if s0 < 1.0:
        img = cv2.resize(
            img,
            (max(16, int(img.shape[1] * s0)), max(16, int(img.shape[0] * s0))),
            interpolation=cv2.INTER_AREA,
        )
        sy0, sx0 = img.shape[0] / src[0].shape[0], img.shape[1] / src[0].shape[1]
        x, y, bw, bh = face.bbox_xywh
        face = Face(
            (x * sx0, y * sy0, bw * sx0, bh * sy0),
            tuple((px * sx0, py * sy0) for px, py in face.landmarks),
            face.score,
        )
    if rng.uniform() < 0.5:  # mirror
        img = img[:, ::-1].copy()
        w = img.shape[1]
        x, y, bw, bh = face.bbox_xywh
        lm = [(w - px, py) for px, py in face.landmarks]
        face = Face((w - x - bw, y, bw, bh), (lm[1], lm[0], lm[2], lm[4], lm[3]), face.score)
    if hard:  # a poor source photo (small, dark, blurred, ...), every class alike
        img, face = _hard_photo(img, face, rng)
    if kind and label != 0:  # the attacker's source photo is of a real photo kind too
        img = _photo_kind(img, rng)
    img = _source_variation(img, rng, web)  # every class: the photo itself varies in sharpness and colour
    if label == 1:
        img = screen_attack(img, rng)
    elif label == 2:
        img = print_attack(img, rng)
    shot = camera(img, rng, 1.0)
    if kind and label == 0:  # a live photo published as this kind: its processing comes last
        shot = _photo_kind(shot, rng)
    sy, sx = shot.shape[0] / img.shape[0], shot.shape[1] / img.shape[1]
    x, y, bw, bh = face.bbox_xywh
    jitter = rng.uniform(-0.05, 0.05, size=4) * bw
    f2 = Face(
        (x * sx + jitter[0], y * sy + jitter[1], bw * sx + jitter[2], bh * sy + jitter[3]),
        tuple((px * sx, py * sy) for px, py in face.landmarks),
        face.score,
    )
    if gate is not None:  # the quality verdict does not draw from rng: same samples either way
        gate.append(_passes_quality(shot, f2))
    return replay_input(shot, f2, patches)


def _dataset(
    sources: list[tuple[np.ndarray, Face]],
    per_class: int,
    rng: np.random.Generator,
    patches: int = 2,
    gate: list[bool] | None = None,
    web: bool = False,
    hard: float = 0.0,
    poor: list[bool] | None = None,
    kind: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels): `per_class` samples of each class; `gate` (when given) collects per sample
    whether the pipeline's quality stage would let the shot through; `web` adds the training-only
    web-photo augmentation (`_web_photo`); a share `hard` of the samples of every class gets a poor
    source photo (`_hard_photo`; `poor`, when given, collects per sample whether it got one). With
    `hard` 0 the draw is the same as without the option; likewise a share `kind` of the samples of
    every class gets a real photo kind (`_photo_kind`)."""
    xs, ys = [], []
    for label in range(len(CLASSES)):
        for _ in range(per_class):
            src = sources[int(rng.integers(len(sources)))]
            bad = hard > 0 and bool(rng.uniform() < hard)
            if poor is not None:
                poor.append(bad)
            kinded = kind > 0 and bool(rng.uniform() < kind)
            xs.append(_sample(src, label, rng, patches, gate, web, bad, kinded))
            ys.append(label)
    return np.stack(xs), np.asarray(ys, dtype=np.int64)


def apcer_bpcer(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """ISO/IEC 30107-3 error rates: APCER per attack class (attacks accepted as live) and BPCER (live rejected)."""
    out = {"bpcer": float(np.mean(y_pred[y_true == 0] != 0)) if np.any(y_true == 0) else float("nan")}
    for k, name in enumerate(CLASSES[1:], start=1):
        sel = y_true == k
        out[f"apcer_{name}"] = float(np.mean(y_pred[sel] == 0)) if np.any(sel) else float("nan")
    out["apcer_max"] = max(out["apcer_screen"], out["apcer_print"])
    return out


def pipeline_rates(y_true: np.ndarray, y_pred: np.ndarray, passes: np.ndarray) -> dict[str, float]:
    """Error rates of quality gate + CNN, as `verify` runs them: an attack is accepted only when it
    passes the quality stage AND the CNN calls it live (APCER per attack class); a bona-fide sample is
    wrongly called an attack when it passes quality and the CNN flags it (BPCER). Samples the quality
    stage refuses (the user is asked to retake the photo) are counted apart per class
    (`refused_live`, `refused_screen`, `refused_print`: ISO/IEC 30107-3 non-response rates)."""
    ok = np.asarray(passes, dtype=bool)
    live = y_true == 0
    out = {"bpcer": float(np.mean((y_pred != 0) & ok & live) / max(np.mean(live), 1e-12))}
    for k, name in enumerate(CLASSES):
        sel = y_true == k
        if k:
            out[f"apcer_{name}"] = (
                float(np.mean((y_pred[sel] == 0) & ok[sel])) if np.any(sel) else float("nan")
            )
        out[f"refused_{name}"] = float(np.mean(~ok[sel])) if np.any(sel) else float("nan")
    return out


def cut_for_apcer(prob: np.ndarray, labels: np.ndarray, apcer: float) -> float:
    """The attack threshold (on p_screen + p_print) that keeps APCER <= `apcer` for every attack type
    on these (validation) samples: the lowest of the per-type `lab.risk.operating_point` thresholds at
    recall 1 - apcer (each type against the live samples). Higher cuts flag fewer live samples."""
    from frontline import lab

    score, cuts = 1.0 - prob[:, 0], []
    for k in range(1, len(CLASSES)):
        sel = (labels == 0) | (labels == k)
        cuts.append(lab.risk.operating_point(score[sel], labels[sel] == k, recall=1.0 - apcer).threshold)
    return float(min(max(min(cuts), 1e-6), 1.0))


def cut_minimax(prob: np.ndarray, labels: np.ndarray) -> float:
    """The attack threshold (on p_screen + p_print) with the smallest worst error on these (validation)
    samples: the largest of APCER per attack type and BPCER is minimal there.

    With the same target for APCER and BPCER (5% each) this leaves both the same margin, instead of
    spending the margin on one side as a fixed-APCER cut does. The errors only change where the cut
    passes a sample's score, so the minimum holds on an interval of cuts; the midpoint of the widest
    such interval is returned, clipped to [1e-6, 1].
    """
    score = 1.0 - prob[:, 0]
    groups = [np.sort(score[labels == k]) for k in range(len(CLASSES))]
    if any(len(g) == 0 for g in groups):
        raise ValueError("cut_minimax needs live samples and samples of every attack type")
    # a cut c flags a sample when score >= c; cut i stands for the interval (cands[i-1], cands[i]]
    cands = np.unique(np.concatenate([score, [1.0 + 1e-9]]))
    live = groups[0]
    bpcer = (len(live) - np.searchsorted(live, cands, side="left")) / len(live)
    apcer = [np.searchsorted(g, cands, side="left") / len(g) for g in groups[1:]]
    worst = np.maximum(bpcer, np.max(np.stack(apcer), axis=0))
    best = np.flatnonzero(np.isclose(worst, worst.min(), rtol=0.0, atol=1e-12))
    lows = np.concatenate([[0.0], cands[:-1]])  # lower end of each cut's interval
    runs = np.split(best, np.flatnonzero(np.diff(best) > 1) + 1)
    lo, hi = max(((lows[r[0]], cands[r[-1]]) for r in runs), key=lambda ab: ab[1] - ab[0])
    return float(min(max((lo + hi) / 2.0, 1e-6), 1.0))


def rates_at_minimax(prob: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """How a model does on one (validation) draw at its `cut_minimax` cut: the cut, APCER per type,
    BPCER, the worst of the three (`max_error`) and the cross-entropy of `prob` (N, 3)."""
    cut = cut_minimax(prob, labels)
    ce = float(-np.mean(np.log(np.maximum(prob[np.arange(len(labels)), labels], 1e-12))))
    m = apcer_bpcer(labels, decide(prob, cut))
    return {"cut": cut, "cross_entropy": ce, **m, "max_error": max(m["apcer_max"], m["bpcer"])}


def rates_at_apcer(prob: np.ndarray, labels: np.ndarray, apcer: float) -> dict[str, float]:
    """How a model does on one (validation) draw at the cut that keeps APCER <= `apcer` per attack type
    there (`cut_for_apcer`): the cut, APCER per type and BPCER at it, and the cross-entropy of the
    softmax probabilities `prob` (N, 3). This is what candidate models are compared by."""
    cut = cut_for_apcer(prob, labels, apcer)
    ce = float(-np.mean(np.log(np.maximum(prob[np.arange(len(labels)), labels], 1e-12))))
    return {"cut": cut, "cross_entropy": ce, **apcer_bpcer(labels, decide(prob, cut))}


def decide(prob: np.ndarray, threshold: float) -> np.ndarray:
    """Class per row of softmax probabilities (N, 3): an attack when p_screen + p_print >= threshold."""
    attack = prob[:, 1:].argmax(1) + 1
    return np.where(1.0 - prob[:, 0] >= threshold, attack, 0)


def split_validation(
    paths: tuple[str, ...], val_identities: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(train, validation) photos: a photo is validation when every person named in it is in
    `val_identities` (group photos of validation people included). When none match, the photos of
    the last identity (sorted) are the validation split."""
    from frontline.faces.calibrate import identity_of

    names = {p: set(identity_of(p).split("+")) for p in paths}
    val = tuple(p for p in paths if names[p] <= set(val_identities))
    if not val:
        last = sorted(identity_of(p) for p in paths)[-1]
        val = tuple(p for p in paths if identity_of(p) == last)
    return tuple(p for p in paths if p not in val), val


def overlapping_photos(train: tuple[str, ...], heldout: tuple[str, ...]) -> list[str]:
    """Training photos whose file content (sha256) equals a held-out photo's: such a photo would
    leak the held-out split into training (e.g. the same picture shipped in two packages)."""

    def digest(p: str) -> str:
        return p if p.startswith("skimage:") else hashlib.sha256(Path(p).read_bytes()).hexdigest()

    held = {digest(p) for p in heldout}
    return [p for p in train if digest(p) in held]


def _real_attack_scores(paths: tuple[str, ...], net: Any, patches: int) -> np.ndarray:
    """Attack probability (p_screen + p_print) of every face (box >= 48 px, at most 6 per photo) of
    the unaltered photos: the bona-fide presentations themselves, no simulated camera."""
    import torch

    from frontline.faces.calibrate import _image
    from frontline.faces.detect import detect_faces, load_detector

    det = load_detector()
    xs = []
    for p in paths:
        img = _image(p)
        xs += [replay_input(img, f, patches) for f in detect_faces(img, det)[:6] if f.bbox_xywh[2] >= 48]
    if not xs:
        return np.zeros(0)
    return 1.0 - _probs(net, torch.from_numpy(np.stack(xs)))[:, 0]


def _probs(net: Any, x: Any) -> np.ndarray:
    import torch

    net.eval()
    with torch.no_grad():
        return np.asarray(torch.softmax(net(x), dim=1).numpy())


def train_replay(config: ReplayTrainConfig) -> dict[str, Any]:
    """Generate the synthetic attack data, train the replay CNN with the lab run recorder, save weights.

    Training identities are split into train and validation (`val_identities`, plus `val_images`); the
    validation split (a share `val_hard` of it from poor source photos) picks the epoch (lowest
    validation cross-entropy of the EMA weights) and the attack threshold (`cut_for_apcer` at
    `val_apcer`, or `lab.risk.operating_point` at BPCER `val_bpcer`). The held-out split is only measured.
    Returns the validation and held-out metrics (APCER per attack class, BPCER), threshold, run folder.
    """
    import copy

    import torch
    import torch.nn.functional as F

    from frontline import lab
    from frontline.errors import InputError

    if not config.train_images:
        raise InputError("train-replay: no face photos found under --train; give a folder of JPEG/PNG photos")
    if not config.test_images:
        raise InputError(
            "train-replay: no face photos found under --heldout; give a folder of JPEG/PNG photos"
        )
    if config.val_apcer is not None and not 0.0 < config.val_apcer < 1.0:
        raise InputError(f"--val-apcer must lie strictly between 0 and 1 (a rate), got {config.val_apcer}")
    for name, share in (
        ("--val-hard", config.val_hard),
        ("--hard-augment", config.hard_augment),
        ("--kind-augment", config.kind_augment),
    ):
        if not 0.0 <= share <= 1.0:
            raise InputError(f"{name} is a share of the samples, between 0 and 1; got {share}")
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = np.random.default_rng(config.seed)
    shared = overlapping_photos(config.train_images, config.test_images)
    if shared:
        raise InputError(
            f"held-out photo(s) also given for training (same file content): {', '.join(shared)};"
            " remove them from --train"
        )
    shared = overlapping_photos(config.val_images, config.test_images + config.train_images)
    if shared:
        raise InputError(
            f"validation photo(s) also given for training or held out (same file content): {', '.join(shared)};"
            " remove them from --val"
        )
    train_paths, val_paths = split_validation(config.train_images, config.val_identities)
    val_paths = val_paths + tuple(config.val_images)
    train_src, val_src = _sources(train_paths), _sources(val_paths)
    test_src = _sources(config.test_images)
    if not train_src or not val_src or not test_src:
        raise InputError(
            "train-replay needs face photos of at least two training identities and held-out photos"
        )
    t0 = time.time()
    k = config.patches
    xtr, ytr = _dataset(
        train_src,
        config.samples_per_class,
        rng,
        k,
        web=config.web_augment,
        hard=config.hard_augment,
        kind=config.kind_augment,
    )
    xva, yva = _dataset(
        val_src, config.val_per_class, np.random.default_rng(config.seed + 2), k, hard=config.val_hard
    )
    gate: list[bool] = []
    xte, yte = _dataset(test_src, config.test_per_class, np.random.default_rng(config.seed + 1), k, gate)
    gen_s = time.time() - t0
    net = build_replay_net(config.width, config.highpass, config.patches, config.spectrum)
    ema = torch.optim.swa_utils.AveragedModel(
        net, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(config.ema), use_buffers=True
    )
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=1e-4)
    steps_per_epoch = int(np.ceil(len(xtr) / config.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, config.lr, total_steps=config.epochs * steps_per_epoch)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xv, xh = torch.from_numpy(xva), torch.from_numpy(xte)
    best: tuple[float, int, dict[str, Any]] = (float("inf"), -1, {})
    with lab.run("faces-replay", config, root=config.runs) as r:
        r.log(
            0,
            split="data",
            train_sources=len(train_src),
            val_sources=len(val_src),
            test_sources=len(test_src),
            generate_s=gen_s,
        )
        step = 0
        for epoch in range(config.epochs):
            net.train()
            perm = torch.randperm(len(xt))
            for i in range(0, len(xt), config.batch_size):
                idx = perm[i : i + config.batch_size]
                logits = net(xt[idx])  # (B, 3)
                loss = F.cross_entropy(logits, yt[idx], label_smoothing=0.05)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                ema.update_parameters(net)
                step += 1
                r.log(step, split="train", loss=loss.item(), lr=sched.get_last_lr()[0])
            pv = _probs(ema.module, xv)
            val_loss = float(-np.mean(np.log(np.maximum(pv[np.arange(len(yva)), yva], 1e-12))))
            r.log(step, split="val", epoch=epoch, loss=val_loss, **apcer_bpcer(yva, pv.argmax(1)))
            # held-out: recorded for the learning curves only, never used for any choice
            r.log(step, split="heldout", epoch=epoch, **apcer_bpcer(yte, _probs(ema.module, xh).argmax(1)))
            if val_loss < best[0]:
                best = (val_loss, epoch, copy.deepcopy(ema.module.state_dict()))
        net.load_state_dict(best[2])
        pv, ph = _probs(net, xv), _probs(net, xh)
        if config.val_apcer is not None:
            thr = cut_for_apcer(pv, yva, config.val_apcer)
        else:
            op = lab.risk.operating_point(1.0 - pv[:, 0], yva != 0, far=config.val_bpcer)
            thr = float(min(max(op.threshold, 1e-6), 1.0))
        val_m = apcer_bpcer(yva, decide(pv, thr))
        metrics = apcer_bpcer(yte, decide(ph, thr))
        metrics["accuracy"] = float(np.mean(decide(ph, thr) == yte))
        piped = pipeline_rates(yte, decide(ph, thr), np.asarray(gate))
        metrics.update({f"pipeline_{n}": v for n, v in piped.items()})
        # unaltered held-out photos: every bona-fide face at the shipped cut (never used for a choice)
        real = _real_attack_scores(config.test_images, net, k)
        metrics["bpcer_real_photos"] = float(np.mean(real >= thr)) if len(real) else float("nan")
        metrics["real_faces"] = len(real)
        rows = []
        cuts = [  # other cuts the validation split could have given: (rule, target, cut)
            *(
                ("val_bpcer", b, lab.risk.operating_point(1.0 - pv[:, 0], yva != 0, far=b).threshold)
                for b in (0.01, 0.02, 0.03, 0.05)
            ),
            *(("val_apcer", a, cut_for_apcer(pv, yva, a)) for a in (0.02, 0.03, 0.05)),
        ]
        for rule, target, cut in cuts:
            c = float(min(max(cut, 1e-6), 1.0))
            mh = apcer_bpcer(yte, decide(ph, c))
            mv = apcer_bpcer(yva, decide(pv, c))
            rows.append(
                {
                    "rule": rule,
                    "target": target,
                    "val_apcer_max": mv["apcer_max"],
                    "val_bpcer": mv["bpcer"],
                    "cut": round(c, 4),
                    "heldout_apcer_screen": mh["apcer_screen"],
                    "heldout_apcer_print": mh["apcer_print"],
                    "heldout_bpcer": mh["bpcer"],
                    "real_photos_bpcer": float(np.mean(real >= c)) if len(real) else float("nan"),
                }
            )
        r.log_table("operating_points", rows)
        r.log_classes(step, yva, decide(pv, thr), list(CLASSES), split="val")
        r.log_classes(step, yte, decide(ph, thr), list(CLASSES), split="heldout")
        r.summary(
            **{f"heldout_{k}": v for k, v in metrics.items()},
            **{f"val_{k}": v for k, v in val_m.items()},
            attack_threshold=thr,
            best_epoch=best[1],
            train_samples=len(xtr),
        )
        run_dir = str(r.dir)
    out = Path(config.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "width": config.width,
            "highpass": config.highpass,
            "patches": config.patches,
            "spectrum": config.spectrum,
            "state_dict": net.state_dict(),
            "attack_threshold": thr,
            "best_epoch": best[1],
            "config": asdict(config),
            "validation": val_m,
            "heldout": metrics,
        },
        out,
    )
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    result = {
        "attack_threshold": thr,
        "best_epoch": best[1],
        "validation": val_m,
        "heldout": metrics,
        "sources": {"train": len(train_src), "val": len(val_src), "heldout": len(test_src)},
    }
    (out.with_suffix(".metrics.json")).write_text(
        json.dumps({**result, "sha256": digest, "run": run_dir}, indent=2)
    )
    return {**result, "run_dir": run_dir, "weights": str(out), "sha256": digest}


# ----------------------------------------------------------------------------- picking among trained models
@dataclass(frozen=True, slots=True)
class ReplayCompareConfig:
    """Settings of `frontline faces compare-replay`: candidate weights judged on one validation draw."""

    weights: tuple[str, ...] = ()
    """Candidate weight files (from `train-replay`)."""
    val_images: tuple[str, ...] = ()
    """Validation photos (people in neither the training nor the held-out photos), in this order."""
    heldout_images: tuple[str, ...] = ()
    """Held-out photos: only checked not to be among the validation photos (file content)."""
    per_class: int = 1000
    """Validation samples per class."""
    seed: int = 11
    """Seed of the validation draw (a fresh one, not the training runs' seed + 2)."""
    hard: float = 0.5
    """Share of the samples of every class made from a poor source photo (`_hard_photo`)."""
    apcer: float = 0.03
    """APCER allowed per attack type: each candidate's cut (`cut_for_apcer`) on this draw."""
    rule: str = "apcer"
    """How each candidate's cut is set and candidates ranked: "apcer" (session 4: cut for APCER <=
    `apcer` per type, lowest BPCER wins) or "minimax" (session 6: `cut_minimax`, the cut with the
    smallest worst of APCER per type and BPCER; the lowest such worst error wins)."""
    tie: float = 0.005
    """Gap of the ranked error within which the lower cross-entropy decides instead."""
    ship: str | None = None
    """Write the winner here with its cut from this draw as `attack_threshold` (None: only compare)."""


def compare_replay(config: ReplayCompareConfig) -> dict[str, Any]:
    """Judge candidate replay CNNs on one validation draw and pick one, by validation only.

    Every candidate gets the same draw and its own cut: with `rule` "apcer" the cut for APCER <=
    `apcer` per attack type, and the winner has the lowest BPCER at it; with "minimax" the cut with
    the smallest worst of APCER per type and BPCER (`cut_minimax`), and the winner has the smallest
    such worst error (either way within `tie`, the lower cross-entropy). With `ship` the winner's
    weights are written there with that cut and the draw's rates. Returns per candidate the cut,
    APCER/BPCER, BPCER on plain and on poor source photos, cross-entropy; the winner; the cut.
    """
    import torch

    from frontline.errors import InputError

    if not config.weights or not config.val_images:
        raise InputError("compare-replay needs candidate weight files and validation photos (--val)")
    if config.rule not in ("apcer", "minimax"):
        raise InputError(f"--rule must be 'apcer' or 'minimax', got {config.rule!r}")
    shared = overlapping_photos(config.val_images, config.heldout_images)
    if shared:
        raise InputError(f"validation photo(s) are held-out photos (same file content): {', '.join(shared)}")
    models = {}
    for w in config.weights:
        net = load_replay_model(w)
        if net is None:
            raise InputError(f"no replay weights at {w}; give files written by train-replay")
        models[w] = net
    sources = _sources(config.val_images)
    if not sources:
        raise InputError("no face found in the validation photos (--val)")
    draws: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    results: dict[str, dict[str, float]] = {}
    probs: dict[str, np.ndarray] = {}
    for w, net in models.items():
        k = int(getattr(net, "patches", 1))
        if k not in draws:  # the same draw for every candidate with the same input layout
            flags: list[bool] = []
            x, y = _dataset(
                sources, config.per_class, np.random.default_rng(config.seed), k, hard=config.hard, poor=flags
            )
            draws[k] = (x, y, np.asarray(flags, dtype=bool))
        x, y, poor = draws[k]
        with torch.no_grad():
            prob = np.concatenate(
                [
                    torch.softmax(net(torch.from_numpy(x[i : i + 500])), 1).numpy()
                    for i in range(0, len(x), 500)
                ]
            )
        minimax = config.rule == "minimax"
        r = rates_at_minimax(prob, y) if minimax else rates_at_apcer(prob, y, config.apcer)
        pred = decide(prob, r["cut"])
        for name, sel in (("bpcer_plain", ~poor), ("bpcer_poor", poor)):
            if np.any(sel & (y == 0)):  # left out when the draw has no such live sample (no NaN in JSON)
                r[name] = apcer_bpcer(y[sel], pred[sel])["bpcer"]
        results[w], probs[w] = r, prob
    key = "max_error" if config.rule == "minimax" else "bpcer"
    ranked = sorted(results, key=lambda w: results[w][key])
    winner = ranked[0]
    for w in ranked[1:]:
        close = results[w][key] - results[ranked[0]][key] <= config.tie
        if close and results[w]["cross_entropy"] < results[winner]["cross_entropy"]:
            winner = w
    out: dict[str, Any] = {
        "candidates": results,
        "winner": winner,
        "attack_threshold": results[winner]["cut"],
    }
    if config.ship:
        ckpt = torch.load(winner, map_location="cpu", weights_only=True)
        if "training_run_threshold" in ckpt:  # re-shipping shipped weights: keep the history
            ckpt["previous_attack_threshold"] = ckpt.get("attack_threshold")
        else:
            ckpt["training_run_threshold"] = ckpt.get("attack_threshold")
        ckpt["attack_threshold"] = results[winner]["cut"]
        ckpt["compare"] = {"config": asdict(config), "rates": results[winner]}
        Path(config.ship).parent.mkdir(parents=True, exist_ok=True)
        torch.save(ckpt, config.ship)
        out["shipped"] = config.ship
        out["sha256"] = hashlib.sha256(Path(config.ship).read_bytes()).hexdigest()
    return out
