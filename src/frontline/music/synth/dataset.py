"""The dataset writer: N pages (image + DeepScoresV2-layout JSON + page MusicXML) into a folder.

Page i is drawn from `SeedSequence([seed, i, attempt])`, so a dataset depends only on the seed and the
config, not on the number of worker processes.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError
from frontline.music.synth.dsv2 import page_to_dsv2
from frontline.music.synth.page import PageConfig, SkippedItem, SynthPage, make_page

__all__ = ["PRESETS", "SynthConfig", "SynthSummary", "page_rng", "synthesize"]

PRESETS = ("clean", "scan", "photo", "mixed")
"""Degradation presets the writer accepts."""

_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """Everything `frontline music synth` needs to write a dataset."""

    pages: int
    """Number of pages to write (>= 1)."""
    out: Path
    """Output folder (created; files page_NNNNNN.{png,json,musicxml} and index.json go here)."""
    seed: int = 0
    """Master seed (>= 0); page i uses SeedSequence([seed, i, attempt])."""
    jobs: int = 1
    """Worker processes."""
    preset: str = "clean"
    """Degradation preset: clean, scan, photo or mixed."""
    dpi: int = 150
    """Raster resolution in dots per inch."""
    rare_boost: float = 1.0
    """Multiplier on rare-symbol probabilities in generated music."""
    long_notes: float = 1.0
    """Multiplier on the probability of whole and dotted-half notes in generated music."""
    corpus_fraction: float = 0.1
    """Share of pages engraved from the music21 corpus (reserved evaluation folders excluded)."""
    rare_paste: int = 0
    """Paste up to this many rare-symbol crops into each page's margins (0 = off)."""
    source: str = "train"
    """"train" (generator + training corpus) or "eval" (reserved corpus folders only, for benchmarks)."""
    progress: bool = True
    """Show a progress bar with ETA on stderr."""


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What a `synthesize` run wrote."""

    out: Path
    pages: int
    skipped: int
    skipped_items: tuple[tuple[str, str], ...]
    seconds: float
    class_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        """Written pages per wall-clock second."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def page_rng(seed: int, index: int, attempt: int = 0) -> np.random.Generator:
    """The generator that draws page `index` (attempt `attempt`) of a dataset with master `seed`."""
    return np.random.default_rng(np.random.SeedSequence([seed, index, attempt]))


def _validate(cfg: SynthConfig) -> None:
    if cfg.pages < 1:
        raise InputError(f"--pages must be at least 1 (got {cfg.pages})")
    if cfg.seed < 0:
        raise InputError(f"--seed must be >= 0 (got {cfg.seed})")
    if cfg.jobs < 1:
        raise InputError(f"--jobs must be at least 1 (got {cfg.jobs})")
    if cfg.preset not in PRESETS:
        raise InputError(f"--preset must be one of {', '.join(PRESETS)} (got {cfg.preset!r})")
    if not 36 <= cfg.dpi <= 600:
        raise InputError(f"--dpi must be between 36 and 600 (got {cfg.dpi})")
    if cfg.source not in ("train", "eval"):
        raise InputError(f"source must be 'train' or 'eval' (got {cfg.source!r})")
    if not 0.0 <= cfg.corpus_fraction <= 1.0:
        raise InputError(f"corpus fraction must be in [0, 1] (got {cfg.corpus_fraction})")
    if cfg.rare_boost < 0 or cfg.long_notes < 0:
        raise InputError(
            f"--rare-boost and --long-notes multiply probabilities, so they must be >= 0 "
            f"(got {cfg.rare_boost} and {cfg.long_notes})"
        )
    out = Path(cfg.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"{out}: output folder is not writable ({exc.strerror}); choose another --out"
        ) from None


def _page_config(cfg: SynthConfig) -> PageConfig:
    return PageConfig(
        dpi=cfg.dpi,
        preset=cfg.preset,
        rare_boost=cfg.rare_boost,
        long_notes=cfg.long_notes,
        corpus_fraction=cfg.corpus_fraction,
        rare_paste=cfg.rare_paste,
        source=cfg.source,
    )


