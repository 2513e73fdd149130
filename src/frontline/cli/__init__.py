"""The `frontline` command: one sub-app per system, each command parses, calls one function, prints.

Exit codes: 0 ok, 1 the job failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import typer

from frontline import __version__
from frontline.cli.faces import app as faces_app
from frontline.cli.games import app as games_app
from frontline.cli.lab import app as lab_app
from frontline.cli.music import app as music_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="frontline",
    help="Deep learning in the wild: music scanning, face matching, game playing, and the lab.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(music_app, name="music")
app.add_typer(faces_app, name="faces")
app.add_typer(games_app, name="games")
app.add_typer(lab_app, name="lab")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"frontline {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Deep learning in the wild: music scanning, face matching, game playing, and the lab."""


def main() -> None:
    """Console-script entry point."""
    app()
