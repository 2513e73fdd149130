"""The data engine's annotations against the pixels and the page MusicXML (clean pages, 150 dpi)."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest

from frontline.music.synth.annotate import PageAnnotations
from frontline.music.synth.page import PageConfig, SkippedItem, SynthPage, engrave_musicxml_page, make_page

# text is measured with the rasteriser's font, not taken from glyph metrics: allow a little more
_TOL = {"text": 4.0, "lyricText": 4.0, "tempoText": 4.0, "ending": 4.0}
_SEEDS = (11, 12, 13, 14)


@pytest.fixture(scope="module")
def pages() -> list[SynthPage]:
    out = []
    for seed in _SEEDS:
        p = make_page(np.random.default_rng(seed), PageConfig(dpi=150, rare_boost=3.0))
        assert isinstance(p, SynthPage), p
        out.append(p)
    return out


def _ink_extent(
    img: np.ndarray, box: tuple[float, float, float, float], thr: int = 200
) -> tuple[int, int, int, int] | None:
    x0, y0, x1, y1 = box
    xa, ya = int(np.floor(x0)), int(np.floor(y0))
    crop = img[ya : int(np.ceil(y1)), xa : int(np.ceil(x1))]
    ys, xs = np.nonzero(crop < thr)
    if len(xs) == 0:
        return None
    return xa + int(xs.min()), ya + int(ys.min()), xa + int(xs.max()) + 1, ya + int(ys.max()) + 1


def test_every_class_has_ink_tight_to_its_box(pages: list[SynthPage]) -> None:
    rng = np.random.default_rng(0)
    seen: Counter[str] = Counter()
    for p in pages:
        by_class: dict[str, list[int]] = {}
        for i, a in enumerate(p.annotations.annotations):
            by_class.setdefault(a.class_name, []).append(i)
        for cls, idx in by_class.items():
            for i in rng.choice(idx, size=min(5, len(idx)), replace=False):
                a = p.annotations.annotations[int(i)]
                ext = _ink_extent(p.image, a.a_bbox)
                assert ext is not None, f"{cls} box {a.a_bbox} holds no ink"
                seen[cls] += 1
                # the box has no empty margin: ink reaches within 2 px of every side
                x0, y0, x1, y1 = a.a_bbox
                margins = (ext[0] - x0, ext[1] - y0, x1 - ext[2], y1 - ext[3])
                assert max(margins) <= _TOL.get(cls, 2.0), (
                    f"{cls} box {a.a_bbox} is loose around ink {ext} (margins {margins})"
                )
    # the four pages cover the common vocabulary
    for cls in (
        "noteheadBlackOnLine",
        "noteheadBlackInSpace",
        "stem",
        "beam",
        "clefG",
        "barline",
        "augmentationDot",
    ):
        assert seen[cls] > 0, f"no {cls} sampled"
    assert len(seen) >= 30


def test_boxes_are_not_too_small(pages: list[SynthPage]) -> None:
    # a solid black notehead covers most of its box; a glyph cut short would leave ink just outside
    for p in pages:
        heads = [a for a in p.annotations.annotations if a.class_name.startswith("noteheadBlack")]
        assert heads
        for a in heads[:40]:
            x0, y0, x1, y1 = a.a_bbox
            crop = p.image[int(round(y0)) : int(round(y1)), int(round(x0)) : int(round(x1))]
            assert (crop < 128).mean() > 0.45, f"notehead box {a.a_bbox} mostly white"
            cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
            assert p.image[cy, cx] < 100


def test_notehead_count_matches_page_musicxml(pages: list[SynthPage]) -> None:
    import music21

    for p in pages:
        heads = sum(1 for a in p.annotations.annotations if a.class_name.startswith("notehead"))
        score = music21.converter.parseData(p.musicxml, format="musicxml")
        notes = sum(len(n.pitches) for n in score.recurse().notes)
        assert heads == notes


def test_note_links_and_positions(pages: list[SynthPage]) -> None:
    for p in pages:
        heads = [a for a in p.annotations.annotations if a.class_name.startswith("notehead")]
        linked = [a for a in heads if a.note is not None]
        assert len(linked) == len(heads)
        for a in heads:
            assert a.rel_position is not None
            on_line = a.rel_position % 2 == 0
            assert ("OnLine" in a.class_name) == on_line
            assert a.note is not None and a.note.midi > 0
            assert a.note.grace or (a.note.onset_q is not None and a.note.onset_q >= 0)
        # higher staff position within one staff means higher or equal pitch (same clef on most notes)
        assert p.annotations.staff_space_px > 3


def test_page_musicxml_round_trips_music21_and_verovio(pages: list[SynthPage]) -> None:
    import music21
    import verovio

    for p in pages[:2]:
        s = music21.converter.parseData(p.musicxml, format="musicxml")
        assert isinstance(s, music21.stream.Score)
        n_measures = len(s.parts[0].getElementsByClass("Measure"))
        assert n_measures == p.meta["measures"]
        # music21 writes it back and Verovio lays the rewrite out on one page
        buf = io.BytesIO(music21.musicxml.m21ToXml.GeneralObjectExporter(s).parse())
        tk = verovio.toolkit()
        assert tk.loadData(buf.getvalue().decode("utf-8"))
        assert tk.getPageCount() >= 1
        s2 = music21.converter.parseData(buf.getvalue().decode("utf-8"), format="musicxml")
        assert sum(len(n.pitches) for n in s2.recurse().notes) == sum(
            len(n.pitches) for n in s.recurse().notes
        )


def test_same_seed_same_page() -> None:
    a = make_page(np.random.default_rng(5), PageConfig(dpi=72))
    b = make_page(np.random.default_rng(5), PageConfig(dpi=72))
    assert isinstance(a, SynthPage) and isinstance(b, SynthPage)
    assert a.musicxml == b.musicxml
    assert np.array_equal(a.image, b.image)
    assert a.annotations == b.annotations


def test_unlayoutable_input_is_skipped_with_its_name() -> None:
    from frontline.music.synth.engrave import EngraveOptions

    res = engrave_musicxml_page("this is not music", EngraveOptions(), 72, name="broken.xml")
    assert isinstance(res, SkippedItem)
    assert res.name == "broken.xml"


def test_annotations_are_page_annotations(pages: list[SynthPage]) -> None:
    p = pages[0]
    assert isinstance(p.annotations, PageAnnotations)
    h, w = p.image.shape
    assert (p.annotations.width, p.annotations.height) == (w, h)
    for a in p.annotations.annotations:
        x0, y0, x1, y1 = a.a_bbox
        assert 0 <= x0 < x1 <= w + 1 and 0 <= y0 < y1 <= h + 1


def test_fallback_without_serif_font_uses_cairosvg_and_verovio_text_boxes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a machine without FreeSerif/Liberation Serif the engine still works (CairoSVG + Verovio's text boxes)."""
    from frontline.music.synth import annotate, engrave

    monkeypatch.setattr(engrave, "_serif_fonts", lambda: ())
    annotate._text_fonts.cache_clear()
    try:
        p = make_page(np.random.default_rng(8), PageConfig(dpi=72))
    finally:
        annotate._text_fonts.cache_clear()
    assert isinstance(p, SynthPage)
    heads = [a for a in p.annotations.annotations if a.class_name.startswith("noteheadBlack")]
    assert heads
    for a in heads[:20]:
        x0, y0, x1, y1 = a.a_bbox
        cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
        assert p.image[cy, cx] < 128