def _write_page(page: SynthPage, out: Path, index: int, seed: int, attempt: int) -> dict[str, int]:
    import cv2

    stem = f"page_{index:06d}"
    if not cv2.imwrite(str(out / f"{stem}.png"), page.image, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"could not write {out / stem}.png")
    (out / f"{stem}.musicxml").write_text(page.musicxml)
    meta = {**page.meta, "musicxml": f"{stem}.musicxml", "seed": seed, "index": index, "attempt": attempt}
    doc = page_to_dsv2(page.annotations, f"{stem}.png", meta, img_id=index + 1)
    (out / f"{stem}.json").write_text(json.dumps(doc, separators=(",", ":")))
    return dict(Counter(a.class_name for a in page.annotations.annotations))


def _work(args: tuple[SynthConfig, int]) -> tuple[int, dict[str, int] | None, list[tuple[str, str]]]:
    """Make and write page `index` (retrying with fresh draws when a source is skipped)."""
    cfg, index = args
    skipped: list[tuple[str, str]] = []
    pcfg = _page_config(cfg)
    for attempt in range(_ATTEMPTS):
        try:
            res = make_page(page_rng(cfg.seed, index, attempt), pcfg)
        except (
            Exception
        ) as exc:  # an engraver or rasteriser failure on one drawn source must not stop the run
            res = SkippedItem(f"page {index} attempt {attempt}", f"{type(exc).__name__}: {exc}")
        if isinstance(res, SkippedItem):
            skipped.append((res.name, res.reason))
            continue
        counts = _write_page(res, Path(cfg.out), index, cfg.seed, attempt)
        return index, counts, skipped
    return index, None, skipped


def _init_worker() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    import cv2

    cv2.setNumThreads(1)


def _results(cfg: SynthConfig) -> Iterator[tuple[int, dict[str, int] | None, list[tuple[str, str]]]]:
    tasks = [(cfg, i) for i in range(cfg.pages)]
    if cfg.jobs == 1:
        _init_worker()
        yield from map(_work, tasks)
        return
    # Not plain "fork": forking a process that already runs threads (torch, OpenCV, a test runner) can
    # copy a held lock into the child, which then hangs in its first import. A fork server is a fresh,
    # single-threaded process that has imported this module once, so workers start fast and safe.
    ctx: BaseContext
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        mp.set_forkserver_preload([__name__])
    else:
        ctx = mp.get_context("spawn")
    with ctx.Pool(cfg.jobs, initializer=_init_worker) as pool:
        yield from pool.imap_unordered(_work, tasks, chunksize=1)


def synthesize(config: SynthConfig) -> SynthSummary:
    """Write `config.pages` pages to `config.out` and return what was written.

    Sources that cannot be engraved (corrupt corpus file, unlayoutable score, empty page) are skipped
    with a warning naming them and replaced by a fresh draw; their count is in the summary.
    """
    _validate(config)
    from tqdm import tqdm

    out = Path(config.out)
    t0 = time.perf_counter()
    counts: Counter[str] = Counter()
    written: list[int] = []
    skipped: list[tuple[str, str]] = []
    with tqdm(
        total=config.pages, desc="synth pages", unit="page", disable=not config.progress, file=sys.stderr
    ) as bar:
        for index, c, sk in _results(config):
            for name, reason in sk:
                warnings.warn(f"skipped {name}: {reason}", stacklevel=2)
            skipped.extend(sk)
            if c is not None:
                counts.update(c)
                written.append(index)
            bar.update(1)
    seconds = time.perf_counter() - t0
    cfg_dict = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    index_doc: dict[str, Any] = {
        "config": cfg_dict,
        "pages": [f"page_{i:06d}" for i in sorted(written)],
        "skipped": [{"name": n, "reason": r} for n, r in skipped],
        "class_counts": dict(counts.most_common()),
        "seconds": round(seconds, 2),
    }
    (out / "index.json").write_text(json.dumps(index_doc, indent=1))
    return SynthSummary(out, len(written), len(skipped), tuple(skipped), seconds, dict(counts.most_common()))
