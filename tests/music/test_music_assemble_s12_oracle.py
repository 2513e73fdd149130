"""Session-12 assembly rules found on annotated (oracle) symbols: each test fails without its rule."""

from __future__ import annotations

from fractions import Fraction as F

from assembly_glyphs import header, note

from frontline.music.assemble import AssembleConfig, assemble_pages
from frontline.music.musicxml import load_musicxml, musicxml_string
from frontline.music.records import Glyph, Note, Score


def _two_systems(slurs: list[Glyph]) -> list[Glyph]:
    """Two one-staff systems in 4/4 (staff lines y 100-140, then 300-340), two measures of quarters in the
    first and one in the second, plus `slurs`."""
    glyphs = header("4", "4")
    glyphs += [
        Glyph("staff", (20.0, 299.4, 600.0, 340.6), 1.0, 4),
        Glyph("clefG", (25, 290, 40, 350), 1.0, 5),
    ]
    gid = 10
    for x in (100, 160, 220, 280, 380, 440, 500, 560):
        glyphs += note(x, 125, True, gid)
        gid += 2
    for x in (100, 160, 220, 280):
        glyphs += note(x, 325, True, gid)
        gid += 2
    glyphs += [
        Glyph("barline", (340, 100, 341, 140), 1.0, 60),
        Glyph("barline", (599, 100, 600, 140), 1.0, 61),
        Glyph("barline", (340, 300, 341, 340), 1.0, 62),
    ]
    return glyphs + slurs


def _slur_marks(score: Score) -> list[tuple[int, F, str]]:
    """(measure index, onset, "start"/"stop") of every slur mark of the first part."""
    out = []
    for mi, m in enumerate(score.parts[0].measures):
        for e in m.events:
            if isinstance(e, Note):
                out += [(mi, e.onset_q, "start")] if e.slur_start else []
                out += [(mi, e.onset_q, "stop")] if e.slur_stop else []
    return sorted(out)


def test_slur_cut_by_a_system_break_joins_its_two_pieces() -> None:
    # a slur from the second measure's second quarter drawn on to the end of the first system, then from
    # just before the second system's first note (after its clef) to its third quarter
    slurs = [Glyph("slur", (446, 70, 598, 88), 1.0, 70), Glyph("slur", (88, 270, 226, 288), 1.0, 71)]
    score = assemble_pages([(_two_systems(slurs), None)]).score
    assert _slur_marks(score) == [(1, F(1), "start"), (2, F(2), "stop")]
    # before: the first piece was dropped and the second made a slur of its own
    old = assemble_pages([(_two_systems(slurs), None)], AssembleConfig(slur_system_break=False)).score
    assert _slur_marks(old) == [(2, F(0), "start"), (2, F(2), "stop")]


def test_slur_inside_a_system_is_unchanged() -> None:
    slurs = [Glyph("slur", (106, 70, 226, 88), 1.0, 70)]
    score = assemble_pages([(_two_systems(slurs), None)]).score
    assert _slur_marks(score) == [(0, F(0), "start"), (0, F(2), "stop")]


def test_a_high_bass_note_on_ledger_lines_near_the_staff_above_stays_on_its_staff() -> None:
    # violin staff (lines 100-140) over a cello staff in bass clef (lines 200-240); the cello's D5 whole
    # note sits on the fifth ledger line above its staff (ledgers 190 .. 150), one space under the violin
    # staff, where a violin C4 would sit on its first ledger line
    glyphs = header("4", "4") + [
        Glyph("staff", (20.0, 199.4, 600.0, 240.6), 1.0, 4),
        Glyph("clefF", (25, 200, 40, 225), 1.0, 5),
        Glyph("timeSig4", (50, 200, 60, 220), 1.0, 6),
        Glyph("timeSig4", (50, 220, 60, 240), 1.0, 7),
        Glyph("noteheadWholeInSpace", (100, 125, 114, 135), 1.0, 10),  # violin G4
        Glyph("noteheadWholeOnLine", (100, 145, 114, 155), 1.0, 11),  # cello D5
        Glyph("barline", (300, 100, 301, 240), 1.0, 30),
    ]
    glyphs += [
        Glyph("legerLine", (97, y - 0.6, 117, y + 0.6), 1.0, 20 + k)
        for k, y in enumerate(range(150, 191, 10))
    ]

    def pitches(cfg: AssembleConfig) -> list[tuple[int, str]]:
        score = assemble_pages([(glyphs, None)], cfg).score
        return sorted((n.staff, str(n.pitch)) for p in score.parts for n in p.measures[0].notes())

    assert pitches(AssembleConfig()) == [(1, "G4"), (2, "D5")]
    assert pitches(AssembleConfig(ledger_beyond=False)) == [(1, "C4"), (1, "G4")]


