"""Tiny Trainer smoke runs (hooks, checkpoints, resume) and the diagnostics on their own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from frontline import lab
from frontline.errors import InputError
from frontline.lab.features import activation_maximisation, grad_cam
from frontline.lab.infoplane import InfoPlane, binned_information
from frontline.lab.report import read_metrics
from frontline.lab.trainer import ActMaxHook, GradCamHook, InfoPlaneHook, Trainer, TrainerConfig


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.act = nn.ReLU()  # (N, 4, 6, 6)
        self.fc = nn.Linear(4 * 6 * 6, 8)
        self.hid = nn.Tanh()
        self.out = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hid(self.fc(self.act(self.conv(x)).flatten(1))))


def _data(n: int = 48) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 3
    x = torch.randn(n, 1, 6, 6, generator=g) * 0.3
    x[torch.arange(n), 0, y * 2, :] += 1.0  # class = which row is bright: learnable
    return x, y


def _trainer(epochs: int, hooks: list, ckpt_every: int = 0) -> Trainer:  # type: ignore[type-arg]
    torch.manual_seed(0)
    x, y = _data()
    model = _Net()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    cfg = TrainerConfig(
        epochs=epochs, log_every=2, checkpoint_every=ckpt_every, best_metric="accuracy", best_mode="max"
    )
    return Trainer(model, nn.functional.cross_entropy, opt, loader, DataLoader(TensorDataset(x, y), batch_size=16),
                   cfg, class_names=["a", "b", "c"], hooks=hooks)  # fmt: skip


def test_trainer_smoke_with_hooks(tmp_path: Path) -> None:
    x, y = _data()
    hooks = [
        GradCamHook("act", x[:3], labels=y[:3].tolist()),
        ActMaxHook("conv", [0, 1], (1, 6, 6), steps=5),
        InfoPlaneHook(["hid"], x, y, every_steps=3, value_range=(-1.0, 1.0)),
    ]
    with lab.run("smoke", {"t": 1}, root=tmp_path) as r:
        res = _trainer(3, hooks).fit(r)
    assert res.steps == 18 and res.epochs == 3
    assert res.final["accuracy"] > 0.6  # learnable toy task
    m = read_metrics(r.dir)
    assert {"loss", "lr"} <= set(m) and {"train", "val"} <= set(m["loss"])
    assert m["loss"]["train"][1][-1] < m["loss"]["train"][1][0]
    ip = [json.loads(line) for line in (r.dir / "infoplane.jsonl").read_text().splitlines()]
    assert [p["step"] for p in ip] == [0, 1, 2, 3, 6, 9, 12, 15, 18]
    assert hooks[2]._plane.value_range == (-1.0, 1.0)
    html = (r.dir / "report.html").read_text()
    for section in ("Grad-CAM", "Activation maximisation", "Information plane trajectory", "Per-class"):
        assert section in html
    assert (r.dir / "checkpoints" / "last.pt").is_file()


def test_trainer_resume_continues(tmp_path: Path) -> None:
    with lab.run("resume", {}, root=tmp_path) as r:
        _trainer(2, [], ckpt_every=5).fit(r)
    full = lab.load_checkpoint(r.dir)
    assert full["step"] == 12 and full["epoch"] == 2
    with lab.run("resume", {}, root=tmp_path, resume=r.dir) as r2:
        res = _trainer(4, []).fit(r2)
    assert res.steps == 24 and res.epochs == 4 and r2.dir == r.dir
    steps = read_metrics(r.dir)["loss"]["train"][0].tolist()
    assert steps == sorted(set(steps)) and steps[-1] == 24


def test_grad_cam_and_actmax_shapes() -> None:
    torch.manual_seed(0)
    net = _Net()
    x, _ = _data(5)
    cams = grad_cam(net, "act", x)
    assert cams.shape == (5, 6, 6) and cams.min() >= 0 and cams.max() <= 1 + 1e-6
    imgs = activation_maximisation(net, "conv", [0, 3], (1, 6, 6), steps=10)
    assert imgs.shape == (2, 1, 6, 6) and np.isfinite(imgs).all()
    with pytest.raises(InputError):
        grad_cam(net, "nope", x)


def test_binned_information_known_cases() -> None:
    labels = np.array([0, 0, 1, 1])
    # every item in its own bin: I(X;T) = log2 4 = 2, I(T;Y) = H(Y) = 1
    ixt, ity = binned_information(np.array([[0.0], [1.0], [2.0], [3.0]]), labels, n_bins=4)
    assert (ixt, ity) == pytest.approx((2.0, 1.0))
    # two states aligned with the labels: 1 bit each
    assert binned_information(np.array([[0.0], [0.0], [3.0], [3.0]]), labels, 4) == pytest.approx((1.0, 1.0))
    # one state: nothing
    assert binned_information(np.zeros((4, 2)), labels, 4, value_range=(-1, 1)) == pytest.approx((0.0, 0.0))
    x, y = _data(12)
    points = InfoPlane(_Net(), ["hid"], x, y).measure(0, 0.0)
    assert points[0].i_xt <= np.log2(12) + 1e-9


def test_trainer_step_fn_with_staged_loss(tmp_path: Path) -> None:
    from frontline.lab.losses import StagedLoss
    from frontline.lab.trainer import StepOutput

    staged = StagedLoss([("a", 3)], momentum=0.5)

    def step_fn(tr: Trainer, batch: tuple[torch.Tensor, torch.Tensor]) -> StepOutput:
        x, y = batch
        out = tr.model(x)  # (N, 3)
        terms = {"a": nn.functional.cross_entropy(out, y), "b": out.pow(2).mean()}
        total, info = staged(tr.step, terms)
        return StepOutput(total, {k: v for k, v in info.items() if k.startswith("loss_")}, out.argmax(1), y)

    torch.manual_seed(0)
    x, y = _data()
    model = _Net()
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    cfg = TrainerConfig(epochs=1, log_every=1)
    trainer = Trainer(model, staged, torch.optim.Adam(model.parameters(), lr=0.01), loader, loader, cfg,
                      class_names=["a", "b", "c"], step_fn=step_fn)  # fmt: skip
    with lab.run("staged", {}, root=tmp_path) as r:
        trainer.fit(r)
    m = read_metrics(r.dir)
    assert {"loss_a", "loss_b"} <= set(m)
    ckpt = lab.load_checkpoint(r.dir)
    assert set(ckpt["loss_fn"]["acc"]) == {"a", "b"} and ckpt["step"] == 6
