"""Synthetic ID cards: a card layout with text and a real portrait, photographed on a table.

No public ID-document data can be used here, so tests and benchmarks build their own: `make_card` draws
an ID-1 sized card (85.6 x 54 mm, 856 x 540 px) with a header, fields, a machine-readable zone, the
portrait and a small ghost portrait; `photograph_card` places it on a wooden table with rotation,
perspective, glare, blur and noise, and returns where the card ended up. All randomness goes through
an explicit numpy Generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontline.faces.records import Face

__all__ = ["CARD_SIZE", "CardPhoto", "PhotoConfig", "portrait_crop", "make_card", "photograph_card"]

#: Card size (width, height) in pixels: ID-1 format at 10 px per mm.
CARD_SIZE = (856, 540)
_PORTRAIT_BOX = (40, 120, 230, 300)  # x, y, w, h on the card
_SURNAMES = ("MUSTER", "ROSSI", "NGUYEN", "OKAFOR", "LINDQVIST", "SILVA", "KOWALSKI", "TANAKA", "DUBOIS")
_GIVEN = ("ALEX", "MARIA", "JONAS", "AMARA", "LEA", "KENJI", "SOFIA", "NOAH", "IVAN", "ZOE")


@dataclass(frozen=True, slots=True)
class CardPhoto:
    """A photographed card: the photo (BGR), the card corners in it (clockwise from top-left), the card image."""

    image: np.ndarray
    quad_xy: np.ndarray
    card: np.ndarray


@dataclass(frozen=True, slots=True)
class PhotoConfig:
    """How a card is photographed by `photograph_card`."""

    size: tuple[int, int] = (1280, 960)
    """Photo size (width, height) in pixels."""
    card_fraction: tuple[float, float] = (0.5, 0.75)
    """Range of the card width as a share of the photo width."""
    max_rotation_deg: float = 25.0
    """Largest in-plane rotation of the card."""
    perspective: float = 0.06
    """Largest corner displacement (share of the card width) for the perspective tilt."""
    glare: float = 0.5
    """Probability of a specular glare spot on the card."""
    noise_sigma: float = 3.0
    """Std of the sensor noise (grey levels)."""


def portrait_crop(image: np.ndarray, face: Face, aspect: float = 230 / 300) -> np.ndarray:
    """A passport-style crop around a detected face (head and shoulders, width/height = aspect)."""
    x, y, w, h = face.bbox_xywh
    cx, cy = x + w / 2, y + h * 0.55
    ch = h * 1.9
    cw = ch * aspect
    x0, y0 = int(round(cx - cw / 2)), int(round(cy - ch / 2))
    x1, y1 = int(round(cx + cw / 2)), int(round(cy + ch / 2))
    pad = max(0, -x0, -y0, x1 - image.shape[1], y1 - image.shape[0])
    if pad:
        import cv2

        image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    return image[y0:y1, x0:x1].copy()


def _text(
    img: np.ndarray,
    text: str,
    xy: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int],
    thick: int = 1,
) -> None:
    import cv2

    cv2.putText(img, text, xy, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


def make_card(portrait: np.ndarray, rng: np.random.Generator, *, ghost: bool = True) -> np.ndarray:
    """Draw an ID card (540 x 856 BGR) around a portrait crop (any size; resized to the photo box)."""
    import cv2

    w, h = CARD_SIZE
    base = np.array(rng.integers(170, 235, size=3), dtype=np.float64)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    card = np.empty((h, w, 3), dtype=np.float64)
    for c in range(3):  # soft gradient plus a guilloche-like security pattern
        card[:, :, c] = base[c] + 12 * np.sin(xx / 37.0 + c) * np.cos(yy / 23.0) + 10 * (xx / w - 0.5)
    card = np.clip(card, 0, 255).astype(np.uint8)
    header = tuple(int(v) for v in rng.integers(40, 140, size=3))
    cv2.rectangle(card, (14, 12), (w - 14, 92), header, -1)  # inset: cards keep a light rim
    _text(card, "FRONTLINE REPUBLIC", (30, 48), 1.1, (255, 255, 255), 2)
    _text(card, "IDENTITY CARD / CARTE D'IDENTITE", (30, 80), 0.7, (235, 235, 235), 1)
    px, py, pw, ph = _PORTRAIT_BOX
    card[py : py + ph, px : px + pw] = cv2.resize(portrait, (pw, ph), interpolation=cv2.INTER_AREA)
    cv2.rectangle(card, (px - 1, py - 1), (px + pw, py + ph), (90, 90, 90), 1)
    surname, given = str(rng.choice(_SURNAMES)), str(rng.choice(_GIVEN))
    number = "".join(str(d) for d in rng.integers(0, 10, size=9))
    fields = [
        ("SURNAME", surname),
        ("GIVEN NAMES", given),
        ("DATE OF BIRTH", f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{rng.integers(1950, 2006)}"),
        ("DOCUMENT NO", number),
        ("EXPIRY", f"{rng.integers(1, 29):02d}.{rng.integers(1, 13):02d}.{rng.integers(2027, 2036)}"),
    ]
    for i, (label, value) in enumerate(fields):
        y = 140 + i * 58
        _text(card, label, (300, y), 0.45, (70, 70, 70), 1)
        _text(card, value, (300, y + 26), 0.8, (20, 20, 20), 2)
    if ghost:  # the small grey second portrait real cards carry
        g = cv2.cvtColor(cv2.resize(portrait, (92, 120), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        region = card[300:420, 720:812].astype(np.float64)
        card[300:420, 720:812] = np.clip(0.55 * region + 0.45 * g[:, :, None], 0, 255).astype(np.uint8)
    mrz = f"IDFRL{number}<<<<<<<<<<<<<<<", f"{surname}<<{given}<<<<<<<<<<<<<<<<<<"
    for i, line in enumerate(mrz):
        cv2.putText(
            card, line[:30], (30, 470 + i * 34), cv2.FONT_HERSHEY_PLAIN, 1.9, (30, 30, 30), 2, cv2.LINE_AA
        )
    return card


def _table(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    tone = np.array(rng.uniform([20, 45, 80], [60, 90, 140]))  # BGR: brown wood, darker than the card
    freq = rng.uniform(0.02, 0.06)
    grain = np.sin(yy * freq + 3 * np.sin(xx / rng.uniform(60, 160))) * 12
    noise = rng.normal(0, 4, size=(h, w))
    img = tone[None, None, :] + (grain + noise)[:, :, None]
    return np.clip(img, 0, 255).astype(np.uint8)


def photograph_card(
    card: np.ndarray, rng: np.random.Generator, config: PhotoConfig | None = None
) -> CardPhoto:
    """Place a card on a table photo with rotation, perspective, optional glare, blur and noise."""
    import cv2

    cfg = config or PhotoConfig()
    pw, ph = cfg.size
    table = _table(cfg.size, rng)
    ch, cw = card.shape[:2]
    width = rng.uniform(*cfg.card_fraction) * pw
    scale = width / cw
    angle = np.radians(rng.uniform(-cfg.max_rotation_deg, cfg.max_rotation_deg))
    corners = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float64) - [cw / 2, ch / 2]
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = corners @ rot.T * scale
    quad += rng.uniform(-cfg.perspective, cfg.perspective, size=(4, 2)) * width
    span = quad.max(0) - quad.min(0)
    centre = np.array([pw / 2, ph / 2]) + rng.uniform(-0.5, 0.5, size=2) * np.maximum([pw, ph] - span - 40, 0)
    quad += centre - (quad.max(0) + quad.min(0)) / 2
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(card, m, (pw, ph), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), m, (pw, ph), flags=cv2.INTER_AREA)
    alpha = (mask.astype(np.float64) / 255.0)[:, :, None]
    photo = alpha * warped + (1 - alpha) * table
    yy, xx = np.mgrid[0:ph, 0:pw].astype(np.float64)
    shade = 1.0 + 0.15 * (
        (xx / pw - rng.uniform()) * rng.uniform(-1, 1) + (yy / ph - rng.uniform()) * rng.uniform(-1, 1)
    )
    photo *= shade[:, :, None]
    if rng.uniform() < cfg.glare:  # specular highlight: an ellipse of added white light on the card
        gx, gy = quad[rng.integers(0, 4)] * 0.4 + quad.mean(0) * 0.6
        sx, sy = rng.uniform(30, 120), rng.uniform(20, 80)
        photo += (
            rng.uniform(80, 200) * np.exp(-(((xx - gx) / sx) ** 2 + ((yy - gy) / sy) ** 2)) * alpha[:, :, 0]
        )[:, :, None]
    photo += rng.normal(0, cfg.noise_sigma, size=photo.shape)
    out = np.clip(photo, 0, 255).astype(np.uint8)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    return CardPhoto(image=out, quad_xy=quad.astype(np.float64), card=card)