def _three_staves(bracket: bool) -> list[Glyph]:
    """Three treble staves in 4/4 (lines 100-140, 200-240, 300-340) joined by a barline, each with a whole
    note, and a bracket with hooks over all three when `bracket`."""
    glyphs = header("4", "4")
    for k, dy in enumerate((100, 200)):
        glyphs += [
            Glyph("staff", (20.0, 99.4 + dy, 600.0, 140.6 + dy), 1.0, 4 + 4 * k),
            Glyph("clefG", (25, 90 + dy, 40, 150 + dy), 1.0, 5 + 4 * k),
            Glyph("timeSig4", (50, 100 + dy, 60, 120 + dy), 1.0, 6 + 4 * k),
            Glyph("timeSig4", (50, 120 + dy, 60, 140 + dy), 1.0, 7 + 4 * k),
        ]
    glyphs += [
        Glyph("noteheadWholeInSpace", (100, 125 + dy, 114, 135 + dy), 1.0, 20 + k)
        for k, dy in enumerate((0, 100, 200))
    ]
    glyphs += [
        Glyph("barline", (300, 100, 301, 340), 1.0, 30),
        Glyph("systemicBarline", (18, 100, 20, 340), 1.0, 31),
    ]
    return glyphs + ([Glyph("bracket", (8, 90, 17, 350), 1.0, 32)] if bracket else [])


def test_a_bracket_over_the_staves_groups_the_parts_and_is_written() -> None:
    score = assemble_pages([(_three_staves(True), None)]).score
    assert len(score.parts) == 3 and score.part_groups == ((0, 2),)
    xml = musicxml_string(score)
    assert '<part-group type="start" number="1">' in xml and "<group-symbol>bracket</group-symbol>" in xml
    assert load_musicxml(xml).part_groups == ((0, 2),)
    assert assemble_pages([(_three_staves(False), None)]).score.part_groups == ()
    off = assemble_pages([(_three_staves(True), None)], AssembleConfig(part_groups=False)).score
    assert off.part_groups == () and "part-group" not in musicxml_string(off)


def test_a_mordent_drawn_with_its_stroke_is_no_inverted_mordent() -> None:
    # the mordent class holds the zigzag alone (1 space tall, the common inverted mordent) and the zigzag
    # with a vertical stroke (1.6 spaces, the mordent)
    def ornament(height: float, cfg: AssembleConfig) -> tuple[str, ...]:
        glyphs = header("4", "4") + note(100, 125, False, 10)
        glyphs.append(Glyph("ornamentMordent", (98, 88 - height, 116, 88), 1.0, 20))
        (n,) = assemble_pages([(glyphs, None)], cfg).score.parts[0].measures[0].notes()
        return n.ornaments

    assert ornament(10, AssembleConfig()) == ("inverted-mordent",)
    assert ornament(16, AssembleConfig()) == ("mordent",)
    assert ornament(16, AssembleConfig(mordent_stroke_spaces=0)) == ("inverted-mordent",)


def test_brackets_read_per_pair_of_staves_make_one_group() -> None:
    # the pixels' connector finder reports a bracket per pair of neighbouring staves
    glyphs = _three_staves(False) + [
        Glyph("bracket", (8, 90, 17, 250), 0.9, 40),
        Glyph("bracket", (8, 190, 17, 350), 0.9, 41),
    ]
    assert assemble_pages([(glyphs, None)]).score.part_groups == ((0, 2),)


def test_a_dynamic_pushed_down_near_the_next_part_marks_the_part_above_unless_the_gap_holds_lyrics() -> None:
    # a "p" in the gap between the first two bracketed parts, just over the second part's staff (stacked
    # under words below the first part); a vocal first part would have lyrics in that gap
    dyn = Glyph("dynamicP", (100, 184, 110, 196), 1.0, 50)
    lyric = Glyph("lyricText", (160, 150, 190, 162), 1.0, 51)

    def marked(glyphs: list[Glyph], cfg: AssembleConfig) -> list[int]:
        score = assemble_pages([(glyphs, None)], cfg).score
        return [
            i for i, p in enumerate(score.parts) if any(d.kind == "dynamic" for d in p.measures[0].directions)
        ]

    assert marked([*_three_staves(True), dyn], AssembleConfig()) == [0]
    assert marked([*_three_staves(True), dyn], AssembleConfig(dynamics_below_unsung=False)) == [1]
    assert marked([*_three_staves(True), dyn, lyric], AssembleConfig()) == [1]


def test_a_tremolo_on_a_stem_is_its_notes_single_tremolo_and_is_written() -> None:
    glyphs = header("4", "4") + note(100, 125, True, 10) + [Glyph("tremolo3", (106, 100, 117, 112), 1.0, 20)]
    score = assemble_pages([(glyphs, None)]).score
    (n,) = score.parts[0].measures[0].notes()
    assert n.ornaments == ("tremolo-3",)
    xml = musicxml_string(score)
    assert '<tremolo type="single">3</tremolo>' in xml
    (back,) = load_musicxml(xml).parts[0].measures[0].notes()
    assert back.ornaments == ("tremolo-3",)
    (off,) = (
        assemble_pages([(glyphs, None)], AssembleConfig(tremolos=False)).score.parts[0].measures[0].notes()
    )
    assert off.ornaments == ()
