"""Load a photo (JPEG/PNG/WebP, HEIC when pillow-heif is installed), honour EXIF, fix 90-degree turns.

Two public verbs: `load_image` (file or bytes -> BGR uint8 array, EXIF orientation applied) and
`correct_orientation` (image -> upright image + what was done, from the face detector's view of the
content). Bad files raise `InputError` whose message starts with UNREADABLE_IMAGE.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from frontline.errors import InputError
from frontline.faces.records import HINTS, Face, Oriented

__all__ = ["MAX_PIXELS", "load_image", "rotate", "correct_orientation", "orientation_from_landmarks"]

#: Largest image accepted (pixels); larger files are refused as possible decompression bombs.
MAX_PIXELS = 60_000_000
_MIN_SIDE = 16


def _unreadable(source: str, why: str) -> InputError:
    return InputError(f"UNREADABLE_IMAGE: {source}: {why}. {HINTS['UNREADABLE_IMAGE']}")


def load_image(source: str | Path | bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray, bool]:
    """Read an image file (or its bytes) into a BGR uint8 array (H, W, 3), EXIF orientation applied.

    Returns (image, exif_transposed). Refuses empty, truncated, non-image, tiny (< 16 px a side) and
    huge (> max_pixels, decompression bomb) inputs with an InputError naming the file.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:  # HEIC/HEIF only when the optional plugin is installed
        import pillow_heif  # type: ignore[import-not-found]

        pillow_heif.register_heif_opener()
    except ImportError:
        pass

    name = "<bytes>" if isinstance(source, bytes) else str(source)
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise _unreadable(name, "no such file")
        data = path.read_bytes()
    if not data:
        raise _unreadable(name, "the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            w, h = opened.size
            if w * h > max_pixels:
                raise _unreadable(name, f"{w}x{h} pixels is above the {max_pixels:,} pixel limit")
            opened.load()
            orientation = opened.getexif().get(0x0112, 1)
            rgb = ImageOps.exif_transpose(opened).convert("RGB")
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _unreadable(name, "the image is too large (decompression bomb limit)") from None
    except UnidentifiedImageError:
        raise _unreadable(name, "not an image format we can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise _unreadable(name, f"the file is damaged or truncated ({exc})") from None
    if min(rgb.size) < _MIN_SIDE:
        raise _unreadable(name, f"{rgb.size[0]}x{rgb.size[1]} pixels is too small to hold a face")
    arr = np.asarray(rgb, dtype=np.uint8)[:, :, ::-1]  # RGB -> BGR
    return np.ascontiguousarray(arr), orientation not in (None, 1)


def rotate(image: np.ndarray, degrees_cw: int) -> np.ndarray:
    """Rotate an image clockwise by 0, 90, 180 or 270 degrees (lossless)."""
    k = (degrees_cw // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


def orientation_from_landmarks(face: Face) -> int:
    """Clockwise rotation (0/90/180/270) that makes this face upright, from its landmark geometry.

    Uses the direction from the eye midpoint to the mouth midpoint, which points down in an upright face.
    """
    (rx, ry), (lx, ly), _, (mrx, mry), (mlx, mly) = face.landmarks
    dx = (mrx + mlx) / 2 - (rx + lx) / 2
    dy = (mry + mly) / 2 - (ry + ly) / 2
    angle = math.degrees(math.atan2(dx, dy))  # 0 = pointing down (upright), 90 = pointing right
    # mouth to the right of the eyes -> the head lies on its side, turned 90 deg clockwise: undo by +90
    return int(round(angle / 90.0)) % 4 * 90


def _face_crop(image: np.ndarray, face: Face, side: int = 192) -> np.ndarray:
    """A square crop of twice the face box around its centre, resized to `side` pixels."""
    import cv2

    x, y, w, h = face.bbox_xywh
    half = max(w, h)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
    x1, y1 = int(min(image.shape[1], cx + half)), int(min(image.shape[0], cy + half))
    crop = image[y0:y1, x0:x1]
    return cv2.resize(crop, (side, side), interpolation=cv2.INTER_AREA)


def correct_orientation(
    image: np.ndarray,
    detect: Callable[[np.ndarray], list[Face]],
    *,
    exif_transposed: bool = False,
    margin: float = 0.03,
) -> tuple[np.ndarray, Oriented]:
    """Turn an image upright by 0/90/180/270 degrees, judged by the face detector.

    `detect` is a callable image -> list[Face] (e.g. `functools.partial(detect_faces, detector=d)`).
    When a face is found as given, its neighbourhood (a small crop, cheap) is tried in all four
    rotations; YuNet also fires on upside-down faces, but with lower confidence. Without a face, the
    whole image is tried in the other three rotations. Another rotation must beat 0 by `margin`.
    """
    det = detect
    faces = det(image)
    scores: dict[int, float] = {}
    if faces:
        crop = _face_crop(image, max(faces, key=lambda f: f.score))
        for turn in (0, 90, 180, 270):
            scores[turn] = max((f.score for f in det(rotate(crop, turn))), default=0.0)
    else:
        scores[0] = 0.0
        for turn in (90, 180, 270):
            scores[turn] = max((f.score for f in det(rotate(image, turn))), default=0.0)
    best = max(scores, key=lambda t: scores[t])
    if best != 0 and scores[best] < scores[0] + margin:
        best = 0
    return rotate(image, best), Oriented(best, exif_transposed, scores)
