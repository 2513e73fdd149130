"""The look-alike glyph classifier: windows, the relabelling rule, training (with resume) and loading."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from test_music_detect_model import make_fake_dataset

from frontline.errors import InputError
from frontline.music.glyphnet import (
    BACKGROUND,
    GlyphNetConfig,
    ReclassifyConfig,
    build_glyph_net,
    crop_windows,
    glyph_group,
    load_glyph_classifier,
    reclassify,
)
from frontline.music.records import Glyph


def test_groups_keep_look_alikes_together_and_leave_others_alone() -> None:
    assert glyph_group("noteheadWholeInSpace") == glyph_group("noteheadHalfOnLine") == "notehead"
    assert glyph_group("clefCAlto") == glyph_group("clefCTenor") == "clef"
    assert glyph_group("rest64th") == glyph_group("restHalf") == "rest"
    assert glyph_group("timeSigCommon") == glyph_group("timeSig2") == "timeSig"
    assert glyph_group("augmentationDot") == glyph_group("articStaccatoBelow") == "dot"
    assert glyph_group("accidentalSharp") is None
    assert glyph_group("keySharp") is None
    assert glyph_group("articStaccatissimoAbove") is None


def test_windows_are_centred_and_padded_with_paper() -> None:
    image = np.full((40, 50), 255, np.uint8)
    image[20, 30] = 0
    w = crop_windows(image, np.array([[30.2, 19.8], [0.0, 0.0], [49.0, 39.0]]), 16)
    assert w.shape == (3, 16, 16) and w.dtype == np.uint8
    assert w[0, 8, 8] == 0 and (w[0] == 0).sum() == 1
    assert (w[1, :8, :] == 255).all() and (w[1, :, :8] == 255).all()  # beyond the page: paper
    assert crop_windows(image, np.zeros((0, 2)), 16).shape == (0, 16, 16)


def _biased_net(
    classes: tuple[str, ...], probs: dict[str, float], box: tuple[float, ...] | None = None
) -> tuple[torch.nn.Module, GlyphNetConfig]:
    """A real classifier whose output ignores the input: its last layers' biases give `probs` (and `box`)."""
    cfg = GlyphNetConfig(classes=classes, crop=32, box_head=box is not None)
    net = build_glyph_net(cfg)
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        if box is not None:
            head = net.get_submodule("box")
            assert isinstance(head, torch.nn.Linear)
            head.bias.copy_(torch.tensor(box))
        bias = [np.log(max(probs.get(c, 0.0), 1e-6)) for c in classes]
        out = net.get_submodule("out")
        assert isinstance(out, torch.nn.Linear)
        out.bias.copy_(torch.tensor(bias))
    net.eval()
    return net, cfg


