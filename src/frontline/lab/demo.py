"""The lab demo: a small CNN on imbalanced 8x8 digits, plain cross-entropy vs the imbalance tools.

Data: scikit-learn's bundled `load_digits` (1,797 images, 10 classes; no download). Per class, a
seeded split puts `test_per_class` images into a balanced held-out test set and `val_per_class` into
a balanced validation set; of the rest, the `rare_classes` keep only `keep_fraction` (~5%) for
training. Both runs share the seed, the data, the initial weights and the schedule, and both go
through the lab `Trainer` (Grad-CAM, activation maximisation and information-plane hooks on), so the
only difference is the loss/sampler. The final model (not a best-on-validation pick) is scored on the
balanced test set; "rare-class recall" is the mean recall over the rare classes there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError

__all__ = ["DemoConfig", "DemoResult", "DemoRun", "load_imbalanced_digits", "make_small_cnn", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """Settings of `frontline lab demo`."""

    out: str = "out/lab-demo"
    """Folder for the run folders (runs/<name>-<timestamp>/ under it)."""
    seed: int = 0
    """Seed for the split, the initial weights, shuffling and sampling (same for both runs)."""
    rare_classes: tuple[int, ...] = (3, 8)
    """Digits made rare in the training set."""
    keep_fraction: float = 0.05
    """Fraction of each rare class's training images kept."""
    test_per_class: int = 30
    """Images per class in the balanced held-out test set."""
    val_per_class: int = 30
    """Images per class in the balanced validation set (also the information-plane batch)."""
    epochs: int = 25
    """Training epochs per run."""
    batch_size: int = 64
    """Mini-batch size."""
    lr: float = 3e-3
    """Adam learning rate (cosine-annealed to 0)."""
    method: str = "cb_focal+sampler"
    """Imbalance tools of the second run: "cb_focal", "sampler" or "cb_focal+sampler"."""
    gamma: float = 2.0
    """Focal-loss focusing parameter."""
    beta: float = 0.999
    """Class-balanced weights' beta (effective number of samples)."""
    sampler_power: float = 0.5
    """Class-aware sampler: item weight n_class^-power (1: classes uniform, 0.5: square-root rebalancing)."""
    threads: int = 1
    """torch threads (the demo is tiny; more threads only contend on a shared machine)."""


@dataclass(frozen=True, slots=True)
class DemoRun:
    """One demo run's test numbers and files."""

    name: str
    rare_recall: float
    rare_recall_per_class: dict[int, float]
    macro_f1: float
    accuracy: float
    wall_s: float
    run_dir: str
    report: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Both runs (plain first) and the demo's total wall time in seconds."""

    runs: list[DemoRun] = field(default_factory=list)
    wall_s: float = 0.0
    n_train_per_class: list[int] = field(default_factory=list)


def load_imbalanced_digits(
    seed: int, rare_classes: tuple[int, ...], keep_fraction: float, test_per_class: int, val_per_class: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train", "val", "test"} -> (images (N, 1, 8, 8) float32 in [0, 1], labels (N,) int64)."""
    from sklearn.datasets import load_digits

    if not 0.0 < keep_fraction <= 1.0:
        raise InputError(f"keep_fraction must lie in (0, 1], got {keep_fraction}")
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "val": [], "test": []}
    for c in range(10):
        idx = rng.permutation(np.nonzero(y == c)[0])
        if len(idx) < test_per_class + val_per_class + 1:
            raise InputError(f"class {c} has only {len(idx)} images; lower test_per_class/val_per_class")
        parts["test"].append(idx[:test_per_class])
        parts["val"].append(idx[test_per_class : test_per_class + val_per_class])
        train = idx[test_per_class + val_per_class :]
        if c in rare_classes:
            train = train[: max(1, round(keep_fraction * len(train)))]
        parts["train"].append(train)
    out = {}
    for split, idx_list in parts.items():
        idx = np.concatenate(idx_list)
        out[split] = (x[idx], y[idx])
    return out


