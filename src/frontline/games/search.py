"""Lookahead search under an opponent model: the DQN's choice, checked by rollouts in the simulator.

The simulator is deterministic and cheap to copy, so at a decision the agent can try each intent: copy
the game, play the intent's orders now, then play both sides to the tick limit, the enemy as an
**opponent model** (a scripted policy) and our side as the DQN itself, and keep the intent with the best
outcome (win > draw > loss, then the final score margin). This is the rollout algorithm (one-step
lookahead with the DQN as the base policy): the DQN ranks the intents and its own choice is played
unless a rollout shows a strictly better result, so the DQN stays in charge and, against an opponent the
model predicts exactly, the search can only improve on the plain DQN (its own line is always a
candidate, and at the next decision the chosen line is again a candidate).

Opponent models. `MODEL_LIBRARY` holds the deterministic scripted policies (`rule2`, the strongest bot,
first). After each decision the agent predicts the next snapshot under every model still alive (its own
orders plus that model's orders for the enemy, advanced 10 ticks) and compares it with the real one; a
model that mispredicts once is dropped for the rest of the game. Rollouts use the first model alive;
with none left (e.g. against `random` or any unknown opponent) the agent plays the plain DQN. So the
search helps only against opponents it has an exact model of, and says so (`SearchStats.model_breaks`).
That is the session-5 `dqn+search`: the evaluated bot's own code is in the loop, so it is a reference.

Session 6: models that are not the opponent's code (`VARIANTS`, `frontline.games.opponent`). With
`SearchConfig.fit` the models are ranked by how well they predicted the enemy's snapshots so far and never
dropped; `self` is the agent's own network playing the enemy's side (`dqn+self`, the main result),
`generic` a generic heuristic family fitted online. With an inexact model two rules matter (chosen on dev
maps): no fallbacks, and `outcome_only` (another intent overrides the DQN only if its rollout ends in a
strictly better outcome; margins under a wrong model are noise). `trust` can switch the search off in a
game whose leading model predicts too few enemy decisions exactly (off by default).

Fallbacks. When every line that continues with the DQN loses, the same candidates are tried with a
fixed intent as our side's rollout policy (`SearchConfig.fallbacks`); if one of those lines is strictly
better, the agent plays it and keeps that fixed intent as its policy while the model holds (a handover,
counted in `SearchStats.handovers`). Draws are left to the DQN: a later decision may still find a win. Once the chosen line wins under the model, the agent stops
searching in that game (`commit`; its next choice would be the same line anyway).

Cost: a rollout is the rest of a game with two plans per decision; a search tries up to 9 intents
(identical order lists share one rollout), times 1 + len(fallbacks) policies when every DQN line loses.
Measured per game in docs/games.md (session 5).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from frontline.errors import InputError
from frontline.games.bots import DETERMINISTIC_POLICIES, IntentPolicy, Policy, make_bot
from frontline.games.dqn import Agent
from frontline.games.intents import INTENTS, Intent, PlayerView, intent_orders, player_view
from frontline.games.opponent import (
    OnlineFit,
    apply_both,
    expand_models,
    model_policy,
    replicate,
    same_snapshot,
)
from frontline.games.rules import DECISION_TICKS, GameState, Order, advance, scores

__all__ = [
    "MODEL_LIBRARY",
    "VARIANTS",
    "HONEST_VARIANT",
    "TRUST_AFTER",
    "SearchConfig",
    "SearchStats",
    "SearchAgent",
    "replicate",
    "rollout_values",
    "same_snapshot",
]


MODEL_LIBRARY = DETERMINISTIC_POLICIES
"""The deterministic scripted policies the agent can recognise (`bots.DETERMINISTIC_POLICIES`)."""


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """How the search agent checks the DQN's choice (stored with every result in docs/games/results.json)."""

    models: tuple[str, ...] = MODEL_LIBRARY
    """Opponent models in order of preference (`make_bot` names); rollouts assume the first one the
    enemy's play so far has not contradicted."""
    intents: tuple[int, ...] = tuple(int(i) for i in INTENTS)
    """Intents tried at each decision (the DQN's own choice is always tried too)."""
    horizon: int = 0
    """Ticks each rollout plays after the decision (0: to the tick limit)."""
    check_model: bool = True
    """Search only while the enemy has played exactly as a model predicts (else: plain DQN)."""
    commit: bool = True
    """Stop searching in a game once the chosen line's rollout wins (full-length rollouts only)."""
    fallbacks: tuple[str, ...] = ("always-build", "always-guard", "always-attack", "always-reinforce")
    """Fixed intents (`always-<intent>`) tried as our side's rollout policy when every DQN line loses; a
    line through one hands the rest of the game to it (while the model holds)."""
    fallback_on_draw: bool = False
    """Also try the fallbacks when the best DQN line is a draw (more wins sooner, less DQN in charge)."""
    fit: bool = False
    """Rank the models by how well they predicted the enemy's play so far (decayed `snapshot_distance`)
    instead of dropping a model at its first misprediction; the search then never switches off."""
    fit_decay: float = 0.7
    """Weight of the past in the fit score, per decision (0: only the last prediction counts)."""
    robust: int = 1
    """Value each candidate by its worst rollout over the `robust` best models (max-min)."""
    trust: float = 0.0
    """Search only while the leading model predicted at least this fraction of the enemy's decisions
    exactly in this game (judged from the TRUST_AFTER-th check on; 0: always)."""
    outcome_only: bool = False
    """Override the current line only for a strictly better outcome (win > draw > loss), not for a better
    score margin: with an inexact model the margin of a rollout is mostly noise."""


