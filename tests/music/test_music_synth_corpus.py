"""The music21 corpus source: reserved evaluation folders never reach training data."""

from __future__ import annotations

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
