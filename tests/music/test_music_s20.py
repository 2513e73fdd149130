"""Session 20: a time change where two partial measures meet without a barline opens a measure; a staff
left blank in a measure gets a hidden measure rest."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from tests.music.test_music_s18 import _engraved, _quarters

from frontline.music.lyrics import ocr_available
from frontline.music.musicxml import load_musicxml
from frontline.music.records import Rest


def _time_change_page(time_splits: bool) -> tuple[list[tuple[int, int] | None], list[str], list[Fraction]]:
    """(time signature, right barline, length) per measure of a one-part score engraved by the data engine
    and read from its annotations: a 4/4 measure, then 4/4 closing on three beats with no barline drawn,
    then 3/4 opening with a one-beat pickup, then two full 3/4 measures."""
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.synth.engrave import EngraveOptions

    def time(beats: int) -> str:
        return f"<attributes><time><beats>{beats}</beats><beat-type>4</beat-type></time></attributes>"

    bodies = [
        "<attributes><divisions>1</divisions></attributes>"
        + time(4)
        + "<attributes><clef><sign>G</sign><line>2</line></clef></attributes>"
        + _quarters("CDEF", 5),
        _quarters("EDC", 5) + '<barline location="right"><bar-style>none</bar-style></barline>',
        time(3) + _quarters("G", 4),
        _quarters("CDE", 5),
        _quarters("FED", 5),
    ]
    glyphs, image = _engraved(
        [bodies],
        EngraveOptions(font="Leland", unit=9.0, spacing_linear=0.25, spacing_non_linear=0.46, header="none"),
    )
    # four drawn barlines for five measures: none between measures 2 and 3
    assert sum(g.class_name == "barline" for g in glyphs) == 4
    score = assemble_pages([(glyphs, image)], replace(AssembleConfig(), time_splits=time_splits)).score
    ms = score.parts[0].measures
    times = [(m.time.beats, m.time.beat_type) if m.time else None for m in ms]
    lengths = [sum((e.duration_q for e in m.events), Fraction(0)) for m in ms]
    if time_splits:
        from frontline.music.musicxml import musicxml_string

        assert "<bar-style>none</bar-style>" in musicxml_string(score)
    return times, [m.right_barline for m in ms], lengths


def test_a_time_signature_inside_a_barline_region_opens_a_measure() -> None:
    times, bars, lengths = _time_change_page(True)
    assert times == [(4, 4), None, (3, 4), None, None]
    assert bars[1] == "none"  # the boundary the engraver left out stays invisible
    assert lengths == [4, 3, 1, 3, 3]
    old_times, _, old_lengths = _time_change_page(False)  # before: the change was missed
    assert len(old_times) == 4 and (3, 4) not in old_times and old_lengths[1] == 4


def test_a_time_change_after_a_barline_cuts_nothing() -> None:
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.synth.engrave import EngraveOptions

    body = _quarters("CDEF", 5)
    bodies = [
        "<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
        f"<clef><sign>G</sign><line>2</line></clef></attributes>{body}",
        body,
        f"<attributes><time><beats>2</beats><beat-type>4</beat-type></time></attributes>{_quarters('CD', 5)}",
        _quarters("EF", 5),
    ]
    glyphs, image = _engraved([bodies], EngraveOptions(font="Bravura", unit=9.0, header="none"))
    ms = assemble_pages([(glyphs, image)], AssembleConfig()).score.parts[0].measures
    assert [m.right_barline for m in ms[:3]] == ["regular"] * 3
    assert [sum((e.duration_q for e in m.events), Fraction(0)) for m in ms] == [4, 4, 2, 2]


def _two_parts(second: list[str], blank_rests: bool = True) -> tuple[Any, str]:
    """The score read (from the data engine's annotations and ink) of two one-staff parts over three 4/4
    measures, the second part's measures given as MusicXML bodies ("" = an empty measure: the engraver
    draws nothing there), and its MusicXML."""
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.musicxml import musicxml_string
    from frontline.music.synth.engrave import EngraveOptions

    head = (
        "<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
        "<clef><sign>G</sign><line>2</line></clef></attributes>"
    )
    parts = [[_quarters("CDEF", 5)] * 3, second]
    glyphs, image = _engraved(
        [[head + b if i == 0 else b for i, b in enumerate(bodies)] for bodies in parts],
        EngraveOptions(font="Bravura", unit=9.0, header="none"),
    )
    score = assemble_pages([(glyphs, image)], replace(AssembleConfig(), blank_rests=blank_rests)).score
    return score, musicxml_string(score)


def test_a_staff_left_blank_in_a_measure_gets_a_hidden_measure_rest(tmp_path: Path) -> None:
    rest = '<note><rest measure="yes"/><duration>4</duration></note>'
    score, xml = _two_parts([_quarters("GABC", 4), "", rest])
    ms = score.parts[1].measures
    assert [[(type(e).__name__, e.hidden) for e in m.events if isinstance(e, Rest)] for m in ms] == [
        [],
        [("Rest", True)],  # nothing drawn: nothing shown, the measure still four beats long
        [("Rest", False)],  # a drawn whole rest stays a rest the page shows
    ]
    assert not ms[1].flagged and not ms[2].flagged
    assert xml.count('print-object="no"') == 1
    back = load_musicxml(xml)
    assert [e.hidden for m in back.parts[1].measures for e in m.events if isinstance(e, Rest)] == [
        True,
        False,
    ]
    # before: a visible rest the page does not show, and the measure flagged as unread
    old, _ = _two_parts([_quarters("GABC", 4), "", rest], blank_rests=False)
    assert old.parts[1].measures[1].flagged and not any(e.hidden for e in old.parts[1].measures[1].events)
    if shutil.which("mscore3"):
        path = tmp_path / "blank.musicxml"
        path.write_text(xml)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        subprocess.run(
            ["mscore3", "-o", str(tmp_path / "b.pdf"), str(path)], env=env, timeout=120, check=True
        )
        assert (tmp_path / "b.pdf").stat().st_size > 0


def _high_words_page(words: list[str], content_spaces: float) -> list[tuple[int, str]]:
    """(measure index, text) of the words read (data engine page, annotations as the symbols) from a
    one-part 4/4 score whose measures run high on ledger lines (to C7), `words` set above one measure each
    from the first on."""
    from frontline.music.assemble import assemble_pages
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.words import WordsConfig, read_words

    def word(text: str) -> str:
        return (
            f'<direction placement="above"><direction-type><words>{text}</words></direction-type></direction>'
        )

    bodies = [(word(words[i]) if i < len(words) else "") + _quarters("CBAG", 7) for i in range(3)]
    bodies[0] = (
        "<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
        "<clef><sign>G</sign><line>2</line></clef></attributes>" + bodies[0]
    )
    glyphs, image = _engraved([bodies], EngraveOptions(font="Bravura", unit=9.0, header="none"))
    cfg = WordsConfig(above_content_spaces=content_spaces)
    score = read_words(assemble_pages([(glyphs, image)]), [image], cfg)
    return [
        (k, d.value) for k, m in enumerate(score.parts[0].measures) for d in m.directions if d.kind == "words"
    ]


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_a_tempo_mark_over_high_notes_of_a_systems_top_staff_is_read() -> None:
    # Verovio sets the words over the ledger lines, more than 5 spaces above the staff
    assert _high_words_page(["Allegro", "dolce"], 4.5) == [(0, "Allegro"), (1, "dolce")]
    assert _high_words_page(["Allegro", "dolce"], 0.0) == []  # before: only 5 spaces up
    # found only over the high notes and no lexicon words: a heading, not read as a direction
    assert _high_words_page(["Kyrie Eleison"], 4.5) == []


def test_the_lexicon_knows_classical_tempo_words_and_keeps_a_full_stop() -> None:
    from frontline.music.words import lexicon_text

    for text in (
        "Allegro con brio",
        "Andante con moto",
        "Tempo di Minuetto",
        "Largo e mesto",
        "Scherzo. Allegro",
    ):
        assert lexicon_text(text) == text
    assert lexicon_text("Trio.") == "Trio."  # before: one letter off "Trio", the stop dropped
    assert lexicon_text("Alegro con brio") == "Allegro con brio"  # a misread one letter off still snaps
    assert lexicon_text("Langsam") is None and lexicon_text("Kyrie Eleison") is None
