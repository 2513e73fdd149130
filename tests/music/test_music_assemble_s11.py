"""Session 11: the assembly's own errors on the development pages (oracle and detector mode), found by
breaking OMR-NED down by musicdiff edit kind (dev caches out/scan11/A and D; never the benchmark's pages).
Each test fails without its change."""

from __future__ import annotations

from fractions import Fraction
from fractions import Fraction as F

import numpy as np
from assembly_glyphs import grand_staff, header, note

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.assemble.dynamics import _drawing, dynamic_match, match_dynamic_word
from frontline.music.assemble.repair import RhythmItem, repair_voice
from frontline.music.records import Glyph, Note


def _grand_staff_triplet() -> list[Glyph]:
    """A grand staff (treble staves, tops 100 and 220) in 2/4: a half note (stem up) on the upper staff,
    three quarters (stems up) on the lower one under a bracketed 3 that stands between the staves, a
    little nearer the upper staff's lines (as a piano dev page draws a lower-staff triplet)."""
    glyphs = grand_staff("2", "4", 300)
    glyphs += note(100, 125, True, 30, head="noteheadHalf")
    for k, x in enumerate((100, 160, 220)):
        glyphs += note(x, 245, True, 40 + 2 * k)
    glyphs += [
        Glyph("tupletBracket", (98, 172, 234, 180), 1.0, 50),
        Glyph("tuplet3", (161, 170, 171, 182), 1.0, 51),
    ]
    return glyphs


def _staff_notes(cfg: AssembleConfig, staff: int) -> list[Note]:
    part = assemble_pages([(_grand_staff_triplet(), None)], cfg).score.parts[0]
    return sorted((n for n in part.measures[0].notes() if n.staff == staff), key=lambda n: n.onset_q)


def test_a_tuplet_between_staves_marks_the_staff_whose_notes_reach_it() -> None:
    # piano dev page: a triplet bracket over the lower staff's up-stems, nearer the upper staff's
    # lines, made the upper staff's half note a triplet (both staves' measures wrong, 90 edits)
    cfg = AssembleConfig(repair=False)
    lower = _staff_notes(cfg, 2)
    assert [n.tuplet for n in lower] == [(3, 2)] * 3
    assert [n.onset_q for n in lower] == [F(0), F(2, 3), F(4, 3)]
    assert [n.tuplet for n in _staff_notes(cfg, 1)] == [None]
    off = AssembleConfig(repair=False, tuplet_between_staves=False)
    assert [n.tuplet for n in _staff_notes(off, 1)] == [(3, 2)]
    assert [n.tuplet for n in _staff_notes(off, 2)] == [None] * 3


def _two_voice_triplets() -> list[Glyph]:
    """One treble staff in 2/4, two voices of three quarters each at the same x (upper stems up, lower
    stems down), one bracket above the staff and two 3s drawn at one place over it."""
    glyphs = header("2", "4")
    for k, x in enumerate((100, 160, 220)):
        glyphs += note(x, 105, True, 20 + 2 * k)
        glyphs += note(x, 135, False, 30 + 2 * k)
    glyphs += [
        Glyph("tupletBracket", (98, 52, 234, 60), 1.0, 40),
        Glyph("tuplet3", (161, 50, 171, 62), 1.0, 41),
        Glyph("tuplet3", (161, 50, 171, 62), 1.0, 42),
        Glyph("barline", (300, 100, 301, 140), 1.0, 43),
    ]
    return glyphs