def test_relabels_within_the_group_only_and_respects_the_margin() -> None:
    classes = ("clefG", "noteheadHalfInSpace", "noteheadWholeInSpace", BACKGROUND)
    image = np.full((100, 100), 255, np.uint8)
    glyphs = [
        Glyph("noteheadHalfInSpace", (10, 10, 20, 18), 0.8, 0),
        Glyph("clefG", (40, 20, 60, 80), 0.9, 1),
        Glyph("accidentalSharp", (70, 10, 78, 30), 0.7, 2),
    ]
    net = _biased_net(classes, {"noteheadWholeInSpace": 0.7, "noteheadHalfInSpace": 0.2, BACKGROUND: 0.1})
    out = reclassify(image, glyphs, net, ReclassifyConfig(switch_margin=0.3, duration_margin=0.3, blend=0.0))
    assert out[0].class_name == "noteheadWholeInSpace"  # 0.7 beats 0.2 by more than 0.3
    assert out[1].class_name == "clefG"  # the whole note is not a clef
    assert out[2] == glyphs[2]  # not a look-alike group
    assert [g.score for g in out] == [0.8, 0.9, 0.7]
    blended = reclassify(image, glyphs, net, ReclassifyConfig(duration_margin=0.3, blend=0.5))
    assert blended[0].score == pytest.approx(0.5 * 0.8 + 0.5 * 0.7, rel=1e-4)
    assert blended[2].score == 0.7
    assert reclassify(image, glyphs, net, ReclassifyConfig())[0].class_name == "noteheadHalfInSpace"  # a
    # duration change needs a margin of 0.9 by default
    whole = [Glyph("noteheadWholeInSpace", (10, 10, 20, 18), 0.4, 0)]  # the classifier agrees: p 0.7
    assert reclassify(image, whole, net, ReclassifyConfig(lift=False))[0].score == 0.4  # never raised
    assert reclassify(image, whole, net, ReclassifyConfig(lift=True))[0].score == pytest.approx(
        0.55, rel=1e-4
    )
    kept = reclassify(image, glyphs, net, ReclassifyConfig(switch_margin=0.6, blend=0.0))
    assert kept[0].class_name == "noteheadHalfInSpace"  # 0.5 apart: not enough
    bg = reclassify(image, glyphs, net, ReclassifyConfig(switch_margin=0.6, blend=0.0, background_power=1.0))
    assert bg[0].score == pytest.approx(0.8 * 0.9, rel=1e-4)


def test_box_head_moves_boxes_halfway_only_in_the_groups_asked_for() -> None:
    classes = ("augmentationDot", "noteheadBlackInSpace", BACKGROUND)
    image = np.full((100, 100), 255, np.uint8)
    # the head says: the box spans -8..+8 px around the window centre (in crops of 32 px)
    net = _biased_net(
        classes, {"noteheadBlackInSpace": 0.5, "augmentationDot": 0.5}, box=(-0.25, -0.25, 0.25, 0.25)
    )
    glyphs = [
        Glyph("noteheadBlackInSpace", (40, 40, 52, 50), 0.9, 0),
        Glyph("augmentationDot", (60, 44, 64, 48), 0.9, 1),
    ]
    out = reclassify(
        image, glyphs, net, ReclassifyConfig(box_blend=0.5, blend=0.0, box_prefixes=("notehead",))
    )
    # halfway to the head's (38, 37, 54, 53) around the centre (46, 45)
    assert out[0].bbox_xyxy == pytest.approx((39, 38.5, 53, 51.5))
    assert out[1].bbox_xyxy == glyphs[1].bbox_xyxy
    moved = reclassify(
        image,
        glyphs,
        net,
        ReclassifyConfig(blend=0.0, box_prefixes=("notehead",)),
        to_glyph_space=lambda b: b * 2,
    )
    assert moved[0].bbox_xyxy == pytest.approx((58, 57, 80, 78))  # halfway to the head's box mapped (x2)
    assert reclassify(image, glyphs, net)[0].bbox_xyxy == glyphs[0].bbox_xyxy  # heads: not by default


def test_small_heads_take_the_box_heads_size_but_keep_their_centre() -> None:
    classes = ("noteheadBlackInSpace", "noteheadBlackInSpaceSmall", BACKGROUND)
    image = np.full((100, 100), 255, np.uint8)
    # the head's box (-8..+8, -8..+16 px around the window centre) is larger and lower than the detection
    net = _biased_net(
        classes,
        {"noteheadBlackInSpaceSmall": 0.5, "noteheadBlackInSpace": 0.5},
        box=(-0.25, -0.25, 0.25, 0.5),
    )
    small = Glyph("noteheadBlackInSpaceSmall", (40, 40, 52, 50), 0.9, 0)
    normal = Glyph("noteheadBlackInSpace", (60, 40, 72, 50), 0.9, 1)
    out = reclassify(image, [small, normal], net, ReclassifyConfig(blend=0.0))
    # size halfway from (12, 10) to (16, 24), around the detected centre (46, 45): pitch stays
    assert out[0].bbox_xyxy == pytest.approx((39, 36.5, 53, 53.5))
    assert out[1].bbox_xyxy == normal.bbox_xyxy  # normal heads: not by default
    assert reclassify(image, [small], net, ReclassifyConfig(blend=0.0, size_prefixes=()))[0] == small


