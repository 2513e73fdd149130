"""Session 7: degraded pages. The line finder (faint staff lines, a line above the staff, staff starts
cut off by the clef and key; synthetic normalised pages, 10 px per staff space) and the deskew search
(faint staff lines instead of the all-ink fallback)."""

from __future__ import annotations

import cv2
import numpy as np
from line_pages import SP, found_staves

from frontline.music.detect import DetectConfig
from frontline.music.lines import LineConfig, _extend_staves, _staves, find_lines_normalized
from frontline.music.normalize import NormalizeConfig, _binarize, _estimate_skew, _staff_line_mask, row_ridges


def _page(
    line_ys: list[int], x0: int = 20, x1: int = 380, level: int = 30, h: int = 160, w: int = 400
) -> np.ndarray:
    """White page (250) with one-pixel horizontal lines of grey `level` and a black blob (the ink range)."""
    img = np.full((h, w), 250, np.uint8)
    for y in line_ys:
        img[y, x0:x1] = level
    img[125:150, 300:330] = 10  # a dark block (notes, beams) below the staff: the page's darkest ink
    return img


def test_faint_staff_lines_found_by_row_ridge() -> None:
    # lines 25 levels darker than the paper, with noise: lighter than the quarter-way threshold
    img = _page([40, 50, 60, 70, 80], level=225).astype(np.int16)
    img += np.random.default_rng(0).normal(0, 3, img.shape).round().astype(np.int16)
    img = np.clip(img, 0, 255).astype(np.uint8)
    assert found_staves(img, LineConfig(line_ridge=0.0, staff_dotted=0.0)) == []
    boxes = found_staves(img, LineConfig(line_ridge=0.08))
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert abs(y0 - 40) <= 1.5 and abs(y1 - 81) <= 1.5
    assert x0 <= 25 and x1 >= 375


def test_line_above_the_staff_does_not_shift_it() -> None:
    lines = np.array([[100, 30, 200, 31], [20, 40, 380, 41], [20, 50, 380, 51], [20, 60, 380, 61]], float)
    lines = np.concatenate([lines, [[20, 70, 380, 71], [20, 80, 380, 81]]])
    ys = (lines[:, 1] + lines[:, 3]) / 2
    wrong = _staves(lines, SP, ys, np.ones(len(ys)))
    assert len(wrong) == 1 and wrong[0][1] < 35  # the short line above was taken as the top line
    right = _staves(lines, SP, ys, np.ones(len(ys)), shift=True)
    assert len(right) == 1 and abs(right[0][1] - 40) <= 1 and abs(right[0][3] - 81) <= 1
    # with no sixth line below nothing moves
    same = _staves(lines[1:], SP, ys[1:], np.ones(len(ys) - 1), shift=True)
    assert len(same) == 1 and abs(same[0][1] - 40) <= 1


def test_staff_box_extends_over_its_clef_and_key() -> None:
    img = _page([40, 50, 60, 70, 80], x0=40, x1=380)
    img[30:92, 50:62] = 20  # clef
    img[38:64, 75:82] = 20  # key signature sharp
    img[40:80, 0:6] = 20  # a letter of an instrument name, far left of the staff
    found = (120.0, 40.0, 380.0, 81.0)  # the line finder's box: only the unbroken part of the lines
    (x0, y0, x1, y1) = _extend_staves(img, [found], SP, 0.12)[0]
    assert 36 <= x0 <= 44  # back over the key and clef to the lines' start, not into the name
    assert x1 >= 378 and (y0, y1) == (40.0, 81.0)
    # a staff that already spans its lines stays as it is
    assert _extend_staves(img, [(40.0, 40.0, 380.0, 81.0)], SP, 0.12)[0][0] == 40.0


def test_detect_config_carries_the_line_config() -> None:
    lc = DetectConfig().line_config  # the degraded-page rules are on by default
    assert lc.line_ridge > 0 and lc.staff_shift and lc.staff_extend > 0
    assert lc.ridge_lines_in_staves and lc.ridge_fallback


def test_full_finder_on_a_faint_staff_with_clef_and_key() -> None:
    # faint lines broken by clef and key blocks: the ridge finds the unbroken part, the extension the rest
    img = _page([40, 50, 60, 70, 80], x0=28, level=200)
    img[30:92, 40:52] = 20
    img[38:64, 62:68] = 20
    img[38:64, 76:82] = 20
    on = found_staves(img, LineConfig())
    off = found_staves(img, LineConfig(line_ridge=0.0, staff_extend=0.0, staff_dotted=0.0))
    assert off == [] and len(on) == 1
    assert 25 <= on[0][0] <= 32 and on[0][2] >= 376


def _faint_rotated_page() -> np.ndarray:
    """A page at 5 px per space (the deskew search's scale): faint staff lines, dark slanted beams,
    the whole page turned by 1 degree."""
    h, w = 700, 500
    img = np.full((h, w), 250, np.uint8)
    for s in range(8):
        top = 40 + s * 80
        for k in range(5):
            img[top + k * 5, 30:470] = 215
        for b in range(4):
            x = 40 + b * 110
            pts = np.array([[x, top + 30], [x + 100, top + 22], [x + 100, top + 28], [x, top + 36]], np.int32)
            cv2.fillPoly(img, [pts], 20)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 1.0, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderValue=250)


def test_deskew_mask_keeps_faint_staff_lines() -> None:
    img = _faint_rotated_page()
    otsu = _binarize(img)
    # without ridges the faint lines are hardly in the mask (the dark beams are)
    plain = _staff_line_mask(img, 5.0, 0.0)
    assert (plain & ~otsu).sum() < 0.1 * plain.sum()
    mask = _staff_line_mask(img, 5.0, 0.08)
    assert (mask & ~otsu).sum() > 0.3 * mask.sum()
    assert abs(_estimate_skew(mask, NormalizeConfig(), np.random.default_rng(0)) + 1.0) <= 0.05
    assert NormalizeConfig().deskew_ridge > 0


def test_row_ridges_keep_one_row_per_line() -> None:
    img = np.full((60, 200), 250, np.uint8)
    img[20:23, :] = 200  # a blurred 3-row line
    img[21, :] = 180
    img[40:60, 100:130] = 10  # ink for the paper-to-ink range
    r = row_ridges(img, 10.0, 0.08)
    rows = np.flatnonzero(r[:, :90].any(axis=1))
    assert rows.tolist() == [21]


def test_ridge_lines_outside_staves_are_not_removed_as_staff_lines() -> None:
    # a row of short lines below the staff with gaps under a space: the row mean bridges them into
    # one long ridge line, which must not be removed like a staff line (the short lines stay)
    img = _page([40, 50, 60, 70, 80], level=30)
    for x in range(30, 370, 26):
        img[100, x : x + 20] = 30

    def short_lines(cfg: LineConfig) -> int:
        return find_lines_normalized(img, SP, cfg).classes.count("legerLine")

    assert short_lines(LineConfig(line_ridge=0.0)) == 14
    assert short_lines(LineConfig(ridge_fallback=False, ridge_lines_in_staves=False)) == 0
    assert short_lines(LineConfig(ridge_fallback=False, ridge_lines_in_staves=True)) == 14
    # by default the ridge staves are taken only when the ink lines give fewer staves (here: as many)
    assert short_lines(LineConfig()) == 14
