"""The music21 corpus source: reserved evaluation folders never reach training data."""

from __future__ import annotations

from typing import Any

import numpy as np

from frontline.music.synth.corpus import (
    RESERVED,
    _measures_xml,
    corpus_page_source,
    eval_corpus_paths,
    exclude_reserved,
    is_reserved,
    split_abc_tunes,
    training_corpus_paths,
)


def test_is_reserved_by_folder() -> None:
    assert is_reserved("beethoven/opus18no1/movement1.mxl")
    assert is_reserved("Mozart/k80/movement1.mxl")
    assert is_reserved("/x/music21/corpus/schumann_clara/opus17/movement3.xml")
    assert is_reserved("joplin")
    assert not is_reserved("bach/bwv66.6.mxl")
    assert not is_reserved("ryansMammoth/beethoven_tune.abc")  # a file name is not a folder
    assert exclude_reserved(["haydn/a.mxl", "bach/b.mxl", "schubert/c.xml"]) == ["bach/b.mxl"]


def test_training_and_eval_paths_partition_the_corpus() -> None:
    train = training_corpus_paths()
    ev = eval_corpus_paths()
    assert train and ev
    assert not any(is_reserved(p) for p in train)
    assert all(is_reserved(p) for p in ev)
    assert not set(train) & set(ev)
    folders = {p.split("/")[0] for p in ev}
    assert folders <= set(RESERVED)


def test_split_abc_on_x_lines() -> None:
    text = "%comment\nX:1\nT:One\nK:C\nCDEF|\n\nX:2\nT:Two\nK:G\nGABc|\n"
    tunes = split_abc_tunes(text)
    assert len(tunes) == 2
    assert tunes[0].startswith("X:1") and "T:One" in tunes[0]
    assert tunes[1].startswith("X:2") and "GABc" in tunes[1]


def test_training_draws_never_reserved() -> None:
    for seed in range(12):
        src = corpus_page_source(np.random.default_rng(seed))
        name = src[0] if isinstance(src, tuple) else src.name
        assert not is_reserved(name.removeprefix("corpus:"))


def test_eval_pages_come_only_from_reserved_folders() -> None:
    from frontline.music.synth.page import PageConfig, eval_pages

    pages = list(eval_pages(1, seed=2, config=PageConfig(dpi=40)))
    assert len(pages) == 1
    assert is_reserved(pages[0].meta["source"].removeprefix("corpus:"))


def test_page_musicxml_shows_the_accidentals_the_key_calls_for() -> None:
    # Humdrum pitches are absolute: in this Palestrina piece (one flat) four B naturals were parsed
    # with no accidental object and engraved as plain Bs, which read as B flats
    from frontline.music.synth.corpus import _parse

    xml = _measures_xml(_parse("palestrina/Benedictus_78.krn"), 16, 13)
    assert xml.count("<fifths>-1</fifths>") >= 1
    assert xml.count("<accidental>natural</accidental>") == 4


def _voiced_measure(key_fifths: int, voice1: list[tuple[str, float]], voice2: list[tuple[str, float]]):  # type: ignore[no-untyped-def]
    from music21 import clef, key, meter, note, stream

    s, p, m = stream.Score(), stream.Part(), stream.Measure(number=1)
    m.clef, m.keySignature, m.timeSignature = (
        clef.TrebleClef(),
        key.KeySignature(key_fifths),
        meter.TimeSignature("4/4"),
    )
    for vid, notes in (("1", voice1), ("2", voice2)):
        v = stream.Voice(id=vid)
        for name, ql in notes:
            v.append(note.Note(name, quarterLength=ql))
        if notes:
            m.insert(0, v)
    p.append(m)
    s.append(p)
    return s


def _shown(score) -> list[str]:  # type: ignore[no-untyped-def]
    import re

    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return re.findall(r"<accidental>(\w+)</accidental>", GeneralObjectExporter(score).parse().decode())


def test_an_excerpts_first_measure_is_spelled_against_its_own_key_signature() -> None:
    from frontline.music.synth.corpus import _show_accidentals

    # one flat in force, a B natural parsed with no accidental object (as Humdrum gives it)
    s = _voiced_measure(-1, [("B4", 2.0), ("C5", 2.0)], [])
    _show_accidentals(s)
    assert _shown(s) == ["natural"]


def test_an_accidental_of_one_voice_holds_for_the_other_voice_of_the_staff() -> None:
    from frontline.music.synth.corpus import _show_accidentals

    # voice 2 sharpens A on beat 1; voice 1's A on beat 3 must show its natural
    s = _voiced_measure(0, [("C5", 2.0), ("A4", 2.0)], [("A#4", 1.0), ("F4", 3.0)])
    _show_accidentals(s)
    assert sorted(_shown(s)) == ["natural", "sharp"]


