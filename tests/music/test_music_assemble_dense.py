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
