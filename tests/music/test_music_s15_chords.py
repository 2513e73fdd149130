"""Session 15: beamed chords whose stems were all missed (faint stems on degraded scans), empty glyph staves."""

from __future__ import annotations

from dataclasses import replace

from assembly_glyphs import detected_header, detected_note, notes_of

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _beamed_chords_without_stems() -> list[Glyph]:
    """2/4: two eighth chords (B4 D5 and A5 above a gap) under one beam, no stem glyph, then a quarter."""
    glyphs = detected_header("2", "4")
    gid = 10
    for x in (100.0, 150.0):
        for cy in (120.0, 110.0, 90.0):
            glyphs += detected_note(x, cy, True, gid, stem=False)
            gid += 2
    glyphs.append(Glyph("beam", (111.0, 75.0, 162.0, 80.0), 0.9, 40))
    glyphs += detected_note(220.0, 120.0, True, 42)
    glyphs.append(Glyph("barline", (300.0, 100.0, 301.0, 140.0), 0.9, 50))
    return glyphs


def _chords(cfg: AssembleConfig) -> list[tuple[float, tuple[str, ...]]]:
    asm = assemble_pages([(_beamed_chords_without_stems(), None)], cfg)
    by_onset: dict[float, list[str]] = {}
    for n in notes_of(asm.score.parts[0].measures[0]):
        by_onset.setdefault(float(n.onset_q), []).append(f"{n.pitch.step}{n.pitch.octave}")
    return [(k, tuple(v)) for k, v in sorted(by_onset.items())]


def test_heads_of_one_column_under_a_beam_share_one_drawn_stem() -> None:
    assert _chords(AssembleConfig()) == [(0.0, ("B4", "D5", "A5")), (0.5, ("B4", "D5", "A5")), (1.0, ("B4",))]


def test_without_the_rule_the_head_beyond_the_gap_is_a_note_of_its_own() -> None:
    # each head drew its own stem to the beam: three notes in a row where a chord stands
    assert _chords(replace(AssembleConfig(), beam_stem_chords=False))[:3] == [
        (0.0, ("B4",)),
        (0.5, ("D5",)),
        (1.0, ("A5",)),
    ]


def test_a_glyph_staff_the_page_finder_missed_needs_a_symbol_on_it() -> None:
    from frontline.music.assemble.build import _merge_staves
    from frontline.music.records import Staff

    seen = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)  # the page's own finder
    empty = Staff(0, (400.0, 410.0, 420.0, 430.0, 440.0), 0.0, 1200.0)  # mottled paper: nothing on it
    notes = Staff(1, (250.0, 260.0, 270.0, 280.0, 290.0), 20.0, 600.0)  # a staff it missed, with a clef
    symbols = [
        Glyph("clefG", (25.0, 240.0, 40.0, 300.0), 0.9, 1),
        Glyph("barline", (300, 400, 301, 440), 0.9, 2),
    ]
    kept = _merge_staves([empty, notes], [seen], symbols)
    assert [st.top for st in kept] == [100.0, 250.0]
    assert [st.top for st in _merge_staves([empty, notes], [seen])] == [100.0, 250.0, 400.0]
    # a page whose own finder saw no staff keeps every glyph staff
    assert len(_merge_staves([empty, notes], [], symbols)) == 2


def _half_chord_with_outline_stem() -> list[Glyph]:
    """2/4: a half-note chord A4 C5 E5 G5 with its stem down on the left, and a short detected "stem"
    along the heads' right edges that stays within the chord (the stacked heads' outline)."""
    glyphs = detected_header("2", "4")
    for k, cy in enumerate((125.0, 115.0, 105.0, 95.0)):
        on = "OnLine" if int(cy) % 10 == 0 else "InSpace"
        glyphs.append(Glyph(f"noteheadHalf{on}", (100.0, cy - 5, 112.0, cy + 5), 0.9, 10 + k))
    glyphs.append(Glyph("stem", (101.0, 95.0, 103.0, 160.0), 0.9, 20))
    glyphs.append(Glyph("stem", (111.0, 104.0, 112.0, 130.0), 0.9, 21))
    glyphs.append(Glyph("barline", (200.0, 100.0, 201.0, 140.0), 0.9, 30))
    return glyphs


def _voices_and_stems(cfg: AssembleConfig) -> list[tuple[str, int, str]]:
    asm = assemble_pages([(_half_chord_with_outline_stem(), None)], cfg)
    return [
        (f"{n.pitch.step}{n.pitch.octave}", n.voice, n.stem) for n in notes_of(asm.score.parts[0].measures[0])
    ]


def test_a_stem_within_its_column_of_heads_is_their_outline() -> None:
    chord = [("A4", 1, "down"), ("C5", 1, "down"), ("E5", 1, "down"), ("G5", 1, "down")]
    assert _voices_and_stems(AssembleConfig()) == chord
    # without the rule the outline takes three heads as an up-stem chord, the top head a second voice
    assert _voices_and_stems(replace(AssembleConfig(), stems_beyond_heads=False))[-1] == ("G5", 2, "down")