def test_gootville_clef_change_is_annotated_over_its_ink() -> None:
    """Glyphs Gootville lacks (clef changes) are drawn by Verovio from Leipzig, and annotated too."""
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import engrave_musicxml_page

    def measure(n: int, clef: str) -> str:
        attrs = f"<attributes><clef><sign>{clef[0]}</sign><line>{clef[1]}</line></clef></attributes>"
        notes = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><type>whole</type></note>"
        head = (
            "<attributes><divisions>1</divisions><key><fifths>0</fifths></key>"
            "<time><beats>4</beats><beat-type>4</beat-type></time>"
            "<clef><sign>G</sign><line>2</line></clef></attributes>"
        )
        return f'<measure number="{n}">{head if n == 1 else ""}{attrs if n == 3 else ""}{notes}</measure>'

    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><score-partwise version="4.0"><part-list>'
        '<score-part id="P1"><part-name>x</part-name></score-part></part-list><part id="P1">'
        + "".join(measure(n, "F4") for n in range(1, 5))
        + "</part></score-partwise>"
    )
    res = engrave_musicxml_page(xml, EngraveOptions(font="Gootville"), 150)
    assert isinstance(res, tuple), res
    _, ann, image = res
    clefs = [a for a in ann.annotations if a.class_name.startswith("clef")]
    assert len(clefs) == 2, [a.class_name for a in clefs]  # the first clef and the change to bass clef
    assert {a.class_name for a in clefs} == {"clefG", "clefF"}
    for a in clefs:
        x0, y0, x1, y1 = (int(round(v)) for v in a.a_bbox)
        assert (image[y0:y1, x0:x1] < 128).mean() > 0.1  # the box lies over the clef's ink


def test_an_ending_over_a_system_break_is_one_box_per_system() -> None:
    """Verovio draws such an ending once per system under one id; one box spanning both systems (the
    space between them included) was read as one ending over the wrong measures."""
    page = make_page(np.random.default_rng(984200), PageConfig(dpi=150, preset="clean", rare_boost=3.0))
    assert isinstance(page, SynthPage)
    endings = [a for a in page.annotations.annotations if a.class_name == "ending"]
    space = page.meta["staff_space_px"]
    assert len(endings) == 2
    assert all(a.a_bbox[3] - a.a_bbox[1] < 4 * space for a in endings)
