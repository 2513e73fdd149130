"""Text directions: which reads count as directions, where candidate phrases are found (pure, no OCR); a
word drawn above a staff read, dated and written to MusicXML end to end with the OCR package (skipped when
it is not installed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction as F

import numpy as np
import pytest
from assembly_glyphs import header as _header
from assembly_glyphs import note as _note
from assembly_glyphs import text_page

from frontline.music.assemble import assemble_pages
from frontline.music.lyrics import LyricsConfig, ocr_available
from frontline.music.musicxml import load_musicxml, musicxml_string
from frontline.music.records import Direction, Glyph, Staff
from frontline.music.words import (
    WordsConfig,
    is_direction_text,
    lexicon_text,
    phrases,
    read_part_names,
    read_phrases,
    read_words,
)

CFG = WordsConfig()
needs_ocr = pytest.mark.skipif(
    not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed"
)


def test_direction_text_needs_letters_and_no_digits_or_dynamics() -> None:
    for text in (
        "Allegro",
        "poco rit.",
        "rit.",
        "Adagio ma non troppo",
        "(espress.)",
        "dolce",
        "Langsam (",
        "dolce e espr.",
    ):
        assert is_direction_text(text, CFG), text
    for text in (
        "mf",
        "sfz",
        "pp",
        "tr",
        "JJJ",
        "12",
        "Ped. 3",
        "E",
        "a=b",
        "ΑΒΓΔ",
        "",
        "krankt,",
        "rom-men",
    ):
        assert not is_direction_text(text, CFG), text


def test_direction_text_may_hold_digits_as_words_of_their_own() -> None:
    for text in ("Du Konig (6 x)", "Dein' gottlich Macht (6 x)"):
        assert is_direction_text(text, CFG), text
        assert not is_direction_text(text, replace(CFG, digit_words=False)), text
    # a word mixing letters and digits is a misread; few letters per digit is no direction
    for text in ("reo S1. ch'io vox", "Var. 12", "Andante 4/4", "rit. 1."):
        assert not is_direction_text(text, CFG), text


def test_phrases_are_found_above_and_below_and_split_at_wide_gaps() -> None:
    page = np.full((300, 620), 255, np.uint8)
    for ly in range(100, 141, 10):
        page[ly, 20:600] = 0
    page[70:84, 100:130] = 0  # a word above the staff
    page[70:84, 134:160] = 0  # the next word, a short gap away: same phrase
    page[70:84, 400:440] = 0  # far right: a phrase of its own
    page[160:172, 200:260] = 0  # a word below the staff
    staff = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)
    found = phrases(page, page, [staff], CFG)
    got = sorted((p[0], p[2], p[5], len(p[6])) for p in found)
    assert got == [(100, 160, "above", 2), (200, 260, "below", 1), (400, 440, "above", 1)]
    # centred over the page's top staff: a title; going on above the band's top (y 54): 4 spaces tall
    for y0, y1, x0, x1, loose in (
        (56, 66, 290, 330, replace(CFG, title_centre=0.0)),
        (20, 64, 500, 540, replace(CFG, max_line_spaces=4.5)),
    ):
        other = page.copy()
        other[y0:y1, x0:x1] = 0
        assert (x0, x1) not in {(p[0], p[2]) for p in phrases(other, other, [staff], CFG)}
        assert (x0, x1) in {(p[0], p[2]) for p in phrases(other, other, [staff], loose)}
    # nothing but the staff: no phrases
    blank = np.full((300, 620), 255, np.uint8)
    for ly in range(100, 141, 10):
        blank[ly, 20:600] = 0
    assert phrases(blank, blank, [staff], CFG) == []


def test_a_space_goes_where_the_words_of_a_phrase_are_apart_if_the_recogniser_read_none() -> None:
    glyphs = _header("4", "4") + [x for k in range(4) for x in _note(100 + 60 * k, 125, True, 10 + 2 * k)]
    page = np.full((300, 620), 255, np.uint8)
    for ly in range(100, 141, 10):
        page[ly, 20:600] = 0
    for g in glyphs:
        if g.class_name.startswith(("notehead", "stem")):
            x0, y0, x1, y1 = (int(v) for v in g.bbox_xyxy)
            page[y0:y1, x0:x1] = 0
    page[70:84, 100:160] = 0  # "sotto": 60 px
    page[70:84, 168:240] = 0  # "voce", 8 px (0.57 line heights) further
    seen: list[int] = []

    def reader(strips: Sequence[np.ndarray], cfg: LyricsConfig) -> list[list[tuple[str, float, float]]]:
        seen.extend(s.shape[1] for s in strips)
        pad = 4  # the strip's left margin for a 14 px line
        return [[(c, pad + 12.0 * i + (8 if i >= 5 else 0), 0.99) for i, c in enumerate("sottovoce")]]

    found = read_phrases(assemble_pages([(glyphs, page)]), [page], CFG, reader)
    assert len(seen) == 1 and [p.text for p in found[0]] == ["sotto voce"]
    assert (found[0][0].placement, found[0][0].staff) == ("above", 0)


def _page(words: list[tuple[float, float, str]]) -> tuple[list[Glyph], np.ndarray]:
    """A 4/4 staff (space 10 px) with four quarter notes and `words` drawn at (x, top y)."""
    return text_page(words)


def test_a_misread_quartet_word_snaps_to_the_lexicon() -> None:
    for read, word in (
        ("piZZ.", "pizz."),
        ("DIZZ.", "pizz."),
        ("esress.", "espress."),
        ("poco rit.", "poco rit."),
    ):
        assert lexicon_text(read) == word, read
    for read in ("gut im Taki", "Langsam", "ARIE.", "sempre p"):
        assert lexicon_text(read) is None, read
    # a read too unsure for a plain phrase is kept when it snaps to the lexicon
    glyphs = _header("4", "4") + [x for k in range(4) for x in _note(100 + 60 * k, 125, True, 10 + 2 * k)]
    page = np.full((300, 620), 255, np.uint8)
    for ly in range(100, 141, 10):
        page[ly, 20:600] = 0
    page[70:84, 100:140] = 0  # a word above the staff

    def reader(strips: Sequence[np.ndarray], cfg: LyricsConfig) -> list[list[tuple[str, float, float]]]:
        return [
            [
                (c, 4 + 8.0 * i, p)
                for i, (c, p) in enumerate(zip("DIZZ.", (0.66, 0.63, 0.78, 0.63, 1.0), strict=True))
            ]
        ]

    assembly = assemble_pages([(glyphs, page)])
    assert [p.text for p in read_phrases(assembly, [page], CFG, reader)[0]] == ["pizz."]
    assert read_phrases(assembly, [page], replace(CFG, lexicon=False), reader)[0] == []


@needs_ocr
def test_a_tempo_word_above_the_staff_is_read_dated_and_written() -> None:
    glyphs, img = _page([(160, 62, "Allegro")])
    score = read_words(assemble_pages([(glyphs, img)]), [img])
    dirs = score.parts[0].measures[0].directions
    assert dirs == (Direction("words", "Allegro", F(1), 1, "above"),)
    xml = musicxml_string(score)
    assert '<direction placement="above">' in xml and "<words>Allegro</words>" in xml
    back = load_musicxml(xml)
    assert [d for d in back.parts[0].measures[0].directions if d.kind == "words"] == list(dirs)


@needs_ocr
def test_a_word_below_the_staff_is_read_with_placement_below() -> None:
    glyphs, img = _page([(220, 165, "dolce")])
    dirs = read_words(assemble_pages([(glyphs, img)]), [img]).parts[0].measures[0].directions
    assert dirs == (Direction("words", "dolce", F(2), 1, "below"),)


@needs_ocr
def test_no_words_on_a_page_without_text_and_none_from_a_lyric_line() -> None:
    glyphs, img = _page([])
    a = assemble_pages([(glyphs, img)])
    assert read_words(a, [img]) == a.score
    # a lyric line: its words start under the note heads; left to the lyrics reader
    glyphs, img = _page([(95, 160, "Hap"), (155, 160, "py"), (215, 160, "day"), (275, 160, "now")])
    a = assemble_pages([(glyphs, img)])
    assert read_words(a, [img]).parts[0].measures[0].directions == ()


@needs_ocr
def test_a_line_of_three_directions_starting_at_their_notes_is_no_lyric_line() -> None:
    # a quartet part's line under the staff: "cresc." and "dim." left-aligned with their notes, "dolce" in
    # the next measure; lyrics would start left of their heads (centred syllables)
    glyphs, img = _page([(100, 165, "cresc."), (160, 165, "dim."), (280, 165, "dolce")])
    a = assemble_pages([(glyphs, img)])
    dirs = [d for m in read_words(a, [img]).parts[0].measures for d in m.directions]
    assert [(d.value, d.onset_q) for d in dirs] == [("cresc.", F(0)), ("dim.", F(1)), ("dolce", F(3))]
    # each rule alone is not enough: three phrases were too many for a line, and the lyric test took
    # phrases starting at their heads for syllables (unless the line is all lexicon directions with an
    # abbreviation, `lexicon_lines`, session 21, which keeps it without the lyric lead)
    for cfg in (
        replace(CFG, max_lexicon_phrases=2),
        replace(CFG, lyric_lead=0.0, lexicon_lines=False),
    ):
        assert [d for m in read_words(a, [img], cfg).parts[0].measures for d in m.directions] == []
    no_lead = read_words(a, [img], replace(CFG, lyric_lead=0.0))
    assert [d.value for m in no_lead.parts[0].measures for d in m.directions] == ["cresc.", "dim.", "dolce"]
    # a line of three phrases that are not lexicon words stays no directions
    glyphs, img = _page([(100, 165, "Erde"), (190, 165, "Wind"), (280, 165, "Wald")])
    a = assemble_pages([(glyphs, img)])
    assert [d for m in read_words(a, [img]).parts[0].measures for d in m.directions] == []


@needs_ocr
def test_the_part_name_left_of_the_first_system_names_the_part() -> None:
    from PIL import Image, ImageDraw, ImageFont

    dx = 130  # the staff starts at x 150: room for a name on its left
    glyphs = [
        Glyph(
            g.class_name,
            (g.bbox_xyxy[0] + dx, g.bbox_xyxy[1], g.bbox_xyxy[2] + dx, g.bbox_xyxy[3]),
            1.0,
            g.glyph_id,
        )
        for g in _header("4", "4") + [x for k in range(4) for x in _note(100 + 60 * k, 125, True, 10 + 2 * k)]
    ]
    img = Image.new("L", (760, 300), 255)
    draw = ImageDraw.Draw(img)
    for ly in range(100, 141, 10):
        draw.line([(150, ly), (730, ly)], fill=0, width=1)
    for g in glyphs:
        if g.class_name.startswith(("notehead", "stem")):
            draw.rectangle(g.bbox_xyxy, fill=0)
    page = np.asarray(img)
    a = assemble_pages([(glyphs, page)])
    assert read_part_names(a, [page]) == {}  # nothing printed there
    draw.text((40, 110), "Violin", fill=0, font=ImageFont.load_default(size=17))
    cfg = WordsConfig(single_staff_names=True)
    page = np.asarray(img)
    a = assemble_pages([(glyphs, page)])
    assert read_part_names(a, [page]) == {}  # a one-staff part keeps its name by default
    assert read_part_names(a, [page], cfg) == {0: "Violin"}
    assert read_words(a, [page], cfg).parts[0].name == "Violin"


def test_a_line_between_the_staves_of_a_grand_staff_goes_above_the_lower_one() -> None:
    page = np.full((400, 620), 255, np.uint8)
    upper = Staff(0, (100.0, 110.0, 120.0, 130.0, 140.0), 20.0, 600.0)
    lower = Staff(1, (250.0, 260.0, 270.0, 280.0, 290.0), 20.0, 600.0)
    for st in (upper, lower):
        for ly in st.line_ys:
            page[int(ly), 20:600] = 0
    page[160:174, 100:160] = 0  # nearer the upper staff
    got = [(p[4], p[5]) for p in phrases(page, page, [upper, lower], CFG)]
    assert got == [(0, "below")]
    got = [(p[4], p[5]) for p in phrases(page, page, [upper, lower], CFG, frozenset({(0, 1)}))]
    assert got == [(1, "above")]


@needs_ocr
def test_scan_cli_reads_text_directions_unless_told_not_to(tmp_path) -> None:
    import json

    from PIL import Image
    from typer.testing import CliRunner

    from frontline.cli import app

    glyphs, img = _page([(160, 62, "Allegro")])
    Image.fromarray(img).save(tmp_path / "tempo.png")
    anns = {
        str(g.glyph_id): {"a_bbox": list(g.bbox_xyxy), "frontline": {"class_name": g.class_name}}
        for g in glyphs
    }
    (tmp_path / "tempo.json").write_text(json.dumps({"annotations": anns}))
    for flag, expect in (("--words", True), ("--no-words", False)):
        out = tmp_path / flag.strip("-")
        args = ["music", "scan", str(tmp_path / "tempo.png"), "--detections", str(tmp_path / "tempo.json")]
        res = CliRunner().invoke(app, [*args, "-o", str(out), "--no-overlay", flag])
        assert res.exit_code == 0, res.output
        assert ("<words>Allegro</words>" in (out / "tempo.musicxml").read_text()) is expect


def test_phrases_on_a_line_the_lyrics_reader_read_are_not_read_again() -> None:
    glyphs, img = _page([(95, 160, "Hap"), (155, 160, "py"), (215, 160, "day"), (220, 62, "dolce")])
    assembly = assemble_pages([(glyphs, img)])
    seen: list[int] = []

    def reader(strips: Sequence[np.ndarray], cfg: LyricsConfig) -> list[list[tuple[str, float, float]]]:
        seen.append(len(strips))
        return [[] for _ in strips]

    read_phrases(assembly, [img], CFG, reader)
    everything = seen.pop()
    assert everything >= 4  # the three syllables and the word above the staff
    lyric_line = (0, 90, 155, 260, 180)  # page, x0, y0, x1, y1 of the line the lyrics reader took
    read_phrases(assembly, [img], CFG, reader, [lyric_line])
    assert seen.pop() == everything - 3
    read_phrases(assembly, [img], replace(CFG, skip_lyric_lines=False), reader, [lyric_line])
    assert seen.pop() == everything
    read_phrases(assembly, [img], CFG, reader, [(1, 90, 155, 260, 180)])  # another page's line
    assert seen.pop() == everything
