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
    cols = (
        "preset",
        "dpi",
        "pages",
        "skipped",
        "wall s",
        "pages/s",
        "CPU s/page",
        "pages/s@2free",
        "10k h",
        "10k h@2free",
    )
    widths = (8, 4, 6, 8, 8, 8, 11, 14, 7, 12)
    print(
        " ".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(zip(cols, widths, strict=True)))
    )
    for r in rows:
        preset, dpi, pages, skipped, wall, pps, cpu_pp, ideal, h = r
        vals = [preset, str(dpi), str(pages), str(skipped), f"{wall:.1f}", f"{pps:.2f}", f"{cpu_pp:.3f}"]
        vals += [f"{ideal:.2f}", f"{h:.2f}", f"{10000 / ideal / 3600:.2f}"]
        print(
            " ".join(
                v.rjust(w) if k else v.ljust(w) for k, (v, w) in enumerate(zip(vals, widths, strict=True))
            )
        )
    print("pages/s@2free = 2 / (CPU s per page): the rate on an otherwise idle 2-core machine;")
    print("10k h = hours for 10,000 pages at the measured wall rate; 10k h@2free = at the idle-machine rate.")


if __name__ == "__main__":
    main()
