"""`frontline music synth`: dataset writing, determinism, bad input, show and stats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from frontline.cli import app
from frontline.music.records import Glyph
from frontline.music.synth import dataset
from frontline.music.synth.dsv2 import load_page_annotations

runner = CliRunner()
_FAST = ["--dpi", "72", "--corpus-fraction", "0", "--quiet"]


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "ds"
    res = runner.invoke(
        app, ["music", "synth", "--pages", "3", "--out", str(out), "--seed", "4", "--jobs", "2", *_FAST]
    )
    assert res.exit_code == 0, res.output
    return out


def test_writes_image_json_musicxml_per_page(ds: Path) -> None:
    index = json.loads((ds / "index.json").read_text())
    assert index["pages"] == ["page_000000", "page_000001", "page_000002"]
    for stem in index["pages"]:
        assert (ds / f"{stem}.png").is_file() and (ds / f"{stem}.musicxml").is_file()
        glyphs, meta = load_page_annotations(ds / f"{stem}.json")
        assert glyphs and all(isinstance(g, Glyph) for g in glyphs)
        assert Path(meta["image"]).is_file() and Path(meta["musicxml"]).is_file()
        assert meta["staff_space_px"] > 0 and meta["staves"]
        heads = [g for g in glyphs if g.class_name.startswith("notehead")]
        assert all("note" in meta["links"][g.glyph_id] for g in heads)


def test_same_seed_same_dataset_whatever_the_jobs(ds: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    res = runner.invoke(
        app, ["music", "synth", "--pages", "2", "--out", str(out), "--seed", "4", "--jobs", "1", *_FAST]
    )
    assert res.exit_code == 0, res.output
    for stem in ("page_000000", "page_000001"):
        assert (out / f"{stem}.json").read_text() == (ds / f"{stem}.json").read_text()
        assert (out / f"{stem}.musicxml").read_text() == (ds / f"{stem}.musicxml").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["--pages", "0"],
        ["--pages", "1", "--seed", "-1"],
        ["--pages", "1", "--preset", "blurry"],
        ["--pages", "1", "--jobs", "0"],
        ["--pages", "1", "--long-notes", "-2"],
        ["--pages", "1", "--rare-boost", "-1"],
    ],
)
def test_bad_values_exit_2(args: list[str], tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "synth", *args, "--out", str(tmp_path / "x")])
    assert res.exit_code == 2, res.output


def test_unwritable_out_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    res = runner.invoke(app, ["music", "synth", "--pages", "1", "--out", str(blocker / "sub")])
    assert res.exit_code == 2
    assert "not writable" in res.output


def test_missing_pages_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["music", "synth", "--out", str(tmp_path)])
    assert res.exit_code == 2


def test_skipped_source_is_warned_and_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from frontline.music.synth.engrave import EngraveOptions
    from frontline.music.synth.page import engrave_musicxml_page

    real = dataset.make_page

    def first_attempt_broken(rng: np.random.Generator, cfg: object) -> object:
        if not hasattr(first_attempt_broken, "done"):
            first_attempt_broken.done = True  # type: ignore[attr-defined]
            return engrave_musicxml_page(
                "<score-partwise>broken", EngraveOptions(), 72, name="broken.musicxml"
            )
        return real(rng, cfg)  # type: ignore[arg-type]

    monkeypatch.setattr(dataset, "make_page", first_attempt_broken)
    cfg = dataset.SynthConfig(pages=1, out=tmp_path, seed=1, dpi=72, corpus_fraction=0.0, progress=False)
    with pytest.warns(UserWarning, match="broken.musicxml"):
        summary = dataset.synthesize(cfg)
    assert summary.pages == 1 and summary.skipped == 1
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["skipped"][0]["name"] == "broken.musicxml"


def test_show_and_stats(ds: Path, tmp_path: Path) -> None:
    out = tmp_path / "over.png"
    res = runner.invoke(app, ["music", "synth", "show", str(ds / "page_000000.png"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and out.stat().st_size > 1000
    plot = tmp_path / "stats.png"
    res = runner.invoke(app, ["music", "synth", "stats", str(ds), "--plot", str(plot)])
    assert res.exit_code == 0, res.output
    assert "noteheadBlack" in res.output and plot.is_file()
    res = runner.invoke(app, ["music", "synth", "show", str(tmp_path / "missing.png")])
    assert res.exit_code == 2
