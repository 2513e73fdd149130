"""Loading: formats, EXIF orientation, and every kind of unreadable file; rotation helpers."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from frontline.errors import InputError
from frontline.faces.image import load_image, orientation_from_landmarks, rotate
from frontline.faces.records import Face


def _png(arr: np.ndarray, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


def _gradient(h: int = 40, w: int = 60) -> np.ndarray:
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, :, 0] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]  # red ramps left to right
    return arr


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_load_formats_give_bgr(fmt: str) -> None:
    img, exif = load_image(_png(_gradient(), fmt, quality=95) if fmt != "PNG" else _png(_gradient()))
    assert img.shape == (40, 60, 3) and img.dtype == np.uint8 and not exif
    assert img[:, -1, 2].mean() > 200 and img[:, -1, 0].mean() < 30  # red lands in channel 2 (BGR)


def test_exif_orientation_is_applied() -> None:
    im = Image.fromarray(_gradient())
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 CW to display
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif.tobytes())
    img, transposed = load_image(buf.getvalue())
    assert transposed and img.shape[:2] == (60, 40)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty"),
        (b"this is not an image at all", "not an image"),
        (_png(_gradient())[:60], "damaged"),
        (_png(np.zeros((1, 1, 3), np.uint8)), "too small"),
    ],
)
def test_unreadable_inputs(data: bytes, why: str) -> None:
    with pytest.raises(InputError, match="UNREADABLE_IMAGE") as exc:
        load_image(data)
    assert why in str(exc.value)


def test_decompression_bomb_is_refused() -> None:
    with pytest.raises(InputError, match="pixel limit"):
        load_image(_png(np.zeros((200, 200, 3), np.uint8)), max_pixels=10_000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "nope.jpg")


def test_rotate_and_orientation_from_landmarks() -> None:
    img = _gradient()
    assert rotate(img, 90).shape[:2] == (60, 40)
    assert np.array_equal(rotate(rotate(img, 90), 270), img)
    upright = Face((0, 0, 10, 10), ((3, 3), (7, 3), (5, 5), (3.5, 7), (6.5, 7)), 0.9)
    assert orientation_from_landmarks(upright) == 0
    # head lying with its top to the right (content turned 90 deg clockwise): mouth left of the eyes
    turned = Face((0, 0, 10, 10), ((7, 3), (7, 7), (5, 5), (3, 3.5), (3, 6.5)), 0.9)
    assert orientation_from_landmarks(turned) == 270
