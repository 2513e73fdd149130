"""The explain figure of a verification: what each stage saw and decided, in one small PNG.

Top row: the document photo with the detected card outline, the rectified card (or the photo) with the
chosen face box and landmarks, the selfie with its face. Bottom: the two aligned 112x112 faces enlarged
with landmarks, and a text panel with score, threshold, FAR, quality and attack scores and the verdict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from frontline.faces.align import REFERENCE_112
from frontline.faces.records import Face, Side, Verification

__all__ = ["explain_figure"]

_H = 240


def _fit(img: np.ndarray, height: int = _H) -> tuple[np.ndarray, float]:
    import cv2

    s = height / img.shape[0]
    return cv2.resize(img, (max(1, round(img.shape[1] * s)), height), interpolation=cv2.INTER_AREA), s


def _draw_face(img: np.ndarray, face: Face | None, scale: float, colour: tuple[int, int, int]) -> None:
    import cv2

    if face is None:
        return
    x, y, w, h = (v * scale for v in face.bbox_xywh)
    cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), colour, 2)
    for px, py in face.landmarks:
        cv2.circle(img, (int(px * scale), int(py * scale)), 2, (0, 255, 255), -1)


def _text_lines(result: Verification) -> list[tuple[str, tuple[int, int, int]]]:
    if result.match is None:
        verdict, colour = "NO VERDICT", (0, 140, 255)
    elif result.match:
        verdict, colour = "MATCH", (0, 170, 0)
    else:
        verdict, colour = "NO MATCH", (0, 0, 220)
    score = "n/a" if result.score is None else f"{result.score:.3f}"
    lines = [
        (verdict, colour),
        (f"score {score}  threshold {result.threshold:.3f}  FAR {result.far:g}", (0, 0, 0)),
    ]
    for side in (result.id_side, result.selfie_side):
        lines.append(_side_line(side))
    for iss in result.issues[:4]:
        lines.append(
            (
                f"{'!' if iss.blocking else '~'} {iss.code} ({iss.image})",
                (0, 0, 200) if iss.blocking else (90, 90, 90),
            )
        )
    return lines


def _side_line(side: Side) -> tuple[str, tuple[int, int, int]]:
    parts = [side.role]
    if side.oriented.rotation_deg:
        parts.append(f"rot {side.oriented.rotation_deg}")
    if side.quality is not None:
        q = side.quality
        parts.append(f"sharp {q.sharpness:.0f} bright {q.brightness:.0f} eyes {q.eye_distance_px:.0f}px")
    if side.replay is not None:
        parts.append(f"live {side.replay.p_live:.2f}")
    return "  ".join(parts), (40, 40, 40)


def explain_figure(result: Verification, pictures: dict[str, dict[str, Any]]) -> np.ndarray:
    """The explain picture (BGR uint8) of one verification and the pictures `verify_with_views` returned."""
    import cv2

    tiles = []
    id_pics, s_pics = pictures["id"], pictures["selfie"]
    doc, s = _fit(id_pics["upright"])
    quad = result.id_side.document.quad_xy if result.id_side.document else None
    if quad is not None:
        cv2.polylines(doc, [(np.asarray(quad) * s).astype(np.int32)], True, (0, 255, 0), 2)
    tiles.append(doc)
    if result.id_side.document is not None and result.id_side.document.method == "quadrilateral":
        card, s = _fit(id_pics["view"])
        _draw_face(card, result.id_side.face, s, (255, 0, 0))
        tiles.append(card)
    else:
        _draw_face(doc, result.id_side.face, s, (255, 0, 0))
    selfie, s = _fit(s_pics["upright"])
    _draw_face(selfie, result.selfie_side.face, s, (255, 0, 0))
    tiles.append(selfie)
    top = np.concatenate(tiles, axis=1)
    faces = []
    for pics in (id_pics, s_pics):
        al = pics["aligned"]
        big = (
            np.full((224, 224, 3), 200, np.uint8)
            if al is None
            else cv2.resize(al, (224, 224), interpolation=cv2.INTER_CUBIC)
        )
        if al is not None:
            for x, y in REFERENCE_112:
                cv2.circle(big, (int(x * 2), int(y * 2)), 3, (0, 255, 255), -1)
        faces.append(big)
    panel_w = max(top.shape[1] - 448, 420)
    panel = np.full((224, panel_w, 3), 255, np.uint8)
    for i, (line, colour) in enumerate(_text_lines(result)):
        big = i == 0
        cv2.putText(
            panel,
            line,
            (10, 30 + i * 26 + (8 if not big else 0)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.9 if big else 0.45,
            colour,
            2 if big else 1,
            cv2.LINE_AA,
        )
    bottom = np.concatenate([*faces, panel], axis=1)
    width = max(top.shape[1], bottom.shape[1])

    def pad(im: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(
            im, 0, 0, 0, width - im.shape[1], cv2.BORDER_CONSTANT, value=(255, 255, 255)
        )

    return np.concatenate([pad(top), pad(bottom)], axis=0)
