"""Five-point similarity alignment of a face to the recogniser's 112x112 input.

`similarity_transform` is pure geometry (least-squares rotation + uniform scale + shift, Umeyama);
`align_face` warps the image with it onto the ArcFace/SFace reference landmarks.
"""

from __future__ import annotations

import numpy as np

from frontline.faces.records import Face

__all__ = ["REFERENCE_112", "similarity_transform", "align_face"]

#: Landmark positions (x, y) in the 112x112 crop SFace was trained on (same as OpenCV's alignCrop).
REFERENCE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity matrix M (rotation, uniform scale, shift) minimising |M src - dst|^2.

    src, dst: (N, 2) point arrays, N >= 2. Umeyama's closed form without reflection.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1.0
    rot = u @ sign @ vt
    var_s = (s**2).sum() / len(src)
    scale = float(np.trace(np.diag(sig) @ sign) / var_s) if var_s > 0 else 1.0
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m


def align_face(image: np.ndarray, face: Face, size: int = 112) -> np.ndarray:
    """The face warped to a size x size crop with its landmarks on the SFace reference points."""
    import cv2

    ref = REFERENCE_112 * (size / 112.0)
    m = similarity_transform(np.asarray(face.landmarks), ref)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
