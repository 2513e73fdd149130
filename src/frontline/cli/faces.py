"""`frontline faces ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="faces commands.", no_args_is_help=True)
