"""Session 13: what quartet-like development pages (non-reserved chorales re-voiced for strings, engraved by
the data engine from music21-written MusicXML) showed in the oracle's output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from assembly_glyphs import header, note

from frontline.music.assemble import assemble_pages
from frontline.music.lyrics import LyricsConfig
from frontline.music.records import Staff
from frontline.music.synth.generate import GenerateConfig, random_score, score_to_musicxml
from frontline.music.words import WordsConfig, phrases, read_phrases

CFG = WordsConfig()


def test_two_directions_set_at_different_heights_are_both_found() -> None:
    # Verovio set "decresc." a little above "poco a poco cresc." under one staff: the rows of the two
    # overlap into one run of ink taller than a text line, and neither was read
    page = np.full((300, 620), 255, np.uint8)
    staff = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)
    for ly in staff.line_ys:
        page[int(ly), 20:600] = 0
    page[150:164, 100:200] = 0  # the higher phrase
    page[164:178, 300:420] = 0  # the lower one, 14 rows down: together 28 rows, over 2.6 spaces
    got = sorted((p[0], p[2], p[5]) for p in phrases(page, page, [staff], CFG))
    assert got == [(100, 200, "below"), (300, 420, "below")]
    assert phrases(page, page, [staff], replace(CFG, split_columns=False)) == []


def test_the_generator_writes_endings_as_music21_does() -> None:
    # music21 writes an ending's number alone, and musicdiff reads text "1." and number "1" apart; Verovio
    # draws "1." either way
    for seed in range(13000, 13200):
        score = random_score(np.random.default_rng(seed), GenerateConfig(rare_boost=3.0))
        xml = score_to_musicxml(score, 0, score.n_measures)
        if "<ending" in xml:
            break
    assert '<ending number="1" type="start"/>' in xml
    assert "1.</ending>" not in xml


def test_a_direction_between_two_parts_goes_to_the_staff_whose_ink_comes_closer() -> None:
    # Verovio set "sotto voce" a margin below the violin's low notes, nearer the viola's staff lines than
    # the violin's: by staff lines it went to the viola
    page = np.full((400, 620), 255, np.uint8)
    upper = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)
    lower = Staff(1, (250.0, 260.0, 270.0, 280.0, 290.0), 20.0, 600.0)
    for st in (upper, lower):
        for ly in st.line_ys:
            page[int(ly), 20:600] = 0
    page[150:190, 110:122] = 0  # the upper staff's low notes (ledger lines, heads), over the text's columns
    page[200:214, 100:160] = 0  # the text: 60 rows under the upper staff, 36 over the lower one
    one_system = frozenset({(0, 1)})
    got = [(p[4], p[5]) for p in phrases(page, page, [upper, lower], CFG, frozenset(), one_system)]
    assert got == [(0, "below")]
    off = replace(CFG, owner_by_clearance=False)
    assert [(p[4], p[5]) for p in phrases(page, page, [upper, lower], off, frozenset(), one_system)] == [
        (1, "above")
    ]
    # staves of two systems (or of one part): the staff lines decide
    assert [(p[4], p[5]) for p in phrases(page, page, [upper, lower], CFG)] == [(1, "above")]
    # with nothing of the upper staff in its columns the text goes to the lower staff
    page[150:190, 110:122] = 255
    got = [(p[4], p[5]) for p in phrases(page, page, [upper, lower], CFG, frozenset(), one_system)]
    assert got == [(1, "above")]


def test_dynamics_marks_read_with_a_direction_are_left_out_of_it() -> None:
    # a combined dynamics glyph is not masked (the detector names letters of words so): "pp" set just
    # left of "calando" joined its phrase, and a row of marks read "mpfp" was kept as a direction
    glyphs = header("4", "4") + [x for k in range(4) for x in note(100 + 60 * k, 125, True, 10 + 2 * k)]
    page = np.full((300, 620), 255, np.uint8)
    for ly in range(100, 141, 10):
        page[ly, 20:600] = 0
    page[70:84, 100:120] = 0  # "pp"
    page[70:84, 126:190] = 0  # "calando", a word gap further: one phrase
    page[70:84, 400:440] = 0  # "mpfp", a phrase of its own

    def reader(strips: Sequence[np.ndarray], cfg: LyricsConfig) -> list[list[tuple[str, float, float]]]:
        pad = 4  # the strip's left margin for a 14 px line
        first = [(c, pad + 10.0 * i, 0.99) for i, c in enumerate("pp")]
        first += [(c, pad + 26 + 9.0 * i, 0.99) for i, c in enumerate("calando")]
        return [first, [(c, pad + 10.0 * i, 0.99) for i, c in enumerate("mpfp")]]

    assembly = assemble_pages([(glyphs, page)])
    got = [(p.text, p.x0) for p in read_phrases(assembly, [page], CFG, reader)[0]]
    assert got == [("calando", 126)]
    off = [p.text for p in read_phrases(assembly, [page], replace(CFG, strip_dynamics=False), reader)[0]]
    assert off == ["pp calando", "mpfp"]


def test_a_space_read_inside_a_lexicon_word_is_taken_out() -> None:
    # a wide gap between two letters of "cresc." was read as a space, and the phrase dropped for its
    # one-letter word
    from frontline.music.words import lexicon_text

    assert lexicon_text("poco a poco c resc.") == "poco a poco cresc."
    assert lexicon_text("poco a poco cr esc.") == "poco a poco cresc."
    assert lexicon_text("poco a poco c resc.", join=False) is None
    assert lexicon_text("sempre p") is None


def test_a_direction_far_below_its_staff_is_found() -> None:
    # under a cello's low notes Verovio set "espressivo" over 5 spaces below the staff: never read
    page = np.full((300, 620), 255, np.uint8)
    staff = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)
    for ly in staff.line_ys:
        page[int(ly), 20:600] = 0
    page[200:214, 100:200] = 0  # 6 to 7.4 spaces below the bottom line
    assert [(p[0], p[5]) for p in phrases(page, page, [staff], CFG)] == [(100, "below")]
    assert phrases(page, page, [staff], replace(CFG, below_spaces=5.0)) == []
