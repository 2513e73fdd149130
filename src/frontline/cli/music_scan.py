"""`frontline music ...` commands of the scan stage."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the `music` sub-app."""
    _ = app
