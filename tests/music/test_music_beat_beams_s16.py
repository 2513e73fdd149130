"""Session 16: detected short notes whose beams were all missed are beamed by beat (AssembleConfig.beat_beams)."""

from __future__ import annotations

from dataclasses import replace

from assembly_glyphs import detected_header, detected_note, notes_of

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _heads_without_stems(beats: str, beat_type: str, n: int) -> list[Glyph]:
    """A detected time signature, then `n` black heads (G4, B4 alternating) whose stems and beams were
    all missed, and a barline: the repair gives them the one value that fills the measure."""
    glyphs = detected_header(beats, beat_type)
    for k in range(n):
        glyphs += detected_note(
            100.0 + 30.0 * k, 130.0 if k % 2 == 0 else 120.0, True, 10 + 2 * k, stem=False
        )
    glyphs.append(Glyph("barline", (100.0 + 30.0 * n + 20.0, 100.0, 100.0 + 30.0 * n + 21.0, 140.0), 0.9, 90))
    return glyphs


def _beams(glyphs: list[Glyph], cfg: AssembleConfig) -> list[tuple[str, tuple[str, ...]]]:
    asm = assemble_pages([(glyphs, None)], cfg)
    return [(n.note_type, n.beams) for n in notes_of(asm.score.parts[0].measures[0])]


def test_sixteenths_without_beams_are_beamed_by_quarter_beat_with_the_second_level_in_pairs() -> None:
    b1, b2 = ("begin", "begin"), ("continue", "end")
    c1, e1 = ("continue", "begin"), ("end", "end")
    got = _beams(_heads_without_stems("2", "4", 8), AssembleConfig())
    assert got == [("16th", b) for b in (b1, b2, c1, e1, b1, b2, c1, e1)]


def test_eighths_in_six_eight_are_beamed_by_dotted_quarter() -> None:
    got = _beams(_heads_without_stems("6", "8", 6), AssembleConfig())
    three = [("begin",), ("continue",), ("end",)]
    assert got == [("eighth", b) for b in three + three]


def test_without_the_rule_they_are_written_unbeamed() -> None:
    got = _beams(_heads_without_stems("2", "4", 8), replace(AssembleConfig(), beat_beams=False))
    assert got == [("16th", ())] * 8


def test_notes_with_detected_flags_stay_unbeamed() -> None:
    glyphs = detected_header("2", "4")
    for k, x in enumerate((100.0, 150.0)):
        glyphs += detected_note(x, 120.0, True, 10 + 3 * k)
        glyphs.append(Glyph("flag8thUp", (x + 12, 85.0, x + 20, 100.0), 0.9, 12 + 3 * k))
    glyphs += detected_note(200.0, 120.0, True, 20)
    glyphs.append(Glyph("barline", (260.0, 100.0, 261.0, 140.0), 0.9, 90))
    assert _beams(glyphs, AssembleConfig()) == [("eighth", ()), ("eighth", ()), ("quarter", ())]
