"""The run recorder: one folder per training run with config, TensorBoard events, metrics and a report.

Every training command in frontline records through `run(...)`. The folder `<root>/<name>-<YYYYmmdd-HHMMSS>/`
holds `config.json`, TensorBoard event files (`tensorboard --logdir <root>` works), `metrics.jsonl` (one
object per `log` call) and `metrics.csv` (long format: step, split, metric, value, wall_time),
`classes.jsonl` (confusion matrices), `tables/*.json`, `figures/*.png` (+ `figures.jsonl` index),
`infoplane.jsonl`, `summary.json`, `checkpoints/` and, at exit (normal, exception or Ctrl-C),
`report.html`, which `frontline lab report RUN_DIR` rebuilds from these files alone.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError

__all__ = ["CHECKPOINT_DIR", "Run", "RunInfo", "find_run_dirs", "list_runs", "load_checkpoint", "run"]

CHECKPOINT_DIR = "checkpoints"
_LAST = "last.pt"


def _to_jsonable(obj: Any) -> Any:
    """Config objects (dataclasses, paths, numpy scalars) -> plain JSON values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def _scalar(value: Any) -> float:
    """A Python float from a number, numpy scalar or 0-d tensor."""
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


class _TBWriter:
    """Minimal TensorBoard event writer (scalars and PNG images) on the `tensorboard` package.

    Uses tensorboard's own EventFileWriter, so importing the recorder does not import torch.
    """

    def __init__(self, logdir: Path) -> None:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self._event_pb2 = event_pb2
        self._summary_pb2 = summary_pb2
        self._writer = EventFileWriter(str(logdir))

    def _add(self, summary: Any, step: int) -> None:
        event = self._event_pb2.Event(summary=summary, wall_time=time.time(), step=int(step))
        self._writer.add_event(event)

    def scalar(self, tag: str, value: float, step: int) -> None:
        val = self._summary_pb2.Summary.Value(tag=tag, simple_value=float(value))
        self._add(self._summary_pb2.Summary(value=[val]), step)

    def image_png(self, tag: str, png: bytes, height: int, width: int, step: int) -> None:
        img = self._summary_pb2.Summary.Image(
            height=height, width=width, colorspace=4, encoded_image_string=png
        )
        val = self._summary_pb2.Summary.Value(tag=tag, image=img)
        self._add(self._summary_pb2.Summary(value=[val]), step)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


def _figure_to_png(fig_or_array: Any) -> tuple[bytes, int, int]:
    """A matplotlib Figure or a uint8 image array (H, W) / (H, W, 3|4) -> (PNG bytes, height, width)."""
    from PIL import Image

    if hasattr(fig_or_array, "savefig"):
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig_or_array.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        plt.close(fig_or_array)
        data = buf.getvalue()
        with Image.open(io.BytesIO(data)) as im:
            return data, im.height, im.width
    arr = np.asarray(fig_or_array)
    if arr.dtype != np.uint8:
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        arr = ((arr - lo) / (hi - lo + 1e-12) * 255).clip(0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3):
        raise InputError(f"log_figure expects a Figure or an (H, W[, C]) image array, got shape {arr.shape}")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue(), arr.shape[0], arr.shape[1]


