"""Train the look-alike glyph classifier (`glyphnet.py`) on windows cut from data-engine pages.

Why: the classifier must see what the detector sees (the normalised page at 10 px per space), so its
windows are cut from the same pages the detector trains on, centred on each annotated symbol of a
look-alike group with a random shift of a few pixels (the detector's centres are not exact), plus
"background" windows centred on ink where no symbol is centred (stems, beams, text, slurs). Rare
classes are drawn more often by the lab's class-aware sampler; the lab's generic `Trainer` runs the
loop, so every run writes learning curves, per-class P/R/F1 and confusion, Grad-CAM and the
information plane into its report, and resumes from its last checkpoint.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from frontline.errors import InputError, JobError
from frontline.music.glyphnet import (
    BACKGROUND,
    GROUP_SCALE,
    GlyphNetConfig,
    box_centres,
    build_glyph_net,
    crop_windows,
    glyph_group,
    group_scale,
    to_input,
)

if TYPE_CHECKING:
    from frontline.music.train import PageSample

__all__ = ["GlyphData", "GlyphTrainConfig", "extract_windows", "train_glyph_classifier"]


@dataclass(frozen=True, slots=True)
class GlyphTrainConfig:
    """Settings of `frontline music train-glyphs` (stored in the run's config.json)."""

    data: tuple[str, ...] = ()
    """Training folders of data-engine pages (DeepScoresV2 JSON + images), read recursively."""
    val_data: str = ""
    """Validation folder (other seeds); empty: hold out `val_share` of the training windows' pages."""
    out: str = "runs"
    """Folder under which the run folder is created."""
    resume: str = ""
    """Run folder to resume from (its checkpoints/last.pt)."""
    crop: int = 64
    """Window side in normalised pixels (10 px per staff space)."""
    jitter: int = 3
    """Largest random shift of a window's centre, pixels (training only)."""
    max_per_class: int = 4000
    """Cap on stored training windows per class (the rest is a random subset)."""
    background_per_page: int = 12
    """Background windows per page: on ink, at least `background_gap` px from every symbol centre."""
    background_gap: float = 8.0
    """Distance from any annotated centre that makes an ink pixel background, pixels."""
    min_class_count: int = 10
    """Classes with fewer training windows are left out (the classifier never proposes them)."""
    val_share: float = 0.1
    """Share of pages held out when no validation folder is given."""
    max_pages: int = 0
    """Read at most this many pages per folder (0: all)."""
    epochs: int = 6
    """Passes over the (class-aware resampled) training windows."""
    batch_size: int = 128
    """Windows per step."""
    lr: float = 2e-3
    """Peak learning rate (AdamW, linear warm-up over a tenth of the steps, cosine decay)."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    sampler_power: float = 0.5
    """Class-aware sampling: draw probability ~ count ** -power per window (0: uniform, 1: balanced)."""
    noise: float = 0.08
    """Std of the Gaussian ink noise added to training windows."""
    box_weight: float = 0.05
    """Weight of the box head's pixel error against the class loss (0: no box head)."""
    seed: int = 0
    """Seed of window sampling, shifts, noise and initialisation."""
    threads: int = 1
    """Torch CPU threads."""
    net: GlyphNetConfig = field(default_factory=GlyphNetConfig)
    """Network shape (its classes are chosen from the data)."""


@dataclass(frozen=True, slots=True)
class GlyphData:
    """Windows (N, S, S) uint8 larger than the crop by 2 * jitter, their class names and boxes."""

    windows: np.ndarray
    labels: tuple[str, ...]
    boxes: np.ndarray
    """(N, 4) float32: each symbol's box relative to its window's centre, in window pixels (NaN: background)."""


def extract_windows(
    pages: Any, size: int, background_per_page: int, background_gap: float, rng: np.random.Generator
) -> GlyphData:
    """Windows of side `size` around every annotated symbol of a look-alike group, plus background.

    Windows of groups with a larger `GROUP_SCALE` cover that many times more page, block-averaged.

    `pages`: iterable of `PageSample` (normalised image, boxes, labels). Background windows are
    centred on ink pixels (grey < 128) at least `background_gap` px from every annotated centre.
    """
    wins: list[np.ndarray] = []
    labels: list[str] = []
    rel: list[np.ndarray] = []
    for page in pages:
        p: PageSample = page
        boxes = np.asarray(p.boxes, np.float64).reshape(-1, 4)
        centres = box_centres(boxes)
        keep = [i for i, c in enumerate(p.labels) if glyph_group(c)]
        for sc in sorted({group_scale(p.labels[i]) for i in keep}):
            at = [i for i in keep if group_scale(p.labels[i]) == sc]
            wins.append(crop_windows(p.image, centres[at], size, sc))
            labels.extend(p.labels[i] for i in at)
            c = np.rint(centres[at])
            rel.append((boxes[at] - np.concatenate([c, c], 1)) / sc)
        if background_per_page <= 0:
            continue
        ys, xs = np.nonzero(p.image < 128)
        if not len(xs):
            continue
        pick = rng.choice(len(xs), size=min(len(xs), background_per_page * 20), replace=False)
        cand = np.stack([xs[pick], ys[pick]], 1).astype(np.float64)
        if len(centres):
            from scipy.spatial import cKDTree

            d, _ = cKDTree(centres).query(cand)
            cand = cand[d >= background_gap]
        cand = cand[:background_per_page]
        for sc in sorted(set(GROUP_SCALE.values()) | {1}):
            # most background at the plain scale, a quarter again at each larger group scale
            part = cand if sc == 1 else cand[: max(1, len(cand) // 4)]
            if len(part):
                wins.append(crop_windows(p.image, part, size, sc))
                labels.extend([BACKGROUND] * len(part))
                rel.append(np.full((len(part), 4), np.nan))
    if not wins:
        raise JobError("no look-alike symbol found in the training pages")
    return GlyphData(np.concatenate(wins), tuple(labels), np.concatenate(rel).astype(np.float32))


def _cap(
    data: GlyphData, classes: tuple[str, ...], cap: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of the chosen classes, at most `cap` per class; (windows, class ids, boxes)."""
    index = {c: i for i, c in enumerate(classes)}
    lab = np.asarray([index.get(c, -1) for c in data.labels])
    keep: list[np.ndarray] = []
    for k in range(len(classes)):
        idx = np.flatnonzero(lab == k)
        if len(idx) > cap:
            idx = np.sort(rng.choice(idx, cap, replace=False))
        keep.append(idx)
    sel = np.sort(np.concatenate(keep))
    return data.windows[sel], lab[sel], data.boxes[sel]


class _Windows:
    """torch Dataset: a random `crop` x `crop` part of each stored window, with ink noise (training).

    Items: (ink (1, crop, crop), class id, box relative to the window centre in crops (4,), has box).
    """

    def __init__(
        self,
        windows: np.ndarray,
        labels: np.ndarray,
        boxes: np.ndarray,
        crop: int,
        train: bool,
        noise: float,
        seed: int,
    ):
        self.windows, self.labels, self.boxes, self.crop, self.train = windows, labels, boxes, crop, train
        self.noise, self.seed = noise, seed
        self.margin = (windows.shape[1] - crop) // 2
        self.calls = 0

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[Any, int, Any, bool]:
        import torch

        m = self.margin
        if self.train:
            rng = np.random.default_rng([self.seed, i, self.calls])
            self.calls += 1
        else:
            rng = np.random.default_rng(
                [self.seed, i]
            )  # fixed shifts: validation sees off-centre windows too
        dx, dy = (int(v) for v in rng.integers(-m, m + 1, 2))
        w = self.windows[i, m + dy : m + dy + self.crop, m + dx : m + dx + self.crop]
        x = to_input(w[None])[0]
        if self.train and self.noise:
            x = (x + torch.from_numpy(rng.normal(0, self.noise, x.shape).astype(np.float32))).clamp(0, 1)
        box = self.boxes[i]
        has = bool(np.isfinite(box).all())
        t = (box - np.array([dx, dy, dx, dy], np.float32)) / self.crop if has else np.zeros(4, np.float32)
        return x, int(self.labels[i]), torch.from_numpy(t.astype(np.float32)), has


def train_glyph_classifier(cfg: GlyphTrainConfig) -> Path:
    """Train (or resume) the classifier; returns the run folder (best weights in best.pt)."""
    import torch
    from torch.utils.data import DataLoader

    from frontline import lab
    from frontline.lab.sampling import ClassAwareSampler
    from frontline.lab.trainer import GradCamHook, Hook, InfoPlaneHook, StepOutput, Trainer, TrainerConfig
    from frontline.music.train import iter_dataset

    if not cfg.data:
        raise InputError("no training data folder given (--data DIR)")
    if cfg.crop % 16:
        raise InputError(f"crop must be a multiple of 16, got {cfg.crop}")
    torch.set_num_threads(max(1, cfg.threads))
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    size = cfg.crop + 2 * cfg.jitter
    t0 = time.perf_counter()
    from itertools import chain

    pages = chain.from_iterable(iter_dataset(d, 10.0, cfg.max_pages) for d in cfg.data)
    data = extract_windows(pages, size, cfg.background_per_page, cfg.background_gap, rng)
    if cfg.val_data:
        val_data = extract_windows(
            iter_dataset(cfg.val_data, 10.0), size, cfg.background_per_page, cfg.background_gap, rng
        )
    else:
        n_val = int(len(data.labels) * cfg.val_share)
        order = rng.permutation(len(data.labels))
        vi, ti = np.sort(order[:n_val]), np.sort(order[n_val:])
        val_data = GlyphData(data.windows[vi], tuple(data.labels[i] for i in vi), data.boxes[vi])
        data = GlyphData(data.windows[ti], tuple(data.labels[i] for i in ti), data.boxes[ti])
    load_s = time.perf_counter() - t0
    names, counts = np.unique(np.asarray(data.labels), return_counts=True)
    found = {str(n): int(c) for n, c in zip(names, counts, strict=True)}
    classes = tuple(sorted(c for c, n in found.items() if n >= cfg.min_class_count and c != BACKGROUND))
    classes = (*classes, BACKGROUND)
    x_tr, y_tr, b_tr = _cap(data, classes, cfg.max_per_class, rng)
    x_va, y_va, b_va = _cap(val_data, classes, cfg.max_per_class, rng)
    if not len(y_va):
        raise JobError("the validation pages hold no window of the chosen classes")
    net_cfg = GlyphNetConfig(
        **{**asdict(cfg.net), "classes": classes, "crop": cfg.crop, "box_head": cfg.box_weight > 0}
    )
    model = build_glyph_net(net_cfg)
    train_ds = _Windows(x_tr, y_tr, b_tr, cfg.crop, True, cfg.noise, cfg.seed)
    val_ds = _Windows(x_va, y_va, b_va, cfg.crop, False, 0.0, cfg.seed + 1)
    sampler = ClassAwareSampler(y_tr, power=cfg.sampler_power, seed=cfg.seed)
    train_loader: DataLoader[Any] = DataLoader(
        cast(Any, train_ds), batch_size=cfg.batch_size, sampler=sampler
    )
    val_loader: DataLoader[Any] = DataLoader(cast(Any, val_ds), batch_size=512)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = max(cfg.epochs * len(train_loader), 1)
    warm = max(total // 10, 1)

    def lr_factor(
        step: int,
    ) -> float:  # linear warm-up, cosine decay to 2 % (a longer resumed run stretches it)
        if step < warm:
            return (step + 1) / warm
        return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(total - warm, 1))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    ce = torch.nn.CrossEntropyLoss()

    def step_fn(trainer: Trainer, batch: Any) -> StepOutput:
        x, y, t, has = batch
        logits, box = trainer.model.forward_both(x)  # type: ignore[operator]
        loss = ce(logits, y)
        scalars = {"cls_loss": float(loss.detach())}
        if box is not None and bool(has.any()):
            # box error in pixels (smooth L1, 1 px), only for windows centred on a symbol
            px = torch.nn.functional.smooth_l1_loss(box[has] * cfg.crop, t[has] * cfg.crop, beta=1.0)
            loss = loss + cfg.box_weight * px
            scalars["box_px"] = float(px.detach())
        return StepOutput(loss, scalars, logits.argmax(1), y)

    tcfg = TrainerConfig(
        epochs=cfg.epochs,
        log_every=20,
        val_every=max(len(train_loader) // 2, 1),
        checkpoint_every=max(len(train_loader) // 2, 1),
        best_metric="macro_f1",
        best_mode="max",
        grad_clip=5.0,
        seed=cfg.seed,
    )
    show_idx = [int(np.flatnonzero(y_va == k)[0]) for k in range(len(classes)) if np.any(y_va == k)][:16]
    show = torch.stack([val_ds[i][0] for i in show_idx])
    probe = np.random.default_rng(cfg.seed + 2).choice(len(y_va), min(len(y_va), 1500), replace=False)
    x_probe = torch.stack([val_ds[int(i)][0] for i in probe])

    class _SaveBest(Hook):
        def on_validation_end(self, trainer: Trainer, metrics: dict[str, float]) -> None:
            if trainer.best_step == trainer.step:
                slim = {
                    "model": trainer.model.state_dict(),
                    "model_config": asdict(net_cfg),
                    "train_config": asdict(cfg),
                    "step": trainer.step,
                    "best_metric": trainer.best,
                }
                assert trainer.run is not None
                tmp = trainer.run.dir / "best.pt.tmp"
                torch.save(slim, tmp)
                tmp.replace(trainer.run.dir / "best.pt")

    hooks: list[Hook] = [
        _SaveBest(),
        GradCamHook("act3", show, labels=[int(y_va[i]) for i in show_idx]),
        InfoPlaneHook(["act4", "fc"], x_probe, y_va[probe], every_steps=max(len(train_loader) // 2, 1)),
    ]
    with lab.run("glyphnet", cfg, root=cfg.out, resume=cfg.resume or None) as r:
        if not r.checkpoint:
            r.log_table(
                "windows",
                [
                    {
                        "class": c,
                        "train": int(np.sum(y_tr == k)),
                        "val": int(np.sum(y_va == k)),
                        "found": found.get(c, 0),
                    }
                    for k, c in enumerate(classes)
                ],
            )
        r.summary(
            train_windows=len(y_tr),
            val_windows=len(y_va),
            classes=len(classes),
            params=sum(p.numel() for p in model.parameters()),
            load_s=round(load_s, 1),
        )
        trainer = Trainer(
            model, None, opt, train_loader, val_loader, tcfg, sched, list(classes), hooks, step_fn=step_fn
        )
        trainer.fit(r)
        return Path(r.dir)
