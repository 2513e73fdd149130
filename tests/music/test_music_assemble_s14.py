"""Session 14: rules found on classical development pages built from the non-reserved corpus files of
that style (chopin, cpebach, handel, schoenberg, verdi, weber, liliuokalani, ...; never the benchmark's).
Each test fails without its rule."""

from __future__ import annotations

from fractions import Fraction as F

from assembly_glyphs import grand_staff, header, note

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _grand_staff_with_a_slur(slur_y: tuple[float, float]) -> list[Glyph]:
    """A braced grand staff (two treble staves, tops 100 and 220), 4/4, four quarters on each: the upper
    ones low under their staff (y 160, on ledger lines), the lower ones inside theirs; a slur between the
    staves from the first to the second note, at rows `slur_y`."""
    glyphs = grand_staff("4", "4", 330)
    for k, x in enumerate((100, 150, 200, 250)):
        glyphs += note(x, 160, True, 30 + 4 * k)
        glyphs += [Glyph("legerLine", (x - 3, 149.5, x + 15, 150.5), 1.0, 60 + 2 * k)]
        glyphs += [Glyph("legerLine", (x - 3, 159.5, x + 15, 160.5), 1.0, 61 + 2 * k)]
        glyphs += note(x, 235, True, 32 + 4 * k)
    glyphs += [Glyph("slur", (102, slur_y[0], 160, slur_y[1]), 1.0, 90)]
    return glyphs


def test_a_slur_between_the_staves_goes_to_the_notes_it_passes_nearer() -> None:
    # under the upper staff's low notes, but nearer the lower staff's top line than the upper's bottom
    glyphs = _grand_staff_with_a_slur((176, 190))

    def slurred(cfg: AssembleConfig) -> list[tuple[int, bool, bool]]:
        m = assemble_pages([(glyphs, None)], cfg).score.parts[0].measures[0]
        return sorted((n.staff, n.slur_start, n.slur_stop) for n in m.notes() if n.slur_start or n.slur_stop)

    assert slurred(AssembleConfig()) == [(1, False, True), (1, True, False)]
    assert slurred(AssembleConfig(slur_between_staves=False)) == [(2, False, True), (2, True, False)]


def test_a_triplet_that_starts_with_a_rest_takes_the_rest() -> None:
    # 2/4: an eighth rest, then two eighths beamed under a "3" (the rest is the triplet's first third),
    # then a quarter; the number sits on the beam of the two notes only
    glyphs = header("2", "4") + [Glyph("rest8th", (90, 112, 99, 128), 1.0, 10)]
    glyphs += note(130, 125, True, 11) + note(170, 120, True, 13)
    glyphs += [Glyph("beam", (141, 85, 182, 90), 1.0, 15), Glyph("tuplet3", (155, 70, 163, 80), 1.0, 16)]
    glyphs += note(230, 115, True, 17) + [Glyph("barline", (300, 100, 301, 140), 1.0, 19)]

    def onsets(cfg: AssembleConfig) -> list[tuple[F, F]]:
        m = assemble_pages([(glyphs, None)], cfg).score.parts[0].measures[0]
        return [(n.onset_q, n.duration_q) for n in sorted(m.notes(), key=lambda n: n.onset_q)]

    assert onsets(AssembleConfig()) == [(F(1, 3), F(1, 3)), (F(2, 3), F(1, 3)), (F(1), F(1))]
    assert onsets(AssembleConfig(tuplet_rest_fill=False)) != onsets(AssembleConfig())
