"""Detector benchmark: AP@0.5 per class (clean / degraded), line-class segment recall, per-stage speed.

Held-out pages are rendered by the data engine with seeds the shipped model never saw (training used
seeds 100/200/300) at 300 dpi, cached under data/bench-detect/. Environment: FRONTLINE_BENCH_DETECT_PAGES
(pages per set, default 24; 8 until session 5, and the first 8 pages of a set do not change with
the count), FRONTLINE_DETECT_MODEL (checkpoint; default: the shipped weights).
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from frontline.music.dwd import DWD
    from frontline.music.records import Glyph

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "bench-detect"
SETS = (("clean", "clean", 9000), ("degraded", "mixed", 9100))
ABLATION_VARIANTS = (
    "components (session-1 decoder)",
    "+ marker watershed",
    "+ snap small boxes to ink",
    "+ fit rest bars",
    "+ rule-found/-dropped symbols",
    "+ look-alike glyph classifier (shipped)",
    "shipped + whole/half rest rule",
    "shipped, box from basin extent",
    "shipped without the notehead context rules",
    "shipped without the session-5 rules (C/8va clefs, breves, tenuto rank)",
)
"""Rows of the decoder ablation table, in the order `_ablation_page` builds them."""


def _render(name: str, preset: str, seed: int, pages: int) -> Path:
    from frontline.music.synth.dataset import SynthConfig, synthesize

    out = CACHE / f"{name}-{seed}-{pages}"
    if not (out / "index.json").exists():
        synthesize(
            SynthConfig(pages=pages, out=out, seed=seed, jobs=1, preset=preset, dpi=300, progress=False)
        )
    return out


def _table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(h) for h in headers]] + [
        [f"{v:.3f}" if isinstance(v, float) else str(v) for v in r] for r in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    import torch

    from frontline.music.detect import DetectConfig, detect_page, load_model
    from frontline.music.evaluate.detection import LINE_EVAL_CLASSES, evaluate_detections, evaluate_lines
    from frontline.music.normalize import load_pages
    from frontline.music.synth.dsv2 import load_page_annotations

    torch.set_num_threads(int(os.environ.get("FRONTLINE_BENCH_THREADS", "2")))
    n_pages = int(os.environ.get("FRONTLINE_BENCH_DETECT_PAGES", "24"))
    model = load_model(os.environ.get("FRONTLINE_DETECT_MODEL") or None)
    classes = model.config.classes
    cfg = DetectConfig(min_score=0.05)
    results: dict[str, object] = {}
    timings: list[dict[str, float]] = []
    line_rows: dict[str, list[object]] = {}
    for set_name, preset, seed in SETS:
        folder = _render(set_name, preset, seed, n_pages)
        preds, gts, spaces = [], [], []
        for js in sorted(folder.glob("page_*.json")):
            gt, meta = load_page_annotations(js)
            grey = load_pages(meta["image"])[0]
            t0 = time.perf_counter()
            pd = detect_page(grey, model, cfg)
            total = time.perf_counter() - t0
            timings.append({**pd.timing_s, "total": total, "pixels": float(grey.size)})
            preds.append(list(pd.glyphs))
            gts.append(gt)
            spaces.append(float(meta.get("staff_space_px") or pd.staff_space_px or 20.0))
        present = sorted({g.class_name for page in gts for g in page} & set(classes))
        results[set_name] = evaluate_detections(preds, gts, present)
        for ls in evaluate_lines(preds, gts, spaces, 0.5, LINE_EVAL_CLASSES):
            line_rows.setdefault(ls.class_name, [ls.class_name]).extend([ls.recall, ls.precision, ls.n_gt])

    clean, degr = results["clean"], results["degraded"]
    names = sorted(set(clean.per_class) | set(degr.per_class))  # type: ignore[attr-defined]
    rows: list[list[object]] = []
    for n in names:
        rows.append(
            [
                n,
                clean.per_class.get(n, float("nan")),  # type: ignore[attr-defined]
                clean.n_gt.get(n, 0),  # type: ignore[attr-defined]
                degr.per_class.get(n, float("nan")),  # type: ignore[attr-defined]
                degr.n_gt.get(n, 0),  # type: ignore[attr-defined]
            ]
        )
    rows.append(["MEAN", clean.mean_ap, sum(clean.n_gt.values()), degr.mean_ap, sum(degr.n_gt.values())])  # type: ignore[attr-defined]
    print(f"Symbol detection, AP@0.5 ({n_pages} held-out 300-dpi pages per set, seeds 9000 / 9100)")
    print(_table(["class", "AP clean", "n clean", "AP degraded", "n degraded"], rows))
    print("\nTarget groups (issue: each above 0.95 AP clean): worst class and instance-weighted mean AP")
    print(
        _table(
            ["group", "classes", "worst clean", "mean clean", "worst degraded", "mean degraded"],
            _groups(clean, degr),
        )
    )
    print(
        "\nLine-like classes (classical lines.py): segment recall / precision, every edge within 0.5 staff space"
    )
    print(
        _table(
            ["class", "recall clean", "prec clean", "n clean", "recall degr", "prec degr", "n degr"],
            list(line_rows.values()),
        )
    )
    # decoder ablation on the same pages and weights: what each post-network step buys
    abl_names = ABLATION_VARIANTS
    abl: dict[str, dict[str, tuple[list[list[Glyph]], list[list[Glyph]]]]] = {n: {} for n in abl_names}
    for set_name, preset, seed in SETS:
        folder = _render(set_name, preset, seed, n_pages)
        for js in sorted(folder.glob("page_*.json")):
            gt, meta = load_page_annotations(js)
            grey = load_pages(meta["image"])[0]
            for name, glyphs in _ablation_page(grey, model).items():
                preds_a, gts_a = abl[name].setdefault(set_name, ([], []))
                preds_a.append(glyphs)
                gts_a.append(gt)
    abl_rows: list[list[object]] = []
    for name in abl_names:
        row: list[object] = [name]
        for set_name, _, _ in SETS:
            preds_a, gts_a = abl[name][set_name]
            present = sorted({g.class_name for page in gts_a for g in page} & set(classes))
            row.append(evaluate_detections(preds_a, gts_a, present).mean_ap)
        abl_rows.append(row)
    print("\nDecoder ablation (same weights and pages): mAP@0.5")
    print(_table(["decoder", "clean", "degraded"], abl_rows))

    t = {
        k: float(np.mean([x.get(k, 0.0) for x in timings]))
        for k in ("normalize", "network", "decode", "lines", "classify", "total")
    }
    mp = float(np.mean([x["pixels"] for x in timings])) / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        f"\nSpeed per page (mean of {len(timings)} pages, {mp:.1f} Mpixel, torch threads {torch.get_num_threads()})"
    )
    print(
        _table(
            ["stage", "seconds"],
            [[k, v] for k, v in t.items()] + [["peak RSS (MB)", round(peak_mb, 1)]],
        )
    )


TARGET_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("noteheads", ("notehead",)),
    ("accidentals", ("accidental",)),
    ("clefs", ("clef",)),
    ("rests", ("rest",)),
    ("key and time signatures", ("key", "timeSig")),
)
"""The class groups the issue asks to be above 0.95 AP on clean pages (name prefixes)."""


def _groups(clean: object, degr: object) -> list[list[object]]:
    """Per target group: how many classes occur, the worst class (AP, n) and the instance-weighted mean."""
    rows: list[list[object]] = []
    for group, prefixes in TARGET_GROUPS:
        row: list[object] = [group]
        for k, res in enumerate((clean, degr)):
            ap: dict[str, float] = res.per_class  # type: ignore[attr-defined]
            n: dict[str, int] = res.n_gt  # type: ignore[attr-defined]
            names = [c for c in ap if c.startswith(prefixes) and n.get(c, 0) > 0]
            if k == 0:
                row.append(len(names))
            if not names:
                row.extend(["-", "-"])
                continue
            worst = min(names, key=lambda c: ap[c])
            total = sum(n[c] for c in names)
            row.append(f"{ap[worst]:.3f} {worst} ({n[worst]})")
            row.append(sum(ap[c] * n[c] for c in names) / total)
        rows.append(row)
    return rows


def _ablation_page(grey: np.ndarray, model: DWD) -> dict[str, list[Glyph]]:
    """Detections of one page under each decoder variant of the ablation table (one network pass)."""
    from dataclasses import replace

    from frontline.music.decode import DecodeConfig
    from frontline.music.detect import DetectConfig, decode_page, network_maps
    from frontline.music.normalize import normalize_page

    norm = normalize_page(grey)
    names = ABLATION_VARIANTS
    if not norm.staff.found:
        return {n: [] for n in names}
    maps = network_maps(model, norm.image)
    shipped = DetectConfig(min_score=0.05)
    bare = replace(
        shipped,
        snap_prefixes=(),
        snap_rest_bars=False,
        tenuto_dashes=False,
        tenuto_rank=False,
        heads_need_ledgers=False,
        articulation_blobs=False,
        grace_slashes=False,
        fit_cut_time=False,
        glyph_classifier=False,
        breve_rests=False,
        c_clefs=False,
        octave_clefs=False,
    )
    variants = {
        names[0]: replace(bare, decode=DecodeConfig(split="components")),
        names[1]: bare,
        names[2]: replace(bare, snap_prefixes=shipped.snap_prefixes),
        names[3]: replace(bare, snap_prefixes=shipped.snap_prefixes, snap_rest_bars=True),
        names[4]: replace(shipped, glyph_classifier=False),
        names[5]: shipped,
        names[6]: replace(shipped, rest_rule=True),
        names[7]: replace(shipped, decode=DecodeConfig(box_source="extent")),
        names[8]: replace(shipped, letters_rule=False, stem_rule=False),
        names[9]: replace(shipped, breve_rests=False, c_clefs=False, octave_clefs=False, tenuto_rank=False),
    }
    return {name: list(decode_page(grey, norm, maps, model, cfg).glyphs) for name, cfg in variants.items()}


if __name__ == "__main__":
    main()
