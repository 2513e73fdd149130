"""Session 19: where a hairpin stops, and the dynamics letters' drawings made from ink masks."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np
from tests.music.test_music_s18 import _engraved, _quarters


def _hairpin_stops(past_head: float | None) -> list[Fraction]:
    """Onsets of the hairpin stops read in measures 2-4 of a one-part score (engraved by the data engine,
    read from its annotations): a crescendo from the first of four quarter notes that stops at the
    measure's end (2), at its last note (3), at its third note (4)."""
    from frontline.music.assemble import AssembleConfig, assemble_pages
    from frontline.music.synth.engrave import EngraveOptions

    def notes(steps: str) -> str:
        return _quarters(steps, 5)

    def wedge(kind: str) -> str:
        return f'<direction placement="below"><direction-type><wedge type="{kind}"/></direction-type></direction>'

    bodies = [
        "<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
        f"<clef><sign>G</sign><line>2</line></clef></attributes>{notes('CDEF')}",
        wedge("crescendo") + notes("EDCB") + wedge("stop"),
        wedge("crescendo") + notes("EDC") + wedge("stop") + notes("B"),
        wedge("crescendo") + notes("ED") + wedge("stop") + notes("CB"),
    ]
    glyphs, image = _engraved(
        [bodies],
        EngraveOptions(font="Leland", unit=9.0, spacing_linear=0.25, spacing_non_linear=0.46, header="none"),
    )
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
    for _word, shape, k in drawings[:40]:
        d = stacks[shape][k]
        assert d.shape == shape and d.dtype == np.float32
        assert d.min() >= 0.0 and d.max() == 1.0  # coverage fractions, some full
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


def _piece(first_words: str, later_words: str, dynamics: tuple[str, str, str]) -> str:
    """Four measures of four quarter notes: `first_words` over measure 1, `later_words` over measure 3,
    dynamics at the starts of measures 1, 2 and 3."""

    def direction(inner: str, place: str) -> str:
        return f'<direction placement="{place}"><direction-type>{inner}</direction-type></direction>'

    def notes(steps: str) -> str:
        return _quarters(steps, 5)

    head = (
        "<attributes><divisions>1</divisions><key><fifths>0</fifths></key><time><beats>4</beats>"
        "<beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef></attributes>"
    )
    body = ""
    for i in range(4):
        marks = head if i == 0 else ""
        if i == 0:
            marks += direction(f"<words>{first_words}</words>", "above")
        if i == 2:
            marks += direction(f"<words>{later_words}</words>", "above")
        if i < 3:
            marks += direction(f"<dynamics><{dynamics[i]}/></dynamics>", "below")
        body += f'<measure number="{i + 1}">{marks}{notes("CDEF")}</measure>'
    return (
        '<?xml version="1.0"?><score-partwise version="4.0"><part-list><score-part id="P1"><part-name/>'
        f'</score-part></part-list><part id="P1">{body}</part></score-partwise>'
    )


