"""Self-contained HTML report of one run, rebuilt from the run folder's files alone.

`build_report(run_dir)` reads config.json, summary.json, metrics.jsonl, classes.jsonl, tables/,
figures.jsonl + figures/ and infoplane.jsonl and writes report.html with every plot embedded as a
base64 PNG (the file can be mailed or archived on its own).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError

__all__ = ["build_report", "ema", "read_metrics", "plot_infoplane", "plot_learning_curves"]

_SECTIONS = [
    ("risk", "Risk: operating point, precision-recall and ROC"),
    ("gradcam", "Grad-CAM (class activation maps)"),
    ("actmax", "Activation maximisation"),
    ("infoplane", "Information plane (figures)"),
    ("figures", "Figures"),
]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em} td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}
th{background:#f4f4f4} td.l,th.l{text-align:left} img{max-width:100%;margin:.3em 0}
.fig{display:inline-block;vertical-align:top;margin-right:1em} .cap{font-size:.85em;color:#555}
"""


def ema(values: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """Debiased exponential moving average (TensorBoard's smoothing; weight `alpha` on the past)."""
    out = np.empty(len(values), dtype=np.float64)
    acc, norm = 0.0, 0.0
    for i, v in enumerate(np.asarray(values, dtype=np.float64)):
        if not math.isfinite(v):
            out[i] = v
            continue
        acc = alpha * acc + (1 - alpha) * v
        norm = alpha * norm + (1 - alpha)
        out[i] = acc / norm
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path} line {n} is not valid JSON; the file is corrupt") from None
            if not isinstance(row, dict):
                raise InputError(f"{path} line {n} is not a JSON object; the file is corrupt")
            rows.append(row)
    return rows


def read_metrics(run_dir: str | Path) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """metrics.jsonl -> {metric: {split: (steps, values)}}, sorted by step (last value wins per step)."""
    path = Path(run_dir) / "metrics.jsonl"
    series: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for n, row in enumerate(_read_jsonl(path), 1):
        if "step" not in row:
            raise InputError(f"{path} line {n} has no 'step'; the file is corrupt")
        try:
            step = int(row["step"])
        except (TypeError, ValueError):
            raise InputError(f"{path} line {n} has a non-integer step {row['step']!r}") from None
        split = str(row.get("split", "train"))
        for key, val in row.items():
            if key in ("step", "split", "wall_time"):
                continue
            try:
                series[key][split][step] = float(val)
            except (TypeError, ValueError):
                raise InputError(f"{path} line {n}: value of {key!r} is not a number ({val!r})") from None
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for key, by_split in series.items():
        out[key] = {}
        for split, pts in by_split.items():
            steps = np.array(sorted(pts), dtype=np.int64)
            out[key][split] = (steps, np.array([pts[s] for s in steps], dtype=np.float64))
    return out


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, caption: str = "") -> str:
    cap = f'<div class="cap">{html.escape(caption)}</div>' if caption else ""
    return f'<div class="fig"><img src="data:image/png;base64,{b64}">{cap}</div>'


