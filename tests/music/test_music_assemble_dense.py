"""Assembly rules found on dense development pages (non-reserved piano and song pieces, seeds 98500+;
never the benchmark's): each test fails without its change."""

from __future__ import annotations

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.records import Glyph


def _note(x: float, cy: float, up: bool, gid: int, head: str = "noteheadBlack") -> list[Glyph]:
    on = "OnLine" if int(cy) % 10 == 0 else "InSpace"
    stem = (x + 11, cy - 35, x + 12, cy) if up else (x, cy, x + 1, cy + 35)
    return [Glyph(f"{head}{on}", (x, cy - 5, x + 12, cy + 5), 1.0, gid), Glyph("stem", stem, 1.0, gid + 1)]


def test_a_pausing_accompaniment_starts_where_the_melody_part_plays_with_it() -> None:
    # a song part (one staff, four quarters) above a piano grand staff whose hands both hold only a
    # half note struck with the melody's third quarter (invisible half rests before them: Liliuokalani,
    # Aloha Oe, dense dev page); the piano has no filled voice of its own to align against
    glyphs = [
        Glyph("staff", (20.0, 99.4, 600.0, 140.6), 1.0, 0),
        Glyph("staff", (20.0, 199.4, 600.0, 240.6), 1.0, 1),
        Glyph("staff", (20.0, 299.4, 600.0, 340.6), 1.0, 2),
        Glyph("systemicBarline", (19, 100, 20, 341), 1.0, 3),
        Glyph("brace", (5, 200, 15, 341), 1.0, 19),
        Glyph("clefG", (25, 90, 40, 150), 1.0, 4),
        Glyph("clefG", (25, 190, 40, 250), 1.0, 5),
        Glyph("clefF", (25, 300, 40, 325), 1.0, 6),
    ]
    for k, y in enumerate((100, 120, 200, 220, 300, 320)):
        glyphs.append(Glyph("timeSig4", (50, y, 60, y + 20), 1.0, 7 + k))
    gid = 20
    for x in (100, 160, 220, 280):
        glyphs += _note(x, 125, True, gid)
        gid += 2
    glyphs += _note(220, 225, True, gid, "noteheadHalf")
    glyphs += _note(220, 325, False, gid + 2, "noteheadHalf")
    glyphs.append(Glyph("barline", (330, 100, 331, 141), 1.0, gid + 4))
    glyphs.append(Glyph("barline", (330, 200, 331, 341), 1.0, gid + 5))
    for flag in (True, False):
        score = assemble_pages([(glyphs, None)], AssembleConfig(align_across_parts=flag)).score
        assert len(score.parts) == 2
        melody, piano = (p.measures[0] for p in score.parts)
        assert [n.onset_q for n in melody.notes()] == [0, 1, 2, 3]
        hands = sorted(piano.notes(), key=lambda n: n.staff)
        assert [n.staff for n in hands] == [1, 2] and all(n.duration_q == 2 for n in hands)
        assert [n.onset_q for n in hands] == ([2, 2] if flag else [0, 0])


def test_a_note_tied_within_the_measure_keeps_the_alteration_of_its_partner() -> None:
    # a G flat tied over the barline, then in the next measure a G natural tied to a G without an
    # accidental: the last G is natural (tied to the natural one), not flat like the tie over the
    # barline (Weber, Concertino for clarinet, dense dev page)
    glyphs = [
        Glyph("staff", (20.0, 99.4, 600.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 1.0, 1),
        Glyph("timeSig4", (50, 100, 60, 120), 1.0, 2),
        Glyph("timeSig4", (50, 120, 60, 140), 1.0, 3),
    ]
    gid = 10
    for x in (100, 160, 220):
        glyphs += _note(x, 120, False, gid)
        gid += 2
    g4 = 130  # G4: the second line
    glyphs += _note(280, g4, True, gid)
    glyphs.append(Glyph("accidentalFlat", (266, g4 - 15, 274, g4 + 5), 1.0, gid + 2))
    glyphs.append(Glyph("tie", (294, g4 + 6, 358, g4 + 10), 1.0, gid + 3))
    glyphs.append(Glyph("barline", (330, 100, 331, 141), 1.0, gid + 4))
    gid += 5
    for x in (360, 420, 480):
        glyphs += _note(x, g4, True, gid)
        gid += 2
    glyphs.append(Glyph("accidentalNatural", (408, g4 - 12, 414, g4 + 12), 1.0, gid))
    glyphs.append(Glyph("tie", (434, g4 + 6, 478, g4 + 10), 1.0, gid + 1))
    glyphs += _note(540, 120, False, gid + 2)
    glyphs.append(Glyph("barline", (590, 100, 591, 141), 1.0, gid + 4))
    for flag in (True, False):
        score = assemble_pages([(glyphs, None)], AssembleConfig(ties_within_measure=flag)).score
        first, second = score.parts[0].measures
        assert [n.pitch.alter for n in first.notes()][-1] == -1
        gs = sorted((n for n in second.notes() if n.pitch.step == "G"), key=lambda n: n.onset_q)
        assert [n.onset_q for n in gs] == [0, 1, 2]
        assert [(n.tie_start, n.tie_stop) for n in gs] == [(False, True), (True, False), (False, True)]
        assert [n.pitch.alter for n in gs] == ([-1, 0, 0] if flag else [-1, 0, -1])
