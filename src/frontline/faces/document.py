"""Find the ID card in a document photo, rectify it and locate the portrait on it.

`find_card(image)` looks for a card-shaped quadrilateral (edges and brightness segmentation, 4-corner
polygon approximation, ID-1 aspect check) and returns its corners; `rectify_card` warps it flat to
856 x 540; `locate_portrait(image, detect)` combines them and falls back to the largest face of the whole
photo when there is no clear card (a tight crop whose frame is the card counts as a card).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from frontline.faces.idcard import CARD_SIZE
from frontline.faces.records import Document, Face

__all__ = ["order_corners", "find_card", "rectify_card", "locate_portrait"]

_ID1_ASPECT = CARD_SIZE[0] / CARD_SIZE[1]  # 1.585


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four points ordered clockwise from top-left, with the long side first (card lying landscape)."""
    pts = np.asarray(pts, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(0)
    ang = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(ang)]  # clockwise in image coordinates (y down), starting anywhere
    start = int(np.argmin(pts.sum(1)))  # top-left: smallest x + y
    pts = np.roll(pts, -start, axis=0)
    if np.linalg.norm(pts[1] - pts[0]) < np.linalg.norm(pts[3] - pts[0]):
        pts = np.roll(pts, -1, axis=0)  # portrait-lying quad: make the first edge the long one
        if pts[0][1] > pts[2][1]:
            pts = np.roll(pts, 2, axis=0)
    return pts


def _aspect(quad: np.ndarray) -> float:
    w = (np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    h = (np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    return float(w) / max(float(h), 1e-6)


def _candidates(mask: np.ndarray, min_area: float) -> list[np.ndarray]:
    import cv2

    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        area = cv2.contourArea(c)
        if area < min_area:
            continue
        hull = cv2.convexHull(c)
        poly = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(poly) == 4:
            out.append(poly.reshape(4, 2).astype(np.float64))
        else:
            rect = cv2.minAreaRect(hull)
            if area / max(rect[1][0] * rect[1][1], 1) > 0.88:
                out.append(cv2.boxPoints(rect).astype(np.float64))
    return out


def find_card(
    image: np.ndarray, *, min_fraction: float = 0.08, max_fraction: float = 0.97
) -> np.ndarray | None:
    """Corners (4, 2) of the most card-like quadrilateral in a BGR photo, or None.

    A candidate must cover between min_fraction and max_fraction of the photo and have an aspect ratio
    within 25% of ID-1 (1.585; perspective included). The largest such candidate wins.
    """
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, 800 / max(h, w))
    small = (
        cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1
        else image
    )
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    area = grey.shape[0] * grey.shape[1]
    masks = []
    med = float(np.median(grey))
    edges = cv2.Canny(grey, 0.5 * med, 1.2 * med + 20)
    masks.append(cv2.dilate(edges, np.ones((5, 5), np.uint8)))
    _, otsu = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    masks.append(cv2.morphologyEx(255 - otsu, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    best, best_area = None, 0.0
    for mask in masks:
        for quad in _candidates(mask, min_fraction * area):
            quad = order_corners(quad)
            qa = abs(cv2.contourArea(quad.astype(np.float32)))
            if qa > max_fraction * area or not 0.75 * _ID1_ASPECT <= _aspect(quad) <= 1.25 * _ID1_ASPECT:
                continue
            if qa > best_area:
                best, best_area = quad, qa
    return None if best is None else best / scale


def rectify_card(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The card inside `quad` warped flat to 856 x 540 pixels (ID-1 at 10 px/mm)."""
    import cv2

    w, h = CARD_SIZE
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(order_corners(quad).astype(np.float32), dst)
    return cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_LINEAR)


def _plausible_portrait(face: Face) -> bool:
    """A card portrait: face box 15-50% of the card height and a confident detection.

    Rejects quadrilaterals that are not cards (a door, a picture frame around a head): warping them
    to card shape stretches the face, which lowers the detector's confidence or makes it too big.
    """
    h = face.bbox_xywh[3] / CARD_SIZE[1]
    return 0.15 <= h <= 0.5 and face.score >= 0.8


def locate_portrait(
    image: np.ndarray, detect: Callable[[np.ndarray], list[Face]]
) -> tuple[Document, np.ndarray, list[Face]]:
    """Find the card and the faces on it: (Document, image the faces are in, faces largest first).

    Order of attempts: a card quadrilateral in the photo (rectified; turned 180 degrees when the face is
    upside down) whose face is plausible as a card portrait, then the photo itself when its frame has the card's aspect (tight crop or scan), then
    the largest face anywhere (`method="largest_face"`, `found_card=False`).
    """
    from frontline.faces.image import rotate

    quad = find_card(image)
    if quad is not None:
        card = rectify_card(image, quad)
        for turn in (0, 180):
            view = rotate(card, turn)
            faces = detect(view)
            if faces and _plausible_portrait(faces[0]):
                q = np.roll(order_corners(quad), 2, axis=0) if turn else order_corners(quad)
                corners = tuple((float(x), float(y)) for x, y in q)
                return Document(True, "quadrilateral", corners, CARD_SIZE), view, faces
    h, w = image.shape[:2]
    faces = detect(image)
    if abs(w / h - _ID1_ASPECT) < 0.08 * _ID1_ASPECT and faces:
        frame = ((0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0))
        return Document(True, "full_frame", frame, (w, h)), image, faces
    return Document(False, "largest_face", None, None), image, faces