def test_a_second_tuplet_number_at_one_place_marks_the_other_voice() -> None:
    # piano dev pages (P-0, P-7): both voices of a staff in triplets, their two 3s engraved on top of each
    # other: both numbers marked the upper voice and the lower one stayed plain (24 edits a page)
    def tuplets(cfg: AssembleConfig) -> dict[int, list[tuple[int, int] | None]]:
        m = assemble_pages([(_two_voice_triplets(), None)], cfg).score.parts[0].measures[0]
        out: dict[int, list[tuple[int, int] | None]] = {}
        for n in sorted(m.notes(), key=lambda n: n.onset_q):
            out.setdefault(n.voice, []).append(n.tuplet)
        return out

    on = tuplets(AssembleConfig(repair=False))
    assert len(on) == 2 and all(v == [(3, 2)] * 3 for v in on.values())
    off = tuplets(AssembleConfig(repair=False, tuplet_second_mark=False))
    assert sorted(off.values(), key=str) == [[(3, 2)] * 3, [None] * 3]


def _word_image(word: str, font: str, height: int) -> np.ndarray:
    """A white crop with a dynamics word drawn in black from a font's letters, `height` pixels tall."""
    t = _drawing(word, font)
    assert t is not None
    w = max(2, int(round(height * t.shape[1] / t.shape[0])))
    ys = np.minimum((np.arange(height) * t.shape[0] / height).astype(int), t.shape[0] - 1)
    xs = np.minimum((np.arange(w) * t.shape[1] / w).astype(int), t.shape[1] - 1)
    img = np.full((height + 6, w + 6), 255, np.uint8)
    img[3:-3, 3:-3] = np.where(t[ys][:, xs] >= 0.5, 0, 255)
    return img


def test_dynamics_words_are_read_against_the_fonts() -> None:
    # the pixel rules read fp as mf, pppp as ppp and pp as fff on dev pages; the font match reads words
    # drawn in another font than the one they are matched first against, at a detector's crop size
    for word, font in (("fp", "Bravura"), ("pppp", "Leipzig"), ("pp", "Gootville"), ("sfz", "Leland")):
        assert match_dynamic_word(_word_image(word, font, 18)) == word
    # a crop with no word in it (upright strokes, like text the detector took for dynamics) scores low
    box = np.full((20, 40), 255, np.uint8)
    for x in range(4, 36, 8):
        box[3:17, x : x + 2] = 0
    assert dynamic_match(box)[1] < 0.3 and match_dynamic_word(box, 0.3) == ""


def test_the_shipped_letter_rasters_are_the_installed_fonts_drawn() -> None:
    # the rasters spare each process the cairosvg drawing (0.3-0.5 s); they must be what it would draw
    from frontline.music.assemble import dynamics

    for font in ("Leipzig", "Bravura", "Gootville", "Leland", "Petaluma"):
        letters = dynamics._letters(font)
        shipped = dynamics._shipped_raster(font, letters)
        assert shipped is not None, f"{font}: rasters out of date; run dynamics.write_letter_rasters()"
        assert np.array_equal(shipped, dynamics._raster(letters))
    # other outlines (another Verovio's fonts) are drawn, not taken from the shipped file
    letters = dict(dynamics._letters("Bravura"))
    letters["p"] = (letters["p"][0], letters["p"][1] + 1.0)
    assert dynamics._shipped_raster("Bravura", letters) is None


def test_the_assembly_names_a_dynamics_glyph_by_the_font_match() -> None:
    # a combined dynamics glyph ("dynamicText") under a note, drawn on the page image as "fp"
    glyphs = header("4", "4") + note(100, 120, True, 10, head="noteheadWhole")[:1]
    glyphs += [Glyph("barline", (300, 100, 301, 140), 1.0, 12)]
    image = np.full((240, 640), 255, np.uint8)
    for k in range(5):
        image[100 + 10 * k, 20:600] = 0
    word = _word_image("fp", "Leipzig", 16)
    image[150 : 150 + word.shape[0], 95 : 95 + word.shape[1]] = word
    glyphs += [Glyph("dynamicText", (95, 150, 95 + word.shape[1], 150 + word.shape[0]), 1.0, 13)]

    def words(cfg: AssembleConfig) -> list[str]:
        m = assemble_pages([(glyphs, image)], cfg).score.parts[0].measures[0]
        return [d.value for d in m.directions if d.kind == "dynamic"]

    assert words(AssembleConfig()) == ["fp"]
    assert words(AssembleConfig(dynamic_fonts=False)) != ["fp"]


