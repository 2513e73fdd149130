"""Render games as pictures and animated GIFs (PIL): planets sized by ships, coloured by owner, fleets as dots.

Colours: player 1 blue, player 2 red, neutral grey; a planet's ring thickness shows its upgrade level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from frontline.errors import InputError
from frontline.games.arena import play_games, resolve_player
from frontline.games.bots import Policy
from frontline.games.rules import GameState, generate_map, new_games

__all__ = ["render_frame", "record_game", "save_gif", "replay_to_gif"]

_COLOURS = {0: (150, 150, 150), 1: (40, 110, 230), 2: (220, 50, 50)}


def render_frame(state: GameState, game: int = 0, size: int = 400, title: str = "") -> np.ndarray:
    """(size, size, 3) uint8 picture of game `game` at its current tick; `title` is written at the bottom."""
    img = Image.new("RGB", (size, size), (10, 10, 25))
    draw = ImageDraw.Draw(img)
    scale = size / float(state.map_size[game])
    pos = state.positions[game] * scale
    for p in range(state.n_planets):
        x, y = pos[p]
        r = (3 + 1.1 * np.sqrt(max(int(state.ships[game, p]), 0))) * size / 400
        r = min(r, size / 16)
        col = _COLOURS[int(state.owner[game, p])]
        draw.ellipse(
            [x - r, y - r, x + r, y + r],
            fill=col,
            outline=(255, 255, 255),
            width=1 + int(state.level[game, p]),
        )
        draw.text((x + r + 1, y - 6), str(int(state.ships[game, p])), fill=(230, 230, 230))
    t = int(state.tick[game])
    for f in np.flatnonzero(state.fleet_ships[game] > 0):
        s, d = int(state.fleet_source[game, f]), int(state.fleet_target[game, f])
        dep, arr = int(state.fleet_depart[game, f]), int(state.fleet_arrive[game, f])
        a = (t - dep) / max(arr - dep, 1)
        x, y = pos[s] + a * (pos[d] - pos[s])
        r = 1.5 + 0.4 * np.sqrt(int(state.fleet_ships[game, f]))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=_COLOURS[int(state.fleet_owner[game, f])])
    draw.text((4, 4), f"tick {t}", fill=(255, 255, 255))
    if title:
        draw.text((4, size - 14), title, fill=(255, 255, 255))
    return np.asarray(img)


def record_game(
    a: Policy, b: Policy, map_seed: int, n_planets: int, seed: int = 0
) -> tuple[list[GameState], int]:
    """Play `a` (side 1, blue) vs `b` (side 2, red) on one map; returns (state after every tick, winner)."""
    state = new_games([generate_map(n_planets, map_seed)])
    frames = [state.copy()]
    winner = play_games(state, (a, b), np.random.default_rng(seed), record=frames)
    return frames, int(winner[0])


def save_gif(
    frames: list[GameState], out: str | Path, every: int = 2, size: int = 400, fps: int = 20, title: str = ""
) -> Path:
    """Write every `every`-th recorded state as one GIF frame; returns the path."""
    out = Path(out)
    if out.suffix.lower() != ".gif":
        raise InputError(f"output {out} must end in .gif")
    if not frames:
        raise InputError("no frames to write")
    out.parent.mkdir(parents=True, exist_ok=True)
    pics = [Image.fromarray(render_frame(s, 0, size, title)) for s in frames[::every] + [frames[-1]]]
    pics = [p.convert("P", palette=Image.Palette.ADAPTIVE, colors=64) for p in pics]
    pics[0].save(out, save_all=True, append_images=pics[1:], duration=int(1000 / fps), loop=0)
    return out


def replay_to_gif(a: str, b: str, map_seed: int, n_planets: int, out: str | Path) -> tuple[Path, int, int]:
    """Play named bots/agents `a` (blue) vs `b` (red) on one map and write a GIF: (path, winner side, ticks)."""
    if Path(out).suffix.lower() != ".gif":
        raise InputError(f"output {out} must end in .gif")
    frames, winner = record_game(resolve_player(a), resolve_player(b), map_seed, n_planets)
    title = f"blue: {a}   red: {b}"
    return save_gif(frames, out, title=title), winner, int(frames[-1].tick[0])
