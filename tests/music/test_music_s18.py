"""Session 18: a wide dynamic dated by where Verovio sets it, and lexicon words read with the
recogniser's own probabilities (CTC), found by engraving one MusicXML feature at a time."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import pytest


def _dynamics_onsets(word: str, config_anchor: float) -> list[Fraction]:
    """Onsets of the dynamics read in measures 2-4 of a one-part score whose measures 2-4 start with
    `word` under four close quarter notes (engraved by the data engine, read from its annotations)."""
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import engrave_musicxml_page

    def notes(steps: str) -> str:
        return "".join(
            f"<note><pitch><step>{s}</step><octave>5</octave></pitch><duration>1</duration><type>quarter</type></note>"
            for s in steps
        )

    measures = (
        '<measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type>'
        f"</time><clef><sign>G</sign><line>2</line></clef></attributes>{notes('CDEF')}</measure>"
    )
    for i in (2, 3, 4):
        measures += (
            f'<measure number="{i}"><direction placement="below"><direction-type><dynamics><{word}/></dynamics>'
            f"</direction-type></direction>{notes('EDCB')}</measure>"
        )
    xml = (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name/>'
        f'</score-part></part-list><part id="P1">{measures}</part></score-partwise>'
    )
    # tight spacing, as in dense passages
    opts = EngraveOptions(
        font="Leland", unit=9.0, spacing_linear=0.25, spacing_non_linear=0.46, header="none"
    )
    page = engrave_musicxml_page(xml, opts, 150)
    assert isinstance(page, tuple)
    _, ann, image = page
    from frontline.music.records import Glyph

    glyphs = [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(ann.annotations)]
    cfg = replace(AssembleConfig(), dynamics_anchor_spaces=config_anchor)
    score = assemble_pages([(glyphs, image)], cfg).score
    return [d.onset_q for m in score.parts[0].measures for d in m.directions if d.kind == "dynamic"]


@pytest.mark.parametrize("word", ["ppp", "sfp"])
def test_a_wide_dynamic_is_dated_at_the_note_it_starts_under(word: str) -> None:
    # Verovio sets a dynamic from its note's left edge; a wide one's centre lay nearer the next note
    assert _dynamics_onsets(word, 1.0) == [Fraction(0)] * 3
    assert _dynamics_onsets(word, 0.0) != [Fraction(0)] * 3  # by the centre, as before


def _brute_force_ctc(probs: np.ndarray, labels: list[int]) -> float:
    """Sum over every path of length T that collapses (merge repeats, drop blanks) to `labels`."""
    steps, classes = probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        out: list[int] = []
        prev = -1
        for c in path:
            if c != prev and c != 0:
                out.append(c)
            prev = c
        if out == labels:
            total += float(np.prod([probs[t, c] for t, c in enumerate(path)]))
    return math.log(total) if total > 0 else float("-inf")


@pytest.mark.parametrize("labels", [[1], [1, 2], [2, 2], [1, 2, 1], [3, 3, 3]])
def test_ctc_likelihood_sums_every_alignment(labels: list[int]) -> None:
    from frontline.music.lyrics import ctc_log_likelihood

    rng = np.random.default_rng(len(labels) * 7 + labels[0])
    probs = rng.random((5, 4)) + 0.05
    probs /= probs.sum(axis=1, keepdims=True)
    want = _brute_force_ctc(probs, labels)
    got = ctc_log_likelihood(probs, labels)
    assert got == pytest.approx(want, abs=1e-9) if math.isfinite(want) else got == want


def test_ctc_likelihood_of_a_text_longer_than_the_steps_is_minus_infinity() -> None:
    from frontline.music.lyrics import ctc_log_likelihood

    probs = np.full((2, 4), 0.25)
    assert ctc_log_likelihood(probs, [1, 2, 3]) == float("-inf")
    assert ctc_log_likelihood(probs, [1, 1]) == float("-inf")  # a repeat needs a blank between


def _probs_spelling(steps: list[dict[str, float]]) -> np.ndarray:
    """A (steps, alphabet) probability matrix over the recogniser's own alphabet, each step putting the
    given mass on its characters ("" = blank) and the rest on the blank."""
    from frontline.music.lyrics import text_labels

    labels = {c: text_labels(c) for step in steps for c in step if c}
    width = max(lab[0] for lab in labels.values() if lab) + 1
    probs = np.zeros((len(steps), width), np.float32)
    for t, step in enumerate(steps):
        for c, p in step.items():
            lab = labels.get(c) if c else [0]
            assert lab is not None
            probs[t, lab[0]] += p
        probs[t, 0] += 1.0 - probs[t].sum()
    return probs


def _ocr() -> None:
    from frontline.music.lyrics import ocr_available

    if not ocr_available():
        pytest.skip("the OCR model (rapidocr_onnxruntime) is not installed")


def test_a_misread_lexicon_word_is_read_as_the_one_the_recogniser_spells_likeliest() -> None:
    # "dim." read "aim.": one letter off both "dim." and "sim."; the recogniser gave d some mass, s none
    _ocr()
    from frontline.music.words import WordsConfig, _ctc_lexicon

    steps = [{"a": 0.6, "d": 0.35}, {}, {"i": 0.95}, {}, {"m": 0.95}, {}, {".": 0.9}, {}]
    probs = _probs_spelling(steps)
    assert _ctc_lexicon("aim.", probs, WordsConfig()) == "dim."
    # with no mass on d there is nothing to prefer "dim." over "sim." by: not read
    probs = _probs_spelling([{"a": 0.95}, {}, {"i": 0.95}, {}, {"m": 0.95}, {}, {".": 0.9}, {}])
    assert _ctc_lexicon("aim.", probs, WordsConfig()) is None


def test_dynamics_and_noise_are_not_snapped_to_the_lexicon() -> None:
    _ocr()
    from frontline.music.words import WordsConfig, _ctc_lexicon

    assert _ctc_lexicon("mf", _probs_spelling([{"m": 0.9}, {}, {"f": 0.9}, {}]), WordsConfig()) is None
    assert _ctc_lexicon("r", _probs_spelling([{"r": 0.9}, {}]), WordsConfig()) is None
    # "12" is no word of the lexicon within two edits of any of 4+ characters
    assert _ctc_lexicon("12", _probs_spelling([{"1": 0.9}, {}, {"2": 0.9}, {}]), WordsConfig()) is None


def test_an_accidental_over_a_trill_or_turn_alters_the_ornament() -> None:
    # small accidentals above a trill and above / below a turn were left unread (1 edit per ornament)
    import music21 as m21

    from frontline.music.assemble import assemble_pages
    from frontline.music.musicxml import save_musicxml
    from frontline.music.records import Glyph
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import engrave_musicxml_page

    def note(step: str, orn: str) -> str:
        return (
            f"<note><pitch><step>{step}</step><octave>5</octave></pitch><duration>1</duration><type>quarter</type>"
            f"<notations><ornaments>{orn}</ornaments></notations></note>"
        )

    trill = '<trill-mark/><accidental-mark placement="above">sharp</accidental-mark>'
    turn = (
        '<turn/><accidental-mark placement="above">flat</accidental-mark>'
        '<accidental-mark placement="below">natural</accidental-mark>'
    )
    xml = (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name/>'
        '</score-part></part-list><part id="P1"><measure number="1"><attributes><divisions>1</divisions>'
        "<time><beats>4</beats><beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef>"
        f"</attributes>{note('E', trill)}{note('D', '<turn/>')}{note('C', turn)}{note('B', '<trill-mark/>')}"
        "</measure></part></score-partwise>"
    )
    page = engrave_musicxml_page(xml, EngraveOptions(font="Bravura"), 150)
    assert isinstance(page, tuple)
    _, ann, image = page
    glyphs = [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(ann.annotations)]
    score = assemble_pages([(glyphs, image)]).score
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.musicxml"
        save_musicxml(score, path)
        notes = list(m21.converter.parse(str(path)).recurse().notes)
    orns = [[o for o in n.expressions if isinstance(o, m21.expressions.Ornament)] for n in notes]
    assert [len(o) for o in orns] == [1, 1, 1, 1]
    trill_e, turn_d, turn_c, trill_b = (o[0] for o in orns)
    assert trill_e.accidental is not None and trill_e.accidental.name == "sharp"
    assert turn_d.upperAccidental is None and turn_d.lowerAccidental is None
    assert turn_c.upperAccidental.name == "flat" and turn_c.lowerAccidental.name == "natural"
    assert trill_b.accidental is None


def _notes(steps: str, octave: int, duration: int = 1, note_type: str = "quarter") -> str:
    """Notes of these steps in one octave, each `duration` divisions long (divisions 1: quarters)."""
    return "".join(
        f"<note><pitch><step>{s}</step><octave>{octave}</octave></pitch><duration>{duration}</duration>"
        f"<type>{note_type}</type></note>"
        for s in steps
    )


def _quarters(steps: str, octave: int) -> str:
    """Quarter notes of these steps in one octave (divisions 1)."""
    return _notes(steps, octave)


def _engraved(parts: list[list[str]], options: Any) -> tuple[list[Any], np.ndarray]:
    """A score of one-staff parts (each a list of measure bodies) engraved by the data engine at 150 dpi
    (`options`: its EngraveOptions): its annotations as symbols (score 1) and the page image."""
    from frontline.music.records import Glyph
    from frontline.music.synth.page import engrave_musicxml_page

    ids = [f"P{k + 1}" for k in range(len(parts))]
    part_list = "".join(f'<score-part id="{i}"><part-name/></score-part>' for i in ids)
    body = "".join(
        f'<part id="{i}">'
        + "".join(f'<measure number="{m + 1}">{b}</measure>' for m, b in enumerate(bodies))
        + "</part>"
        for i, bodies in zip(ids, parts, strict=True)
    )
    xml = f'<?xml version="1.0"?><score-partwise version="4.0"><part-list>{part_list}</part-list>{body}</score-partwise>'
    page = engrave_musicxml_page(xml, options, 150)
    assert isinstance(page, tuple)
    _, ann, image = page
    return [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(ann.annotations)], image


def _oracle_page(xml: str, measures: int) -> tuple[Any, np.ndarray]:
    """The data engine's page of `xml` (through music21's writer, as the engine writes corpus pieces; a
    house style it draws: its random styles' seed 5, Leland, 9-unit staves), assembled from its
    annotations: (assembly, image)."""
    import music21 as m21

    from frontline.music.assemble import assemble_pages
    from frontline.music.records import Glyph
    from frontline.music.synth.corpus import _measures_xml
    from frontline.music.synth.engrave import random_engrave_options
    from frontline.music.synth.page import engrave_musicxml_page

    xml = _measures_xml(m21.converter.parse(xml, format="musicxml"), 0, measures)
    opts = replace(random_engrave_options(np.random.default_rng(5)), font="Leland", unit=9.0, header="none")
    page = engrave_musicxml_page(xml, replace(opts, footer="none"), 150)
    assert isinstance(page, tuple)
    _, ann, image = page
    glyphs = [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(ann.annotations)]
    return assemble_pages([(glyphs, image)]), image


def test_a_direction_under_the_first_violin_is_not_given_to_the_second_for_its_own_tails() -> None:
    # "dolce ... espressivo" below the first violin: the p's tails, below the text line's measured rows,
    # were taken for the second violin's ink, nearer than the first violin's stems
    _ocr()
    from frontline.music.words import WordsConfig, read_phrases

    def words(text: str) -> str:
        return (
            '<direction placement="below"><direction-type><words font-style="italic">'
            f"{text}</words></direction-type></direction>"
        )

    clefs = (("G", 2), ("G", 2), ("C", 3), ("F", 4))
    octaves = (5, 4, 4, 3)
    names = ("Violino I", "Violino II", "Viola", "Violoncello")
    part_list = (
        '<part-list><part-group type="start" number="1"><group-symbol>bracket</group-symbol></part-group>'
        + "".join(
            f'<score-part id="P{i + 1}"><part-name>{n}</part-name></score-part>' for i, n in enumerate(names)
        )
        + '<part-group type="stop" number="1"/></part-list>'
    )
    parts = ""
    for i in range(4):
        o = octaves[i]
        text2, text4 = (words("dolce"), words("espressivo")) if i == 0 else ("", "")
        parts += (
            f'<part id="P{i + 1}"><measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats>'
            f"<beat-type>4</beat-type></time><clef><sign>{clefs[i][0]}</sign><line>{clefs[i][1]}</line></clef>"
            f'</attributes>{_quarters("CDEF", o)}</measure><measure number="2">{text2}{_quarters("EDCB", o)}</measure>'
            f'<measure number="3">{_quarters("CDEF", o)}</measure><measure number="4">{text4}{_quarters("EDCB", o)}'
            "</measure></part>"
        )
    xml = f'<?xml version="1.0"?><score-partwise version="4.0">{part_list}{parts}</score-partwise>'
    # as the data engine writes it (music21's MusicXML: stem directions, beams)

    asm, image = _oracle_page(xml, 4)

    def owners(cfg: WordsConfig) -> dict[str, int]:
        return {p.text: p.staff for p in read_phrases(asm, [image], cfg)[0]}

    got = owners(WordsConfig(clearance_skip_own=True))
    assert got.get("dolce") == 0 and got.get("espressivo") == 0
    before = owners(WordsConfig())  # off by default (see the flag)
    assert before.get("dolce") == 1 or before.get("espressivo") == 1


def test_a_tempo_mark_over_high_notes_is_read() -> None:
    # Verovio sets the tempo mark over the first violin's ledger-line notes, more than 5 spaces over
    # the staff, where directions were not looked for
    _ocr()

    from frontline.music.words import WordsConfig, read_phrases

    tempo = (
        '<direction placement="above"><direction-type><words font-weight="bold">Presto</words>'
        "</direction-type></direction>"
    )
    measures = (
        '<measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type>'
        f"</time><clef><sign>G</sign><line>2</line></clef></attributes>{tempo}{_quarters('EDCE', 6)}</measure>"
        f'<measure number="2">{_quarters("CDEF", 5)}</measure><measure number="3">{_quarters("GFED", 5)}</measure>'
    )
    xml = (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name>Violin'
        f'</part-name></score-part></part-list><part id="P1">{measures}</part></score-partwise>'
    )
    asm, image = _oracle_page(xml, 3)
    texts = [p.text for p in read_phrases(asm, [image], WordsConfig(above_content_spaces=3.0))[0]]
    assert texts == ["Presto"]
    assert [p.text for p in read_phrases(asm, [image])[0]] == ["Presto"]  # on by default since session 20
    assert read_phrases(asm, [image], WordsConfig(above_content_spaces=0.0))[0] == []
