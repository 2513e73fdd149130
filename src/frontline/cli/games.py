"""`frontline games ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="games commands.", no_args_is_help=True)
