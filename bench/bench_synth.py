"""Data-engine speed: pages per second per preset at 150 and 300 dpi with --jobs 2.

Writes small datasets to a temporary folder through the public `synthesize` API (default corpus
fraction 0.1, so a few corpus pages are included) and prints wall-clock pages/s, CPU seconds per page
(parent + workers; independent of other load on the machine) and the extrapolated time for 10,000
pages. Pages per cell: FRONTLINE_BENCH_SYNTH_PAGES (default 20).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

from frontline.music.synth.dataset import SynthConfig, synthesize


def _cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main() -> None:
    n = int(os.environ.get("FRONTLINE_BENCH_SYNTH_PAGES", "20"))
    jobs = 2
    rows = []
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dpi in (150, 300):
            for preset in ("clean", "scan", "photo", "mixed"):
                out = Path(tmp) / f"{preset}-{dpi}"
                c0, t0 = _cpu(), time.perf_counter()
                s = synthesize(
                    SynthConfig(pages=n, out=out, seed=7, jobs=jobs, preset=preset, dpi=dpi, progress=False)
                )
                wall, cpu = time.perf_counter() - t0, _cpu() - c0
                pps = s.pages / wall
                ideal = jobs * s.pages / cpu  # pages/s if both cores were free
                rows.append(
                    (preset, dpi, s.pages, s.skipped, wall, pps, cpu / s.pages, ideal, 10000 / pps / 3600)
                )
    load1 = os.getloadavg()[0]
    print(
        f"synth: {n} pages per cell, --jobs {jobs}, 1-min load average {load0:.1f} -> {load1:.1f} (2 cores)"
    )
    head = (
        "preset",
        "dpi",
        "pages",
        "skipped",
        "wall s",
        "pages/s",
        "CPU s/page",
        "pages/s@2 free",
        "10k pages h",
    )
    print(
        f"{head[0]:8s} {head[1]:>4s} {head[2]:>6s} {head[3]:>8s} {head[4]:>8s} {head[5]:>8s} {head[6]:>11s} {head[7]:>15s} {head[8]:>12s}"
    )
    for r in rows:
        print(
            f"{r[0]:8s} {r[1]:4d} {r[2]:6d} {r[3]:8d} {r[4]:8.1f} {r[5]:8.2f} {r[6]:11.3f} {r[7]:15.2f} {r[8]:12.2f}"
        )
    print("pages/s@2 free = 2 / (CPU s per page): the rate on an otherwise idle 2-core machine.")


if __name__ == "__main__":
    main()