def _safe_name(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return keep.strip("._") or "item"


class Run:
    """One training run's folder and writers; use through `run(...)`, which builds the report at exit.

    Attributes: `dir` (the run folder), `name`, `config` (JSON dict), `resumed` (True when the folder
    existed before), `checkpoint` (the state dict of the last checkpoint when resuming, else None).
    """

    def __init__(self, run_dir: Path, name: str, config: dict[str, Any], resumed: bool = False) -> None:
        self.dir = Path(run_dir)
        self.name = name
        self.config = config
        self.resumed = resumed
        self.checkpoint: dict[str, Any] | None = None
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "figures").mkdir(exist_ok=True)
        (self.dir / "tables").mkdir(exist_ok=True)
        if not resumed or not (self.dir / "config.json").exists():
            (self.dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        self._tb = _TBWriter(self.dir)
        self._jsonl = open(self.dir / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        new_csv = not (self.dir / "metrics.csv").exists()
        self._csv_file = open(self.dir / "metrics.csv", "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file)
        if new_csv:
            self._csv.writerow(["step", "split", "metric", "value", "wall_time"])
        self._summary: dict[str, Any] = {}
        if (self.dir / "summary.json").exists():
            try:
                self._summary = json.loads((self.dir / "summary.json").read_text())
            except json.JSONDecodeError:
                self._summary = {}
        self._closed = False

    # ------------------------------------------------------------------ scalars
    def log(self, step: int, split: str = "train", **scalars: Any) -> None:
        """Record scalars at `step`: TensorBoard tag `<split>/<name>`, one metrics.jsonl row, CSV rows.

        Non-finite values are kept in the files (as NaN/inf) so a diverging run stays visible.
        """
        if not scalars:
            return
        now = time.time()
        values = {k: _scalar(v) for k, v in scalars.items()}
        row: dict[str, Any] = {"step": int(step), "split": split, "wall_time": round(now, 3)}
        for key, val in values.items():
            row[key] = val if math.isfinite(val) else str(val)
            self._tb.scalar(f"{split}/{key}", val, step)
            self._csv.writerow([int(step), split, key, repr(val), f"{now:.3f}"])
        self._jsonl.write(json.dumps(row) + "\n")
        self._jsonl.flush()
        self._csv_file.flush()

    def log_classes(
        self,
        step: int,
        y_true: Sequence[int] | np.ndarray,
        y_pred: Sequence[int] | np.ndarray,
        class_names: Sequence[str],
        split: str = "val",
    ) -> dict[str, float]:
        """Record the confusion matrix and per-class P/R/F1 of integer labels; returns macro scores.

        The report shows the latest call's table and confusion matrix; TensorBoard gets
        `<split>/macro_f1`, `<split>/accuracy` and `<split>/recall_<class>`.
        """
        from frontline.lab.metrics import confusion_matrix, precision_recall_f1

        n = len(class_names)
        cm = confusion_matrix(np.asarray(y_true), np.asarray(y_pred), n)
        prf = precision_recall_f1(cm)
        record = {
            "step": int(step),
            "split": split,
            "class_names": list(class_names),
            "confusion": cm.tolist(),
        }
        with open(self.dir / "classes.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        total = cm.sum()
        macro = {
            "accuracy": float(np.trace(cm) / total) if total else 0.0,
            "macro_precision": float(np.mean(prf.precision)),
            "macro_recall": float(np.mean(prf.recall)),
            "macro_f1": float(np.mean(prf.f1)),
        }
        for key, val in macro.items():
            self._tb.scalar(f"{split}/{key}", val, step)
        for name, rec in zip(class_names, prf.recall, strict=True):
            self._tb.scalar(f"{split}/recall_{_safe_name(str(name))}", float(rec), step)
        return macro

    # ------------------------------------------------------------------ tables / figures
    def log_table(self, name: str, rows: Sequence[Mapping[str, Any]]) -> Path:
        """Store a table (list of dicts, one per row) as tables/<name>.json; shown in the report."""
        path = self.dir / "tables" / f"{_safe_name(name)}.json"
        path.write_text(json.dumps({"name": name, "rows": _to_jsonable(list(rows))}, indent=1) + "\n")
        return path

    def log_figure(
        self,
        name: str,
        fig_or_array: Any,
        step: int | None = None,
        section: str = "figures",
        caption: str = "",
    ) -> Path:
        """Save a matplotlib Figure (closed afterwards) or a uint8 image array as figures/<name>.png.

        `section` groups figures in the report ("figures", "gradcam", "actmax", "infoplane", "risk").
        Logging the same name again overwrites the PNG (the report shows the latest).
        """
        png, height, width = _figure_to_png(fig_or_array)
        path = self.dir / "figures" / f"{_safe_name(name)}.png"
        path.write_bytes(png)
        self._tb.image_png(f"{section}/{name}", png, height, width, int(step or 0))
        entry = {"name": name, "file": f"figures/{path.name}", "section": section, "step": step}
        entry["caption"] = caption
        with open(self.dir / "figures.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        return path

    def log_infoplane(self, step: int, epoch: float, layer: str, i_xt: float, i_ty: float) -> None:
        """Record one information-plane point (bits) for `layer`; the report plots the trajectories."""
        row = {"step": int(step), "epoch": float(epoch), "layer": layer, "i_xt": float(i_xt)}
        row["i_ty"] = float(i_ty)
        with open(self.dir / "infoplane.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        self._tb.scalar(f"infoplane/{layer}/I_XT", i_xt, step)
        self._tb.scalar(f"infoplane/{layer}/I_TY", i_ty, step)

    def summary(self, **values: Any) -> dict[str, Any]:
        """Set headline numbers (e.g. best_map=0.91) shown by `frontline lab runs` and the report."""
        self._summary.update(_to_jsonable(values))
        (self.dir / "summary.json").write_text(json.dumps(self._summary, indent=2) + "\n")
        return dict(self._summary)

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(
        self,
        state: Mapping[str, Any],
        step: int | None = None,
        best_metric: float | None = None,
        keep: bool = False,
    ) -> Path:
        """Write checkpoints/last.pt with `state` plus step, config and best metric (self-describing).

        `state` holds what resuming needs (model/optimizer state dicts, RNG states); `step` and
        `best_metric` default to `state["step"]` (else 0) and `state["best_metric"]`. With `keep` the
        checkpoint is also copied to checkpoints/step-<step>.pt. Written atomically (tmp + rename).
        """
        if step is None:
            step = int(state.get("step", 0))
        if best_metric is None:
            best_metric = state.get("best_metric")
        import torch

        ckpt_dir = self.dir / CHECKPOINT_DIR
        ckpt_dir.mkdir(exist_ok=True)
        payload = dict(state)
        payload.update({"step": int(step), "config": self.config, "best_metric": best_metric})
        tmp = ckpt_dir / (_LAST + ".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, ckpt_dir / _LAST)
        if keep:
            torch.save(payload, ckpt_dir / f"step-{int(step)}.pt")
        return ckpt_dir / _LAST

    def rewind(self, step: int) -> None:
        """Drop metric rows logged after `step` (used when resuming from a checkpoint at `step`)."""
        self._jsonl.flush()
        self._csv_file.flush()
        for extra in ("classes.jsonl", "infoplane.jsonl"):
            old = _read_jsonl(self.dir / extra)
            if any(int(r.get("step", 0)) > step for r in old):
                kept = [r for r in old if int(r.get("step", 0)) <= step]
                (self.dir / extra).write_text("".join(json.dumps(r) + "\n" for r in kept))
        rows = _read_jsonl(self.dir / "metrics.jsonl")
        keep = [r for r in rows if int(r.get("step", 0)) <= step]
        if len(keep) == len(rows):
            return
        self._jsonl.close()
        self._csv_file.close()
        (self.dir / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in keep))
        with open(self.dir / "metrics.csv", newline="", encoding="utf-8") as fh:
            csv_rows = list(csv.reader(fh))
        with open(self.dir / "metrics.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["step", "split", "metric", "value", "wall_time"])
            writer.writerows(r for r in csv_rows[1:] if r and int(r[0]) <= step)
        self._jsonl = open(self.dir / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._csv_file = open(self.dir / "metrics.csv", "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file)

    # ------------------------------------------------------------------ closing
    def close(self, status: str = "finished") -> Path | None:
        """Flush writers, record the status and build report.html; returns its path (None if it failed)."""
        if self._closed:
            return self.dir / "report.html"
        self._closed = True
        self._tb.close()
        self._jsonl.close()
        self._csv_file.close()
        self._summary["status"] = status
        self._summary["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        (self.dir / "summary.json").write_text(json.dumps(self._summary, indent=2) + "\n")
        try:
            from frontline.lab.report import build_report

            return build_report(self.dir)
        except Exception as exc:  # the report must never mask the run's own outcome
            sys.stderr.write(f"warning: report for {self.dir} failed: {exc}\n")
            return None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def find_run_dirs(root: str | Path = "runs", name: str | None = None) -> list[Path]:
    """Run folders under `root` (those holding config.json), oldest first; filtered by run name."""
    root = Path(root)
    if not root.is_dir():
        return []
    dirs = [p for p in root.iterdir() if p.is_dir() and (p / "config.json").exists()]
    if name is not None:
        pattern = re.compile(rf"^{re.escape(_safe_name(name))}-\d{{8}}-\d{{6}}(-\d+)?$")
        dirs = [p for p in dirs if pattern.match(p.name)]
    return sorted(dirs, key=lambda p: (p.stat().st_mtime, p.name))


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One run folder as listed by `frontline lab runs`: folder, status and headline numbers."""

    dir: str
    status: str
    summary: dict[str, Any]


def list_runs(root: str | Path = "runs") -> list[RunInfo]:
    """Run folders under `root`, oldest first, with their summary.json (status, best metrics).

    Raises InputError when `root` is not a folder or a summary file is corrupt.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"runs folder {root} does not exist; pass the folder that holds run folders")
    out = []
    for d in find_run_dirs(root):
        summary: dict[str, Any] = {}
        if (d / "summary.json").exists():
            try:
                summary = json.loads((d / "summary.json").read_text())
            except json.JSONDecodeError:
                raise InputError(f"{d / 'summary.json'} is not valid JSON; the file is corrupt") from None
        status = str(summary.pop("status", "running or killed")) if isinstance(summary, dict) else "unknown"
        summary.pop("finished_at", None)
        out.append(RunInfo(str(d), status, summary))
    return out


def _new_run_dir(root: Path, name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{_safe_name(name)}-{stamp}"
    path, k = base, 2
    while path.exists():
        path = Path(f"{base}-{k}")
        k += 1
    return path


def load_checkpoint(path: str | Path, map_location: str = "cpu") -> dict[str, Any]:
    """Load a checkpoint file, or `checkpoints/last.pt` of a run folder; returns its state dict.

    The dict holds what was saved plus `step`, `config` and `best_metric`.
    """
    import torch

    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_DIR / _LAST
    if not path.is_file():
        raise InputError(f"no checkpoint at {path}; pass a .pt file or a run folder with checkpoints/last.pt")
    try:
        return dict(torch.load(path, map_location=map_location, weights_only=False))
    except Exception as exc:
        raise InputError(
            f"checkpoint {path} cannot be read ({exc.__class__.__name__}); it may be corrupt"
        ) from exc


@contextmanager
def run(
    name: str,
    config: Any = None,
    root: str | Path = "runs",
    resume: str | Path | bool | None = None,
) -> Iterator[Run]:
    """Open a recorded run `<root>/<name>-<YYYYmmdd-HHMMSS>/`; the report is built on any exit.

    `config` is a dataclass or dict (stored as config.json). `resume`: a run folder or a checkpoint
    inside one (continue in that folder), or True (the newest run of `name` under `root`, or a new one
    if none). When resuming, `Run.checkpoint` holds the last checkpoint (or None) and metric rows after
    its step are dropped. Exceptions and KeyboardInterrupt are re-raised after the report is written.
    """
    cfg = _to_jsonable(config) if config is not None else {}
    if not isinstance(cfg, dict):
        cfg = {"config": cfg}
    root = Path(root)
    run_dir: Path | None = None
    if resume is True:
        found = find_run_dirs(root, name)
        run_dir = found[-1] if found else None
    elif resume:
        target = Path(resume)
        if target.is_file():
            target = target.parent.parent if target.parent.name == CHECKPOINT_DIR else target.parent
        if not (target / "config.json").exists():
            raise InputError(f"cannot resume: {resume} is not a run folder (no config.json)")
        run_dir = target
    if run_dir is not None:
        r = Run(run_dir, name, cfg, resumed=True)
        if (run_dir / CHECKPOINT_DIR / _LAST).exists():
            r.checkpoint = load_checkpoint(run_dir)
            r.rewind(int(r.checkpoint.get("step", 0)))
    else:
        r = Run(_new_run_dir(root, name), name, cfg)
    try:
        yield r
    except KeyboardInterrupt:
        r.close("interrupted")
        raise
    except BaseException as exc:
        r.close(f"failed: {exc.__class__.__name__}")
        raise
    else:
        r.close("finished")
