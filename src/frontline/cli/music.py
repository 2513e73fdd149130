"""`frontline music ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="music commands.", no_args_is_help=True)
