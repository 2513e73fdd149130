"""The run recorder: all files, TensorBoard-readable events, report on exception, resume, rebuild."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from frontline import lab
from frontline.errors import InputError
from frontline.lab.report import build_report, read_metrics
from frontline.lab.run import list_runs


@dataclass(frozen=True, slots=True)
class _Cfg:
    lr: float = 1e-3
    """Learning rate."""
    name: str = "x"
    """A name."""


def _fill(r: lab.Run) -> None:
    for s in range(1, 6):
        r.log(s, loss=1.0 / s, lr=1e-3)
        r.log(s, split="val", loss=2.0 / s, acc=s / 10)
    r.log_classes(5, [0, 1, 2, 2], [0, 1, 1, 2], ["a", "b", "c"])
    r.log_table("per_class_ap", [{"class": "a", "ap": 0.5}])
    r.log_figure("noise", np.random.default_rng(0).random((16, 16)))
    r.log_infoplane(0, 0.0, "fc", 1.0, 0.5)
    r.log_infoplane(5, 1.0, "fc", 2.0, 0.9)
    r.summary(best_acc=0.5)


def test_run_writes_all_files(tmp_path: Path) -> None:
    with lab.run("unit", _Cfg(), root=tmp_path) as r:
        _fill(r)
    d = r.dir
    assert d.parent == tmp_path and d.name.startswith("unit-")
    for name in (
        "config.json",
        "metrics.jsonl",
        "metrics.csv",
        "classes.jsonl",
        "report.html",
        "summary.json",
    ):
        assert (d / name).is_file(), name
    assert json.loads((d / "config.json").read_text()) == {"lr": 1e-3, "name": "x"}
    assert json.loads((d / "summary.json").read_text())["status"] == "finished"
    csv_lines = (d / "metrics.csv").read_text().splitlines()
    assert csv_lines[0] == "step,split,metric,value,wall_time" and len(csv_lines) == 1 + 5 * 4
    html = (d / "report.html").read_text()
    for section in (
        "Learning curves",
        "Learning rate",
        "Per-class",
        "Information plane",
        "per_class_ap",
        "noise",
    ):
        assert section in html
    assert "data:image/png;base64," in html
    # TensorBoard can read the events
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(d))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert "train/loss" in tags and "val/macro_f1" in tags
    assert [e.value for e in acc.Scalars("train/loss")] == pytest.approx([1.0, 0.5, 1 / 3, 0.25, 0.2])


def test_report_written_on_exception(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), lab.run("crash", {"a": 1}, root=tmp_path) as r:
        r.log(1, loss=0.5)
        raise RuntimeError("boom")
    assert (r.dir / "report.html").is_file()
    assert json.loads((r.dir / "summary.json").read_text())["status"] == "failed: RuntimeError"
    with pytest.raises(KeyboardInterrupt), lab.run("ctrlc", {}, root=tmp_path) as r2:
        r2.log(1, loss=0.5)
        raise KeyboardInterrupt
    assert (r2.dir / "report.html").is_file()
    assert json.loads((r2.dir / "summary.json").read_text())["status"] == "interrupted"


def test_resume_same_folder(tmp_path: Path) -> None:
    with lab.run("res", {"a": 1}, root=tmp_path) as r:
        for s in range(1, 11):
            r.log(s, loss=float(s))
            if s == 6:
                r.save_checkpoint({"w": 42}, step=s, best_metric=0.7)
    with lab.run("res", {"a": 1}, root=tmp_path, resume=True) as r2:
        assert r2.dir == r.dir and r2.checkpoint is not None
        assert r2.checkpoint["step"] == 6 and r2.checkpoint["w"] == 42 and r2.checkpoint["best_metric"] == 0.7
        assert r2.checkpoint["config"] == {"a": 1}
        r2.log(7, loss=70.0)
    steps, values = read_metrics(r.dir)["loss"]["train"]
    assert steps.tolist() == [1, 2, 3, 4, 5, 6, 7] and values[-1] == 70.0
    ckpt = lab.load_checkpoint(r.dir / "checkpoints" / "last.pt")
    assert ckpt["w"] == 42
    with lab.run("state-only", {}, root=tmp_path) as r3:
        r3.save_checkpoint({"step": 3, "best_metric": 0.2, "w": 1})
    assert lab.load_checkpoint(r3.dir)["step"] == 3 and lab.load_checkpoint(r3.dir)["best_metric"] == 0.2
    with pytest.raises(InputError):
        lab.load_checkpoint(tmp_path / "nothing")
    with pytest.raises(InputError), lab.run("res", {}, root=tmp_path, resume=tmp_path / "nope"):
        pass


def test_rebuild_and_corrupt_files(tmp_path: Path) -> None:
    with lab.run("rb", {}, root=tmp_path) as r:
        _fill(r)
    (r.dir / "report.html").unlink()
    assert build_report(r.dir).is_file()
    with open(r.dir / "metrics.jsonl", "a") as fh:
        fh.write("{not json\n")
    with pytest.raises(InputError, match="corrupt"):
        build_report(r.dir)
    with pytest.raises(InputError):
        build_report(tmp_path / "missing")
    runs = list_runs(tmp_path)
    assert [Path(i.dir).name for i in runs] == [r.dir.name] and runs[0].summary["best_acc"] == 0.5


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, frontline.lab; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_resume_true_picks_newest_of_that_name(tmp_path: Path) -> None:
    with lab.run("dwd", {}, root=tmp_path) as a:
        a.log(1, loss=1.0)
    with lab.run("dwd-eval", {}, root=tmp_path) as b:
        b.log(1, loss=1.0)
    with lab.run("dwd", {}, root=tmp_path, resume=True) as c:
        assert c.dir == a.dir and c.resumed
    with lab.run("fresh", {}, root=tmp_path, resume=True) as d:
        assert not d.resumed and d.dir.name.startswith("fresh-")
    assert len(lab.list_runs(tmp_path)) == 3
