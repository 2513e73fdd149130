"""`frontline lab ...` through CliRunner: results, and one-line errors with exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from frontline import lab
from frontline.cli import app

runner = CliRunner()


def _scores(tmp_path: Path, text: str) -> str:
    p = tmp_path / "scores.csv"
    p.write_text(text)
    return str(p)


def test_help_has_examples() -> None:
    for cmd in ("demo", "report", "runs", "threshold"):
        res = runner.invoke(app, ["lab", cmd, "--help"])
        assert res.exit_code == 0 and "Example: frontline lab" in res.output


def test_threshold(tmp_path: Path) -> None:
    path = _scores(tmp_path, "score,label\n0.9,1\n0.8,1\n0.7,0\n0.6,1\n0.5,0\n")
    res = runner.invoke(app, ["lab", "threshold", path, "--recall", "0.99"])
    assert res.exit_code == 0, res.output
    assert '"threshold": 0.6' in res.output and '"precision": 0.75' in res.output
    res = runner.invoke(app, ["lab", "threshold", path, "--far", "0"])
    assert res.exit_code == 0 and '"threshold": 0.8' in res.output


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    good = _scores(tmp_path, "score,label\n0.9,1\n0.1,0\n")
    cases = [
        ["lab", "threshold", good, "--recall", "1.5"],
        ["lab", "threshold", good, "--recall", "0"],
        ["lab", "threshold", good],
        ["lab", "threshold", str(tmp_path / "missing.csv"), "--recall", "0.9"],
        ["lab", "report", str(tmp_path / "no-such-run")],
        ["lab", "runs", str(tmp_path / "no-such-root")],
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    cases.append(["lab", "threshold", _scores(empty, "score,label\n"), "--recall", "0.9"])
    for args in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output and "Traceback" not in res.output
        assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1


def test_report_runs_and_corrupt_metrics(tmp_path: Path) -> None:
    with lab.run("cli", {"a": 1}, root=tmp_path) as r:
        r.log(1, loss=0.5)
        r.summary(best_map=0.91)
    res = runner.invoke(app, ["lab", "report", str(r.dir)])
    assert res.exit_code == 0 and "report.html" in res.output
    res = runner.invoke(app, ["lab", "runs", str(tmp_path)])
    assert res.exit_code == 0 and r.dir.name in res.output and "best_map=0.91" in res.output
    (r.dir / "metrics.jsonl").write_text('{"step": 1, "loss": 0.5}\n{"step": "x"\n')
    res = runner.invoke(app, ["lab", "report", str(r.dir)])
    assert res.exit_code == 2 and "corrupt" in res.output


def test_demo_one_epoch(tmp_path: Path) -> None:
    res = runner.invoke(app, ["lab", "demo", "--out", str(tmp_path), "--epochs", "1"])
    assert res.exit_code == 0, res.output
    reports = [ln.split("report: ")[1] for ln in res.output.splitlines() if ln.startswith("report: ")]
    assert len(reports) == 2 and all(Path(p).is_file() for p in reports)
    assert "rare_recall" in res.output and "wall time" in res.output


def test_report_corrupt_classes_file(tmp_path: Path) -> None:
    with lab.run("cls", {}, root=tmp_path) as r:
        r.log(1, loss=0.5)
    (r.dir / "classes.jsonl").write_text('{"step": 1, "split": "val"}\n')
    res = runner.invoke(app, ["lab", "report", str(r.dir)])
    assert res.exit_code == 2 and "corrupt" in res.output and "Traceback" not in res.output
