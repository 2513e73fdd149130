"""Face quality: sharpness, exposure, glare, size, pose and visible eyes, each with a threshold and a name.

`assess_quality(image, face, aligned, config)` measures everything and lists the names of the checks that
failed (codes from `records.HINTS`: BLURRY, TOO_DARK, GLARE, FACE_TOO_SMALL, POSE, EYES_NOT_VISIBLE).
Measures are pure functions of the pixels and landmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from frontline.faces.align import REFERENCE_112
from frontline.faces.records import Face, Quality

__all__ = ["QualityConfig", "assess_quality", "pose_from_landmarks"]


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """Thresholds of the quality checks."""

    min_sharpness: float = 25.0
    """Variance of the Laplacian on the aligned 112x112 grey face below which the face is BLURRY."""
    min_brightness: float = 45.0
    """Mean grey level (0-255) of the face below which it is TOO_DARK."""
    max_brightness: float = 225.0
    """Mean grey level above which the face is over-exposed (also reported as TOO_DARK: bad exposure)."""
    max_glare_fraction: float = 0.18
    """Share of face pixels that are saturated and colourless above which GLARE is reported."""
    min_eye_distance_px: float = 18.0
    """Eye distance in the input image below which the face is FACE_TOO_SMALL."""
    max_yaw_deg: float = 40.0
    """Largest head turn left/right (estimated from landmarks) before POSE fails."""
    max_pitch_deg: float = 35.0
    """Largest nod up/down before POSE fails."""
    min_eye_contrast: float = 9.0
    """Grey-level std inside the eye patches (rescaled to mean grey 128) below which EYES_NOT_VISIBLE fails."""


def pose_from_landmarks(landmarks: tuple[tuple[float, float], ...]) -> tuple[float, float, float]:
    """(yaw, roll, pitch) in degrees, rough, from five landmarks.

    roll: angle of the eye line; yaw: horizontal offset of the nose from the eye midpoint relative to
    half the eye distance; pitch: vertical position of the nose between the eye and mouth lines
    (0.5 in a frontal face... ~0.45 measured; 0 at the eye line).
    """
    p = np.asarray(landmarks, dtype=np.float64)
    re, le, nose, rm, lm = p
    eye_vec = le - re
    roll = math.degrees(math.atan2(eye_vec[1], eye_vec[0]))
    # express the points in a frame where the eye line is horizontal
    c, s = math.cos(-math.radians(roll)), math.sin(-math.radians(roll))
    rot = np.array([[c, -s], [s, c]])
    q = (p - (re + le) / 2) @ rot.T
    half = max(np.linalg.norm(eye_vec) / 2, 1e-6)
    mouth_mid = (q[3] + q[4]) / 2
    yaw = math.degrees(math.asin(float(np.clip((q[2][0] - mouth_mid[0] / 2) / half, -1, 1))))
    depth = max(mouth_mid[1], 1e-6)
    pitch = (float(q[2][1]) / depth - 0.55) * 150.0
    return yaw, roll, pitch


def _sharpness(grey: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _eye_contrast(aligned_grey: np.ndarray) -> float:
    stds = []
    for x, y in REFERENCE_112[:2]:
        x0, y0 = int(x) - 9, int(y) - 6
        patch = aligned_grey[max(y0, 0) : y0 + 12, max(x0, 0) : x0 + 18]
        stds.append(float(patch.std()))
    return min(stds)


def assess_quality(
    image: np.ndarray, face: Face, aligned: np.ndarray, config: QualityConfig | None = None
) -> Quality:
    """Measure the quality of one detected face and name every check that fails."""
    import cv2

    cfg = config or QualityConfig()
    grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY)
    inner = grey[24:104, 20:92]  # forehead to chin, cheek to cheek: mostly skin, little background
    hsv = cv2.cvtColor(aligned[24:104, 20:92], cv2.COLOR_BGR2HSV)
    glare = float(np.mean((hsv[:, :, 2] >= 245) & (hsv[:, :, 1] <= 40)))
    sharp = _sharpness(grey[16:108, 16:96])
    bright = float(inner.mean())
    yaw, roll, pitch = pose_from_landmarks(face.landmarks)
    eye = _eye_contrast(grey) * 128.0 / max(bright, 1.0)  # contrast relative to exposure
    failed: list[str] = []
    if face.eye_distance_px < cfg.min_eye_distance_px:
        failed.append("FACE_TOO_SMALL")
    if sharp < cfg.min_sharpness:
        failed.append("BLURRY")
    if not cfg.min_brightness <= bright <= cfg.max_brightness:
        failed.append("TOO_DARK")
    if glare > cfg.max_glare_fraction:
        failed.append("GLARE")
    if abs(yaw) > cfg.max_yaw_deg or abs(pitch) > cfg.max_pitch_deg:
        failed.append("POSE")
    if eye < cfg.min_eye_contrast:
        failed.append("EYES_NOT_VISIBLE")
    return Quality(
        sharpness=sharp,
        brightness=bright,
        glare_fraction=glare,
        eye_distance_px=face.eye_distance_px,
        yaw_deg=yaw,
        roll_deg=roll,
        pitch_deg=pitch,
        eye_contrast=eye,
        failed=tuple(failed),
    )