def test_an_ottava_cut_in_two_by_the_excerpt_is_dropped_and_kept_ones_name_their_staff() -> None:
    from frontline.music.synth.corpus import balance_octave_shifts

    def shift(kind: str, staff: bool = False) -> str:
        s = "<staff>2</staff>" if staff else ""
        return f'<direction><direction-type><octave-shift type="{kind}" size="8"/></direction-type>{s}</direction>'

    note = "<note><pitch><step>C</step><octave>6</octave></pitch><duration>1</duration></note>"
    part1 = (
        f'<part id="P1">{shift("stop")}{note}{shift("down")}{note}{shift("stop")}{shift("up")}{note}</part>'
    )
    part2 = f'<part id="P2">{shift("down", staff=True)}{note}{shift("stop", staff=True)}</part>'
    out = balance_octave_shifts(f"<score-partwise>{part1}{part2}</score-partwise>")
    p1, p2 = out.split('<part id="P2">')
    # P1: the leading stop and the trailing start lose their other end; the pair in between stays
    assert p1.count("<octave-shift") == 2 and 'type="down"' in p1 and 'type="up"' not in p1
    assert p1.count("<staff>1</staff>") == 2
    assert p2.count("<octave-shift") == 2 and "<staff>1</staff>" not in p2  # its own staff is kept
    assert out.count(note) == 4
    assert balance_octave_shifts(out) == out  # balanced marks are left alone


_ROUNDED = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="4.0"><part-list><score-part id="P1"><part-name>x</part-name></score-part></part-list>
<part id="P1"><measure number="1"><attributes><divisions>1000</divisions><time><beats>2</beats>
<beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef></attributes>
{triplet}
<direction placement="below"><direction-type><dynamics><p/></dynamics></direction-type></direction>
<note><pitch><step>G</step><octave>4</octave></pitch><duration>1000</duration><type>quarter</type></note>
</measure><measure number="2"><attributes><time><beats>3</beats><beat-type>4</beat-type></time></attributes>
<note><rest measure="yes"/><duration>3000</duration><type>whole</type></note></measure></part></score-partwise>"""


def _rounded_score() -> object:
    from music21 import converter

    notes = "".join(
        f"<note><pitch><step>{s}</step><octave>4</octave></pitch><duration>{d}</duration>"
        "<type>eighth</type><time-modification><actual-notes>3</actual-notes>"
        "<normal-notes>2</normal-notes></time-modification></note>"
        for s, d in (("C", 333), ("D", 333), ("E", 334))
    )
    return converter.parseData(_ROUNDED.format(triplet=notes), format="musicxml")


def test_rounded_tuplet_lengths_get_their_notated_value_and_later_onsets_follow() -> None:
    from fractions import Fraction

    from frontline.music.synth.corpus import exact_durations

    score: Any = _rounded_score()
    m1, m2 = score.parts[0].getElementsByClass("Measure")
    assert [Fraction(n.quarterLength) for n in m1.notes][:3] == [
        Fraction(333, 1000),
        Fraction(333, 1000),
        Fraction(334, 1000),
    ]
    assert exact_durations(score) == 3
    notes = list(m1.notes)
    assert [Fraction(n.offset) for n in notes] == [0, Fraction(1, 3), Fraction(2, 3), 1]
    assert [Fraction(n.quarterLength) for n in notes] == [Fraction(1, 3)] * 3 + [1]
    dyn = m1.getElementsByClass("Dynamic")[0]
    assert Fraction(dyn.offset) == 1  # a direction moves with the notes it stands at
    # a whole-bar rest in 3/4 draws a whole rest but lasts the bar: not a rounding, left alone
    assert Fraction(list(m2.notesAndRests)[0].quarterLength) == 3
    assert exact_durations(score) == 0  # idempotent


def test_excerpt_musicxml_writes_tuplet_lengths_exactly() -> None:
    """A 13-tuplet's 2/13 is no whole number of music21's default 10080 divisions."""
    from fractions import Fraction

    from music21 import converter

    from frontline.music.synth.corpus import exact_durations

    notes = "".join(
        f"<note><pitch><step>C</step><octave>5</octave></pitch><duration>{d}</duration>"
        "<type>16th</type><time-modification><actual-notes>13</actual-notes>"
        "<normal-notes>8</normal-notes></time-modification></note>"
        for d in [154] * 12 + [152]
    )
    xml = _ROUNDED.format(triplet=notes).replace(
        "<note><pitch><step>G</step><octave>4</octave></pitch><duration>1000</duration><type>quarter</type></note>",
        "",
    )
    score: Any = converter.parseData(xml, format="musicxml")
    assert exact_durations(score) == 13
    back: Any = converter.parseData(_measures_xml(score, 0, 2), format="musicxml")
    onsets = [Fraction(n.offset) for n in back.parts[0].getElementsByClass("Measure")[0].notes]
    assert onsets == [Fraction(2 * k, 13) for k in range(13)]


def test_a_beamed_slashed_grace_note_is_written_as_the_page_shows_it() -> None:
    from frontline.music.synth.corpus import unslash_beamed_graces

    lone = (
        '<note><grace slash="yes"/><pitch><step>E</step><octave>5</octave></pitch><type>eighth</type></note>'
    )
    beamed = (
        '<note><grace slash="yes"/><pitch><step>C</step><octave>5</octave></pitch><type>16th</type>'
        '<beam number="1">begin</beam><notations><slur type="start"/></notations></note>'
    )
    xml = f"<measure>{lone}<notehead/>{beamed}</measure>"
    out = unslash_beamed_graces(xml)
    assert out.count('<grace slash="yes"/>') == 1 and out.count('<grace slash="no"/>') == 1
    assert out.index('slash="yes"') < out.index("eighth") < out.index('slash="no"')
    assert unslash_beamed_graces(lone) == lone
