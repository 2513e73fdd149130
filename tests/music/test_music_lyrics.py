"""Lyrics: text lines, ink pieces, syllables and their notes (pure, no OCR); one page read end to end with
the OCR package (skipped when it is not installed)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from assembly_glyphs import text_page

from frontline.music.assemble import assemble_pages
from frontline.music.lyrics import (
    InkPiece,
    LyricsConfig,
    Syllable,
    attach,
    ink_pieces,
    ocr_available,
    read_lyric_lines,
    read_lyrics,
    syllables,
    text_rows,
)
from frontline.music.musicxml import musicxml_string
from frontline.music.records import Glyph, Measure, Note, Part, Pitch, Score

CFG = LyricsConfig()


def test_text_rows_keep_runs_of_text_height_only() -> None:
    ink = np.zeros((80, 100), bool)
    ink[5:20, 10:40] = True  # a text line, 15 rows (1.5 spaces of 10 px)
    ink[30:31, 0:100] = True  # a thin line: too low for text
    ink[40:75, 50:52] = True  # a tall stroke: 3.5 spaces, too tall
    assert text_rows(ink, 10.0, CFG) == [(5, 20)]


def test_text_rows_cut_touching_verse_lines_at_their_gap() -> None:
    ink = np.zeros((60, 100), bool)
    ink[5:20, 10:40] = True  # verse 1, 15 rows (1.9 spaces of 8 px)
    ink[21:36, 10:40] = True  # verse 2 right below it
    ink[20, 30:33] = True  # a descender touching the next line: one run of 31 rows, taller than a line
    assert text_rows(ink, 8.0, CFG) == [(5, 20), (21, 36)]
    assert text_rows(ink, 8.0, replace(CFG, split_lines=0.0)) == []  # off: the run is not text
    ink[20, 10:40] = True  # no gap at all: a block of ink, not lines of text
    assert text_rows(ink, 8.0, CFG) == []


def test_ink_pieces_find_words_hyphens_and_extenders() -> None:
    line = np.zeros((20, 200), bool)
    line[2:18, 10:20] = True  # "Ha"
    line[4:18, 21:30] = True  # "p" one pixel further: same word
    line[10:12, 40:46] = True  # hyphen, middle of the line
    line[2:18, 60:80] = True  # "py"
    line[16:18, 90:150] = True  # extender line at the baseline
    line[2:18, 170:190] = True  # "day"
    kinds = [(p.x0, p.x1, p.kind) for p in ink_pieces(line, CFG)]
    assert kinds == [
        (10, 30, "word"),
        (40, 46, "hyphen"),
        (60, 80, "word"),
        (90, 150, "extender"),
        (170, 190, "word"),
    ]


def test_letters_of_thin_print_that_stand_apart_stay_one_word() -> None:
    line = np.zeros((20, 200), bool)
    for x in (10, 19, 28, 37):  # four letters 5 px apart (eroded print), then a word gap of 12 px
        line[4:18, x : x + 4] = True
    for x in (53, 62, 71):
        line[4:18, x : x + 4] = True
    words = [(p.x0, p.x1) for p in ink_pieces(line, CFG) if p.kind == "word"]
    assert words == [(10, 41), (53, 75)]
    assert len(ink_pieces(line, replace(CFG, letter_gaps=0.0))) == 7  # a fixed gap splits every letter


def test_syllables_take_their_syllabic_from_the_hyphens() -> None:
    pieces = [
        InkPiece(10, 30, "word"),
        InkPiece(40, 46, "hyphen"),
        InkPiece(60, 80, "word"),
        InkPiece(90, 96, "hyphen"),
        InkPiece(110, 130, "word"),
        InkPiece(150, 170, "word"),
    ]
    texts = [[("Hal", 10.0)], [("le", 60.0)], [("lu", 110.0)], [("jah!", 150.0)]]
    out = syllables(pieces, texts)
    assert [(s.text, s.syllabic, s.x) for s in out] == [
        ("Hal", "begin", 10.0),
        ("le", "middle", 60.0),
        ("lu", "end", 110.0),
        ("jah!", "single", 150.0),
    ]


def test_a_word_read_with_an_inner_hyphen_splits_into_two_syllables() -> None:
    out = syllables([InkPiece(0, 60, "word")], [[("Ston-y", 0.0)]])
    assert [(s.text, s.syllabic) for s in out] == [("Ston", "begin"), ("y", "end")]
    assert out[1].x > out[0].x + 30  # the second part starts after the hyphen


def test_attach_pairs_each_syllable_with_the_head_it_starts_under() -> None:
    sp = 10.0
    heads = [100.0, 160.0, 220.0]
    sylls = [Syllable(96.0, "a"), Syllable(154.0, "b"), Syllable(300.0, "far"), Syllable(157.0, "c")]
    got = attach(sylls, heads, sp, CFG)
    # "b" is closer to head 160 (expected left edge 155) than "c"; "far" is beyond 2.5 spaces of any head
    assert got == {0: 0, 1: 1}


def test_lyrics_are_written_to_the_note_in_musicxml() -> None:
    n = Note(Pitch("C", 0, 5), F(0), F(4), "whole", lyrics=((1, "begin", "Hal"), (2, "single", "Oh")))
    xml = musicxml_string(Score((Part("P1", "Voice", (Measure(1, (n,)),)),)))
    assert '<lyric number="1">' in xml and "<syllabic>begin</syllabic>" in xml and "<text>Hal</text>" in xml
    assert '<lyric number="2">' in xml and "<text>Oh</text>" in xml


def _page_with_text(words: list[tuple[float, str]], y: float = 160) -> tuple[list[Glyph], np.ndarray]:
    """A 4/4 staff (space 10 px) with four quarter notes and `words` written under it at their x, top at `y`."""
    return text_page([(x, y, text) for x, text in words])


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_a_lyric_line_is_read_and_attached_end_to_end() -> None:
    glyphs, img = _page_with_text([(95, "Hap"), (133, "-"), (155, "py"), (215, "day"), (275, "now")])
    a = assemble_pages([(glyphs, img)])
    score = read_lyrics(a, [img])
    notes = score.parts[0].measures[0].notes()
    assert [n.lyrics for n in notes] == [
        ((1, "begin", "Hap"),),
        ((1, "end", "py"),),
        ((1, "single", "day"),),
        ((1, "single", "now"),),
    ]
    # where the line lies, for the words reader (which then leaves it alone)
    same, lines = read_lyric_lines(a, [img])
    assert same == score and len(lines) == 1
    page, x0, y0, x1, y1 = lines[0]
    assert page == 0 and x0 <= 100 and x1 >= 280 and y0 <= 165 <= y1  # the ink from "Hap" to "now"
    # no lyrics when the page has no text under the staff, or only a line far below everything (a footer)
    for words, y in (([], 160.0), ([(95.0, "Engraved"), (215.0, "by"), (275.0, "hand")], 250.0)):
        g, page = _page_with_text(words, y)
        notes = read_lyrics(assemble_pages([(g, page)]), [page]).parts[0].measures[0].notes()
        assert all(not n.lyrics for n in notes)


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_scan_cli_reads_lyrics_unless_told_not_to(tmp_path: Path) -> None:
    import json

    from PIL import Image
    from typer.testing import CliRunner

    from frontline.cli import app

    glyphs, img = _page_with_text([(95, "Hap"), (133, "-"), (155, "py"), (215, "day"), (275, "now")])
    Image.fromarray(img).save(tmp_path / "song.png")
    anns = {
        str(g.glyph_id if g.glyph_id is not None else i): {
            "a_bbox": list(g.bbox_xyxy),
            "frontline": {"class_name": g.class_name},
        }
        for i, g in enumerate(glyphs)
    }
    (tmp_path / "song.json").write_text(json.dumps({"annotations": anns}))
    for flag, expect in (("--lyrics", True), ("--no-lyrics", False)):
        out = tmp_path / flag.strip("-")
        args = ["music", "scan", str(tmp_path / "song.png"), "--detections", str(tmp_path / "song.json")]
        res = CliRunner().invoke(app, [*args, "-o", str(out), "--no-overlay", flag])
        assert res.exit_code == 0, res.output
        xml = (out / "song.musicxml").read_text()
        assert ("<text>Hap</text>" in xml) is expect


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_lyrics_of_a_tilted_page_are_read_in_the_frame_of_its_deskewed_staves() -> None:
    import cv2

    from frontline.music.assemble.staves import deskew_glyphs

    glyphs, img = _page_with_text([(95, "Hap"), (133, "-"), (155, "py"), (215, "day"), (275, "now")])
    angle = 1.5  # a page scanned 1.5 degrees off: the text line drifts by 10 px over the staff's width
    h, w = img.shape
    tilted = cv2.warpAffine(
        img, cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0), (w, h), borderValue=255
    )
    a = assemble_pages([(deskew_glyphs(glyphs, -angle, (w / 2, h / 2)), tilted)])
    assert abs(a.pages[0].angle_deg - angle) < 0.5
    notes = read_lyrics(a, [tilted]).parts[0].measures[0].notes()
    assert [n.lyrics[0][2] if n.lyrics else "" for n in notes] == ["Hap", "py", "day", "now"]


@pytest.mark.skipif(not ocr_available(), reason="the OCR package rapidocr_onnxruntime is not installed")
def test_a_sixth_verse_far_below_the_staff_is_still_read() -> None:
    from PIL import Image, ImageDraw, ImageFont

    glyphs, small = _page_with_text([])
    img = Image.new("L", (620, 420), 255)
    img.paste(Image.fromarray(small), (0, 0))
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=17)
    verses = ["the", "two", "red", "lid", "sky", "big"]
    for k, word in enumerate(verses):  # six verses, 2.3 spaces apart: the last ends 14.5 spaces below
        for x in (95, 155, 215, 275):
            draw.text((x, 150 + 23 * k), word, fill=0, font=font)
    page = np.asarray(img)
    notes = read_lyrics(assemble_pages([(glyphs, page)]), [page]).parts[0].measures[0].notes()
    assert [sorted(v for v, _, _ in n.lyrics) for n in notes] == [[1, 2, 3, 4, 5, 6]] * 4
    assert [t for _, _, t in sorted(notes[0].lyrics)] == verses


def test_ocr_threads_follow_omp_num_threads_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from frontline.music import lyrics

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the scanner's parallel workers
    assert lyrics._auto_threads() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= lyrics._auto_threads() <= 4
    assert LyricsConfig().threads == 0 and LyricsConfig(threads=3).threads == 3
