"""Benchmark of `frontline music scan`: OMR-NED and note F1 on held-out synthetic pages, speed, validity.

Pages come from the data engine: "eval" pages engrave the music21 corpus folders reserved for
evaluation (clean and scan-degraded), "random" pages the random score generator; seeds 90000+ are never
used for training. Oracle mode assembles the pages' ground-truth symbols (measures the assembly alone);
"detector" mode runs the shipped detector first (end to end), when its weights are there.
Also: seconds per 300-dpi page end to end, and MuseScore (mscore3) opening every output, when installed.
Lyrics are read as the scanner reads them (session 10); BENCH_SCAN_LYRICS=0 reads none, as before.

Run: python -m bench scan        (about 13 minutes on 2 cores: 24 pages per set since session 5;
BENCH_SCAN_PAGES=8 gives the first 8 pages of each set, the benchmark until session 4, in under 3)

Development pages (what assembly rules are chosen on; the benchmark's pages are only for reporting):
BENCH_SCAN_SET=dev python -m bench scan   seeds 97000+ from the non-reserved corpus folders and the
generator, clean and scan-degraded, plus non-reserved piano pieces (seeds 95500+, 16 clean and 8
degraded pages), oracle and detector rows only. BENCH_SCAN_SEED0=93000 moves the
benchmark's own sets to other seeds (a fresh-seed check).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from frontline.music.assemble import assemble_pages
from frontline.music.evaluate.notation import note_f1, note_keys, omr_ned
from frontline.music.lyrics import ocr_available, read_lyrics
from frontline.music.musicxml import load_musicxml, save_musicxml
from frontline.music.records import Glyph, Score
from frontline.music.words import read_words

PAGES_PER_SET = int(os.environ.get("BENCH_SCAN_PAGES", "24"))
LYRICS = os.environ.get("BENCH_SCAN_LYRICS", "1") != "0" and ocr_available()
"""Read lyrics as the scanner does (BENCH_SCAN_LYRICS=0: the session-9 rows, which read none)."""
WORDS = os.environ.get("BENCH_SCAN_WORDS", "1") != "0" and ocr_available()
"""Read text directions as the scanner does (ScanConfig.words; BENCH_SCAN_WORDS=0: the session-10 rows)."""
SEED0 = int(os.environ.get("BENCH_SCAN_SEED0", "90000"))
DEV_SETS: dict[str, tuple[int, dict[str, Any]]] = {
    "dev-corpus-clean": (97_000, {"preset": "clean", "source": "train", "corpus_fraction": 1.0}),
    "dev-corpus-degraded": (97_500, {"preset": "scan", "source": "train", "corpus_fraction": 1.0}),
    "dev-random": (99_000, {"preset": "clean", "source": "train"}),
    "dev-random-degraded": (99_500, {"preset": "scan", "source": "train"}),
}
"""Development sets: never the reserved corpus folders, seeds the benchmark never draws."""
DEV_PIANO_SETS: dict[str, tuple[int, dict[str, Any]]] = {
    "dev-piano": (95_500, {"preset": "clean", "source": "train", "corpus_fraction": 1.0}),
    "dev-piano-degraded": (95_700, {"preset": "scan", "source": "train", "corpus_fraction": 1.0}),
}
DEV_PIANO_PAGES = {"dev-piano": 16, "dev-piano-degraded": 8}
"""Development sets closer to the benchmark's piano music: only the non-reserved corpus pieces for piano
or voice and piano (and a trio sonata), as the reserved evaluation folders hold mostly piano music."""
DEV_PIANO_PIECES = (
    "beach/",
    "chopin/",
    "corelli/",
    "cpebach/",
    "handel/",
    "johnson_j_r/",
    "liliuokalani/",
    "schoenberg/",
    "verdi/",
    "weber/",
    "leadSheet/berlin",
)


def _pages(kind: str, n: int, dpi: int = 150) -> list[Any]:
    from frontline.music.synth.page import PageConfig, SkippedItem, make_page

    if kind in DEV_PIANO_SETS:
        return _piano_pages(kind, n, dpi)
    if kind in DEV_SETS:
        seed, kw = DEV_SETS[kind]
        cfg = PageConfig(dpi=dpi, **kw)
    else:
        source = "train" if kind == "random" else "eval"
        preset = "scan" if kind == "eval-degraded" else "clean"
        seed = SEED0 + {"eval-clean": 0, "eval-degraded": 0, "random": 5000}[kind]
        cfg = PageConfig(dpi=dpi, preset=preset, source=source)
    out: list[Any] = []
    tries = 0
    while len(out) < n and tries < 4 * n:
        page = make_page(np.random.default_rng(seed + tries), cfg)
        tries += 1
        if not isinstance(page, SkippedItem):
            out.append(page)
    return out


def _piano_pages(kind: str, n: int, dpi: int) -> list[Any]:
    """Development pages drawn from DEV_PIANO_PIECES only (the corpus draw is narrowed for the call)."""
    from frontline.music.synth import corpus
    from frontline.music.synth.page import PageConfig, SkippedItem, make_page

    seed, kw = DEV_PIANO_SETS[kind]
    paths = [p for p in corpus.training_corpus_paths() if str(p).startswith(DEV_PIANO_PIECES)]
    if any(corpus.is_reserved(p) for p in paths):
        raise SystemExit("a development piano piece lies in a reserved folder")
    saved = corpus.training_corpus_paths
    corpus.training_corpus_paths = lambda: paths  # type: ignore[assignment]
    try:
        out: list[Any] = []
        tries = 0
        while len(out) < n and tries < 4 * n:
            page = make_page(np.random.default_rng(seed + tries), PageConfig(dpi=dpi, **kw))
            tries += 1
            if not isinstance(page, SkippedItem):
                out.append(page)
        return out
    finally:
        corpus.training_corpus_paths = saved  # type: ignore[assignment]


def _glyphs(page: Any) -> list[Glyph]:
    return [Glyph(a.class_name, tuple(a.a_bbox), 1.0, i) for i, a in enumerate(page.annotations.annotations)]


def _noisy(jitter_px: float, drop: float) -> Any:
    """A stand-in for an imperfect detector: ground-truth symbols with box jitter and dropped symbols
    (staff boxes kept: they come from the classical line finder)."""

    def run(page: Any) -> list[Glyph]:
        rng = np.random.default_rng(7)
        out = []
        for g in _glyphs(page):
            if g.class_name != "staff":
                if rng.random() < drop:
                    continue
                b = np.asarray(g.bbox_xyxy) + rng.normal(0, jitter_px, 4)
                box = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
                g = Glyph(g.class_name, box, g.score, g.glyph_id)
            out.append(g)
        return out

    return run


def _flag_share(pred: Score, truth: Score, flagged: set[tuple[int, int]]) -> tuple[int, int]:
    """(note errors in flagged measures, all note errors): errors are unmatched predicted or true notes."""
    p, t = note_keys(pred), note_keys(truth)
    wrong = (p - t) + (t - p)
    inside = sum(c for k, c in wrong.items() if (k[0], k[1]) in flagged)
    return inside, sum(wrong.values())


def _unreadable(truth: Score) -> int:
    """Ground-truth notes whose alteration no reader of the page can know: it differs from what the key,
    the accidentals drawn earlier in the measure and a tie imply, and no accidental is drawn on it."""
    from frontline.music.assemble.pitch import AccidentalState
    from frontline.music.records import KeySignature

    alter_of = {"sharp": 1, "flat": -1, "natural": 0, "double-sharp": 2, "flat-flat": -2}
    count = 0
    for part in truth.parts:
        key = KeySignature(0)
        tied: dict[tuple[int, str, int], int] = {}
        for m in part.measures:
            key = m.key or key
            states: dict[int, AccidentalState] = {}
            new_tied: dict[tuple[int, str, int], int] = {}
            for n in sorted(m.notes(), key=lambda n: n.onset_q):
                st = states.setdefault(n.staff, AccidentalState(key.fifths))
                d = 7 * n.pitch.octave + "CDEFGAB".index(n.pitch.step)
                k = (n.staff, n.pitch.step, n.pitch.octave)
                if n.tie_stop and not n.accidental and k in tied:
                    implied = tied[k]
                else:
                    implied = st.apply(d, alter_of.get(n.accidental))
                count += implied != n.pitch.alter
                if n.tie_start:
                    new_tied[k] = n.pitch.alter
            tied = new_tied
    return count


def _mscore_ok(path: Path) -> bool | None:
    exe = shutil.which("mscore3")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        proc = subprocess.run(
            [exe, "-o", str(Path(tmp) / "x.pdf"), str(path)], env=env, capture_output=True, timeout=120
        )
        return proc.returncode == 0 and "Error" not in proc.stderr.decode(errors="replace")


def _evaluate(pages: list[Any], detector: Any, tmp: Path, tag: str) -> dict[str, Any]:
    ed = syms = ed_nl = syms_nl = tp = tp_grid = n_pred = n_true = 0
    inside = errors = unreadable = empty = 0
    flagged_m = measures = 0
    valid: list[bool] = []
    secs = 0.0
    for i, page in enumerate(pages):
        truth_path = tmp / f"{tag}{i}.gt.musicxml"
        truth_path.write_text(page.musicxml, encoding="utf-8")
        t0 = time.perf_counter()
        if detector is None:
            glyphs = _glyphs(page)
        elif getattr(detector, "wants_page", False):
            glyphs = detector(page)
        else:
            glyphs = detector(page.image)
        asm = assemble_pages([(glyphs, page.image)])
        if LYRICS:  # as `frontline music scan` does (ScanConfig.lyrics, on)
            asm = replace(asm, score=read_lyrics(asm, [page.image]))
        if WORDS:  # as `frontline music scan` does (ScanConfig.words, on)
            asm = replace(asm, score=read_words(asm, [page.image]))
        secs += time.perf_counter() - t0
        pred_path = tmp / f"{tag}{i}.pred.musicxml"
        if asm.score.parts:
            save_musicxml(asm.score, pred_path)
        else:  # nothing read: no file (scan reports the page as failed); scored as an empty score
            empty += 1
        truth = load_musicxml(truth_path)
        unreadable += _unreadable(truth)
        f = note_f1(asm.score, truth)
        tp, n_pred, n_true = tp + f.true_positives, n_pred + f.predicted, n_true + f.ground_truth
        tp_grid += note_f1(asm.score, truth, grid=96).true_positives
        o = omr_ned(pred_path, truth_path)
        ed, syms = ed + o.edit_distance, syms + o.symbols_predicted + o.symbols_ground_truth
        o = omr_ned(pred_path, truth_path, lyrics=False)
        ed_nl, syms_nl = ed_nl + o.edit_distance, syms_nl + o.symbols_predicted + o.symbols_ground_truth
        flagged = {(r.part, r.number - 1) for r in asm.measures if r.flagged}
        a, b = _flag_share(asm.score, truth, flagged)
        inside, errors = inside + a, errors + b
        flagged_m += len(flagged)
        measures += len(asm.measures)
        ok = _mscore_ok(pred_path) if pred_path.exists() else None
        if ok is not None:
            valid.append(ok)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_true if n_true else 0.0
    prec_g = tp_grid / n_pred if n_pred else 0.0
    rec_g = tp_grid / n_true if n_true else 0.0
    return {
        "pages": len(pages),
        "ned": ed / syms if syms else 0.0,
        "ned_nl": ed_nl / syms_nl if syms_nl else 0.0,
        "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "f1_grid": 2 * prec_g * rec_g / (prec_g + rec_g) if prec_g + rec_g else 0.0,
        "notes": n_true,
        "unreadable": unreadable,
        "flagged": f"{flagged_m}/{measures}",
        "err_in_flagged": f"{inside}/{errors}",
        "mscore": (f"{sum(valid)}/{len(valid)}" if valid else "n/a") + (f" ({empty} empty)" if empty else ""),
        "s_per_page": secs / max(1, len(pages)),
    }


def _detector() -> Any:
    from frontline.music import detect

    if not detect.default_model_path().is_file():
        return None
    model = detect.load_model()

    def run(grey: np.ndarray) -> list[Glyph]:
        return list(detect.detect_page(grey, model).glyphs)

    return run


def _speed_300dpi(detector: Any, tmp: Path) -> list[tuple[str, float, float]]:
    """(mode, seconds per page end to end incl. writing all outputs, peak RSS MB) on 300-dpi pages."""
    import resource

    from frontline.music.scan import ScanConfig, scan_piece
    from frontline.music.synth.dsv2 import page_to_dsv2

    pages = _pages("random", 4, dpi=300)  # 4: the fresh-process row amortises its warm-up
    rows = []
    for mode in ("oracle", "detector"):
        if mode == "detector" and detector is None:
            continue
        total = 0.0
        for i, page in enumerate(pages):
            from PIL import Image

            img = tmp / f"speed{i}.png"
            Image.fromarray(page.image).save(img)
            cfg = ScanConfig(out_dir=tmp / f"speed-{mode}", progress=False)
            if mode == "oracle":
                import json

                det = tmp / f"speed{i}.json"
                det.write_text(json.dumps(page_to_dsv2(page.annotations, img.name, page.meta)))
                cfg = ScanConfig(out_dir=tmp / f"speed-{mode}", progress=False, detections=det)
                res = scan_piece(f"speed{i}", [img], cfg)
            else:
                res = scan_piece(f"speed{i}", [img], cfg, lambda g: (detector(g), []))
            total += res.seconds
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((f"{mode} (in this process)", total / len(pages), rss))
    if detector is not None:
        rows.append(_cli_runs([tmp / f"speed{i}.png" for i in range(len(pages))], tmp / "speed-cli"))
    return rows


def _cli_runs(images: list[Path], out: Path, n: int = 3) -> tuple[str, float, float]:
    """`_cli_run` `n` times: the median s/page, every run's figure in the label (this machine's speed
    varies by a fifth between runs minutes apart), the largest peak RSS."""
    import statistics

    runs = [_cli_run(images, out) for _ in range(n)]
    per_page = [r[1] for r in runs]
    walls = "/".join(r[0].split("(")[1].split(" s wall")[0] for r in runs)
    label = f"detector, fresh CLI, median of {n} ({'/'.join(f'{x:.2f}' for x in per_page)} s/page; {walls} s wall, {len(images)} p)"
    return (label, statistics.median(per_page), max(r[2] for r in runs))


def _cli_run(images: list[Path], out: Path) -> tuple[str, float, float]:
    """`frontline music scan` of the images in a fresh process: (label with the wall time including
    start-up and model load, the scan's own s/page, that process's peak RSS MB). The in-process rows'
    RSS is the whole benchmark's."""
    import re
    import subprocess
    import sys

    code = (
        "import resource, sys, time\n"
        "from frontline.cli import app\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the forked benchmark's size
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')]\n"
        "mb = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print('BENCH', time.perf_counter() - t, mb)\n"
    )
    args = ["music", "scan", *map(str, images), "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), "")
    if not line:
        raise RuntimeError(f"frontline music scan failed: {proc.stderr[-500:]}")
    _, secs, rss = line.split()
    # the scan's own time per page (its summary line); the label carries the wall time with start-up
    per_page = re.search(r"([0-9.]+) s/page", proc.stdout + proc.stderr)
    sp = float(per_page.group(1)) if per_page else float(secs) / len(images)
    return (f"detector, fresh CLI ({float(secs):.1f} s wall, {len(images)} p)", sp, float(rss))


def main() -> None:
    """Print the accuracy table (oracle and, when shipped, detector) and the speed table."""
    detector = _detector()
    which = os.environ.get("BENCH_SCAN_SET", "")
    if which not in ("", "dev"):
        raise SystemExit(f"BENCH_SCAN_SET must be unset or 'dev' (got {which!r})")
    dev = which == "dev"
    names = [*DEV_SETS, *DEV_PIANO_SETS] if dev else ["eval-clean", "eval-degraded", "random"]
    dev_n = int(os.environ.get("BENCH_SCAN_PAGES", "10"))
    sets = {k: _pages(k, PAGES_PER_SET if not dev else DEV_PIANO_PAGES.get(k, dev_n)) for k in names}
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        noisy = _noisy(1.0, 0.02)
        noisy.wants_page = True  # type: ignore[attr-defined]
        modes: list[tuple[str, Any]] = [("oracle", None), ("oracle+noise", noisy), ("detector", detector)]
        if dev:  # development sets: the assembly's own rows only
            modes = [m for m in modes if m[0] != "oracle+noise"]
        for mode, det in modes:
            if mode == "detector" and det is None:
                rows.append({"mode": "detector", "set": "(no shipped weights)"})
                continue
            for name, pages in sets.items():
                r = _evaluate(pages, det, tmp, f"{mode}-{name}-")
                rows.append({"mode": mode, "set": name, **r})
        speed = [] if dev else _speed_300dpi(detector, tmp)
    head = f"{'mode':12s} {'set':19s} {'pages':>5s} {'notes':>6s} {'GT unread':>9s} {'OMR-NED':>8s} {'w/o lyr':>8s} {'note F1':>8s} {'F1 1/96':>8s} {'flagged':>9s} {'err in flagged':>14s} {'MuseScore ok':>14s} {'s/page':>7s}"
    print(head)
    print("-" * len(head))
    for r in rows:
        if "pages" not in r:
            print(f"{r['mode']:12s} {r['set']}")
            continue
        print(
            f"{r['mode']:12s} {r['set']:19s} {r['pages']:5d} {r['notes']:6d} {r['unreadable']:9d} {r['ned']:8.4f} {r['ned_nl']:8.4f} {r['f1']:8.4f} {r['f1_grid']:8.4f} "
            f"{r['flagged']:>9s} {r['err_in_flagged']:>14s} {r['mscore']:>14s} {r['s_per_page']:7.2f}"
        )
    if speed:
        print()
        print(f"{'300-dpi page, end to end':26s} {'s/page':>7s} {'peak RSS MB':>12s}")
        for mode, s, rss in speed:
            print(f"{mode:26s} {s:7.2f} {rss:12.0f}")
    print(
        "targets: oracle OMR-NED <= 0.02, F1 >= 0.99; detector OMR-NED <= 0.08 clean / 0.15 degraded; <= 2 s/page"
    )
    print(_text_font_line())


def _text_font_line() -> str:
    """Which font the data engine set the pages' text in: the pages, and so the lyrics rows, depend on it."""
    from frontline.music.synth.engrave import text_font

    if (font := text_font()) is not None:
        return f"pages' text font: {font} (rows comparable with the benchmark of record)"
    return (
        "pages' text font: fallback (no FreeSerif or Liberation Serif installed; Debian: fonts-freefont-ttf). "
        "Verses are set tighter, lyrics rows are NOT comparable with the benchmark of record"
    )