def plot_learning_curves(
    metrics: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]], alpha: float = 0.6
) -> Any:
    """One axis per metric (lr excluded), all splits on it: raw values faint, EMA-smoothed bold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [k for k in sorted(metrics) if k not in ("lr", "epoch")]
    if not names:
        return None
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.2 * rows), squeeze=False)
    colors = {"train": "tab:blue", "val": "tab:orange", "test": "tab:green"}
    for ax, name in zip(axes.ravel(), names, strict=False):
        for i, (split, (steps, vals)) in enumerate(sorted(metrics[name].items())):
            color = colors.get(split, f"C{i + 3}")
            if len(steps) > 1:
                ax.plot(steps, vals, color=color, alpha=0.25, lw=1)
                ax.plot(steps, ema(vals, alpha), color=color, lw=2, label=f"{split} (EMA {alpha})")
            else:
                ax.plot(steps, vals, "o", color=color, label=split)
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _plot_lr(series: dict[str, tuple[np.ndarray, np.ndarray]]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 2.8))
    for split, (steps, vals) in sorted(series.items()):
        ax.plot(steps, vals, label=split)
    if all((v > 0).all() for _, v in series.values()):
        ax.set_yscale("log")
    ax.set_title("learning rate")
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def _plot_confusion(cm: np.ndarray, names: list[str], title: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(names)
    size = min(9.0, 2.5 + 0.45 * n)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros_like(cm, dtype=np.float64), where=rows > 0)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    if n <= 25:
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(n), names, rotation=90, fontsize=7)
    ax.set_yticks(range(n), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_infoplane(rows: list[dict[str, Any]]) -> Any:
    """Information-plane trajectories: I(X;T) vs I(T;Y) in bits, one line per layer, points coloured by epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_layer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_layer[str(r["layer"])].append(r)
    epochs = np.array([float(r["epoch"]) for r in rows])
    vmin, vmax = float(epochs.min()), float(max(epochs.max(), epochs.min() + 1e-9))
    fig, ax = plt.subplots(figsize=(6, 4.2))
    markers = "osD^v<>ph*"
    sc = None
    for k, (layer, pts) in enumerate(by_layer.items()):
        pts = sorted(pts, key=lambda r: r["step"])
        x = np.array([p["i_xt"] for p in pts])
        y = np.array([p["i_ty"] for p in pts])
        e = np.array([p["epoch"] for p in pts])
        ax.plot(x, y, color="0.6", lw=0.8, zorder=1)
        sc = ax.scatter(x, y, c=e, cmap="viridis", vmin=vmin, vmax=vmax, marker=markers[k % len(markers)],
                        s=28, zorder=2, label=layer, edgecolors="k", linewidths=0.3)  # fmt: skip
    if sc is not None:
        fig.colorbar(sc, ax=ax, label="epoch")
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    ax.set_title("information plane (binning estimator)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>(empty)</p>"
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _classes_section(records: list[dict[str, Any]]) -> str:
    from frontline.lab.metrics import precision_recall_f1

    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        latest[str(rec.get("split", "val"))] = rec
    parts = []
    for split, rec in sorted(latest.items()):
        cm = np.asarray(rec["confusion"], dtype=np.int64)
        names = [str(n) for n in rec["class_names"]]
        if cm.shape != (len(names), len(names)):
            raise InputError(
                "classes.jsonl: confusion matrix shape does not match class_names; file is corrupt"
            )
        prf = precision_recall_f1(cm)
        rows = [
            {"class": n, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for n, p, r, f, s in zip(names, prf.precision, prf.recall, prf.f1, prf.support, strict=True)
        ]
        total = int(cm.sum())
        rows.append(
            {
                "class": "macro avg",
                "precision": float(prf.precision.mean()),
                "recall": float(prf.recall.mean()),
                "f1": float(prf.f1.mean()),
                "support": total,
            }
        )
        acc = float(np.trace(cm) / total) if total else 0.0
        parts.append(f"<h3>{html.escape(split)} at step {rec['step']} (accuracy {acc:.4f})</h3>")
        parts.append(_table(rows))
        parts.append(_img(_png(_plot_confusion(cm, names, f"{split} confusion (row-normalised colour)"))))
    return "\n".join(parts)


def build_report(run_dir: str | Path) -> Path:
    """Write `<run_dir>/report.html` from the files in the run folder; returns its path.

    Raises InputError when the folder is not a run folder or a metrics file is corrupt.
    """
    run_dir = Path(run_dir)
    try:
        return _build_report(run_dir)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InputError(f"{run_dir}: a run file is corrupt ({exc.__class__.__name__}: {exc})") from None


def _build_report(run_dir: Path) -> Path:
    if not run_dir.is_dir():
        raise InputError(f"run folder {run_dir} does not exist; list runs with `frontline lab runs ROOT`")
    if not (run_dir / "config.json").exists():
        raise InputError(f"{run_dir} is not a run folder (no config.json)")
    try:
        config = json.loads((run_dir / "config.json").read_text())
    except json.JSONDecodeError:
        raise InputError(f"{run_dir / 'config.json'} is not valid JSON; the file is corrupt") from None
    summary: dict[str, Any] = {}
    if (run_dir / "summary.json").exists():
        try:
            summary = json.loads((run_dir / "summary.json").read_text())
        except json.JSONDecodeError:
            raise InputError(f"{run_dir / 'summary.json'} is not valid JSON; the file is corrupt") from None
    metrics = read_metrics(run_dir)
    classes = _read_jsonl(run_dir / "classes.jsonl")
    infoplane = _read_jsonl(run_dir / "infoplane.jsonl")
    figures = _read_jsonl(run_dir / "figures.jsonl")

    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(run_dir.name)}</title>"]
    out.append(f"<style>{_CSS}</style></head><body><h1>Run {html.escape(run_dir.name)}</h1>")
    if summary:
        out.append("<h2>Summary</h2>" + _table([summary]))
    flat_cfg = [
        {"key": k, "value": json.dumps(v) if isinstance(v, (dict, list)) else v} for k, v in config.items()
    ]
    out.append("<h2>Config</h2>" + _table(flat_cfg))

    out.append("<h2>Learning curves</h2>")
    fig = plot_learning_curves(metrics)
    out.append(
        _img(_png(fig), "raw values faint, EMA-smoothed bold")
        if fig is not None
        else "<p>no scalars logged</p>"
    )
    if "lr" in metrics:
        out.append("<h2>Learning rate</h2>" + _img(_png(_plot_lr(metrics["lr"]))))
    if classes:
        out.append("<h2>Per-class precision / recall / F1 (latest)</h2>")
        out.append(_classes_section(classes))
    if infoplane:
        out.append("<h2>Information plane trajectory</h2>")
        for r in infoplane:
            if not {"layer", "epoch", "i_xt", "i_ty", "step"} <= set(r):
                raise InputError(
                    f"{run_dir / 'infoplane.jsonl'} has a row without layer/epoch/i_xt/i_ty/step"
                )
        out.append(
            _img(
                _png(plot_infoplane(infoplane)),
                "Shwartz-Ziv & Tishby binning estimator on a fixed validation batch; colour = epoch",
            )
        )
    tables = sorted((run_dir / "tables").glob("*.json")) if (run_dir / "tables").is_dir() else []
    if tables:
        out.append("<h2>Tables</h2>")
        for path in tables:
            try:
                data = json.loads(path.read_text())
            except json.JSONDecodeError:
                raise InputError(f"{path} is not valid JSON; the file is corrupt") from None
            out.append(
                f"<h3>{html.escape(str(data.get('name', path.stem)))}</h3>"
                + _table(list(data.get("rows", [])))
            )
    latest_fig: dict[str, dict[str, Any]] = {}
    for entry in figures:
        latest_fig[str(entry.get("name"))] = entry
    for section, title in _SECTIONS:
        entries = [e for e in latest_fig.values() if e.get("section", "figures") == section]
        known = {s for s, _ in _SECTIONS}
        if section == "figures":
            entries += [e for e in latest_fig.values() if e.get("section") not in known]
        imgs = []
        for e in entries:
            path = run_dir / str(e.get("file", ""))
            if path.is_file():
                cap = str(e.get("caption") or e.get("name"))
                if e.get("step") is not None:
                    cap += f" (step {e['step']})"
                imgs.append(_img(base64.b64encode(path.read_bytes()).decode("ascii"), cap))
        if imgs:
            out.append(f"<h2>{title}</h2>" + "\n".join(imgs))
    out.append(
        f"<p class='cap'>Rebuild with <code>frontline lab report {html.escape(str(run_dir))}</code>; "
        f"TensorBoard: <code>tensorboard --logdir {html.escape(str(run_dir.parent))}</code></p></body></html>"
    )
    path = run_dir / "report.html"
    path.write_text("\n".join(out), encoding="utf-8")
    return path
