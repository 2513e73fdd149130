"""Assembly rules and speed-ups of session 4, found on the development pages (data-engine seeds 96000+,
97000+ and 99000+; never the benchmark's): each test fails without its change."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from frontline.music.assemble import assemble_pages
from frontline.music.assemble.pixels import darkness, ink_mask
from frontline.music.assemble.staves import find_barlines, find_staves
from frontline.music.assemble.voices import VoiceSlot, split_voices
from frontline.music.records import Glyph, Note

SPACE = 10.0


def _staff(top: float, gid: int, x1: float = 500.0) -> Glyph:
    return Glyph("staff", (20.0, top - 0.6, x1, top + 4 * SPACE + 0.6), 1.0, gid)


def test_two_measures_worth_that_splits_by_stem_into_two_full_voices_is_two_voices() -> None:
    # 2/4, annotated: a sixteenth (stem down) just before a half note (stem up), then the lower voice's
    # rests below the staff and an eighth: 4 quarters in all, 2 in each voice by stem direction
    slots = [
        VoiceSlot(100, "down", 2, F(1, 4)),
        VoiceSlot(116, "up", 2, F(2)),
        VoiceSlot(131, "", -2, F(1, 4), is_rest=True),
        VoiceSlot(149, "", -2, F(1, 2), is_rest=True),
        VoiceSlot(181, "", -2, F(1, 2), is_rest=True),
        VoiceSlot(215, "down", 2, F(1, 2)),
    ]
    assert split_voices(slots, F(2), 8.0, split_on_overflow=True) == [2, 1, 2, 2, 2, 2]
    # two measures' worth whose stem split does not fill both voices stays one voice (a missed barline)
    uneven = [VoiceSlot(80, "down", 2, F(1, 4)), *slots[1:5], VoiceSlot(215, "down", 2, F(1))]
    uneven[1] = VoiceSlot(116, "up", 2, F(3, 2))
    assert split_voices(uneven, F(2), 8.0, split_on_overflow=True) == [1] * 6


def test_a_tuplet_number_over_as_many_events_takes_them_all_whatever_their_stems() -> None:
    # 4/4: a triplet of quarters whose first stem points up and the others down (bracket below the
    # staff), then a half note: each triplet quarter lasts 2/3
    glyphs = [_staff(100, 0), Glyph("clefG", (25, 90, 40, 150), 1.0, 1)]
    glyphs += [Glyph("timeSig4", (50, 100, 60, 120), 1.0, 2), Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3)]
    gid = 10
    for x, y, up in ((100, 125, True), (140, 95, False), (180, 100, False)):
        glyphs.append(Glyph("noteheadBlackOnLine", (x, y, x + 12, y + 10), 1.0, gid))
        stem = (x + 11, y - 30, x + 12, y + 5) if up else (x, y + 5, x + 1, y + 40)
        glyphs.append(Glyph("stem", stem, 1.0, gid + 1))
        gid += 2
    glyphs.append(Glyph("tupletBracket", (100, 150, 192, 158), 1.0, gid))
    glyphs.append(Glyph("tuplet3", (140, 152, 150, 166), 1.0, gid + 1))
    glyphs.append(Glyph("noteheadHalfOnLine", (240, 115, 252, 125), 1.0, gid + 2))
    glyphs.append(Glyph("stem", (251, 85, 252, 120), 1.0, gid + 3))
    glyphs.append(Glyph("barline", (290, 100, 291, 140), 1.0, gid + 4))
    m = assemble_pages([(glyphs, None)]).score.parts[0].measures[0]
    notes = sorted((e for e in m.events if isinstance(e, Note)), key=lambda n: n.onset_q)
    assert [n.duration_q for n in notes] == [F(2, 3)] * 3 + [F(2)]
    assert [n.onset_q for n in notes] == [0, F(2, 3), F(4, 3), 2]
    assert not m.flagged


def _page() -> np.ndarray:
    img = np.full((300, 400), 250, np.uint8)
    for top in (50, 170):
        for k in range(5):
            img[top + 10 * k, 20:380] = 30
        img[top : top + 41, 200] = 30  # a barline
        img[top + 12 : top + 18, 120:132] = 20  # a notehead
    return img


def test_pixel_helpers_give_the_same_results_with_a_shared_ink_mask_and_uint8_darkness() -> None:
    img = _page()
    paper = float(np.median(img))
    dark = darkness(img, paper)
    assert dark.dtype == np.uint8
    assert np.array_equal(dark.astype(np.float32), np.clip(paper - img.astype(np.float32), 0, 255))
    # a paper level between two grey values keeps the float path
    odd = np.concatenate([img, np.full((1, 400), 251, np.uint8)])
    assert darkness(odd, 250.5).dtype == np.float32
    staves = find_staves(img)
    assert [round(s.staff_space_px) for s in staves] == [10, 10]
    found = find_barlines(img, staves, [])
    assert found == find_barlines(img, staves, [], ink_mask(img)) and len(found) == 2
