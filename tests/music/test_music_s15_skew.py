"""Session 15: the assembly's page-rotation estimate on a faint page with dark beams."""

from __future__ import annotations

import cv2
import numpy as np

from frontline.music.assemble.staves import estimate_skew


def _faint_page_with_dark_beams(angle_deg: float) -> np.ndarray:
    """Light grey staff lines tilted by `angle_deg` (descending to the right), and short black thick
    beams drawn level: the lines carry the rotation, the beams are the darkest ink."""
    h, w = 900, 1000
    page = np.full((h, w), 235, np.uint8)
    slope = np.tan(np.radians(angle_deg))
    for staff in range(6):
        for line in range(5):
            y0 = 100 + staff * 130 + line * 10
            cv2.line(page, (50, int(round(y0 - 450 * slope))), (950, int(round(y0 + 450 * slope))), 195, 1)
    for k in range(3):
        y = 140 + (k % 6) * 130
        x = 100 + (k % 2) * 450
        cv2.rectangle(page, (x, y), (x + 150, y + 4), 0, -1)
    return page


def test_faint_staff_lines_set_the_angle_not_the_darkest_beams() -> None:
    page = _faint_page_with_dark_beams(0.6)
    # the darkest-pixel threshold keeps only the level beams: no rotation found
    assert abs(estimate_skew(page)) < 0.1
    # a percentile of the long ink's darkness lets the faint lines vote
    assert abs(estimate_skew(page, ink_percentile=90.0) - 0.6) <= 0.06
