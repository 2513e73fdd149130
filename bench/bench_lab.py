"""Lab benchmark: the digits imbalance demo, plain cross-entropy vs the imbalance tools, over seeds.

Prints one row per (seed, run) with the rare-class recall and macro F1 on the balanced held-out test
set and the run's wall time, then the mean per run kind. Seeds: FRONTLINE_BENCH_LAB_SEEDS (default "0,1,2").
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict

from frontline.lab.demo import DemoConfig, run_demo


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def main() -> None:
    seeds = [int(s) for s in os.environ.get("FRONTLINE_BENCH_LAB_SEEDS", "0,1,2").split(",") if s.strip()]
    rows: list[list[str]] = []
    by_kind: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            res = run_demo(DemoConfig(out=tmp, seed=seed))
            total += res.wall_s
            for r in res.runs:
                kind = r.name.removeprefix("digits-")
                rows.append(
                    [
                        str(seed),
                        kind,
                        f"{r.rare_recall:.3f}",
                        f"{r.macro_f1:.3f}",
                        f"{r.accuracy:.3f}",
                        f"{r.wall_s:.1f}",
                    ]
                )
                by_kind[kind].append((r.rare_recall, r.macro_f1, r.wall_s))
    for kind, vals in by_kind.items():
        n = len(vals)
        rows.append(
            [
                "mean",
                kind,
                f"{sum(v[0] for v in vals) / n:.3f}",
                f"{sum(v[1] for v in vals) / n:.3f}",
                "",
                f"{sum(v[2] for v in vals) / n:.1f}",
            ]
        )
    print("digits, rare classes 3 and 8 kept at 5% in training; balanced held-out test set (30 per class)")
    print(_table(["seed", "run", "rare_recall", "macro_f1", "accuracy", "wall_s"], rows))
    print(f"total wall time: {total:.1f} s")


if __name__ == "__main__":
    main()
