"""Assembly rule of session 9 (oracle errors): accidental scope per voice (AssembleConfig.accidentals_per_voice).

Found on the development pages' ground-truth symbols (generator pages and non-reserved corpus pieces, never
the benchmark's): the data engine's MusicXML prints an accidental again in another voice of the same staff,
so an unmarked note of the other voice keeps the key's alteration. The test fails without the change.
"""

from __future__ import annotations

from assembly_glyphs import note as _head

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _page() -> list[Glyph]:
    """2/4 treble staff (lines y 100..140): upper voice Bb4 (flat) then D5, lower voice F4 then B4 unmarked."""
    glyphs = [
        Glyph("staff", (20.0, 99.4, 600.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 1.0, 1),
        Glyph("timeSig2", (50, 100, 60, 120), 1.0, 2),
        Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3),
        Glyph("accidentalFlat", (88, 108, 96, 125), 1.0, 4),
    ]
    glyphs += _head(100, 120, True, 10) + _head(200, 110, True, 12)  # upper voice: Bb4, D5
    glyphs += _head(100, 135, False, 14) + _head(200, 120, False, 16)  # lower voice: F4, B4 (no accidental)
    return glyphs + [Glyph("barline", (300, 100, 301, 140), 1.0, 30)]


def _midis(cfg: AssembleConfig | None = None) -> list[tuple[int, int]]:
    m = assemble_pages([(_page(), None)], cfg).score.parts[0].measures[0]
    return sorted((n.voice, n.pitch.midi) for n in m.notes())


def test_an_accidental_holds_in_its_own_voice_only() -> None:
    # generator page (rare3-7, 4th staff, 2nd measure): an accidental in one voice, a later note of its
    # height in the other voice printed without one (it keeps the key's alteration)
    assert _midis(AssembleConfig(accidentals_per_voice=True)) == [(1, 70), (1, 74), (2, 65), (2, 71)]
    # staff scope: the flat held for the lower voice's B4 too
    assert _midis(AssembleConfig(accidentals_per_voice=False)) == [(1, 70), (1, 74), (2, 65), (2, 70)]


def test_an_accidental_marks_the_other_voices_note_struck_with_it() -> None:
    # corpus page (songs-6, 6th staff, 2nd measure): one flat before a unison of two voices (the lower
    # voice's head drawn over the upper's) holds for both notes
    glyphs = _page()[:5] + _head(100, 120, True, 10) + _head(200, 110, True, 12)
    glyphs += _head(101, 120, False, 14) + _head(200, 135, False, 16)
    glyphs += [Glyph("barline", (300, 100, 301, 140), 1.0, 30)]
    m = (
        assemble_pages([(glyphs, None)], AssembleConfig(accidentals_per_voice=True))
        .score.parts[0]
        .measures[0]
    )
    assert sorted((n.voice, n.pitch.midi) for n in m.notes()) == [(1, 70), (1, 74), (2, 65), (2, 70)]
