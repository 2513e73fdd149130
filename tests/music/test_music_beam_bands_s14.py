"""Session 14: blurred beams merged into one band of ink are read beam by beam (`LineConfig.beam_levels`,
`beam_level_run`).
Synthetic normalised pages, 10 px per staff space."""

from __future__ import annotations

import numpy as np
from line_pages import SP

from frontline.music.lines import LineConfig, find_lines_normalized


def _beams(img: np.ndarray, cfg: LineConfig) -> list[tuple[float, ...]]:
    segs = find_lines_normalized(img, SP, cfg, [])
    return sorted(
        tuple(float(v) for v in b) for c, b in zip(segs.classes, segs.boxes, strict=True) if c == "beam"
    )


def _page() -> np.ndarray:
    return np.full((120, 200), 250, np.uint8)


def test_a_double_beam_merged_into_one_band_is_two_beams() -> None:
    img = _page()
    img[40:53, 40:120] = 0  # two beams and the gap between them, blurred into one 1.3-space band
    assert _beams(img, LineConfig(beam_levels=0.0)) == []  # too thick for one beam: dropped
    found = _beams(img, LineConfig())
    assert len(found) == 2
    (a0, ay0, a1, ay1), (b0, by0, b1, by1) = found
    assert (a0, a1) == (b0, b1)
    assert abs(a0 - 40.0) <= 1 and abs(a1 - 120.0) <= 1
    assert abs(ay0 - 40.0) <= 1 and abs(by1 - 53.0) <= 1
    assert abs(ay1 - by0) < 1 and abs(by0 - 46.5) <= 1  # upper and lower half


def test_sixteenths_paired_under_an_eighth_beam_give_one_long_and_two_short_beams_with_the_run_rule() -> None:
    img = _page()
    img[40:46, 30:130] = 0  # the eighth beam over the whole group
    img[46:53, 30:60] = 0  # the second beam of the first pair ...
    img[46:53, 100:130] = 0  # ... and of the second, merged with the first beam by blur
    assert _beams(img, LineConfig()) == []  # by default left to the assembly's stroke count
    found = _beams(img, LineConfig(beam_level_run=1.3))
    assert len(found) == 3
    xs = sorted((b[0], b[2]) for b in found)
    for (x0, x1), (e0, e1) in zip(xs, [(30, 60), (30, 130), (100, 130)], strict=True):
        assert abs(x0 - e0) <= 1 and abs(x1 - e1) <= 1


def test_a_single_beam_is_still_one_beam() -> None:
    img = _page()
    img[40:46, 40:120] = 0
    assert _beams(img, LineConfig()) == _beams(img, LineConfig(beam_levels=0.0))
    assert len(_beams(img, LineConfig())) == 1
