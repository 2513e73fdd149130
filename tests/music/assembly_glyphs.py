"""Glyph builders shared by the assembly rule tests: a drawn staff with clef and time, stemmed notes."""

from __future__ import annotations

from typing import Any

from frontline.music.records import Glyph, Measure, Note


def header(beats: str, beat_type: str) -> list[Glyph]:
    """A staff (lines at y 100..140, 10 px apart: F5 D5 B4 G4 E4), a treble clef and a time signature."""
    return [
        Glyph("staff", (20.0, 99.4, 600.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 1.0, 1),
        Glyph(f"timeSig{beats}", (50, 100, 60, 120), 1.0, 2),
        Glyph(f"timeSig{beat_type}", (50, 120, 60, 140), 1.0, 3),
    ]


def header_below(beats: str, beat_type: str, dy: float, first_id: int = 10) -> list[Glyph]:
    """`header` moved `dy` pixels down (a second staff), glyph ids from `first_id`."""
    return [
        Glyph(
            g.class_name,
            (g.bbox_xyxy[0], g.bbox_xyxy[1] + dy, g.bbox_xyxy[2], g.bbox_xyxy[3] + dy),
            1.0,
            first_id + k,
        )
        for k, g in enumerate(header(beats, beat_type))
    ]


def grand_staff(beats: str, beat_type: str, bar_x: float) -> list[Glyph]:
    """Two treble staves (tops 100 and 220) braced into a grand staff with a systemic barline, the time
    signature on both, and a barline through each staff at `bar_x` (glyph ids 0-23)."""
    return (
        header(beats, beat_type)
        + header_below(beats, beat_type, 120)
        + [
            Glyph("systemicBarline", (19, 100, 21, 260), 1.0, 20),
            Glyph("brace", (5, 100, 15, 260), 1.0, 21),
            Glyph("barline", (bar_x, 100, bar_x + 1, 140), 1.0, 22),
            Glyph("barline", (bar_x, 220, bar_x + 1, 260), 1.0, 23),
        ]
    )


def note(x: float, cy: float, up: bool, gid: int, head: str = "noteheadBlack") -> list[Glyph]:
    """A notehead centred at height `cy` with its stem (ids gid, gid + 1), up or down."""
    on = "OnLine" if int(cy) % 10 == 0 else "InSpace"
    stem = (x + 11, cy - 35, x + 12, cy) if up else (x, cy, x + 1, cy + 35)
    return [Glyph(f"{head}{on}", (x, cy - 5, x + 12, cy + 5), 1.0, gid), Glyph("stem", stem, 1.0, gid + 1)]


def detected_header(beats: str, beat_type: str) -> list[Glyph]:
    """`header` as a detector reports it: clef and time signature scored below 1 (detected symbols)."""
    return [
        Glyph("staff", (20.0, 99.4, 600.0, 140.6), 1.0, 0),
        Glyph("clefG", (25, 90, 40, 150), 0.95, 1),
        Glyph(f"timeSig{beats}", (50, 100, 60, 120), 0.9, 2),
        Glyph(f"timeSig{beat_type}", (50, 120, 60, 140), 0.9, 3),
    ]


def detected_note(x: float, cy: float, up: bool, gid: int, stem: bool = True) -> list[Glyph]:
    """A detected black head (score 0.9) centred at `cy`, with its stem (3.5 spaces, up or down) unless
    `stem` is off (ids gid, gid + 1)."""
    on = "OnLine" if int(cy) % 10 == 0 else "InSpace"
    box = (x + 11, cy - 35, x + 12, cy) if up else (x, cy, x + 1, cy + 35)
    out = [Glyph(f"noteheadBlack{on}", (x, cy - 5, x + 12, cy + 5), 0.9, gid)]
    return out + ([Glyph("stem", box, 1.0, gid + 1)] if stem else [])


def notes_of(m: Measure) -> list[Note]:
    """The measure's notes by onset, then pitch."""
    return sorted(m.notes(), key=lambda n: (n.onset_q, n.pitch.midi))


def text_page(texts: list[tuple[float, float, str]], height: int = 300) -> tuple[list[Glyph], Any]:
    """A 4/4 staff (space 10 px, lines y 100-140) with four quarter notes drawn on a 620-px-wide page
    and each text of `texts` written with its top left at (x, y): glyphs and the uint8 image."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    glyphs = header("4", "4")
    for k, x in enumerate((100, 160, 220, 280)):
        glyphs += note(x, 125, True, 10 + 2 * k)
    glyphs.append(Glyph("barline", (340, 100, 341, 140), 1.0, 30))
    img = Image.new("L", (620, height), 255)
    draw = ImageDraw.Draw(img)
    for ly in range(100, 141, 10):
        draw.line([(20, ly), (600, ly)], fill=0, width=1)
    for g in glyphs:
        if g.class_name.startswith(("notehead", "stem", "barline")):
            draw.rectangle(g.bbox_xyxy, fill=0)
    font = ImageFont.load_default(size=17)
    for tx, ty, text in texts:
        draw.text((tx, ty), text, fill=0, font=font)
    return glyphs, np.asarray(img)