def test_the_repair_drops_a_figured_bass_read_as_tuplets() -> None:
    # piano dev page (P-5, detector mode): a figured bass's "3" and "6" under two beamed groups of four
    # eighths were read as tuplet numbers (the 3 over three of the four); dropping either alone leaves the
    # 4/4 measure short, both together fill it
    e = Fraction(1, 2)
    items = [RhythmItem(e, 0, beamable=True, beam_group=0)]
    items += [RhythmItem(e, 0, Fraction(2, 3), True, 0) for _ in range(3)]
    items += [RhythmItem(e, 0, Fraction(2, 3), True, 1) for _ in range(4)]
    fix = repair_voice(items, Fraction(4), drop_tuplets=True)
    assert fix.fits and fix.edit == "drop tuplets on events 2-8"
    assert all(it.scale == 1 for it in fix.items)
    assert not repair_voice(items, Fraction(4)).fits
    # one tuplet only: the single-tuplet tier's business, not this one's
    one = [RhythmItem(e, 0, beamable=True, beam_group=0) for _ in range(5)]
    one += [RhythmItem(e, 0, Fraction(2, 3), True, 1) for _ in range(3)]
    assert repair_voice(one, Fraction(4), drop_tuplets=True).edit.startswith("drop tuplet on")


def _volta_page(thickness: int) -> tuple[list[Glyph], np.ndarray]:
    """Detected glyphs and page of two 2/4 measures (barlines at 300 and 560) with a line `thickness`
    pixels thick 2.5 spaces above the staff over the second measure, a hook down from its left end."""
    from assembly_glyphs import detected_header, detected_note

    img = np.full((300, 600), 255, np.uint8)
    for y in (100, 110, 120, 130, 140):
        img[y, 20:580] = 0
    for x in (300, 560):
        img[100:141, x] = 0
    img[75 : 75 + thickness, 302:555] = 0
    img[75:92, 302] = 0
    glyphs = detected_header("2", "4")
    for k, x in enumerate((150, 220, 350, 420)):
        glyphs += detected_note(x, 120, True, 10 + 2 * k)
    glyphs += [
        Glyph("barline", (300, 100, 301, 140), 1.0, 30),
        Glyph("barline", (560, 100, 561, 140), 1.0, 31),
    ]
    return glyphs, img


def test_an_ending_bracket_is_read_from_the_ink() -> None:
    # detector dev pages (C-10, C-13, R-1, R-11, ...): the detector has no class for endings, so every
    # first and second ending was lost (90 edits on the clean dev set)
    glyphs, img = _volta_page(1)
    ms = assemble_pages([(glyphs, img)]).score.parts[0].measures
    assert [m.ending is not None for m in ms] == [False, True]
    assert ms[1].ending is not None and ms[1].ending[0] == "1"
    off = assemble_pages([(glyphs, img)], AssembleConfig(ink_endings=False)).score.parts[0].measures
    assert [m.ending for m in off] == [None, None]
    # a thick line (a beam above the staff) is no ending
    glyphs, img = _volta_page(5)
    assert [m.ending for m in assemble_pages([(glyphs, img)]).score.parts[0].measures] == [None, None]


