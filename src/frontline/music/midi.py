"""Standard MIDI File (type 1) from the score model, with a small writer of our own (no extra dependency).

Tied notes sound as one; grace notes are skipped (they take no time in the model); every part gets its
own track and channel. The tempo follows the tempo words read (`tempo.tempo_qpm`: "Adagio" plays at 70
quarter notes a minute; 100 before the first), and a note's loudness the last dynamic mark of its staff
(`tempo.velocity_of`; an sf or fp marks its own note only).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

from frontline.music.musicxml import _atomic_write
from frontline.music.records import Chord, Note, Part, Score, TimeSignature
from frontline.music.tempo import ACCENT_DYNAMICS, is_tempo_reset, tempo_qpm, velocity_of

__all__ = ["midi_bytes", "note_events", "save_midi", "tempo_changes"]

_TPQ = 480  # ticks per quarter note


def _vlq(value: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


_LASTING = {"fp": "p", "sfp": "p", "sfpp": "pp"}
"""The level an accent dynamic leaves behind (others leave the level as it was)."""


def _measure_starts(part: Part) -> list[Fraction]:
    """Each measure's start in quarter notes from the piece's start: the written time signature's length,
    or the longest voice when a measure is shorter or longer than its signature says."""
    starts: list[Fraction] = []
    start = Fraction(0)
    time = TimeSignature()
    for m in part.measures:
        starts.append(start)
        if m.time is not None:
            time = m.time
        length = max((e.onset_q + e.duration_q for e in m.events), default=Fraction(0))
        full = time.measure_quarters
        start += length if length and length != full else full
    return starts


def note_events(score: Score) -> list[list[tuple[Fraction, Fraction, int]]]:
    """Per part, the sounding notes as (start, length, MIDI key) in quarter notes from the piece's start.

    Ties are merged into one sounding note; measure starts as `_measure_starts`.
    """
    return [[(t, n, k) for t, n, k, _ in part] for part in _sounding(score)]


def _sounding(score: Score) -> list[list[tuple[Fraction, Fraction, int, int]]]:
    """`note_events` with each note's velocity (the staff's last dynamic mark at or before it)."""
    out: list[list[tuple[Fraction, Fraction, int, int]]] = []
    for part in score.parts:
        sounding: list[tuple[Fraction, Fraction, int, int]] = []
        open_ties: dict[tuple[int, int], int] = {}  # (key, staff) -> index into sounding
        level: dict[int, int] = {}  # staff (0: any) -> velocity of its last lasting dynamic
        for m, start in zip(part.measures, _measure_starts(part), strict=True):
            marks = sorted(
                (d.onset_q, d.staff, d.value)
                for d in m.directions
                if d.kind == "dynamic" and velocity_of(d.value) is not None
            )
            accents: dict[tuple[Fraction, int], str] = {}
            notes: list[Note] = []
            for e in m.events:
                if isinstance(e, Chord):
                    notes.extend(e.notes)
                elif isinstance(e, Note):
                    notes.append(e)
            for n in sorted(notes, key=lambda n: n.onset_q):
                if n.grace:
                    continue
                while marks and marks[0][0] <= n.onset_q:
                    onset, staff, value = marks.pop(0)
                    if value in ACCENT_DYNAMICS:
                        accents[(onset, staff)] = value
                    # fp, sfp: a loud attack, then the soft level lasts; sf, fz: the attack only
                    lasting = _LASTING.get(value, None if value in ACCENT_DYNAMICS else value)
                    if lasting is not None:
                        level[staff] = level[0] = velocity_of(lasting) or 80
                accent = accents.get((n.onset_q, n.staff))
                # a staff with no mark of its own yet plays at its part's last (a dynamic between a
                # grand staff's staves is read as the upper staff's)
                velocity = (velocity_of(accent) if accent else None) or level.get(n.staff, level.get(0, 80))
                key = (n.pitch.midi, n.staff)
                t0 = start + n.onset_q
                if n.tie_stop and key in open_ties:
                    i = open_ties[key]
                    s, _, k, v = sounding[i]
                    sounding[i] = (s, t0 + n.duration_q - s, k, v)
                    if not n.tie_start:
                        del open_ties[key]
                    continue
                sounding.append((t0, n.duration_q, n.pitch.midi, velocity))
                if n.tie_start:
                    open_ties[key] = len(sounding) - 1
        out.append(sorted(sounding))
    return out


def tempo_changes(score: Score, default_qpm: float = 100.0) -> list[tuple[Fraction, float]]:
    """(start in quarter notes, quarter notes per minute) of each tempo change the tempo words ask for,
    in order, the first at 0 ("a tempo" and "Tempo I" return to the first tempo word's)."""
    marks: list[tuple[Fraction, str]] = []
    for part in score.parts:
        for m, start in zip(part.measures, _measure_starts(part), strict=True):
            marks.extend((start + d.onset_q, d.value) for d in m.directions if d.kind == "words")
    out: list[tuple[Fraction, float]] = [(Fraction(0), default_qpm)]
    main: float | None = None
    for at, text in sorted(marks, key=lambda x: x[0]):
        qpm = tempo_qpm(text)
        if qpm is None and is_tempo_reset(text) and main is not None:
            qpm = main
        if qpm is None:
            continue
        main = qpm if main is None else main
        if out[-1][0] == at:
            out[-1] = (at, qpm)
        elif out[-1][1] != qpm:
            out.append((at, qpm))
    return out


def midi_bytes(score: Score, tempo_qpm: float = 100.0) -> bytes:
    """The score as a type-1 Standard MIDI File: a tempo track (`tempo_changes`; `tempo_qpm` until the
    first tempo word), then one track per part."""
    tracks: list[bytes] = []
    tempo = bytearray()
    last = 0
    for at, qpm in tempo_changes(score, tempo_qpm):
        tick = int(round(at * _TPQ))
        usec = min(0xFFFFFF, int(round(60_000_000 / qpm)))
        tempo += _vlq(tick - last) + b"\xff\x51\x03" + usec.to_bytes(3, "big")
        last = tick
    tempo += b"\x00\xff\x2f\x00"
    tracks.append(bytes(tempo))
    for ch, notes in enumerate(_sounding(score)):
        channel = ch % 16 if ch % 16 != 9 else 10
        msgs: list[tuple[int, int, bytes]] = []  # (tick, order, bytes): offs before ons at the same tick
        for start, length, key, velocity in notes:
            t0 = int(round(start * _TPQ))
            t1 = max(t0 + 1, int(round((start + length) * _TPQ)))
            key = min(127, max(0, key))
            msgs.append((t0, 1, bytes([0x90 | channel, key, min(127, max(1, velocity))])))
            msgs.append((t1, 0, bytes([0x80 | channel, key, 0])))
        msgs.sort(key=lambda m: (m[0], m[1]))
        body = bytearray()
        name = score.parts[ch].name.encode("latin-1", "replace")[:64]
        body += b"\x00\xff\x03" + _vlq(len(name)) + name
        body += bytes([0x00, 0xC0 | channel, 0])  # piano
        last = 0
        for tick, _, data in msgs:
            body += _vlq(tick - last) + data
            last = tick
        body += b"\x00\xff\x2f\x00"
        tracks.append(bytes(body))
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), _TPQ)
    return header + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks)


def save_midi(score: Score, out: str | Path, tempo_qpm: float = 100.0) -> None:
    """Write the score as a Standard MIDI File to `out`, atomically."""
    _atomic_write(Path(out), midi_bytes(score, tempo_qpm))
