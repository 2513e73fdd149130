"""Rebuild the bundled demo page: "Au clair de la lune" (French folk song, public domain) for piano.

The score is written with frontline's own score model, engraved and annotated by the data engine
(Verovio, Leipzig font, 150 dpi) and saved next to this file as demo_page.png (the page),
demo_page.json (its ground-truth symbols, DeepScoresV2 layout) and demo_page.musicxml (its music).

Run: python -m frontline.music.examples.make_demo_page
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

from frontline.music.records import (
    Chord,
    Clef,
    ClefChange,
    Event,
    KeySignature,
    Measure,
    Note,
    Part,
    Pitch,
    Rest,
    Score,
    TimeSignature,
)

HERE = Path(__file__).resolve().parent

# (step, octave, quarters) per note, None for a quarter rest; F is sharp in the right hand (the key)
_RH: list[list[Any]] = [
    [("G", 4, 1), ("G", 4, 1), ("G", 4, 1), ("A", 4, 1)],
    [("B", 4, 2), ("A", 4, 2)],
    [("G", 4, 1.5), ("B", 4, 0.5), ("A", 4, 1), ("A", 4, 1)],
    [("G", 4, 4)],
    [("G", 4, 1), ("G", 4, 1), ("G", 4, 1), ("A", 4, 1)],
    [("B", 4, 2), ("A", 4, 2)],
    [("G", 4, 0.5), ("A", 4, 0.5), ("B", 4, 1), ("A", 4, 1), ("A", 4, 1)],
    [("G", 4, 4)],
]
_LH: list[list[Any]] = [
    [("G", 3, 2), ("D", 3, 2)],
    [("G", 3, 2), ("D", 3, 2)],
    [("E", 3, 2), ("D", 3, 2)],
    [("G", 2, 2), None, ("D", 3, 1)],
    [("G", 3, 2), ("B", 2, 2)],
    [("C", 3, 1), ("F", 3, 1), ("D", 3, 2)],
    [("E", 3, 1), ("C", 3, 1), ("D", 3, 2)],
    [("G", 2, 4)],
]
_TYPES = {
    F(4): ("whole", 0),
    F(2): ("half", 0),
    F(1): ("quarter", 0),
    F(3, 2): ("quarter", 1),
    F(1, 2): ("eighth", 0),
}


def _voice(spec: list, staff: int, voice: int, stem: str) -> list[Event]:
    out: list[Event] = []
    onset = F(0)
    eighths = [i for i, s in enumerate(spec) if s is not None and F(s[2]) == F(1, 2)]
    for i, s in enumerate(spec):
        if s is None:  # a quarter rest
            out.append(Rest(onset, F(1), "quarter", voice=voice, staff=staff))
            onset += 1
            continue
        step, octave, q = s
        dur = F(q).limit_denominator(8)
        ntype, dots = _TYPES[dur]
        alter, acc = 0, ""
        if step == "F":
            alter, acc = (1, "") if staff == 1 else (0, "natural")
        beams: tuple[str, ...] = ()
        if i in eighths:
            beams = ("begin",) if eighths.index(i) % 2 == 0 else ("end",)
        out.append(
            Note(
                Pitch(step, alter, octave),
                onset,
                dur,
                ntype,
                dots,
                voice,
                staff,
                stem if ntype != "whole" else "",
                acc,
                beams=beams,
            )
        )
        onset += dur
    return out


def demo_score() -> Score:
    """The demo piece as a Score (8 measures, G major, 4/4, piano grand staff)."""
    measures = []
    for i, (rh, lh) in enumerate(zip(_RH, _LH, strict=True)):
        events: list[Event] = _voice(rh, 1, 1, "up") + _voice(lh, 2, 5, "down")
        if i == 7:  # a final chord in the left hand
            events[-1] = Chord((events[-1], Note(Pitch("D", 0, 3), F(0), F(4), "whole", 0, 5, 2)))  # type: ignore[arg-type]
        first = i == 0
        measures.append(
            Measure(
                number=i + 1,
                events=tuple(events),
                clefs=(ClefChange(1, Clef("G", 2)), ClefChange(2, Clef("F", 4))) if first else (),
                key=KeySignature(1) if first else None,
                time=TimeSignature(4, 4) if first else None,
                right_barline="light-heavy" if i == 7 else "regular",
            )
        )
    return Score((Part("P1", "Piano", tuple(measures), staves=2),))


def main() -> None:
    """Engrave the demo score with the data engine and write the page, its symbols and its MusicXML."""
    from PIL import Image

    from frontline.music.musicxml import save_musicxml
    from frontline.music.synth.dsv2 import page_to_dsv2
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import SkippedItem, engrave_musicxml_page

    xml = save_musicxml(demo_score())
    options = EngraveOptions(font="Leipzig", page_height=1500, unit=9.0)
    res = engrave_musicxml_page(xml, options, dpi=150, name="demo")
    if isinstance(res, SkippedItem):
        raise SystemExit(f"engraving failed: {res.reason}")
    _, ann, image = res
    Image.fromarray(image).save(HERE / "demo_page.png", optimize=True)
    doc = page_to_dsv2(ann, "demo_page.png", {"source": "Au clair de la lune (public domain)", "dpi": 150})
    (HERE / "demo_page.json").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    save_musicxml(demo_score(), HERE / "demo_page.musicxml")
    print(f"wrote {HERE / 'demo_page.png'} ({image.shape[1]}x{image.shape[0]})")


if __name__ == "__main__":
    main()