def make_small_cnn() -> Any:
    """The demo CNN, (N, 1, 8, 8) -> (N, 10) logits; torch is imported only here."""
    import torch.nn as nn

    class SmallCNN(nn.Module):
        """Two 3x3 conv layers, max-pool, three linear layers (tanh, 8-unit tanh bottleneck): (N, 1, 8, 8) -> (N, 10)."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
            self.act1 = nn.ReLU()
            self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
            self.act2 = nn.ReLU()  # (N, 32, 8, 8): Grad-CAM layer
            self.pool = nn.MaxPool2d(2)  # (N, 32, 4, 4)
            self.fc1 = nn.Linear(32 * 4 * 4, 32)
            self.act3 = nn.Tanh()  # (N, 32): information-plane layer
            self.fc2 = nn.Linear(32, 8)
            self.act4 = nn.Tanh()  # (N, 8) bottleneck: information-plane layer
            self.fc3 = nn.Linear(8, 10)

        def forward(self, x):  # type: ignore[no-untyped-def]
            h = self.pool(self.act2(self.conv2(self.act1(self.conv1(x)))))  # (N, 32, 4, 4)
            return self.fc3(self.act4(self.fc2(self.act3(self.fc1(h.flatten(1))))))

    return SmallCNN()


def _one_run(
    name: str, cfg: DemoConfig, data: dict[str, tuple[np.ndarray, np.ndarray]], tools: bool
) -> DemoRun:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from frontline.lab import losses, risk
    from frontline.lab.run import run
    from frontline.lab.sampling import ClassAwareSampler, class_counts
    from frontline.lab.trainer import ActMaxHook, GradCamHook, InfoPlaneHook, Trainer, TrainerConfig

    t0 = time.perf_counter()
    x_tr, y_tr = (torch.from_numpy(a) for a in data["train"])
    x_va, y_va = (torch.from_numpy(a) for a in data["val"])
    x_te, y_te = (torch.from_numpy(a) for a in data["test"])
    counts = class_counts(data["train"][1], 10)
    use_focal = tools and "cb_focal" in cfg.method
    use_sampler = tools and "sampler" in cfg.method
    torch.manual_seed(cfg.seed)
    model = make_small_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)  # type: ignore[attr-defined]
    train_ds = TensorDataset(x_tr, y_tr)
    if use_sampler:
        sampler = ClassAwareSampler(data["train"][1], power=cfg.sampler_power, seed=cfg.seed)
        train_loader = DataLoader(train_ds, batch_size=cfg.batch_size, sampler=sampler)
    else:
        train_loader = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True)
    n_steps = cfg.epochs * len(train_loader)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_steps)
    if use_focal:
        # with the sampler on, weights come from the counts the sampler actually yields
        eff_counts = counts * (counts ** (-cfg.sampler_power)) if use_sampler else counts
        eff_counts = eff_counts / eff_counts.sum() * counts.sum()
        weight = torch.tensor(losses.class_balanced_weights(eff_counts, cfg.beta), dtype=torch.float32)

        def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return losses.focal_loss(out, y, gamma=cfg.gamma, weight=weight)

    else:

        def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return losses.weighted_cross_entropy(out, y)

    val_loader = DataLoader(TensorDataset(x_va, y_va), batch_size=256)
    test_loader = DataLoader(TensorDataset(x_te, y_te), batch_size=256)
    tcfg = TrainerConfig(
        epochs=cfg.epochs,
        log_every=5,
        best_metric="macro_f1",
        best_mode="max",
        seed=cfg.seed,
        checkpoint_every=0,
    )
    show = torch.cat([x_va[y_va == c][:1] for c in range(10)])  # one validation image per class
    hooks = [
        GradCamHook("act2", show, labels=list(range(10))),
        ActMaxHook("conv2", channels=list(range(8)), input_shape=(1, 8, 8), steps=80, seed=cfg.seed),
        InfoPlaneHook(
            ["act3", "act4"],
            x_va,
            y_va,
            every_steps=max(len(train_loader) // 2, 1),
            n_bins=30,
            value_range=(-1.0, 1.0),
        ),
    ]
    class_names = [str(c) for c in range(10)]
    run_cfg = {
        "demo": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "run": name,
        "imbalance_tools": {"cb_focal": use_focal, "sampler": use_sampler} if tools else "none (plain CE)",
        "train_counts": counts.tolist(),
        "trainer": {k: getattr(tcfg, k) for k in tcfg.__dataclass_fields__},
    }
    with run(name, run_cfg, root=Path(cfg.out) / "runs") as r:
        trainer = Trainer(model, loss_fn, opt, train_loader, val_loader, tcfg, sched, class_names, hooks)  # type: ignore[arg-type]
        trainer.fit(r)
        test = trainer.evaluate(test_loader, r, split="test")
        rec = {c: float(np.mean(test.y_pred[test.y_true == c] == c)) for c in cfg.rare_classes}
        rare = float(np.mean(list(rec.values())))
        # risk: choose a threshold on the validation softmax score of the first rare class
        with torch.no_grad():
            prob = torch.softmax(model.eval()(x_va), 1).numpy()  # type: ignore[operator]
        c0 = cfg.rare_classes[0]
        point = risk.operating_point(prob[:, c0], (data["val"][1] == c0).astype(int), recall=0.9)
        r.log_figure(
            f"risk_class{c0}",
            risk.plot_risk(prob[:, c0], (data["val"][1] == c0).astype(int), point),
            section="risk",
            caption=f"one-vs-rest score of digit {c0} on validation; threshold for recall >= 0.9",
        )
        r.log_table(f"operating_point_class{c0}_recall0.9", [{k: getattr(point, k) for k in point.__slots__}])  # type: ignore[attr-defined]
        r.log_table("test_rare_class_recall", [{"class": c, "recall": v} for c, v in rec.items()])
        r.summary(
            test_rare_recall=rare,
            test_macro_f1=test.metrics["macro_f1"],
            test_accuracy=test.metrics["accuracy"],
        )
    wall = time.perf_counter() - t0
    return DemoRun(
        name,
        rare,
        rec,
        float(test.metrics["macro_f1"]),
        float(test.metrics["accuracy"]),
        wall,
        str(r.dir),
        str(r.dir / "report.html"),
    )


def run_demo(cfg: DemoConfig) -> DemoResult:
    """Train the plain and the imbalance-tools run, write both reports; returns their test numbers."""
    import torch

    if cfg.method not in ("cb_focal", "sampler", "cb_focal+sampler"):
        raise InputError(f"unknown method {cfg.method!r}; use cb_focal, sampler or cb_focal+sampler")
    if any(not 0 <= c <= 9 for c in cfg.rare_classes):
        raise InputError(f"rare classes must be digits 0-9, got {cfg.rare_classes}")
    t0 = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, cfg.threads))
    try:
        data = load_imbalanced_digits(
            cfg.seed, cfg.rare_classes, cfg.keep_fraction, cfg.test_per_class, cfg.val_per_class
        )
        plain = _one_run("digits-plain-ce", cfg, data, tools=False)
        tools = _one_run(f"digits-{cfg.method.replace('+', '-')}", cfg, data, tools=True)
    finally:
        torch.set_num_threads(threads)
    counts = np.bincount(data["train"][1], minlength=10).tolist()
    return DemoResult([plain, tools], time.perf_counter() - t0, counts)
