"""Scanner and phone-camera degradations (after ScoreAug) that carry the annotations along.

Presets: `scan` (small rotation, blur, noise, contrast/gamma, binarisation, JPEG, bleed-through, paper
texture, dust), `photo` (perspective, page curl, uneven light and shadow, lower resolution, noise,
JPEG), `mixed` (clean, scan or photo drawn per page). Every geometric transform is a point map applied
to the image (by inverse remapping) and to the four corners of every box, so `o_bbox` stays the exact
image of the clean oriented box and `a_bbox` becomes its bounds. `paste_rare` copies crops of rare
symbols into free page areas (the WoRMS 2018 trick).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from frontline.music.synth.annotate import Annotation, PageAnnotations, StaffInfo

__all__ = [
    "COMMON_CLASSES",
    "PointMap",
    "degrade_page",
    "paste_rare",
    "perspective_map",
    "rotation_map",
    "warp_page",
]

PointMap = Callable[[np.ndarray], np.ndarray]
"""Maps (N, 2) clean-page points (x, y) to (N, 2) degraded-page points."""

COMMON_CLASSES = frozenset(
    {
        "stem", "noteheadBlackOnLine", "noteheadBlackInSpace", "noteheadHalfOnLine", "noteheadHalfInSpace",
        "beam", "legerLine", "augmentationDot", "barline", "keySharp", "keyFlat", "staff", "text", "lyricText",
        "lyricLine", "tie", "slur", "systemicBarline", "bracket", "brace", "flag8thUp", "flag8thDown",
        "accidentalSharp", "accidentalFlat", "accidentalNatural", "clefG", "clefF", "restQuarter", "rest8th",
        "timeSig2", "timeSig3", "timeSig4", "timeSig6", "timeSig8", "articStaccatoAbove", "articStaccatoBelow",
        "tuplet3", "tupletBracket", "dynamicText", "tempoText", "repeatDot", "ending",
    }
)  # fmt: skip
"""Classes too frequent (or too large) to be worth pasting as rare symbols."""


# ---------------------------------------------------------------------------------------------------------------
# geometry


def rotation_map(angle_deg: float, width: int, height: int) -> tuple[np.ndarray, PointMap]:
    """2x3 affine matrix rotating about the page centre by `angle_deg` (counter-clockwise) and its point map."""
    import cv2

    mat = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle_deg, 1.0)

    def fwd(pts: np.ndarray) -> np.ndarray:
        return pts @ mat[:, :2].T + mat[:, 2]

    return mat, fwd


def perspective_map(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, PointMap]:
    """3x3 homography sending the 4 points `src` to `dst`, and its point map."""
    import cv2

    h = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))

    def fwd(pts: np.ndarray) -> np.ndarray:
        p = np.concatenate([pts, np.ones((len(pts), 1))], axis=1) @ h.T
        return p[:, :2] / p[:, 2:3]

    return h, fwd


def _curl_offsets(width: int, amp: float, side: int, reach: float) -> np.ndarray:
    """Vertical displacement (px) per column of a page curling up near one side (side 0 left, 1 right)."""
    x = np.arange(width, dtype=np.float64) / max(1, width - 1)
    d = x if side == 1 else 1.0 - x
    t = np.clip((d - (1.0 - reach)) / reach, 0.0, 1.0)
    return amp * (t**2) + 0.25 * amp * np.sin(np.pi * x)


def _map_annotations(ann: PageAnnotations, fwd: PointMap, width: int, height: int) -> PageAnnotations:
    out: list[Annotation] = []
    for a in ann.annotations:
        corners = np.asarray(a.o_bbox, dtype=float).reshape(4, 2)
        q = fwd(corners)
        x0, y0 = q.min(axis=0)
        x1, y1 = q.max(axis=0)
        x0, x1 = max(0.0, float(x0)), min(float(width), float(x1))
        y0, y1 = max(0.0, float(y0)), min(float(height), float(y1))
        if x1 - x0 < 0.5 or y1 - y0 < 0.5:
            continue  # moved off the page
        ob: Any = tuple(float(v) for v in q.reshape(-1))
        box = (x0, y0, x1, y1)
        out.append(
            Annotation(a.class_name, box, ob, a.element_id, a.staff, a.note, a.rel_position, a.comments)
        )
    staves: list[StaffInfo] = []
    for s in ann.staves:
        xm = (s.x0 + s.x1) / 2.0
        ys = fwd(np.array([[xm, y] for y in s.line_ys]))[:, 1]
        xs = fwd(np.array([[s.x0, s.line_ys[0]], [s.x1, s.line_ys[0]]]))[:, 0]
        staves.append(
            StaffInfo(s.index, s.system, tuple(float(y) for y in ys), float(xs.min()), float(xs.max()))
        )
    return PageAnnotations(tuple(out), tuple(staves), width, height)


def warp_page(
    image: np.ndarray, ann: PageAnnotations, kind: str, params: dict[str, Any], fill: int = 255
) -> tuple[np.ndarray, PageAnnotations]:
    """Apply one geometric transform ("rotate", "perspective", "curl") to the image and its annotations.

    params: rotate {angle}; perspective {dst: 4x2 corners for the image corners}; curl {amp, side, reach}.
    """
    import cv2

    h, w = image.shape[:2]
    if kind == "rotate":
        mat, fwd = rotation_map(float(params["angle"]), w, h)
        img = cv2.warpAffine(image, mat, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
    elif kind == "perspective":
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
        hm, fwd = perspective_map(src, np.asarray(params["dst"], dtype=float))
        img = cv2.warpPerspective(image, hm, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)
    elif kind == "curl":
        off = _curl_offsets(w, float(params["amp"]), int(params["side"]), float(params["reach"]))
        map_x = np.tile(np.arange(w, dtype=np.float32), (h, 1))
        map_y = (np.arange(h, dtype=np.float32)[:, None] - off[None, :].astype(np.float32)).astype(np.float32)
        img = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderValue=fill)

        def fwd(pts: np.ndarray) -> np.ndarray:
            xi = np.clip(pts[:, 0], 0, w - 1)
            return np.stack([pts[:, 0], pts[:, 1] + np.interp(xi, np.arange(w), off)], axis=1)

    else:
        raise ValueError(f"unknown warp {kind!r}")
    return img, _map_annotations(ann, fwd, w, h)


# ---------------------------------------------------------------------------------------------------------------
# photometric helpers (float images in [0, 1], 1 = white paper)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    import cv2

    small = rng.random((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    u8 = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    dec = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else None
    return np.asarray(u8 if dec is None else dec, dtype=np.float32) / 255.0


def _scan(
    rng: np.random.Generator, image: np.ndarray, ann: PageAnnotations, meta: dict[str, Any]
) -> tuple[np.ndarray, PageAnnotations]:
    import cv2

    h, w = image.shape
    if rng.random() < 0.85:
        angle = float(rng.uniform(-1.5, 1.5))
        image, ann = warp_page(image, ann, "rotate", {"angle": angle})
        meta["rotate_deg"] = round(angle, 3)
    f = image.astype(np.float32) / 255.0
    if rng.random() < 0.4:
        # bleed-through: the mirrored page shows faintly through the paper
        ghost = cv2.GaussianBlur(f[:, ::-1], (0, 0), 2.0)
        a = float(rng.uniform(0.05, 0.15))
        f = f * (1 - a * (1 - ghost))
        meta["bleed_through"] = round(a, 3)
    if rng.random() < 0.7:
        tex = _smooth_noise(rng, h, w, int(rng.integers(20, 80)))
        depth = float(rng.uniform(0.02, 0.1))
        f = f * (1 - depth * tex)
        meta["paper_texture"] = round(depth, 3)
    if rng.random() < 0.7:
        sigma = float(rng.uniform(0.3, 1.1))
        f = np.asarray(cv2.GaussianBlur(f, (0, 0), sigma), dtype=np.float32)
        meta["blur_sigma"] = round(sigma, 3)
    lo, hi = float(rng.uniform(0.0, 0.2)), float(rng.uniform(0.85, 1.0))
    gamma = float(rng.uniform(0.7, 1.5))
    f = lo + (hi - lo) * cv2.pow(np.clip(f, 0, 1), gamma)
    meta["contrast"] = [round(lo, 3), round(hi, 3)]
    meta["gamma"] = round(gamma, 3)
    if rng.random() < 0.6:
        n = int(rng.integers(20, 300))
        ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
        rs = rng.integers(1, 3, n)
        for y, x, r in zip(ys, xs, rs, strict=True):
            cv2.circle(f, (int(x), int(y)), int(r), float(rng.uniform(0.0, 0.5)), -1)
        meta["speckles"] = n
    sd = float(rng.uniform(0.0, 0.06))
    f = f + sd * rng.standard_normal(f.shape, dtype=np.float32)
    meta["noise_sd"] = round(sd, 4)
    if rng.random() < 0.25:
        t = float(rng.uniform(0.45, 0.65))
        f = (f > t).astype(np.float32)
        meta["binarise"] = round(t, 3)
    if rng.random() < 0.7:
        q = int(rng.integers(35, 92))
        f = _jpeg(f, q)
        meta["jpeg_quality"] = q
    return f, ann


def _photo(
    rng: np.random.Generator, image: np.ndarray, ann: PageAnnotations, meta: dict[str, Any]
) -> tuple[np.ndarray, PageAnnotations]:
    import cv2

    h, w = image.shape
    if rng.random() < 0.7:
        amp = float(rng.uniform(0.004, 0.015) * h) * float(rng.choice([-1, 1]))
        side = int(rng.integers(0, 2))
        reach = float(rng.uniform(0.2, 0.5))
        image, ann = warp_page(image, ann, "curl", {"amp": amp, "side": side, "reach": reach})
        meta["curl"] = {"amp_px": round(amp, 2), "side": side, "reach": round(reach, 3)}
    j = 0.06
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    dst += rng.uniform(-j, j, (4, 2)) * np.array([w, h])
    # keep most of the page in view: pull corners towards the inside
    dst = np.clip(dst, [-0.02 * w, -0.02 * h], [1.02 * w, 1.02 * h])
    background = int(rng.integers(60, 200))
    image, ann = warp_page(image, ann, "perspective", {"dst": dst}, fill=background)
    meta["perspective_dst"] = [[round(float(v), 1) for v in p] for p in dst]
    f = image.astype(np.float32) / 255.0
    # uneven light: a smooth gradient times a soft shadow, computed at 1/8 resolution and upsampled
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    yy, xx = yy * (h / sh), xx * (w / sw)
    gx, gy = rng.uniform(-1, 1, 2)
    light = 1.0 - float(rng.uniform(0.05, 0.35)) * (0.5 + 0.5 * (gx * (xx / w - 0.5) + gy * (yy / h - 0.5)))
    if rng.random() < 0.6:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = float(rng.uniform(0.3, 0.8) * max(w, h))
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / r
        light = light * (1.0 - float(rng.uniform(0.15, 0.45)) * np.clip(1.0 - d, 0.0, 1.0) ** 2)
        meta["shadow"] = True
    f = f * cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    scale = float(rng.uniform(0.45, 0.85))
    small = cv2.resize(f, (max(8, int(w * scale)), max(8, int(h * scale))), interpolation=cv2.INTER_AREA)
    f = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    meta["resolution_scale"] = round(scale, 3)
    sd = float(rng.uniform(0.01, 0.05))
    f = f + sd * rng.standard_normal(f.shape, dtype=np.float32)
    meta["noise_sd"] = round(sd, 4)
    q = int(rng.integers(30, 85))
    f = _jpeg(f, q)
    meta["jpeg_quality"] = q
    return f, ann


# ---------------------------------------------------------------------------------------------------------------
# rare-symbol paste


def paste_rare(
    rng: np.random.Generator, image: np.ndarray, ann: PageAnnotations, count: int
) -> tuple[np.ndarray, PageAnnotations, int]:
    """Copy up to `count` crops of rare symbols of this page into free areas; (image, annotations, pasted)."""
    h, w = image.shape
    space = ann.staff_space_px or 10.0
    cands = [
        a
        for a in ann.annotations
        if a.class_name not in COMMON_CLASSES
        and (a.a_bbox[2] - a.a_bbox[0]) < 8 * space
        and (a.a_bbox[3] - a.a_bbox[1]) < 8 * space
        and (a.a_bbox[2] - a.a_bbox[0]) >= 2
        and (a.a_bbox[3] - a.a_bbox[1]) >= 2
    ]
    if not cands or count <= 0:
        return image, ann, 0
    occ = np.zeros((h + 1, w + 1), dtype=np.int32)
    pad = int(round(space))
    mask = np.zeros((h, w), dtype=np.uint8)
    for a in ann.annotations:
        x0, y0, x1, y1 = a.a_bbox
        mask[
            max(0, int(y0) - pad) : min(h, int(y1) + pad + 1),
            max(0, int(x0) - pad) : min(w, int(x1) + pad + 1),
        ] = 1
    occ[1:, 1:] = mask.cumsum(0).cumsum(1)
    img = image.copy()
    added: list[Annotation] = []
    for k in range(count):
        a = cands[int(rng.integers(0, len(cands)))]
        x0, y0, x1, y1 = (
            int(np.floor(a.a_bbox[0])),
            int(np.floor(a.a_bbox[1])),
            int(np.ceil(a.a_bbox[2])),
            int(np.ceil(a.a_bbox[3])),
        )
        crop = image[y0:y1, x0:x1]
        ch, cw = crop.shape
        for _ in range(40):
            nx, ny = int(rng.integers(0, max(1, w - cw))), int(rng.integers(0, max(1, h - ch)))
            s = occ[ny + ch, nx + cw] - occ[ny, nx + cw] - occ[ny + ch, nx] + occ[ny, nx]
            if s == 0:
                img[ny : ny + ch, nx : nx + cw] = np.minimum(img[ny : ny + ch, nx : nx + cw], crop)
                dx, dy = nx - x0, ny - y0
                b = (a.a_bbox[0] + dx, a.a_bbox[1] + dy, a.a_bbox[2] + dx, a.a_bbox[3] + dy)
                ob: Any = tuple(v + (dx if i % 2 == 0 else dy) for i, v in enumerate(a.o_bbox))
                eid = f"{a.element_id}#paste{k}"
                added.append(Annotation(a.class_name, b, ob, eid, -1, None, None, a.comments))
                mask[max(0, ny - pad) : ny + ch + pad, max(0, nx - pad) : nx + cw + pad] = 1
                occ[1:, 1:] = mask.cumsum(0).cumsum(1)
                break
    return img, PageAnnotations(ann.annotations + tuple(added), ann.staves, ann.width, ann.height), len(added)


def degrade_page(
    rng: np.random.Generator, image: np.ndarray, ann: PageAnnotations, preset: str, rare_paste: int = 0
) -> tuple[np.ndarray, PageAnnotations, dict[str, Any]]:
    """Degrade a clean page with `preset` (clean/scan/photo/mixed); returns image, moved annotations, what was done."""
    meta: dict[str, Any] = {}
    if rare_paste > 0:
        image, ann, n = paste_rare(rng, image, ann, rare_paste)
        meta["rare_pasted"] = n
    kind = preset
    if preset == "mixed":
        kind = str(rng.choice(["clean", "scan", "photo"], p=[0.2, 0.45, 0.35]))
    meta["kind"] = kind
    if kind == "clean":
        return image, ann, meta
    if kind == "scan":
        f, ann = _scan(rng, image, ann, meta)
    elif kind == "photo":
        f, ann = _photo(rng, image, ann, meta)
    else:
        raise ValueError(f"unknown degradation preset {preset!r}")
    out = np.clip(f * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out, ann, meta
