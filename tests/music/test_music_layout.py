"""Pages side by side (a photo of an open book): found by the splitter and read as separate pages by scan."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from frontline.music.layout import dewarp, split_columns
from frontline.music.scan import EXAMPLES_DIR, ScanConfig, scan

PAGE = EXAMPLES_DIR / "demo_page.png"


def _page(w: int, h: int, systems: int, space: int = 12, indent: int = 0, rng_seed: int = 0) -> np.ndarray:
    """A white page with `systems` five-line staves across its width, and some note-like blobs."""
    rng = np.random.default_rng(rng_seed)
    img = np.full((h, w), 245, np.uint8)
    top = h // 8
    step = (h - 2 * top) // max(systems, 1)
    for s in range(systems):
        y0 = top + s * step
        x0 = w // 12 + (indent if s == 0 else 0)
        for k in range(5):
            cv2.line(img, (x0, y0 + k * space), (w - w // 12, y0 + k * space), 20, 2)
        for x in rng.integers(x0 + 20, w - w // 12 - 20, size=12):
            cv2.ellipse(
                img, (int(x), y0 + int(rng.integers(0, 4)) * space + space // 2), (7, 5), -20, 0, 360, 10, -1
            )
            cv2.line(img, (int(x) + 6, y0 + space // 2), (int(x) + 6, y0 - 3 * space), 10, 2)
    return img


def _spread(left: np.ndarray, right: np.ndarray, gap: int) -> np.ndarray:
    h = max(left.shape[0], right.shape[0])
    out = np.full((h, left.shape[1] + gap + right.shape[1]), 245, np.uint8)
    out[: left.shape[0], : left.shape[1]] = left
    out[: right.shape[0], left.shape[1] + gap :] = right
    return out


def test_one_page_is_not_split() -> None:
    assert split_columns(_page(1200, 1600, 6)) == [(0, 1200)]
    # an indented first system leaves a band without lines on one system only: no gutter
    assert split_columns(_page(1200, 1600, 6, indent=150)) == [(0, 1200)]


def test_two_pages_side_by_side_are_split_in_the_gutter() -> None:
    left, right = _page(1000, 1400, 5, rng_seed=1), _page(1100, 1500, 6, space=14, rng_seed=2)
    img = _spread(left, right, gap=80)
    cols = split_columns(img)
    assert len(cols) == 2
    cut = cols[0][1]
    assert cols[0][0] == 0 and cols[1] == (cut, img.shape[1])
    # the cut lies between the left page's last staff-line pixel and the right page's first
    assert 1000 - 1000 // 12 <= cut <= 1000 + 80 + 1100 // 12


def test_a_slightly_rotated_spread_is_still_split() -> None:
    img = _spread(_page(1000, 1400, 5, rng_seed=3), _page(1000, 1400, 5, rng_seed=4), gap=120)
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 1.0)
    rot = cv2.warpAffine(img, m, (w, h), borderValue=245)
    assert len(split_columns(rot)) == 2


def test_blank_tiny_and_text_only_images_are_one_part() -> None:
    assert split_columns(np.full((800, 1200), 250, np.uint8)) == [(0, 1200)]
    assert split_columns(np.zeros((10, 10), np.uint8)) == [(0, 10)]
    # a narrow strip of lines on one side only is no second page
    img = _page(1200, 1600, 6)
    img[:, 700:] = 245
    assert len(split_columns(img)) == 1


def test_scan_reads_a_spread_of_two_demo_pages_as_two_pages(tmp_path: Path) -> None:
    from frontline.music import detect

    if not detect.default_model_path().is_file():
        pytest.skip("shipped detector weights not present")
    page = np.asarray(Image.open(PAGE).convert("L"))
    spread = tmp_path / "spread.png"
    Image.fromarray(_spread(page, page, gap=60)).save(spread)
    one = scan([PAGE], ScanConfig(out_dir=tmp_path / "one", progress=False, overlay=False)).pieces[0]
    two = scan([spread], ScanConfig(out_dir=tmp_path / "two", progress=False)).pieces[0]
    assert not one.error and not two.error, (one.error, two.error)
    assert two.pages == 2
    assert (two.measures, two.notes) == (2 * one.measures, 2 * one.notes)
    assert any("2 pages side by side" in w for w in two.warnings)
    assert (tmp_path / "two" / "spread.p2.overlay.png").is_file()
    sources = [p["source"] for p in json.loads((tmp_path / "two" / "spread.json").read_text())["pages"]]
    assert [(s["file_page"], s["x_offset"] > 0) for s in sources] == [(1, False), (1, True)]
    # without the splitter the two pages' staves merge into one long staff per system
    joined = scan(
        [spread], ScanConfig(out_dir=tmp_path / "three", progress=False, overlay=False, split_spreads=False)
    ).pieces[0]
    assert joined.pages == 1 and joined.measures != two.measures


def _curl(img: np.ndarray, amp: float) -> tuple[np.ndarray, np.ndarray]:
    """Shift every column down by amp * (a parabola that is 0 mid-page and 1 at the edges); returns image, shifts."""
    h, w = img.shape
    x = np.arange(w, dtype=np.float32) / (w - 1)
    off = (amp * (2 * x - 1) ** 2).astype(np.float32)
    map_x = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    map_y = np.arange(h, dtype=np.float32)[:, None] - off[None, :]
    return cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderValue=245), off


def _line_rows(img: np.ndarray, x: int) -> np.ndarray:
    """Centres of the dark runs in a 9-px column band (staff-line rows) at x."""
    col = img[:, x - 4 : x + 5].mean(axis=1) < 128
    edges = np.flatnonzero(np.diff(col.astype(np.int8)))
    return (edges[0::2] + edges[1::2]) / 2.0


def test_dewarp_levels_curled_staves_and_maps_points_back() -> None:
    flat = _page(1400, 1800, 6, space=14, rng_seed=5)
    curled, off = _curl(flat, amp=30.0)
    out, res = dewarp(curled)
    assert res.applied and res.tracks >= 20
    # staff lines (measured left of the note blobs' band) at the left edge and mid-page are level again
    x_left, x_mid = 1400 // 12 + 8, 700
    before = _line_rows(curled, x_left)[:5] - _line_rows(curled, x_mid)[:5]
    after = _line_rows(out, x_left)[:5] - _line_rows(out, x_mid)[:5]
    assert np.abs(before).min() > 15 and np.abs(after).max() < 3
    # a point of the dewarped page maps back to where that ink is on the photo
    y = float(_line_rows(out, x_left)[0])
    back = res.to_original_points(np.array([[x_left, y]]))[0, 1]
    assert abs(back - _line_rows(curled, x_left)[0]) < 2.5


def test_dewarp_leaves_straight_and_blank_pages_alone() -> None:
    flat = _page(1400, 1800, 6, space=14, rng_seed=6)
    out, res = dewarp(flat)
    assert not res.applied and out is flat and "straight" in res.reason
    h, w = flat.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 1.5, 1.0)  # a plain skew is the normaliser's job
    assert not dewarp(cv2.warpAffine(flat, m, (w, h), borderValue=245))[1].applied
    blank = np.full((800, 600), 250, np.uint8)
    assert dewarp(blank)[1].reason == "no staff lines found"


def test_noise_is_not_split() -> None:
    noise = (np.random.default_rng(0).random((900, 1400)) * 255).astype(np.uint8)
    assert split_columns(noise) == [(0, 1400)]
