"""Standard MIDI File (type 1) from the score model, with a small writer of our own (no extra dependency).

Tied notes sound as one; grace notes are skipped (they take no time in the model); every part gets its
own track and channel; tempo is fixed (default 100 quarter notes per minute).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

from frontline.music.musicxml import _atomic_write
from frontline.music.records import Chord, Note, Score, TimeSignature

__all__ = ["midi_bytes", "note_events", "save_midi"]

_TPQ = 480  # ticks per quarter note


def _vlq(value: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def note_events(score: Score) -> list[list[tuple[Fraction, Fraction, int]]]:
    """Per part, the sounding notes as (start, length, MIDI key) in quarter notes from the piece's start.

    Ties are merged into one sounding note; measure starts follow the written time signature, or the
    longest voice when a measure is shorter or longer than its signature says.
    """
    out: list[list[tuple[Fraction, Fraction, int]]] = []
    for part in score.parts:
        sounding: list[tuple[Fraction, Fraction, int]] = []
        open_ties: dict[tuple[int, int], int] = {}  # (key, staff) -> index into sounding
        start = Fraction(0)
        time = TimeSignature()
        for m in part.measures:
            if m.time is not None:
                time = m.time
            length = Fraction(0)
            for e in m.events:
                length = max(length, e.onset_q + e.duration_q)
            notes: list[Note] = []
            for e in m.events:
                if isinstance(e, Chord):
                    notes.extend(e.notes)
                elif isinstance(e, Note):
                    notes.append(e)
            for n in sorted(notes, key=lambda n: n.onset_q):
                if n.grace:
                    continue
                key = (n.pitch.midi, n.staff)
                t0 = start + n.onset_q
                if n.tie_stop and key in open_ties:
                    i = open_ties[key]
                    s, _, k = sounding[i]
                    sounding[i] = (s, t0 + n.duration_q - s, k)
                    if not n.tie_start:
                        del open_ties[key]
                    continue
                sounding.append((t0, n.duration_q, n.pitch.midi))
                if n.tie_start:
                    open_ties[key] = len(sounding) - 1
            full = time.measure_quarters
            start += length if length and length != full else full
        out.append(sorted(sounding))
    return out


def midi_bytes(score: Score, tempo_qpm: float = 100.0) -> bytes:
    """The score as a type-1 Standard MIDI File: a tempo track, then one track per part."""
    tracks: list[bytes] = []
    usec = int(round(60_000_000 / tempo_qpm))
    tempo = b"\x00\xff\x51\x03" + usec.to_bytes(3, "big") + b"\x00\xff\x2f\x00"
    tracks.append(tempo)
    for ch, notes in enumerate(note_events(score)):
        channel = ch % 16 if ch % 16 != 9 else 10
        msgs: list[tuple[int, int, bytes]] = []  # (tick, order, bytes): offs before ons at the same tick
        for start, length, key in notes:
            t0 = int(round(start * _TPQ))
            t1 = max(t0 + 1, int(round((start + length) * _TPQ)))
            key = min(127, max(0, key))
            msgs.append((t0, 1, bytes([0x90 | channel, key, 80])))
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
