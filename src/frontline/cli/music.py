"""`frontline music ...` commands: synth (data engine), train/detect (detector), scan (end to end)."""

from __future__ import annotations

import typer

from frontline.cli import music_detect, music_scan, music_synth

app = typer.Typer(help="Music scanning: sheet-music image or PDF -> MusicXML.", no_args_is_help=True)
app.add_typer(music_synth.app, name="synth")
music_detect.register(app)
music_scan.register(app)