VARIANTS: dict[str, SearchConfig] = {
    "search": SearchConfig(),
    "self": SearchConfig(models=("self",), fit=True, fallbacks=(), outcome_only=True),
    "generic": SearchConfig(models=("generic",), fit=True, fallbacks=(), outcome_only=True),
}
"""Named search configurations (`frontline games arena dqn+<name>`):
`search` (session 5) rolls out against exact copies of the scripted bots (`MODEL_LIBRARY`), so against
those bots it knows the opponent's code; `self` models the enemy as the agent's own network playing the
other side; `generic` fits the generic heuristic family of `frontline.games.opponent` to the enemy's
observed play. `self` and `generic` contain no bench bot's code, use no fallbacks and override the DQN
only for a strictly better outcome (with an inexact model a fallback line's promise is not kept and
score margins are noise; both chosen on dev maps, docs/games.md session 6)."""
HONEST_VARIANT = "self"
"""The variant with no opponent code in the loop that is reported as the main result (docs/games.md, session 6)."""


TRUST_AFTER = 3
"""Checks of the leading model before `SearchConfig.trust` judges it."""


@dataclass(slots=True)
class SearchStats:
    """Counters of one search agent over all its games (for cost and behaviour tables)."""

    decisions: int = 0
    """Decisions taken."""
    searches: int = 0
    """Decisions at which the search ran."""
    overrides: int = 0
    """Searches that changed the move the current policy (the DQN, or a fallback) would have played."""
    rollouts: int = 0
    """Rollout games played (one per distinct candidate order list)."""
    fallback_searches: int = 0
    """Searches that also tried the other policies (every line of the current one lost)."""
    handovers: int = 0
    """Times the chosen line switched our side's policy (to a fallback, or back)."""
    model_breaks: int = 0
    """Games in which the opponent left every model (search switched off, plain DQN)."""
    search_seconds: float = 0.0
    """Wall time spent in searches."""
    predictions: int = 0
    """Decisions at which the leading model's prediction of the snapshot was checked."""
    exact_predictions: int = 0
    """Of those, predictions that were exact (the enemy played as the leading model said)."""
    untrusted: int = 0
    """Decisions left to the current policy because the leading model predicted too few exactly (`trust`)."""
    model_used: dict[str, int] = field(default_factory=dict)
    """Searches per opponent model that led the rollouts (the best-fitting or first alive one)."""
    picked: dict[str, int] = field(default_factory=dict)
    """Intent names played, counted over all decisions."""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def rollout_values(
    state: GameState,
    game: int,
    player: int,
    candidates: list[tuple[Order, ...]],
    own: Policy,
    enemy: Policy,
    rng: np.random.Generator,
    horizon: int = 0,
) -> np.ndarray:
    """(C, 2) outcome (+1 win, 0 draw or unfinished, -1 loss) and final score margin of each candidate.

    Candidate c's orders are played now in a copy of game `game` (with `enemy`'s orders for the other
    side on the same snapshot); then `own` and `enemy` play both sides every DECISION_TICKS ticks until
    the game ends or `horizon` ticks have passed (0: the tick limit). `state` is not changed.
    """
    if not candidates:
        raise InputError("rollout_values needs at least one candidate")
    sim = replicate(state, game, len(candidates))
    foe = 3 - player
    first = enemy.act(state, game, foe, rng)
    for c, orders in enumerate(candidates):
        apply_both(sim, c, player, orders, first)
    stop = sim.tick_limit if horizon <= 0 else min(sim.tick_limit, int(state.tick[game]) + horizon)
    advance(sim, DECISION_TICKS)
    while True:
        live = np.flatnonzero(~sim.done & (sim.tick < stop))
        if live.size == 0:
            break
        for c in live.tolist():
            mine = own.act(sim, c, player, rng)
            theirs = enemy.act(sim, c, foe, rng)
            apply_both(sim, c, player, mine, theirs)
        advance(sim, min(DECISION_TICKS, int(stop - sim.tick[live].min())))
    sc = scores(sim)
    outcome = np.where(sim.done & (sim.winner == player), 1, np.where(sim.done & (sim.winner == foe), -1, 0))
    return np.stack([outcome, sc[:, player] - sc[:, foe]], axis=1).astype(np.float64)


