"""Session 21: a direction is dated by its time's column across the system; a grand staff's key or time
change that music21 states twice in one measure is written once in the ground truth."""

from __future__ import annotations

from fractions import Fraction

import pytest
from tests.music.test_music_s18 import _engraved, _notes, _quarters

from frontline.music.lyrics import ocr_available


def _words_onsets(onset_system: bool) -> list[tuple[int, int, Fraction, str]]:
    """(part, measure index, onset, text) of the words read (data engine page, annotations as the symbols)
    from a two-part 4/4 score: the upper part holds half notes, the lower quarters, and "dolce" is set in
    the upper part on beat 2 of measure 1 and "cresc." on beat 4 of measure 2, where only the lower
    part strikes a note."""
    from dataclasses import replace

    from frontline.music.assemble import assemble_pages
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.words import WordsConfig, read_words

    def word(text: str, beat: int) -> str:
        return (
            f'<direction placement="above"><direction-type><words>{text}</words></direction-type>'
            f"<offset>{beat}</offset></direction>"
        )

    head = (
        "<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
        "<clef><sign>G</sign><line>2</line></clef></attributes>"
    )
    upper = [
        head + word("dolce", 1) + _notes("CD", 5, 2, "half"),
        word("cresc.", 3) + _notes("EF", 5, 2, "half"),
        _notes("GA", 5, 2, "half"),
    ]
    lower = [head + _quarters("CDEF", 4), _quarters("GFED", 4), _quarters("CDEF", 4)]
    glyphs, image = _engraved([upper, lower], EngraveOptions(font="Bravura", unit=9.0, header="none"))
    score = read_words(
        assemble_pages([(glyphs, image)]), [image], replace(WordsConfig(), onset_system=onset_system)
    )
    return [
        (p, k, d.onset_q, d.value)
        for p, part in enumerate(score.parts)
        for k, m in enumerate(part.measures)
        for d in m.directions
        if d.kind == "words"
    ]


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_a_direction_is_dated_by_the_column_of_its_time_in_the_system() -> None:
    assert _words_onsets(True) == [(0, 0, Fraction(1), "dolce"), (0, 1, Fraction(3), "cresc.")]
    # before: dated by the upper part's own notes only, a beat off
    old = _words_onsets(False)
    assert [(p, k, t) for p, k, _, t in old] == [(0, 0, "dolce"), (0, 1, "cresc.")]
    assert [o for _, _, o, _ in old] != [1, 3]


def _grand_staff_change(second: str) -> str:
    """A one-part, two-staff MusicXML measure 2 as music21 writes a time change in a grand staff: the
    change stated before the upper staff's notes and again (`second`) after the backup to the lower."""
    time = "<attributes><time><beats>3</beats><beat-type>4</beat-type></time></attributes>"
    notes = (
        "<note><pitch><step>C</step><octave>5</octave></pitch><duration>3</duration><type>half</type>"
        "<dot/><staff>1</staff></note>"
    )
    lower = (
        "<note><pitch><step>C</step><octave>3</octave></pitch><duration>3</duration><type>half</type>"
        "<dot/><staff>2</staff></note>"
    )
    first = (
        '<measure number="1"><attributes><divisions>1</divisions><key><fifths>0</fifths></key>'
        "<time><beats>4</beats><beat-type>4</beat-type></time><staves>2</staves>"
        '<clef number="1"><sign>G</sign><line>2</line></clef><clef number="2"><sign>F</sign><line>4</line>'
        "</clef></attributes>"
        '<note><rest measure="yes"/><duration>4</duration><staff>1</staff></note><backup><duration>4</duration>'
        '</backup><note><rest measure="yes"/><duration>4</duration><staff>2</staff></note></measure>'
    )
    body = (
        f'<measure number="2">{time}{notes}<backup><duration>3</duration></backup>{second}{lower}</measure>'
    )
    return (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name>Piano'
        f'</part-name></score-part></part-list><part id="P1">{first}{body}</part></score-partwise>'
    )


def _times_per_staff(xml: str) -> list[int]:
    import music21 as m21

    score = m21.converter.parse(xml, format="musicxml", forceSource=True)
    return [len(list(ps.recurse().getElementsByClass("TimeSignature"))) for ps in score.parts]


def test_a_signature_stated_twice_in_a_measure_is_written_once() -> None:
    from frontline.music.synth.corpus import single_signatures

    twice = _grand_staff_change(
        "<attributes><time><beats>3</beats><beat-type>4</beat-type></time></attributes>"
    )
    assert _times_per_staff(twice) == [3, 3]  # what a reader of the file gets: 4/4, then 3/4 twice
    once = single_signatures(twice)
    assert once.count("<time>") == 2 and "<attributes></attributes>" not in once
    assert _times_per_staff(once) == [2, 2]
    # a different signature after the backup is the file's own statement, kept
    other = _grand_staff_change(
        "<attributes><time><beats>6</beats><beat-type>8</beat-type></time></attributes>"
    )
    assert single_signatures(other) == other


def test_piu_read_without_its_accent_is_piu_before_a_lexicon_word() -> None:
    from frontline.music.words import lexicon_text

    # the recogniser's alphabet has no "ù"
    assert lexicon_text("pi mosso") == "più mosso"
    assert lexicon_text("pu mosso") == "più mosso"
    assert lexicon_text("Piu lento") == "Più lento"
    assert lexicon_text("pi") is None  # alone, or before a word that is none: not read as "più"
    assert lexicon_text("pu Kyrie") is None


def test_a_line_of_lexicon_directions_is_not_taken_for_lyrics() -> None:
    from frontline.music.words import Phrase, WordsConfig, _direction_line

    def line(*texts: str) -> list[Phrase]:
        return [Phrase(100 * k, 0, 100 * k + 50, 10, 0, "above", t, 1.0, 1.0) for k, t in enumerate(texts)]

    cfg = WordsConfig()
    assert _direction_line(line("rit.", "più mosso", "rit.", "tempo primo"), cfg)
    assert not _direction_line(line("a", "con", "il"), cfg)  # lexicon words that are also syllables
    assert not _direction_line(line("rit.", "Dor", "mi"), cfg)
