"""Session 12: degraded pages in detector mode. A faint stem whose darker end, beside its beam, is all
the Otsu mask keeps (`LineConfig.stem_ridge_cover`); stems followed 3 spaces to their head
(`LineConfig.stem_follow`).
Synthetic normalised pages, 10 px per staff space."""

from __future__ import annotations

import numpy as np
from line_pages import draw_head, found_stems

from frontline.music.lines import LineConfig


def test_a_faint_stem_whose_beam_end_alone_is_dark_is_one_stem_to_its_head() -> None:
    img = np.full((140, 220), 250, np.uint8)
    img[120:130, 170:210] = 0  # the page's darkest ink
    head = draw_head(img, 107.0, 18.0)
    img[18:62, 100:102] = 180  # a faint stem from the head down ...
    img[62:86, 100:102] = 0  # ... whose last 2.4 spaces, by the beam, the Otsu mask keeps
    img[79:86, 100:160] = 0  # the beam
    assert found_stems(img, LineConfig(stem_ridge_cover=0.0), [head]) == []
    found = found_stems(img, LineConfig(), [head])
    assert len(found) == 1
    x0, y0, x1, y1 = found[0]
    assert (x0, x1) == (100.0, 102.0)
    assert y0 <= 23.0 and y1 >= 84.0  # from the head to the beam


def test_a_stem_the_otsu_mask_keeps_whole_is_found_once() -> None:
    img = np.full((140, 220), 250, np.uint8)
    img[120:130, 170:210] = 0
    head = draw_head(img, 107.0, 18.0)
    img[18:86, 100:102] = 0
    img[79:86, 100:160] = 0
    assert found_stems(img, LineConfig(), [head]) == found_stems(
        img, LineConfig(stem_ridge_cover=0.0), [head]
    )
    assert len(found_stems(img, LineConfig(), [head])) == 1


def test_a_stem_faded_for_almost_three_spaces_above_its_head_is_followed_into_it() -> None:
    # 4 spaces of dark stem, then 3.2 faint spaces down into the head, drifting a pixel every 8 rows
    # (too short in any one column for the faint-stem ridge runs)
    img = np.full((140, 220), 250, np.uint8)
    img[120:130, 170:210] = 0
    img[20:60, 100] = 0
    for y in range(60, 92):
        img[y, 101 + (y - 60) // 8] = 150
    head = draw_head(img, 108.0, 93.0)
    assert found_stems(img, LineConfig(stem_follow=2.0), [head]) == []
    found = found_stems(img, LineConfig(), [head])
    assert len(found) == 1
    assert found[0][1] == 20.0 and found[0][3] >= 90.0


def test_a_faint_stem_is_found_whole_when_its_dark_end_covers_over_half_of_it() -> None:
    img = np.full((140, 220), 250, np.uint8)
    img[120:130, 170:210] = 0
    head = draw_head(img, 107.0, 20.0)
    img[20:53, 100:102] = 180  # 3.3 faint spaces from the head (past `stem_follow`) ...
    img[53:95, 100:102] = 0  # ... and 4.2 dark ones by the beam: over half of the ridge run
    img[88:95, 100:160] = 0
    assert found_stems(img, LineConfig(stem_ridge_cover=0.5), [head]) == []
    found = found_stems(img, LineConfig(), [head])
    assert len(found) == 1 and found[0][1] <= 22.0 and found[0][3] >= 93.0