@dataclass(slots=True)
class _Memory:
    """What the agent remembers about one game it plays: which models explain the enemy, and its line."""

    seed: int
    online: OnlineFit | None
    """The opponent models' predictions and fit (None: `check_model` and `fit` both off)."""
    alive: list[str]
    """Models in use, best first (`OnlineFit.ranking`)."""
    won_line: bool = False
    """The last search's chosen line wins under the current model (first of `alive`)."""
    base: str = "dqn"
    """The policy our side follows after the decision (`dqn`, or a fallback once only it avoided a loss)."""
    checked: int = 0
    """Predictions of the leading model checked in this game."""
    hits: int = 0
    """Of those, exact ones."""


class SearchAgent:
    """The DQN with a rollout check of its choice under an opponent model (see the module docstring).

    A `Policy`: `act(state, game, player, rng)`. It keeps a small memory per (game index, player), reset
    when a game starts (tick 0) or the map changes.
    """

    def __init__(self, agent: Agent, cfg: SearchConfig | None = None, name: str | None = None) -> None:
        if agent.cfg.action_space != "high":
            raise InputError("the search agent needs a high-level (intent) DQN agent")
        self.agent = agent
        self.cfg = cfg or SearchConfig()
        if not self.cfg.models:
            raise InputError("the search agent needs at least one opponent model")
        self.models = {n: model_policy(n, agent) for n in expand_models(self.cfg.models)}
        self._pref = {n: i for i, n in enumerate(self.models)}
        if self.cfg.robust < 1:
            raise InputError(f"robust must be >= 1, got {self.cfg.robust}")
        self.bases: dict[str, Policy] = {"dqn": agent}
        for b in self.cfg.fallbacks:
            pol = make_bot(b)
            if not isinstance(pol, IntentPolicy):
                raise InputError(f"fallback {b!r} must be a fixed intent (always-<intent>)")
            self.bases[b] = pol
        self.name = name or f"{agent.name}+search"
        self.stats = SearchStats()
        self._rng = np.random.default_rng(0)  # models and rollouts never draw from the arena's generator
        self._mem: dict[tuple[int, int], _Memory] = {}

    def _memory(self, state: GameState, game: int, player: int) -> _Memory:
        key, seed = (game, player), int(state.seeds[game])
        m = self._mem.get(key)
        if m is None or int(state.tick[game]) == 0 or m.seed != seed:
            online = (
                OnlineFit(self.models, exact=not self.cfg.fit, decay=self.cfg.fit_decay)
                if self.cfg.check_model or self.cfg.fit
                else None
            )
            m = _Memory(seed, online, list(self.models))
            self._mem[key] = m
        return m

    def _choice(self, base: str, q: np.ndarray) -> int:
        """The intent `base` plays now: the DQN's argmax, or the fallback's fixed intent."""
        pol = self.bases[base]
        return int(pol.intent) if isinstance(pol, IntentPolicy) else int(np.argmax(q))

    def _candidates(
        self, view: PlayerView, q: np.ndarray, first: int
    ) -> tuple[list[int], list[tuple[Order, ...]]]:
        """Intents to try, `first` then best Q first, and their distinct order lists."""
        n = q.shape[0]
        allowed = {i for i in self.cfg.intents if i < n}
        ranked = [first] + [int(i) for i in np.argsort(-q, kind="stable") if int(i) in allowed]
        intents: list[int] = []
        orders: list[tuple[Order, ...]] = []
        for i in ranked:
            o = tuple(intent_orders(view, i))
            if o not in orders:
                intents.append(i)
                orders.append(o)
        return intents, orders

    def _search(
        self, state: GameState, game: int, player: int, m: _Memory, view: PlayerView, q: np.ndarray
    ) -> tuple[str, int, tuple[Order, ...], bool]:
        """(base, intent, orders, wins) of the best line: the current base's own choice unless a rollout of
        another intent (then the same base) is strictly better; the other policies only when every line
        of the current one loses (or does not win, with `fallback_on_draw`)."""
        models = [self.models[n] for n in m.alive[: self.cfg.robust]]
        lead = m.alive[0]
        self.stats.model_used[lead] = self.stats.model_used.get(lead, 0) + 1
        bases = [m.base] + [b for b in self.bases if b != m.base]
        best: tuple[float, float] | None = None
        pick: tuple[str, int, tuple[Order, ...], bool] | None = None
        for k, base in enumerate(bases):
            if k == 1:
                enough = 1.0 if self.cfg.fallback_on_draw else 0.0  # best outcome that needs no fallback
                if best is not None and best[0] >= enough:
                    break
                self.stats.fallback_searches += 1
            intents, cands = self._candidates(view, q, self._choice(base, q))
            per_model = [
                rollout_values(state, game, player, cands, self.bases[base], mod, self._rng, self.cfg.horizon)
                for mod in models
            ]
            self.stats.rollouts += len(cands) * len(models)
            for c in range(len(cands)):
                v = min((float(vals[c, 0]), float(vals[c, 1])) for vals in per_model)  # worst model
                if self.cfg.outcome_only:
                    v = (v[0], 0.0)  # margins do not count: the Q ranking breaks ties
                if best is None or v > best:  # strictly better: ties keep the earlier (current) line
                    best, pick = v, (base, intents[c], cands[c], v[0] > 0)
        assert pick is not None
        return pick

    def act(self, state: GameState, game: int, player: int, rng: np.random.Generator) -> list[Order]:
        m = self._memory(state, game, player)
        if m.online is not None and m.online.pending:
            lead = m.alive[: self.cfg.robust]
            m.online.observe(state, game)
            if lead:
                hit = int(m.online.last.get(lead[0], 1.0) == 0.0)
                self.stats.predictions += 1
                self.stats.exact_predictions += hit
                m.checked += 1
                m.hits += hit
            m.alive = m.online.ranking()
            if not m.alive:
                self.stats.model_breaks += 1
                m.base = "dqn"  # nothing explains the opponent: the plain DQN plays on
            # search again when the models leading the rollouts changed or mispredicted (fit mode)
            if m.alive[: self.cfg.robust] != lead or any(m.online.last.get(n, 0.0) > 0 for n in lead):
                m.won_line = False
        q = self.agent.q_values(state, game, player)
        view = player_view(state, game, player)
        choice = self._choice(m.base, q)
        orders = tuple(intent_orders(view, choice))
        self.stats.decisions += 1
        trusted = m.checked < TRUST_AFTER or m.hits >= self.cfg.trust * m.checked
        if not trusted:
            self.stats.untrusted += 1
        if m.alive and trusted and not (self.cfg.commit and m.won_line and self.cfg.horizon <= 0):
            t0 = time.perf_counter()
            base, pick, picked_orders, m.won_line = self._search(state, game, player, m, view, q)
            if (base, picked_orders) != (m.base, orders):
                self.stats.overrides += 1
            if base != m.base:
                self.stats.handovers += 1
            m.base, choice, orders = base, pick, picked_orders
            self.stats.searches += 1
            self.stats.search_seconds += time.perf_counter() - t0
        if m.online is not None:
            m.online.predict(state, game, player, orders)
        label = Intent(choice).name.lower()
        self.stats.picked[label] = self.stats.picked.get(label, 0) + 1
        return list(orders)
