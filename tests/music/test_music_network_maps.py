"""The fast inference path: fused channels-last network, class and box heads only where the decoder reads."""

from __future__ import annotations

import numpy as np
import torch

from frontline.music.decode import DecodeConfig, decode_maps
from frontline.music.detect import network_maps
from frontline.music.dwd import DWD, create_model, inference_network

CLASSES = ("noteheadBlackInSpace", "augmentationDot", "accidentalSharp")


def _trained_like_model() -> DWD:
    """A small DWD whose batch-norm statistics are not the identity (as after training), in eval mode."""
    torch.manual_seed(0)
    model = create_model("dwd_tiny", CLASSES)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(2, 1, 64, 64) * 2.0)
    return model.eval()


def _page(seed: int = 1, h: int = 124, w: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w), 255, np.uint8)
    for _ in range(25):
        y, x = rng.integers(5, h - 10), rng.integers(5, w - 10)
        img[y : y + 6, x : x + 8] = 0
    return img


def test_network_maps_equal_the_plain_forward_pass() -> None:
    model = _trained_like_model()
    img = _page()
    maps = network_maps(model, img)
    ink = np.zeros((128, 200), np.float32)
    ink[:124] = 1.0 - img / 255.0  # the network pads to a multiple of 8
    with torch.inference_mode():
        out, _ = model(torch.from_numpy(ink)[None, None])
    e, c, b = maps.dense()
    assert e.shape == tuple(out.energy.shape[1:]) and c.shape == tuple(out.cls.shape[1:])
    np.testing.assert_allclose(e, out.energy[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(c, out.cls[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(b, out.box[0].numpy(), atol=1e-4)
    # tiled pages give the same maps as one pass (the receptive field fits in the 64-px margin)
    # a page larger than a tile runs in tiles; features and heads agree with one pass inside the page
    # (the receptive field fits in the 64-px margin)
    big = _page(3, h=300, w=520)
    tiled, whole = network_maps(model, big, tile=256), network_maps(model, big, tile=4096)
    for a, b in zip(tiled.dense(), whole.dense(), strict=True):
        assert a.shape == b.shape
        assert np.abs(a - b).max() < 1e-3


def test_decoder_reads_the_heads_on_demand_like_dense_maps() -> None:
    model = _trained_like_model()
    maps = network_maps(model, _page(2))
    e, c, b = maps.dense()
    cfg = DecodeConfig(energy_cut=0.5, min_peak=0.5, min_score=0.0)
    dense = decode_maps(e, c, b, config=cfg)
    lazy = decode_maps(maps.energy, None, None, config=cfg, heads=maps.heads_at)
    assert len(dense.boxes) > 0
    np.testing.assert_allclose(lazy.boxes, dense.boxes, atol=1e-3)
    np.testing.assert_array_equal(lazy.classes, dense.classes)


def test_inference_copy_follows_weight_changes_and_leaves_the_model_alone() -> None:
    model = _trained_like_model()
    net = inference_network(model)
    assert inference_network(model) is net  # cached while nothing changed
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())  # original keeps its BN
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())  # the copy is fused
    before = network_maps(model, _page()).energy
    with torch.no_grad():
        bias = model.head_energy.bias
        assert bias is not None
        bias.add_(1.0)  # an optimiser step changes weights in place
    assert inference_network(model) is not net
    after = network_maps(model, _page()).energy
    np.testing.assert_allclose(after, before + 1.0, atol=1e-4)


def test_the_expected_level_is_exact_wherever_it_can_reach_the_cut() -> None:
    from frontline.music.decode import _softmax, expected_level

    rng = np.random.default_rng(3)
    k, cut = 8, 2.0
    logits = rng.normal(0.0, 3.0, (k, 120, 160)).astype(np.float32)
    logits[0, :60] += 12.0  # confident background, as on most of a page
    logits[k - 1, 100:] += 8.0  # confident symbol centres
    full = np.tensordot(np.arange(k, dtype=np.float32), _softmax(logits, 0), axes=(0, 0))
    fast = expected_level(logits, cut)
    above = full >= cut
    assert above.any() and (~above).any()
    np.testing.assert_allclose(fast[above], full[above], atol=1e-5)
    assert ((fast >= cut) == above).all()
    assert (fast[~above] < cut).all()
    assert (fast[:60] == 0).mean() > 0.9  # the background was skipped, not computed
