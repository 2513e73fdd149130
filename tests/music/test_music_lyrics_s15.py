"""Session 15: the lyric reader's ink threshold on faded (low-contrast) scans. Fails without its change."""

from __future__ import annotations

import numpy as np

from frontline.music.lyrics import LyricsConfig, ink_pieces, ink_threshold


def _faded_line(ink: int, hyphen: int) -> np.ndarray:
    """A page of paper grey 225 whose first 20 rows hold a text line: two word blocks of grey `ink` and
    between them a thin hyphen of grey `hyphen` (a blurred 2-px stroke keeps little of its darkness)."""
    page = np.full((200, 120), 225, np.uint8)
    page[3:17, 5:45] = ink
    page[3:17, 70:110] = ink
    page[9:11, 52:62] = hyphen
    return page


def test_a_faded_page_keeps_its_thin_hyphens() -> None:
    # degraded dev pages: with the darkest ink at grey 40-70, blurred hyphens were lighter than 128 and
    # lost, so every split word lost its syllabic ("be-" read "be"), and thin letters broke apart
    cfg = LyricsConfig()
    page = _faded_line(60, 150)
    threshold = ink_threshold(page, cfg)
    assert 160 <= threshold <= 185
    kinds = [p.kind for p in ink_pieces(page[:20] < threshold, cfg)]
    assert kinds == ["word", "hyphen", "word"]
    assert [p.kind for p in ink_pieces(page[:20] < 128, cfg)] == ["word", "word"]  # the old fixed threshold


def test_a_page_with_black_ink_keeps_the_fixed_threshold() -> None:
    page = _faded_line(0, 0)
    assert ink_threshold(page, LyricsConfig()) == 128
    assert ink_threshold(_faded_line(60, 150), LyricsConfig(faded_ink=0)) == 128
