"""The lab: the talk's lessons as code every training run uses (run recorder, reports, imbalance, risk).

Importing `frontline.lab` is cheap: torch and matplotlib load only inside the functions that need them,
and the submodules (`losses`, `sampling`, `risk`, `metrics`, `features`, `infoplane`, `trainer`,
`report`) load on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from frontline.lab.run import Run, find_run_dirs, list_runs, load_checkpoint, run

if TYPE_CHECKING:
    from . import features as features
    from . import infoplane as infoplane
    from . import losses as losses
    from . import metrics as metrics
    from . import report as report
    from . import risk as risk
    from . import sampling as sampling
    from . import trainer as trainer

__all__ = [
    "Run",
    "features",
    "find_run_dirs",
    "infoplane",
    "list_runs",
    "load_checkpoint",
    "losses",
    "metrics",
    "report",
    "risk",
    "run",
    "sampling",
    "trainer",
]

_SUBMODULES = {"features", "infoplane", "losses", "metrics", "report", "risk", "sampling", "trainer"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"frontline.lab.{name}")
    raise AttributeError(f"module 'frontline.lab' has no attribute {name!r}")
