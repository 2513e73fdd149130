"""Data-engine speed: pages per second per preset at 150 and 300 dpi with --jobs 2.

Writes small datasets to a temporary folder through the public `synthesize` API (default corpus
fraction 0.1, so a few corpus pages are included) and prints wall-clock pages/s and the extrapolated time for 10,000
pages, with the machine's load average before and after (wall-clock rates suffer when other jobs
share the 2 cores; workers run under a fork server, so their CPU time is not visible here). Pages per cell: FRONTLINE_BENCH_SYNTH_PAGES (default 20).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from pathlib import Path

from frontline.music.synth.dataset import SynthConfig, synthesize


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
                t0 = time.perf_counter()
                s = synthesize(
                    SynthConfig(pages=n, out=out, seed=7, jobs=jobs, preset=preset, dpi=dpi, progress=False)
                )
                wall = time.perf_counter() - t0
                pps = s.pages / wall
                rows.append(
                    (
                        preset,
                        str(dpi),
                        str(s.pages),
                        str(s.skipped),
                        f"{wall:.1f}",
                        f"{pps:.2f}",
                        f"{10000 / pps / 3600:.2f}",
                    )
                )
    load1 = os.getloadavg()[0]
    print(
        f"synth: {n} pages per cell, --jobs {jobs}, 1-min load average {load0:.1f} -> {load1:.1f} (2 cores)"
    )
    cols = ("preset", "dpi", "pages", "skipped", "wall s", "pages/s", "10k h")
    widths = (8, 4, 6, 8, 8, 8, 7)
    for r in [cols, *rows]:
        print(
            " ".join(v.rjust(w) if k else v.ljust(w) for k, (v, w) in enumerate(zip(r, widths, strict=True)))
        )
    print("10k h = hours for 10,000 pages at the measured wall rate (target: >= 4 clean pages/s at 150 dpi).")


if __name__ == "__main__":
    main()
