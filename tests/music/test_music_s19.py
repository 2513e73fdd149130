"""Session 19: where a hairpin stops, and the dynamics letters' drawings made from ink masks."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np


def _hairpin_stops(past_head: float | None) -> list[Fraction]:
    """Onsets of the hairpin stops read in measures 2-4 of a one-part score (engraved by the data engine,
    read from its annotations): a crescendo from the first of four quarter notes that stops at the
    measure's end (2), at its last note (3), at its third note (4)."""
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.records import Glyph
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import engrave_musicxml_page

    def notes(steps: str) -> str:
        return "".join(
            f"<note><pitch><step>{s}</step><octave>5</octave></pitch><duration>1</duration><type>quarter</type></note>"
            for s in steps
        )

    def wedge(kind: str) -> str:
        return f'<direction placement="below"><direction-type><wedge type="{kind}"/></direction-type></direction>'

    bodies = [
        wedge("crescendo") + notes("EDCB") + wedge("stop"),
        wedge("crescendo") + notes("EDC") + wedge("stop") + notes("B"),
        wedge("crescendo") + notes("ED") + wedge("stop") + notes("CB"),
    ]
    measures = (
        '<measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type>'
        f"</time><clef><sign>G</sign><line>2</line></clef></attributes>{notes('CDEF')}</measure>"
    )
    measures += "".join(f'<measure number="{i + 2}">{b}</measure>' for i, b in enumerate(bodies))
    xml = (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name/>'
        f'</score-part></part-list><part id="P1">{measures}</part></score-partwise>'
    )
    page = engrave_musicxml_page(
        xml,
        EngraveOptions(font="Leland", unit=9.0, spacing_linear=0.25, spacing_non_linear=0.46, header="none"),
        150,
    )
    assert isinstance(page, tuple)
    _, ann, image = page
    glyphs = [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(ann.annotations)]
    assert sum(g.class_name == "dynamicCrescendoHairpin" for g in glyphs) == 3
    cfg = replace(AssembleConfig(), hairpin_past_head=past_head)
    score = assemble_pages([(glyphs, image)], cfg).score
    return [
        d.onset_q
        for m in score.parts[0].measures
        for d in m.directions
        if d.kind == "wedge" and d.value == "stop"
    ]


def test_a_hairpin_drawn_past_the_last_note_runs_to_the_measure_end() -> None:
    # Verovio ends a hairpin that stops at a note at the note's left edge, and one that runs to the
    # measure's end a little past the last note's centre: within a space of it
    assert _hairpin_stops(-0.15) == [Fraction(4), Fraction(3), Fraction(2)]
    assert _hairpin_stops(None)[0] == Fraction(3)  # read as stopping at the last note, as before


def test_dynamics_drawings_are_ink_masks_of_the_letters() -> None:
    from frontline.music.assemble import dynamics

    drawings, stacks = dynamics._stacks(dynamics.WORDS, True)
    assert {w for w, _, _ in drawings} == set(dynamics.WORDS)
    for word, shape, k in drawings[:40]:
        d = stacks[shape][k]
        assert d.shape == shape and d.dtype == np.float32
        assert 0.0 <= d.min() and d.max() <= 1.0 and d.max() == 1.0  # coverage fractions, some full
    # the letters side by side: "pp" is about twice as wide as "p", at the same height
    widths = {w: [s[1] for ww, s, _ in drawings if ww == w] for w in ("p", "pp")}
    assert np.mean(widths["pp"]) > 1.5 * np.mean(widths["p"])
    for word in ("mf", "sfz", "pp"):
        assert dynamics.match_dynamic_word(_word_crop(dynamics, word)) == word


def _word_crop(dynamics: object, word: str) -> np.ndarray:
    """A grey crop of `word` as one font draws it letter by letter, twice the compared height."""
    d = dynamics._drawing(word, "Bravura")  # type: ignore[attr-defined]
    grey = (255.0 * (1.0 - np.repeat(np.repeat(d, 2, axis=0), 2, axis=1))).astype(np.uint8)
    return np.pad(grey, 6, constant_values=255)
