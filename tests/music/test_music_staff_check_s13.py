"""A weakly supported staff space that the barlines contradict is not taken (binarised scans)."""

from __future__ import annotations

import numpy as np

from frontline.music.normalize import NormalizeConfig, checked_staff, estimate_staff, normalize_page


def _broken_staves_page(space: int = 9, gap: int = 84) -> np.ndarray:
    """Staves whose lines a binarisation took away but a piece of one, with barlines of full staff
    height standing alone and beams: the distance between the remaining pieces of neighbouring staves
    is `gap`, the staff space `space`."""
    h, w = 900, 700
    img = np.full((h, w), 255, np.uint8)
    top = 40
    while top + 4 * space < h - 20:
        img[top + 2 * space, 30:300] = 0  # what is left of the five lines
        for x in range(340, w - 40, 70):  # lone barlines: top to bottom line of the staff, 2 px wide
            img[top : top + 4 * space + 1, x : x + 2] = 0
        for x in range(40, 290, 60):  # beams: thick short horizontal strokes
            img[top + space : top + space + 4, x : x + 40] = 0
            img[top + 3 * space : top + 3 * space + 4, x + 10 : x + 50] = 0
        top += gap
    return img


def test_a_space_the_barlines_contradict_is_rejected_and_the_barlines_space_used() -> None:
    page = _broken_staves_page()
    raw = estimate_staff(page)
    assert raw.found and raw.space_px > 60  # the run lengths read the distance between staves
    checked, bar_space = checked_staff(page)
    assert not checked.found and bar_space is not None and 8.0 <= bar_space <= 10.0
    norm = normalize_page(page)
    assert norm.staff.found and 8.0 <= norm.staff.space_px <= 10.0
    off = normalize_page(page, NormalizeConfig(bar_check_support=0.0))
    assert off.staff.space_px > 60  # the flag off: the session-12 reading


def test_well_supported_staves_are_not_checked() -> None:
    h, w, space = 400, 600, 10
    img = np.full((h, w), 255, np.uint8)
    for top in (50, 200):
        for k in range(5):
            img[top + k * space, 20 : w - 20] = 0
    staff, bar_space = checked_staff(img)
    assert staff.found and abs(staff.space_px - space) < 1.0 and bar_space is None
