"""Fixtures of the face tests: loaded models (once per session) and the shared real photos."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def face_models():  # type: ignore[no-untyped-def]
    """Detector, recogniser, replay CNN and calibration, loaded once."""
    from frontline.faces.verify import load_models

    return load_models()


@pytest.fixture(scope="session")
def photos(shared_data: Path) -> Path:
    """../shared/data/faces/knn_examples (skips when the shared photos are absent)."""
    path = shared_data / "faces" / "knn_examples"
    if not path.is_dir():
        pytest.skip(f"face photos not found at {path}")
    return path
