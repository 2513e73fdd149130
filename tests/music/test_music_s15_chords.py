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
