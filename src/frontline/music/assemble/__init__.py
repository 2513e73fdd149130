"""Assembly: detected symbols + staves -> Score (staves.py, pitch.py, rhythm.py, voices.py, repair.py, build.py)."""

from __future__ import annotations

from frontline.music.assemble.build import (
    AssembleConfig,
    Assembly,
    MeasureReport,
    PageLayout,
    assemble_pages,
    dynamic_word,
)

__all__ = ["AssembleConfig", "Assembly", "MeasureReport", "PageLayout", "assemble_pages", "dynamic_word"]
