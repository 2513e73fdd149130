"""8va/8vb lines end to end: the data engine annotates them, the assembly reads the notes under them an
octave off the staff position, and the writer emits <octave-shift> with sounding pitches (music21, MuseScore)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from fractions import Fraction as F
from pathlib import Path

import music21 as m21
import numpy as np
import pytest

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.evaluate.notation import note_keys
from frontline.music.musicxml import load_musicxml, musicxml_string, save_musicxml
from frontline.music.records import Direction, Glyph, Measure, Note, Part, Pitch, Rest, Score, TimeSignature
from frontline.music.synth.annotate import PageAnnotations
from frontline.music.synth.engrave import EngraveOptions
from frontline.music.synth.page import engrave_musicxml_page

_INSIDE = (1, 2)  # measures (0-based) under the ottava


def _grand_staff_xml(measures: int = 4) -> str:
    """Piano: C D E F per measure; the right hand has an 8va and the left hand an 8vb over measures 2-3
    (pitches sounding: C6 under the 8va, C1 under the 8vb; C5 / C2 elsewhere)."""
    score = m21.stream.Score()
    rh, lh = m21.stream.PartStaff(), m21.stream.PartStaff()
    for part, clef, inside, outside, kind in (
        (rh, m21.clef.TrebleClef(), 6, 5, "8va"),
        (lh, m21.clef.BassClef(), 1, 2, "8vb"),
    ):
        part.append(clef)
        under = []
        for i in range(measures):
            m = m21.stream.Measure()
            if i == 0:
                m.append(m21.meter.TimeSignature("4/4"))
            for step in "CDEF":
                n = m21.note.Note(f"{step}{inside if i in _INSIDE else outside}")
                m.append(n)
                if i in _INSIDE:
                    under.append(n)
            part.append(m)
        part.insert(0, m21.spanner.Ottava(under, type=kind, transposing=False))
        score.insert(0, part)
    score.insert(0, m21.layout.StaffGroup([rh, lh], symbol="brace"))
    return m21.musicxml.m21ToXml.GeneralObjectExporter(score).parse().decode()


@functools.cache
def _engraved() -> tuple[str, PageAnnotations, np.ndarray]:
    xml = _grand_staff_xml()
    page = engrave_musicxml_page(xml, EngraveOptions(), 150)
    assert isinstance(page, tuple)
    _svg, ann, image = page
    return xml, ann, image


def _glyphs(ann: PageAnnotations) -> list[Glyph]:
    return [Glyph(a.class_name, a.a_bbox, 1.0, i) for i, a in enumerate(ann.annotations)]


def test_verovio_ottava_is_one_bracket_box_over_its_notes() -> None:
    _xml, ann, _image = _engraved()
    brackets = [a for a in ann.annotations if a.class_name == "ottavaBracket"]
    assert len(brackets) == 2
    # nothing of the ottava (its "8", dashed line or hook) is left as an unknown symbol
    assert not [a for a in ann.annotations if a.class_name == "otherGlyph" and "octave" in a.comments]
    assert not [
        a for a in ann.annotations if a.comments.startswith("ottava") and a.class_name == "otherGlyph"
    ]
    heads = [a for a in ann.annotations if a.class_name.startswith("notehead")]
    sp = ann.staff_space_px
    for b, staff, octave in ((brackets[0], 0, 6), (brackets[1], 1, 1)):
        assert b.staff == staff
        x0, y0, x1, y1 = b.a_bbox
        under = [h for h in heads if x0 - sp <= (h.a_bbox[0] + h.a_bbox[2]) / 2 <= x1 and h.staff == staff]
        # the box runs from the first note of measure 2 to the hook after the last note of measure 3
        assert len(under) == 8
        assert all(h.note is not None and h.note.pitch.endswith(str(octave)) for h in under)
        st = ann.staves[staff]
        if staff == 0:
            assert y1 < st.line_ys[0]  # an 8va above its staff
        else:
            assert y0 > st.line_ys[-1]  # an 8vb below its staff
        assert y1 - y0 < 3 * sp  # the "8" and the hook, not a whole system


def test_an_ottava_over_a_system_break_is_one_box_per_system() -> None:
    part = m21.stream.Part()
    part.append(m21.clef.TrebleClef())
    under = []
    for i in range(24):
        m = m21.stream.Measure()
        for step in "CDEFGAB":
            n = m21.note.Note(f"{step}{6 if 4 <= i < 16 else 5}", quarterLength=0.5)
            m.append(n)
            if 4 <= i < 16:
                under.append(n)
        m.append(m21.note.Rest(quarterLength=0.5))
        part.append(m)
    part.insert(0, m21.spanner.Ottava(under, type="8va", transposing=False))
    xml = m21.musicxml.m21ToXml.GeneralObjectExporter(part).parse().decode()
    page = engrave_musicxml_page(xml, EngraveOptions(), 150)
    assert isinstance(page, tuple)
    ann = page[1]
    brackets = sorted(
        (a for a in ann.annotations if a.class_name == "ottavaBracket"), key=lambda a: a.a_bbox[1]
    )
    systems = {ann.staves[b.staff].system for b in brackets}
    assert len(brackets) >= 2 and len(systems) == len(brackets)
    assert len({b.element_id for b in brackets}) == 1  # the continued pieces keep the ottava's id


def _ottava_score() -> Score:
    """One treble staff: C5 in measure 1, an 8va over C6 D6 (sounding) in measure 2 and E6 in measure 3."""

    def n(step: str, octave: int, at: int) -> Note:
        return Note(Pitch(step, 0, octave), F(at), F(1), "quarter")

    m1 = Measure(1, (n("C", 5, 0), Rest(F(1), F(1), "quarter")), time=TimeSignature(2, 4))
    m2 = Measure(
        2,
        (n("C", 6, 0), n("D", 6, 1)),
        directions=(Direction("octave-shift", "down", F(0), 1),),
    )
    m3 = Measure(
        3,
        (n("E", 6, 0), n("C", 5, 1)),
        directions=(Direction("octave-shift", "stop", F(0), 1),),
    )
    return Score((Part("P1", "Part 1", (m1, m2, m3)),))


def test_writer_emits_octave_shift_with_sounding_pitches_and_music21_reads_it(tmp_path: Path) -> None:
    xml = musicxml_string(_ottava_score())
    shifts = re.findall(r'<octave-shift type="(\w+)" number="1" size="8" />', xml)
    assert shifts == ["down", "stop"]
    assert "<wedge" not in xml
    # the start stands before measure 2's first note, the stop after measure 3's first note
    m2 = xml[xml.index('<measure number="2"') : xml.index('<measure number="3"')]
    assert m2.index("octave-shift") < m2.index("<note")
    m3 = xml[xml.index('<measure number="3"') :]
    assert m3.index("<step>E</step>") < m3.index("octave-shift") < m3.index("<step>C</step>")
    assert re.findall(r"<octave>(\d)</octave>", xml) == ["5", "6", "6", "6", "5"]  # sounding pitch
    sc = m21.converter.parse(xml, format="musicxml")
    assert [str(p) for p in sc.pitches] == ["C5", "C6", "D6", "E6", "C5"]
    (ott,) = sc.recurse().getElementsByClass(m21.spanner.Ottava)
    assert ott.type == "8va" and not ott.transposing
    assert [str(x.pitch) for x in ott.getSpannedElements()] == ["C6", "D6", "E6"]
    # and our reader gets the same marks back
    path = tmp_path / "o.musicxml"
    save_musicxml(_ottava_score(), path)
    back = load_musicxml(path).parts[0].measures
    assert back[1].directions == (Direction("octave-shift", "down", F(0), 1),)
    assert back[2].directions == (Direction("octave-shift", "stop", F(0), 1),)


def test_writer_drops_an_octave_shift_stop_without_start() -> None:
    m = Measure(
        1,
        (Note(Pitch("C", 0, 5), F(0), F(4), "whole"),),
        time=TimeSignature(4, 4),
        directions=(Direction("octave-shift", "stop", F(0), 1), Direction("octave-shift", "down", F(2), 1)),
    )
    xml = musicxml_string(Score((Part("P1", "Part 1", (m,)),)))
    assert "octave-shift" not in xml  # music21 refuses a lone stop; a start never stopped is dropped too
    m21.converter.parse(xml, format="musicxml")


def _assembled_xml(ottava: bool) -> tuple[str, int, int]:
    xml, ann, image = _engraved()
    truth = note_keys(_load_string(xml))
    asm = assemble_pages([(_glyphs(ann), image)], AssembleConfig(ottava=ottava))
    pred = note_keys(asm.score)
    return musicxml_string(asm.score), sum((pred & truth).values()), sum(truth.values())


def _load_string(xml: str) -> Score:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.musicxml"
        p.write_text(xml)
        return load_musicxml(p)


def test_oracle_assembly_reads_notes_under_ottavas_and_writes_the_shift() -> None:
    _out, hit_off, total = _assembled_xml(ottava=False)
    assert hit_off == total - 16  # without the rule every note under the two brackets is an octave off
    out, hit, total = _assembled_xml(ottava=True)
    assert hit == total == 32
    shifts = re.findall(r'<octave-shift type="(\w+)" number="(\d)"', out)
    assert sorted(shifts) == [("down", "1"), ("stop", "1"), ("stop", "2"), ("up", "2")]
    sc = m21.converter.parse(out, format="musicxml")
    otts = sorted(sc.recurse().getElementsByClass(m21.spanner.Ottava), key=lambda o: o.type)
    assert [o.type for o in otts] == ["8va", "8vb"]
    assert [str(x.pitch) for x in otts[0].getSpannedElements()] == ["C6", "D6", "E6", "F6"] * 2
    assert [str(x.pitch) for x in otts[1].getSpannedElements()] == ["C1", "D1", "E1", "F1"] * 2


@pytest.mark.skipif(shutil.which("mscore3") is None, reason="MuseScore 3 (mscore3) not installed")
def test_musescore_keeps_sounding_pitches_and_the_shifts(tmp_path: Path) -> None:
    out, _hit, _total = _assembled_xml(ottava=True)
    src, dst = tmp_path / "a.musicxml", tmp_path / "b.musicxml"
    src.write_text(out)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(["mscore3", "-o", str(dst), str(src)], env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0 and "Error" not in proc.stderr.decode(errors="replace")
    ours = [str(p) for p in m21.converter.parse(src).pitches]
    theirs = [str(p) for p in m21.converter.parse(dst).pitches]
    assert ours == theirs and "C6" in ours and "C1" in ours
    back = dst.read_text()
    assert len(re.findall(r'<octave-shift type="(?:up|down)"', back)) == 2
    assert len(re.findall(r'<octave-shift type="stop"', back)) == 2
