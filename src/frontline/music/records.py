"""Records of the music pipeline: detected symbols (the detector -> assembly contract) and, later, the score.

Coordinates are pixels of the page image they were found in, x to the right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Glyph"]


@dataclass(frozen=True, slots=True)
class Glyph:
    """One symbol on a page: a DeepScoresV2 class name (or one of our extensions) and its box.

    `bbox_xyxy` is (x0, y0, x1, y1) in page pixels; `score` is the detector's confidence in [0, 1]
    (1.0 for ground truth); `glyph_id` is unique within a page (-1 when unknown). Line-like primitives
    (stems, beams, ledger lines, barlines, staff lines) use the same record with their class name.
    """

    class_name: str
    bbox_xyxy: tuple[float, float, float, float]
    score: float = 1.0
    glyph_id: int = -1

    @property
    def center_xy(self) -> tuple[float, float]:
        """Centre of the box in page pixels."""
        x0, y0, x1, y1 = self.bbox_xyxy
        return ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