def _midi_tempi_and_velocities(data: bytes) -> tuple[list[tuple[int, float]], list[int]]:
    """(tick, quarter notes per minute) of the tempo events and the note-on velocities, in order, read
    back from a Standard MIDI File by a reader independent of the writer's code."""
    import struct

    tempi: list[tuple[int, float]] = []
    velocities: list[int] = []
    pos = 14
    while pos < len(data):
        assert data[pos : pos + 4] == b"MTrk"
        (length,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        track, pos, k, tick, status = data[pos + 8 : pos + 8 + length], pos + 8 + length, 0, 0, 0
        while k < len(track):
            delta = 0
            while True:
                b = track[k]
                k += 1
                delta = (delta << 7) | (b & 0x7F)
                if b < 0x80:
                    break
            tick += delta
            if track[k] == 0xFF:
                kind, size = track[k + 1], track[k + 2]
                if kind == 0x51:
                    tempi.append((tick, 60_000_000 / int.from_bytes(track[k + 3 : k + 6], "big")))
                k += 3 + size
                continue
            if track[k] & 0x80:
                status = track[k]
                k += 1
            if status & 0xF0 == 0xC0:
                k += 1
                continue
            if status & 0xF0 == 0x90 and track[k + 1] > 0:
                velocities.append(track[k + 1])
            k += 2
    return tempi, velocities


def test_midi_plays_the_tempo_words_and_the_dynamics(tmp_path: object) -> None:
    from frontline.music.midi import midi_bytes
    from frontline.music.musicxml import load_musicxml

    score = load_musicxml(_piece("Adagio", "Allegro ma non troppo", ("p", "f", "mf")))
    tempi, vel = _midi_tempi_and_velocities(midi_bytes(score))
    assert [t for t, _ in tempi] == [0, 2 * 4 * 480]  # from the start, then at measure 3
    assert 60 <= tempi[0][1] <= 80 and 115 <= tempi[1][1] < 132  # Adagio, Allegro held back
    assert vel[:4] == [vel[0]] * 4 and vel[4:8] == [vel[4]] * 4 and vel[8:12] == [vel[8]] * 4
    assert vel[0] < vel[8] < vel[4] and vel[12:] == [vel[8]] * 4  # p < mf < f; mf lasts

    # an accent dynamic marks its note only; "a tempo" returns to the first tempo word's tempo
    score = load_musicxml(
        _piece("Andante", "a tempo", ("p", "sfz", "p")).replace(
            '<measure number="2">',
            '<measure number="2"><direction placement="above"><direction-type>'
            "<words>Presto</words></direction-type></direction>",
            1,
        )
    )
    tempi, vel = _midi_tempi_and_velocities(midi_bytes(score))
    assert [t for t, _ in tempi] == [0, 4 * 480, 8 * 480]
    assert tempi[2][1] == tempi[0][1] < tempi[1][1]
    assert vel[4] > vel[5] == vel[0]

    # no tempo word: the caller's tempo, and every note at one level
    score = load_musicxml(_piece("dolce", "espressivo", ("mf", "mf", "mf")))
    tempi, vel = _midi_tempi_and_velocities(midi_bytes(score, tempo_qpm=90))
    assert [round(q) for _, q in tempi] == [90] and len(set(vel)) == 1


def test_tempo_words_are_written_for_players_and_read_back(tmp_path: object) -> None:
    from pathlib import Path

    from frontline.music.musicxml import load_musicxml, save_musicxml
    from frontline.music.tempo import tempo_qpm

    assert tempo_qpm("Largo") < tempo_qpm("Andante") < tempo_qpm("Allegro") < tempo_qpm("Presto")  # type: ignore[operator]
    assert tempo_qpm("Menuetto. Allegretto") == tempo_qpm("Allegretto")  # the tempo word, not the dance
    assert tempo_qpm("dolce") is None and tempo_qpm("a tempo") is None and tempo_qpm("cresc.") is None
    out = Path(str(tmp_path)) / "t.musicxml"
    save_musicxml(load_musicxml(_piece("Allegro", "dolce", ("p", "f", "p"))), out)
    text = out.read_text(encoding="utf-8")
    assert text.count("<sound ") == 1 and f'<sound tempo="{tempo_qpm("Allegro"):g}"' in text
    words = [d.value for m in load_musicxml(out).parts[0].measures for d in m.directions if d.kind == "words"]
    assert words == ["Allegro", "dolce"]


def test_long_strokes_are_not_sent_to_the_text_recogniser() -> None:
    import cv2

    from frontline.music.words import WordsConfig, _is_stroke

    cfg = WordsConfig()

    def canvas(w: int, h: int = 40) -> np.ndarray:
        return np.full((h, w), 255, np.uint8)

    slur = canvas(400)
    cv2.ellipse(slur, (200, 45), (195, 35), 0, 180, 360, 0, 2)  # an arc across the box
    hairpin = canvas(300)
    cv2.line(hairpin, (5, 20), (295, 8), 0, 2)
    cv2.line(hairpin, (5, 20), (295, 32), 0, 2)  # two lines that meet: one piece
    words = canvas(400)
    cv2.putText(words, "poco a poco cresc.", (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
    letter = canvas(40)
    cv2.putText(letter, "f", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    short_line = canvas(100)  # as wide as 2.5 heights: could be a word, read it
    cv2.line(short_line, (5, 20), (95, 20), 0, 2)
    assert _is_stroke(slur, cfg) and _is_stroke(hairpin, cfg)
    assert not _is_stroke(words, cfg) and not _is_stroke(letter, cfg) and not _is_stroke(short_line, cfg)
    assert not _is_stroke(canvas(400), cfg)  # no ink at all: left to the reader, as before
