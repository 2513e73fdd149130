"""Synthetic multi-face selfies: real faces pasted at chosen sizes and places on a faceless background.

Used to test and document the selfie subject rule (`subject.choose_subject`): the geometry of every
face is known, so what the rule should decide is known before the detector runs. A face is pasted with
its head and some surroundings (the face box enlarged by `context`) under a feathered elliptical mask,
scaled so that its detected box becomes `size_px` wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontline.faces.records import Face

__all__ = ["Placement", "blurred_background", "compose_faces"]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one pasted face goes: box centre as a fraction of the canvas (x, y) and box width in pixels."""

    cx: float
    cy: float
    size_px: float


def blurred_background(image: np.ndarray, hw: tuple[int, int], sigma_frac: float = 0.06) -> np.ndarray:
    """A faceless background of (height, width) `hw`: the photo stretched and blurred by sigma_frac * width."""
    import cv2

    h, w = hw
    big = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(big, (0, 0), sigma_frac * w)


def compose_faces(
    background: np.ndarray,
    portraits: list[tuple[np.ndarray, Face]],
    placements: list[Placement],
    context: float = 1.9,
) -> np.ndarray:
    """Paste each (photo, detected face) at its placement, in order (later ones cover earlier ones).

    Returns a new BGR image of the background's size. `context` is the side of the pasted square around
    the face, in face-box widths (1.9: the whole head and a little of the neck).
    """
    import cv2

    out = background.astype(np.float32).copy()
    h, w = out.shape[:2]
    for (photo, face), place in zip(portraits, placements, strict=True):
        x, y, bw, bh = face.bbox_xywh
        scale = place.size_px / bw
        half = context * max(bw, bh) / 2
        src_cx, src_cy = x + bw / 2, y + bh / 2
        side = max(2, round(2 * half * scale))  # pasted square, canvas pixels
        # affine map: source square around the face -> canvas square around the placement
        dst_cx, dst_cy = place.cx * w, place.cy * h
        m = np.array(
            [[scale, 0.0, dst_cx - scale * src_cx], [0.0, scale, dst_cy - scale * src_cy]], dtype=np.float64
        )
        warped = cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((h, w), np.float32)
        cv2.ellipse(
            mask,
            (round(dst_cx), round(dst_cy)),
            (max(1, round(side * 0.36)), max(1, round(side * 0.46))),
            0,
            0,
            360,
            1.0,
            -1,
        )
        alpha = cv2.GaussianBlur(mask, (0, 0), max(1.0, side * 0.04))[:, :, None]  # (H, W, 1) feathered edge
        out = out * (1 - alpha) + warped.astype(np.float32) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
