"""Game playing: the Space Conquest strategy game and a DQN that learns it.

Importing this package registers the gymnasium environment `frontline/SpaceConquest-v0`
(`gymnasium.make("frontline/SpaceConquest-v0", map_size=10, action_space="high", encoding="ref")`).
Data flow: env.reset/step -> encoding -> dqn (masked argmax over intents) -> intents -> orders -> rules.
"""

from __future__ import annotations

from frontline.games.env import ENV_ID, register_env

__all__ = ["ENV_ID", "register_env"]

register_env()
