"""DeepScoresV2-layout JSON for one page: writer and loader.

The layout follows the DeepScoresV2 release (COCO-like: `images`, `annotations` keyed by id with
`a_bbox`, `o_bbox`, `cat_id`, `area`, `img_id`, `comments`, and `categories`), so DeepScoresV2 tools
read it; frontline's extra fields sit under a `frontline` key in each annotation and at the top level.
See docs/music-annotations.md for every field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from frontline.errors import InputError
from frontline.music.records import Glyph
from frontline.music.synth.annotate import Annotation, PageAnnotations
from frontline.music.synth.classes import CLASS_ID, CLASSES, DEEPSCORES_V2

__all__ = ["FORMAT_VERSION", "load_page_annotations", "page_to_dsv2"]

FORMAT_VERSION = "frontline-dsv2/1"
"""Version tag written into every page JSON (`info.format`)."""

_DS_IDS = {cid for cid, _ in DEEPSCORES_V2}


def _r(v: float) -> float:
    return round(float(v), 2)


def _ann_json(a: Annotation, img_id: str) -> dict[str, Any]:
    x0, y0, x1, y1 = a.a_bbox
    comments = f"instance:#{a.element_id};"
    if a.note is not None:
        comments += f"duration:{a.note.duration_q};"
    if a.rel_position is not None:
        comments += f"rel_position:{a.rel_position};"
    if a.comments:
        comments += f"smufl:{a.comments};"
    fl: dict[str, Any] = {"class_name": a.class_name, "element_id": a.element_id, "staff": a.staff}
    if a.rel_position is not None:
        fl["rel_position"] = a.rel_position
        fl["on_line"] = a.rel_position % 2 == 0
    if a.note is not None:
        n = a.note
        fl["note"] = {
            "note_id": n.note_id,
            "pitch": n.pitch,
            "midi": n.midi,
            "duration_q": n.duration_q,
            "dur": n.dur,
            "dots": n.dots,
            "onset_q": n.onset_q,
            "mei_staff": n.staff,
            "voice": n.voice,
            "grace": n.grace,
        }
    return {
        "a_bbox": [_r(x0), _r(y0), _r(x1), _r(y1)],
        "o_bbox": [_r(v) for v in a.o_bbox],
        "cat_id": [str(CLASS_ID[a.class_name])],
        "area": int(round((x1 - x0) * (y1 - y0))),
        "img_id": img_id,
        "comments": comments,
        "frontline": fl,
    }


def page_to_dsv2(
    ann: PageAnnotations, image_filename: str, meta: dict[str, Any], img_id: int = 1
) -> dict[str, Any]:
    """The DeepScoresV2-layout JSON object of one page (annotation ids 1..N in reading order of the engraver)."""
    sid = str(img_id)
    anns = {str(i + 1): _ann_json(a, sid) for i, a in enumerate(ann.annotations)}
    categories = {
        str(cid): {
            "name": name,
            "annotation_set": "deepscores" if cid in _DS_IDS else "frontline",
            "color": cid,
        }
        for cid, name in CLASSES
    }
    staves = [
        {
            "index": s.index,
            "system": s.system,
            "line_ys": [_r(y) for y in s.line_ys],
            "x0": _r(s.x0),
            "x1": _r(s.x1),
            "staff_space_px": _r(s.staff_space_px),
        }
        for s in ann.staves
    ]
    return {
        "info": {
            "description": "frontline synthetic sheet-music page (DeepScoresV2 layout)",
            "format": FORMAT_VERSION,
            "url": "",
            "version": "1",
        },
        "annotation_sets": ["deepscores", "frontline"],
        "categories": categories,
        "images": [
            {
                "id": img_id,
                "filename": image_filename,
                "width": ann.width,
                "height": ann.height,
                "ann_ids": list(anns),
            }
        ],
        "annotations": anns,
        "frontline": {**meta, "staff_space_px": _r(ann.staff_space_px), "staves": staves},
    }


def load_page_annotations(json_path: str | Path) -> tuple[list[Glyph], dict[str, Any]]:
    """Read one page JSON: its symbols as Glyphs (ground truth, score 1.0) and a metadata dict.

    Glyph ids are the annotation ids. `meta` holds `image` and `musicxml` (absolute paths), `width`,
    `height`, `staff_space_px`, `staves` (line ys per staff), everything under the JSON's `frontline`
    key, and `links`: glyph id -> the annotation's `frontline` record (class, staff, rel_position,
    on_line, note link with pitch/duration/onset).
    """
    path = Path(json_path)
    try:
        data = json.loads(path.read_text())
        image = data["images"][0]
        annotations = data["annotations"]
        categories = data["categories"]
    except FileNotFoundError:
        raise InputError(f"{path}: annotation file not found; pass the .json next to a page image") from None
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{path}: not a DeepScoresV2-layout page JSON ({exc})") from None
    glyphs: list[Glyph] = []
    links: dict[int, dict[str, Any]] = {}
    for aid, a in annotations.items():
        cid = str(a["cat_id"][0])
        name = a.get("frontline", {}).get("class_name") or categories[cid]["name"]
        x0, y0, x1, y1 = (float(v) for v in a["a_bbox"])
        gid = int(aid)
        glyphs.append(Glyph(name, (x0, y0, x1, y1), 1.0, gid))
        links[gid] = a.get("frontline", {"class_name": name})
    fl = dict(data.get("frontline", {}))
    meta: dict[str, Any] = {
        **fl,
        "image": str((path.parent / image["filename"]).resolve()),
        "width": int(image["width"]),
        "height": int(image["height"]),
        "links": links,
    }
    if "musicxml" in fl:
        meta["musicxml"] = str((path.parent / fl["musicxml"]).resolve())
    return glyphs, meta
