"""Golden round-trips of the score model through MusicXML and MIDI (writer, our reader, music21, MuseScore)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from fractions import Fraction as F
from pathlib import Path

import pytest

from frontline.errors import InputError
from frontline.music.midi import midi_bytes, note_events, save_midi
from frontline.music.musicxml import load_musicxml, save_musicxml, save_mxl
from frontline.music.records import (
    Chord,
    Clef,
    ClefChange,
    Direction,
    KeySignature,
    Measure,
    Note,
    Part,
    Pitch,
    Rest,
    Score,
    TimeSignature,
)


def _piano_score() -> Score:
    """A grand staff with two voices, chords, ties, a triplet, a grace note, marks, a key and clef change."""
    m1 = Measure(
        number=1,
        clefs=(ClefChange(1, Clef("G", 2)), ClefChange(2, Clef("F", 4))),
        key=KeySignature(-2),
        time=TimeSignature(4, 4, "common"),
        directions=(
            Direction("dynamic", "mf", F(0), 1),
            Direction("words", "a tempo", F(0), 1, "above"),
            Direction("words", "dolce", F(2), 1, "below"),
            Direction("wedge", "crescendo", F(1), 1),
            Direction("wedge", "stop", F(3), 1),
        ),
        events=(
            Note(Pitch("B", -1, 4), F(0), F(3, 2), "quarter", 1, stem="up", articulations=("accent",)),
            Note(
                Pitch("C", 0, 5), F(3, 2), F(1, 2), "eighth", stem="up", accidental="natural", slur_start=True
            ),
            Note(
                Pitch("D", 0, 5),
                F(2),
                F(1, 3),
                "eighth",
                tuplet=(3, 2),
                tuplet_edge="start",
                beams=("begin",),
            ),
            Note(Pitch("E", -1, 5), F(7, 3), F(1, 3), "eighth", tuplet=(3, 2), beams=("continue",)),
            Note(
                Pitch("F", 0, 5),
                F(8, 3),
                F(1, 3),
                "eighth",
                tuplet=(3, 2),
                tuplet_edge="stop",
                beams=("end",),
                slur_stop=True,
            ),
            Note(Pitch("A", 0, 5), F(3), F(0), "eighth", grace=True, grace_slash=True),
            Note(Pitch("G", 0, 5), F(3), F(1), "quarter", tie_start=True, fermata=True),
            Chord(
                (
                    Note(Pitch("B", -1, 2), F(0), F(2), "half", voice=2, staff=2, stem="down"),
                    Note(Pitch("D", 0, 3), F(0), F(2), "half", voice=2, staff=2, stem="down"),
                )
            ),
            Rest(F(2), F(2), "half", voice=2, staff=2),
        ),
    )
    m2 = Measure(
        number=2,
        clefs=(ClefChange(2, Clef("G", 2), F(2)),),
        key=KeySignature(3),
        time=TimeSignature(3, 4),
        right_barline="light-heavy",
        events=(
            Note(Pitch("G", 0, 5), F(0), F(1), "quarter", tie_stop=True, ornaments=("trill-mark",)),
            Note(Pitch("F", 1, 5), F(1), F(1, 4), "16th", beams=("begin", "begin")),
            Note(Pitch("E", 0, 5), F(5, 4), F(1, 4), "16th", beams=("continue", "continue")),
            Note(Pitch("D", 0, 5), F(3, 2), F(1, 2), "eighth", beams=("end", "end")),
            Rest(F(2), F(1), "quarter"),
            Rest(F(0), F(2), "half", voice=2, staff=2),
            Note(Pitch("C", 1, 4), F(2), F(1), "quarter", voice=2, staff=2, accidental="sharp"),
            Rest(F(0), F(3), "whole", voice=3, staff=1, measure_rest=False),
        ),
    )
    return Score((Part("P1", "Piano", (m1, m2), staves=2),), title="Round trip")


def _two_part_score() -> Score:
    tenor = Measure(
        1,
        (Rest(F(0), F(3), "whole", measure_rest=True),),
        (ClefChange(1, Clef("G", 2, -1)),),
        KeySignature(0),
        TimeSignature(3, 4),
    )
    alto = Measure(
        1,
        (Note(Pitch("C", 0, 4), F(0), F(3), "half", 1),),
        (ClefChange(1, Clef("C", 3)),),
        KeySignature(0),
        TimeSignature(3, 4),
        repeat_end=True,
        ending=("1", "start-stop"),
    )
    return Score((Part("P1", "Tenor", (tenor,)), Part("P2", "Viola", (alto,))))


def _canon(score: Score) -> Score:
    """Events in writing order (staff, voice, onset; grace notes first): the order the reader returns."""

    def key(e):
        grace = e.notes[0].grace if isinstance(e, Chord) else isinstance(e, Note) and e.grace
        return (e.staff, e.voice, e.onset_q, 0 if grace else 1)

    parts = tuple(
        replace(p, measures=tuple(replace(m, events=tuple(sorted(m.events, key=key))) for m in p.measures))
        for p in score.parts
    )
    return replace(score, parts=parts)


@pytest.mark.parametrize("make", [_piano_score, _two_part_score])
def test_round_trip_is_exact(make) -> None:
    score = make()
    text = save_musicxml(score)
    assert text.startswith("<?xml") and 'version="4.0"' in text
    assert load_musicxml(text) == _canon(score)


def test_files_and_mxl_round_trip(tmp_path: Path) -> None:
    score = _piano_score()
    save_musicxml(score, tmp_path / "a.musicxml")
    save_mxl(score, tmp_path / "a.mxl")
    assert load_musicxml(tmp_path / "a.musicxml") == _canon(score)
    assert load_musicxml(tmp_path / "a.mxl") == _canon(score)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_music21_reads_what_we_write() -> None:
    music21 = pytest.importorskip("music21")
    s = music21.converter.parse(save_musicxml(_piano_score()), format="musicxml")
    pitches = [p.nameWithOctave for n in s.recurse().notes for p in n.pitches]
    assert pitches[:3] == ["B-4", "C5", "D5"]
    assert len(s.parts) == 1 or len(s.parts) == 2  # music21 splits a grand staff into two PartStaffs
    assert s.recurse().getElementsByClass("TimeSignature")[0].ratioString == "4/4"
    words = {(t.content, t.placement) for t in s.recurse().getElementsByClass("TextExpression")}
    assert words == {("dolce", "below"), ("a tempo", "above")}


def test_music21_reads_an_unslashed_grace_note_as_unslashed() -> None:
    music21 = pytest.importorskip("music21")
    for slash in (False, True):
        notes = (
            Note(Pitch("D", 0, 5), F(0), F(0), "eighth", grace=True, grace_slash=slash),
            Note(Pitch("C", 0, 5), F(0), F(4), "whole"),
        )
        m = Measure(1, clefs=(ClefChange(1, Clef("G", 2)),), time=TimeSignature(4, 4), events=notes)
        score = Score(parts=(Part("P1", "Flute", measures=(m,)),))
        s = music21.converter.parse(save_musicxml(score), format="musicxml")
        (grace,) = [n for n in s.recurse().notes if n.duration.isGrace]
        assert grace.duration.slash is slash  # music21 reads a bare <grace/> as slashed


def test_reader_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.musicxml"
    bad.write_text("<score-partwise><part>")
    with pytest.raises(InputError, match="well-formed"):
        load_musicxml(bad)
    with pytest.raises(InputError, match="partwise"):
        load_musicxml("<score-timewise/>")


def test_midi_merges_ties_and_skips_grace(tmp_path: Path) -> None:
    score = _piano_score()
    (events,) = note_events(score)
    g5 = [e for e in events if e[2] == 79]
    assert g5 == [(F(3), F(2), 79)]  # quarter tied over the barline into a quarter
    assert all(e[2] != 81 for e in events)  # the grace A5 takes no time
    data = midi_bytes(score)
    assert data[:4] == b"MThd" and data.count(b"MTrk") == 2
    save_midi(score, tmp_path / "a.mid")
    music21 = pytest.importorskip("music21")
    parsed = music21.converter.parse(tmp_path / "a.mid")
    assert len(list(parsed.recurse().notes)) > 5


@pytest.mark.skipif(shutil.which("mscore3") is None, reason="MuseScore 3 (mscore3) not installed")
def test_musescore_opens_our_file(tmp_path: Path) -> None:
    src = tmp_path / "a.musicxml"
    save_musicxml(_piano_score(), src)
    out = tmp_path / "a.pdf"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(["mscore3", "-o", str(out), str(src)], env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-500:]
    assert out.stat().st_size > 1000
    assert "Error" not in proc.stderr.decode(errors="replace")


def test_overlapping_slurs_get_numbers_and_unmatched_ends_are_dropped() -> None:
    flags = [(True, False), (True, False), (False, True), (False, True), (False, True), (True, False)]
    notes = tuple(
        Note(Pitch("C", 0, 5), F(k, 2), F(1, 2), "eighth", slur_start=a, slur_stop=b)
        for k, (a, b) in enumerate(flags)
    )
    score = Score(
        (
            Part(
                "P1",
                "Flute",
                (Measure(1, notes, (ClefChange(1, Clef()),), KeySignature(0), TimeSignature(3, 4)),),
            ),
        )
    )
    text = save_musicxml(score)
    assert (
        text.count('<slur type="start" number="1"') == 1 and text.count('<slur type="start" number="2"') == 1
    )
    assert (
        text.count('<slur type="stop"') == 2
    )  # the third stop had no open slur; the last start never closes


def test_an_empty_score_is_refused_not_written() -> None:
    from frontline.errors import JobError

    with pytest.raises(JobError, match="no parts"):
        save_musicxml(Score(()))


def test_a_hairpin_stop_is_written_after_its_start_when_the_start_sits_in_a_later_voice() -> None:
    """The start stands before voice 2's note (voice 1 has none at its onset); a stop written in voice 1's
    stream came before it in the file, and MuseScore read 'spanner stop without spanner start'."""
    from fractions import Fraction as F

    from frontline.music.musicxml import musicxml_string
    from frontline.music.records import Direction, Measure, Note, Part, Pitch, Score

    v1 = tuple(Note(Pitch("E", 0, 5), F(k), F(2), voice=1) for k in (0, 2))
    v2 = tuple(Note(Pitch("C", 0, 4), F(k), F(1), voice=2) for k in range(4))
    dirs = (Direction("wedge", "crescendo", F(1)), Direction("wedge", "stop", F(2)))
    xml = musicxml_string(Score((Part("P1", "", (Measure(1, v1 + v2, directions=dirs, time=None),)),)))
    assert xml.index('<wedge type="crescendo"') < xml.index('<wedge type="stop"')