def test_octave_clefs_switch_only_on_a_near_certain_window() -> None:
    classes = ("clefF", "clefG", "clefG8va", BACKGROUND)
    image = np.full((100, 100), 255, np.uint8)
    g8 = [Glyph("clefG8va", (40, 20, 60, 80), 0.9, 0)]
    unsure = _biased_net(classes, {"clefG": 0.8, "clefG8va": 0.1, BACKGROUND: 0.1})
    assert reclassify(image, g8, unsure, ReclassifyConfig(octave_margin=0.9))[0].class_name == "clefG8va"
    assert reclassify(image, g8, unsure, ReclassifyConfig(octave_margin=0.5))[0].class_name == "clefG"
    sure = _biased_net(classes, {"clefG": 0.98, "clefG8va": 0.01, BACKGROUND: 0.01})
    assert reclassify(image, g8, sure, ReclassifyConfig(octave_margin=0.9))[0].class_name == "clefG"
    f_clef = _biased_net(classes, {"clefF": 0.8, "clefG8va": 0.1, BACKGROUND: 0.1})
    assert reclassify(image, g8, f_clef, ReclassifyConfig(octave_margin=0.9))[0].class_name == "clefF"


def test_training_learns_heads_from_dots_resumes_and_loads(tmp_path: Path) -> None:
    from frontline.music.train_glyphs import GlyphTrainConfig, train_glyph_classifier

    make_fake_dataset(tmp_path / "data", pages=6)
    cfg = GlyphTrainConfig(
        data=(str(tmp_path / "data"),),
        out=str(tmp_path / "runs"),
        epochs=10,
        batch_size=16,
        crop=32,
        jitter=2,
        background_per_page=6,
        min_class_count=5,
        val_share=0.25,
        lr=3e-3,
    )
    run = train_glyph_classifier(cfg)
    assert (run / "best.pt").is_file() and (run / "checkpoints" / "last.pt").is_file()
    assert (run / "report.html").is_file()
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    val = [r for r in rows if r["split"] == "val"]
    assert val and max(r["accuracy"] for r in val) > 0.8  # heads, dots and background are easy apart
    net, nc = load_glyph_classifier(run)
    assert nc.classes == ("augmentationDot", "noteheadBlackInSpace", BACKGROUND)
    box_px = [r["box_px"] for r in rows if r["split"] == "train" and "box_px" in r]
    assert nc.box_head and box_px and box_px[-1] < 0.8 * box_px[0]  # the box head learns where boxes lie
    run2 = train_glyph_classifier(replace(cfg, epochs=11, resume=str(run)))
    assert run2 == run
    epochs = [
        r.get("epoch", 0) for r in (json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines())
    ]
    assert max(epochs) == 10  # the eleventh epoch (index 10) ran after the resume


def test_missing_or_broken_weights_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="train-glyphs"):
        load_glyph_classifier(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="cannot read"):
        load_glyph_classifier(bad)


def test_clef_windows_see_twice_as_far_at_half_resolution() -> None:
    image = np.full((200, 200), 255, np.uint8)
    image[100:102, 100:102] = 0  # a 2x2 blob at the centre
    image[100, 120] = 0  # 20 px right: outside a 32-px window, inside a 64-px one
    plain = crop_windows(image, np.array([[100.0, 100.0]]), 32)
    wide = crop_windows(image, np.array([[100.0, 100.0]]), 32, scale=2)
    assert plain.shape == wide.shape == (1, 32, 32)
    assert (plain[0] == 0).sum() == 4
    assert wide[0, 16, 16] == 0  # the blob is one dark pixel at half resolution
    assert wide[0, 16, 26] == 191  # the far pixel, averaged with three of paper
    assert (wide[0] < 255).sum() == 2
