"""One synthetic page in memory: draw music, engrave it, cut it to one page, annotate, rasterise, degrade.

`make_page(rng, config)` is the function API the detector can call to train on the fly; the dataset
writer (`dataset.synthesize`) calls it once per page with a per-page seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from frontline.music.synth.annotate import PageAnnotations, annotate_svg, note_links
from frontline.music.synth.engrave import (
    EngraveOptions,
    engrave_pages,
    page_size_px,
    random_engrave_options,
    rasterize,
    strip_bounding_boxes,
)
from frontline.music.synth.generate import GenerateConfig, random_score, score_to_musicxml

__all__ = ["PageConfig", "SkippedItem", "SynthPage", "engrave_musicxml_page", "eval_pages", "make_page"]


@dataclass(frozen=True, slots=True)
class PageConfig:
    """What one synthetic page should look like."""

    dpi: int = 150
    """Raster resolution in dots per inch (the page size comes from the drawn paper format)."""
    preset: str = "clean"
    """Degradation preset: clean, scan, photo or mixed."""
    rare_boost: float = 1.0
    """Multiplier on the probability of rare symbols in generated music."""
    long_notes: float = 1.0
    """Multiplier on the probability of whole and dotted-half notes in generated music."""
    corpus_fraction: float = 0.0
    """Share of pages taken from the music21 corpus (training folders only) instead of the generator."""
    rare_paste: int = 0
    """Paste up to this many crops of rare symbols into the page margins (0 = off)."""
    source: str = "train"
    """"train" (generator + non-reserved corpus) or "eval" (only the reserved evaluation corpus folders)."""


@dataclass(frozen=True, slots=True)
class SynthPage:
    """One page: greyscale image, annotations in its pixel frame, the ground-truth MusicXML and metadata."""

    image: np.ndarray
    annotations: PageAnnotations
    musicxml: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """A source the engine could not turn into a page, and why (reported as a warning)."""

    name: str
    reason: str


def engrave_musicxml_page(
    musicxml: str, options: EngraveOptions, dpi: int, name: str = "score", loaded: Any = None
) -> tuple[str, PageAnnotations, np.ndarray] | SkippedItem:
    """Engrave the first page of MusicXML: (svg, annotations, clean image), or a SkippedItem naming `name`.

    `loaded` may pass a Verovio toolkit that already holds `musicxml` under `options` (saves a layout).
    """
    tk = loaded if loaded is not None else engrave_pages(musicxml, options)
    if tk is None:
        return SkippedItem(name, "Verovio could not load or lay out the score")
    svg = tk.renderToSVG(1)
    links = note_links(tk.getMEI(), tk.renderToTimemap())
    width, height = page_size_px(options, dpi)
    ann = annotate_svg(svg, options.font, width, height, links)
    if not ann.staves or not any(
        a.class_name.startswith("notehead") or a.class_name.startswith("rest") for a in ann.annotations
    ):
        return SkippedItem(name, "page has no staff or no symbols")
    image = rasterize(strip_bounding_boxes(svg), width, height)
    return svg, ann, image


def _fit_measures(count_xml: Any, n_measures: int, options: EngraveOptions) -> tuple[int, Any]:
    """Largest k such that measures [0, k) lay out on one page, and the toolkit holding them ((0, None) if none)."""
    tk = engrave_pages(count_xml(n_measures), options)
    if tk is None:
        return 0, None
    if tk.getPageCount() == 1:
        return n_measures, tk
    k = tk.renderToSVG(1).count('class="measure"')
    while k > 0:
        tk = engrave_pages(count_xml(k), options)
        if tk is not None and tk.getPageCount() == 1:
            return k, tk
        k -= 1
    return 0, None


def make_page(rng: np.random.Generator, config: PageConfig | None = None) -> SynthPage | SkippedItem:
    """Draw, engrave, annotate and rasterise one page of generated or corpus music.

    Deterministic for a given generator state. Returns a SkippedItem (with the reason) instead of
    raising when the drawn source cannot be laid out or yields an empty page.
    """
    cfg = config or PageConfig()
    options = random_engrave_options(rng)
    use_corpus = cfg.source == "eval" or (cfg.corpus_fraction > 0 and rng.random() < cfg.corpus_fraction)
    if use_corpus:
        from frontline.music.synth.corpus import corpus_page_source

        src = corpus_page_source(rng, evaluation=cfg.source == "eval")
        if isinstance(src, SkippedItem):
            return src
        name, count_xml, n_measures = src
        n_measures = min(n_measures, 48)  # more never fits one page; exporting them costs time
    else:
        score = random_score(rng, GenerateConfig(rare_boost=cfg.rare_boost, long_notes=cfg.long_notes))
        name = "generated"

        def count_xml(k: int) -> str:
            return score_to_musicxml(score, 0, k)

        n_measures = score.n_measures
    try:
        k, tk = _fit_measures(count_xml, n_measures, options)
        xml = count_xml(k) if k > 0 else ""
    except Exception as exc:  # music21 export of a corpus piece can fail in many ways
        return SkippedItem(name, f"could not write MusicXML ({type(exc).__name__}: {str(exc)[:80]})")
    if k == 0:
        return SkippedItem(name, "no measure fits on a page with the drawn layout")
    res = engrave_musicxml_page(xml, options, cfg.dpi, name, loaded=tk)
    if isinstance(res, SkippedItem):
        return res
    _, ann, image = res
    meta: dict[str, Any] = {
        "source": name,
        "measures": k,
        "dpi": cfg.dpi,
        "engrave": options.as_dict(),
        "preset": cfg.preset,
        "clean_staff_space_px": ann.staff_space_px,
    }
    if cfg.preset != "clean" or cfg.rare_paste > 0:
        from frontline.music.synth.degrade import degrade_page

        image, ann, dmeta = degrade_page(rng, image, ann, cfg.preset, rare_paste=cfg.rare_paste)
        meta["degrade"] = dmeta
    meta["staff_space_px"] = ann.staff_space_px
    return SynthPage(image, ann, xml, meta)


def eval_pages(n: int, seed: int = 0, config: PageConfig | None = None) -> Iterator[SynthPage]:
    """Yield `n` pages engraved from the RESERVED evaluation corpus folders only (benchmarks, never training).

    Page i is drawn from SeedSequence([seed, i, attempt]) like the dataset writer; sources that cannot be
    engraved are skipped and redrawn (up to 3 attempts per page, then the page is left out).
    """
    cfg = replace(config or PageConfig(), source="eval")
    for i in range(n):
        for attempt in range(3):
            rng = np.random.default_rng(np.random.SeedSequence([seed, i, attempt]))
            page = make_page(rng, cfg)
            if isinstance(page, SynthPage):
                yield page
                break
