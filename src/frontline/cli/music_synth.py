"""`frontline music synth ...`: the DeepScores-style data engine."""

from __future__ import annotations

import typer

app = typer.Typer(help="Data engine: engrave random and corpus music with Verovio, annotate every symbol.")
