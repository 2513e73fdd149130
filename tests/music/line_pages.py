"""Builders shared by the line-finder tests: stems and staves found on a drawn page, a drawn notehead,
dotted staves."""

from __future__ import annotations

import numpy as np

from frontline.music.lines import LineConfig, find_lines_normalized

SP = 10.0
"""Staff space of the drawn pages, in pixels."""


def found_stems(
    img: np.ndarray, cfg: LineConfig, symbols: list[tuple[str, tuple[float, float, float, float]]]
) -> list[tuple[float, ...]]:
    """Boxes of the stems the line finder finds on `img` (staff space `SP`) given the detected `symbols`."""
    segs = find_lines_normalized(img, SP, cfg, symbols)
    return [tuple(float(v) for v in b) for c, b in zip(segs.classes, segs.boxes, strict=True) if c == "stem"]


def found_staves(img: np.ndarray, cfg: LineConfig) -> list[tuple[float, ...]]:
    """Boxes of the staves the line finder finds on `img` (staff space `SP`)."""
    segs = find_lines_normalized(img, SP, cfg)
    return [tuple(float(v) for v in b) for c, b in zip(segs.classes, segs.boxes, strict=True) if c == "staff"]


def draw_head(img: np.ndarray, cx: float, cy: float) -> tuple[str, tuple[float, float, float, float]]:
    """Draw a black notehead centred at (cx, cy) on `img` and return it as a detected symbol."""
    yy, xx = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    img[((xx - cx) / 6.5) ** 2 + ((yy - cy) / 5.0) ** 2 <= 1.0] = 0
    return "noteheadBlackOnLine", (cx - 6.5, cy - 5.0, cx + 6.5, cy + 5.0)


def dotted_staff(img: np.ndarray, top: int, rng: np.random.Generator, gaps: tuple[int, int] = (3, 9)) -> None:
    """Draw five staff lines `SP` apart from `top` as dots 1-3 px long with gaps drawn from [gaps[0], gaps[1])
    px (a binarised faint scan's lines)."""
    for k in range(5):
        x = 20
        while x < img.shape[1] - 20:
            n = int(rng.integers(1, 4))
            img[top + int(SP) * k, x : x + n] = 0
            x += n + int(rng.integers(*gaps))