def test_a_short_measure_under_a_fermata_keeps_its_notes() -> None:
    # detector dev page (C-20, a chorale): a phrase-end measure of 4/4 holds a half note under a
    # fermata and a quarter rest (three beats, as printed); the repair added a dot to the half note in
    # every part (a wrong duration and a shifted rest per part)
    from assembly_glyphs import detected_header, detected_note

    glyphs = detected_header("4", "4")
    for k, x in enumerate((80, 110, 140, 170)):  # a full measure before and after
        glyphs += detected_note(x, 125, True, 40 + 2 * k) + detected_note(x + 300, 125, True, 50 + 2 * k)
    glyphs += [Glyph("noteheadHalfInSpace", (220, 120, 232, 130), 0.9, 10)]
    glyphs += [Glyph("stem", (231, 90, 232, 125), 1.0, 11)]
    glyphs += [
        Glyph("fermataAbove", (218, 78, 236, 88), 0.9, 12),
        Glyph("restQuarter", (260, 108, 270, 132), 0.9, 13),
        Glyph("barline", (200, 100, 201, 140), 1.0, 14),
        Glyph("barline", (360, 100, 361, 140), 1.0, 15),
        Glyph("barline", (490, 100, 491, 140), 1.0, 16),
    ]

    def half(cfg: AssembleConfig) -> tuple[int, F]:
        m = assemble_pages([(glyphs, None)], cfg).score.parts[0].measures[1]
        n = next(iter(m.notes()))
        return n.dots, n.duration_q

    assert half(AssembleConfig()) == (0, F(2))
    assert half(AssembleConfig(fermata_short=False)) == (1, F(3))


def test_a_beam_over_a_rest_joins_its_notes() -> None:
    # detector dev pages (R-1, ...): the detector has no beam class, beams are read in the ink between
    # neighbouring stems up to 8 spaces apart; an eighth, an eighth rest and an eighth under one beam
    # (12 spaces from stem to stem) came out as two flagged eighths
    from assembly_glyphs import detected_header, detected_note

    img = np.full((300, 600), 255, np.uint8)
    for y in (100, 110, 120, 130, 140):
        img[y, 20:580] = 0
    img[100:141, 400] = 0
    glyphs = detected_header("3", "8")
    for k, x in enumerate((100, 220)):
        glyphs += detected_note(x, 125, True, 10 + 2 * k)
        img[120:131, x : x + 12] = 0
        img[90:126, x + 11 : x + 13] = 0
    img[90:95, 111:233] = 0  # the beam from stem top to stem top
    glyphs += [
        Glyph("rest8th", (160, 112, 170, 128), 0.9, 20),
        Glyph("barline", (400, 100, 401, 140), 1.0, 21),
    ]

    def beams(cfg: AssembleConfig) -> list[tuple[str, ...]]:
        m = assemble_pages([(glyphs, img)], cfg).score.parts[0].measures[0]
        return [n.beams for n in sorted(m.notes(), key=lambda n: n.onset_q)]

    assert beams(AssembleConfig()) == [("begin",), ("end",)]
    assert beams(AssembleConfig(links_over_rests=False)) == [(), ()]


def test_a_hairpin_is_read_from_the_ink() -> None:
    # detector dev pages: the detector has no class for hairpins, so every crescendo and diminuendo
    # wedge was lost (52 edits on the clean dev set)
    from assembly_glyphs import detected_header, detected_note

    img = np.full((300, 600), 255, np.uint8)
    for y in (100, 110, 120, 130, 140):
        img[y, 20:580] = 0
    glyphs = detected_header("4", "4")
    for k, x in enumerate((100, 160, 220, 280)):
        glyphs += detected_note(x, 125, True, 10 + 2 * k)
    glyphs += [Glyph("barline", (340, 100, 341, 140), 1.0, 30)]
    for x in range(100, 261):  # two lines opening from a point at x 100 to 12 px apart at x 260
        half = 6 * (x - 100) / 160
        img[int(round(165 - half)), x] = 0
        img[int(round(165 + half)), x] = 0

    def wedges(cfg: AssembleConfig) -> list[str]:
        m = assemble_pages([(glyphs, img)], cfg).score.parts[0].measures[0]
        return [d.value for d in m.directions if d.kind == "wedge"]

    assert wedges(AssembleConfig()) == ["crescendo", "stop"]
    assert wedges(AssembleConfig(ink_hairpins=False)) == []
