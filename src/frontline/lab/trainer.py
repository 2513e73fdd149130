"""The one generic supervised training loop, recorded through the run recorder, with diagnostic hooks.

`Trainer(...).fit(run)` trains, logs train loss + lr every `log_every` steps, validates (loss, per-class
P/R/F1 via `run.log_classes`), checkpoints (model, optimizer, scheduler, loss state, step, epoch,
best metric) and resumes from `run.checkpoint`. Diagnostics (Grad-CAM, activation maximisation,
information plane) are hooks attached to the trainer, never code inside models.

Batches are `(x, y)` by default; other batch layouts or multi-term losses pass a `step_fn`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from frontline.lab.run import Run

__all__ = [
    "ActMaxHook",
    "EvalResult",
    "FitResult",
    "GradCamHook",
    "Hook",
    "InfoPlaneHook",
    "StepOutput",
    "Trainer",
    "TrainerConfig",
]


@dataclass(frozen=True, slots=True)
class TrainerConfig:
    """Settings of the generic loop (stored in every checkpoint)."""

    epochs: int = 10
    """Number of passes over the training loader."""
    max_steps: int = 0
    """Stop after this many optimizer steps (0: no limit)."""
    log_every: int = 10
    """Log the mean train loss and lr every this many steps."""
    val_every: int = 0
    """Validate every this many steps (0: at the end of each epoch)."""
    checkpoint_every: int = 0
    """Write checkpoints/last.pt every this many steps (0: at the end of each epoch; <0: never)."""
    best_metric: str = "loss"
    """Validation metric that defines the best checkpoint (loss, accuracy, macro_f1, macro_recall, ...)."""
    best_mode: str = "min"
    """"min" or "max": whether lower or higher `best_metric` is better."""
    grad_clip: float = 0.0
    """Clip the gradient norm to this value (0: off)."""
    seed: int = 0
    """Seed of torch's RNG at the start of each epoch (seed + epoch), so resumed runs reshuffle alike."""
    device: str = "cpu"
    """Device for model and batches."""


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one forward pass gives the loop: the loss, extra scalars, and class predictions if any.

    `preds` and `targets` are integer class tensors (N,) for per-class metrics, or None.
    """

    loss: torch.Tensor
    scalars: dict[str, float] = field(default_factory=dict)
    preds: torch.Tensor | None = None
    targets: torch.Tensor | None = None


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Evaluation of one loader: mean loss and class metrics, and the labels behind them."""

    metrics: dict[str, float]
    y_true: np.ndarray
    y_pred: np.ndarray


@dataclass(frozen=True, slots=True)
class FitResult:
    """Outcome of `Trainer.fit`."""

    run_dir: str
    steps: int
    epochs: int
    best_metric: float | None
    best_step: int | None
    final: dict[str, float]
    wall_s: float


StepFn = Callable[["Trainer", Any], StepOutput]


class Hook:
    """Base class of trainer hooks; override the events you need (all receive the trainer)."""

    def on_start(self, trainer: Trainer) -> None:
        """After setup/resume, before the first step."""

    def on_step_end(self, trainer: Trainer) -> None:
        """After each optimizer step (`trainer.step` already incremented)."""

    def on_validation_end(self, trainer: Trainer, metrics: dict[str, float]) -> None:
        """After each validation."""

    def on_epoch_end(self, trainer: Trainer) -> None:
        """After each epoch."""

    def on_end(self, trainer: Trainer) -> None:
        """After training finished (not called when it raised)."""


def _default_step(trainer: Trainer, batch: Any) -> StepOutput:
    x, y = batch[0], batch[1]
    x, y = x.to(trainer.device), y.to(trainer.device)
    out = trainer.model(x)  # (N, C) logits for classification
    if trainer.loss_fn is None:
        raise InputError("the default step needs a loss_fn")
    loss = trainer.loss_fn(out, y)
    preds = out.argmax(1) if out.dim() == 2 and y.dim() == 1 else None
    return StepOutput(loss, {}, preds, y if preds is not None else None)


class Trainer:
    """Generic supervised loop recorded into a `Run` (see module docstring).

    `loss_fn(output, target) -> loss` is used by the default step; `step_fn(trainer, batch) ->
    StepOutput` replaces the whole forward pass (the trainer's `step` attribute gives the current step,
    e.g. for `StagedLoss`). If `loss_fn` has `state_dict`/`load_state_dict` it is checkpointed too.
    `scheduler.step()` is called after every optimizer step.
    """

    def __init__(
        self,
        model: nn.Module,
        loss_fn: Callable[..., torch.Tensor] | None,
        optimizer: torch.optim.Optimizer,
        train_loader: Any,
        val_loader: Any = None,
        config: TrainerConfig | None = None,
        scheduler: Any = None,
        class_names: Sequence[str] | None = None,
        hooks: Sequence[Hook] = (),
        step_fn: StepFn | None = None,
    ) -> None:
        self.config = config or TrainerConfig()
        if self.config.best_mode not in ("min", "max"):
            raise InputError(f"best_mode must be 'min' or 'max', got {self.config.best_mode!r}")
        if loss_fn is None and step_fn is None:
            raise InputError("Trainer needs a loss_fn or a step_fn")
        self.model = model.to(self.config.device)
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.class_names = list(class_names) if class_names is not None else None
        self.hooks = list(hooks)
        self.step_fn: StepFn = step_fn or _default_step
        self.device = self.config.device
        self.step = 0
        self.epoch = 0
        self.run: Run | None = None
        self.best: float | None = None
        self.best_step: int | None = None
        self.last_val: dict[str, float] = {}

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self, loader: Any, run: Run | None = None, split: str = "val", step: int | None = None
    ) -> EvalResult:
        """Mean loss and (with class names) per-class metrics on `loader`; logged into `run` if given."""
        import torch

        was_training = self.model.training
        self.model.eval()
        total, n = 0.0, 0
        extra: dict[str, float] = {}
        trues: list[np.ndarray] = []
        preds: list[np.ndarray] = []
        try:
            with torch.no_grad():
                for batch in loader:
                    out = self.step_fn(self, batch)
                    size = len(out.targets) if out.targets is not None else 1
                    total += float(out.loss) * size
                    n += size
                    for k, v in out.scalars.items():
                        extra[k] = extra.get(k, 0.0) + float(v) * size
                    if out.preds is not None and out.targets is not None:
                        preds.append(out.preds.cpu().numpy().ravel())
                        trues.append(out.targets.cpu().numpy().ravel())
        finally:
            self.model.train(was_training)
        if n == 0:
            raise InputError(f"the {split} loader yielded no batches")
        metrics = {"loss": total / n, **{k: v / n for k, v in extra.items()}}
        y_true = np.concatenate(trues) if trues else np.zeros(0, dtype=np.int64)
        y_pred = np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)
        at = self.step if step is None else step
        if run is not None and self.class_names and len(y_true):
            metrics.update(run.log_classes(at, y_true, y_pred, self.class_names, split=split))
        elif self.class_names and len(y_true):
            from frontline.lab.metrics import confusion_matrix, precision_recall_f1

            prf = precision_recall_f1(confusion_matrix(y_true, y_pred, len(self.class_names)))
            metrics["accuracy"] = float(np.mean(y_true == y_pred))
            metrics["macro_recall"] = float(prf.recall.mean())
            metrics["macro_f1"] = float(prf.f1.mean())
        if run is not None:
            run.log(at, split=split, **metrics)
        return EvalResult(metrics, y_true, y_pred)

    # ------------------------------------------------------------------ checkpoints
    def _state(self, batch_in_epoch: int) -> dict[str, Any]:
        import torch

        state: dict[str, Any] = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "batch_in_epoch": batch_in_epoch,
            "best_step": self.best_step,
            "trainer_config": asdict(self.config),
            "torch_rng": torch.get_rng_state(),
        }
        if self.scheduler is not None and hasattr(self.scheduler, "state_dict"):
            state["scheduler"] = self.scheduler.state_dict()
        if hasattr(self.loss_fn, "state_dict"):
            state["loss_fn"] = self.loss_fn.state_dict()  # type: ignore[union-attr]
        return state

    def _restore(self, ckpt: dict[str, Any]) -> int:
        import torch

        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if self.scheduler is not None and "scheduler" in ckpt:
            self.scheduler.load_state_dict(ckpt["scheduler"])
        if "loss_fn" in ckpt and hasattr(self.loss_fn, "load_state_dict"):
            self.loss_fn.load_state_dict(ckpt["loss_fn"])  # type: ignore[union-attr]
        if "torch_rng" in ckpt:
            torch.set_rng_state(ckpt["torch_rng"])
        self.step = int(ckpt.get("step", 0))
        self.epoch = int(ckpt.get("epoch", 0))
        self.best = ckpt.get("best_metric")
        self.best_step = ckpt.get("best_step")
        return int(ckpt.get("batch_in_epoch", 0))

    def _checkpoint(self, run: Run, batch_in_epoch: int) -> None:
        if self.config.checkpoint_every >= 0:
            run.save_checkpoint(self._state(batch_in_epoch), self.step, self.best)

    # ------------------------------------------------------------------ loop
    def _validate(self, run: Run) -> None:
        if self.val_loader is None:
            return
        res = self.evaluate(self.val_loader, run, "val")
        self.last_val = res.metrics
        value = res.metrics.get(self.config.best_metric)
        if value is not None and math.isfinite(value):
            better = (
                self.best is None
                or (self.config.best_mode == "min" and value < self.best)
                or (self.config.best_mode == "max" and value > self.best)
            )
            if better:
                self.best, self.best_step = float(value), self.step
                run.summary(**{f"best_val_{self.config.best_metric}": self.best, "best_step": self.step})
        for hook in self.hooks:
            hook.on_validation_end(self, res.metrics)

    def _done(self) -> bool:
        return bool(self.config.max_steps) and self.step >= self.config.max_steps

    def fit(self, run: Run) -> FitResult:
        """Train into `run` (resuming from `run.checkpoint` when present); returns the outcome."""
        import torch

        cfg = self.config
        t0 = time.perf_counter()
        self.run = run
        skip = self._restore(run.checkpoint) if run.checkpoint else 0
        for hook in self.hooks:
            hook.on_start(self)
        acc_loss, acc_n = 0.0, 0
        acc_scalars: dict[str, float] = {}
        batch_idx = 0
        while self.epoch < cfg.epochs and not self._done():
            torch.manual_seed(cfg.seed + self.epoch)
            sampler = getattr(self.train_loader, "sampler", None)
            if hasattr(sampler, "set_epoch"):
                sampler.set_epoch(self.epoch)  # type: ignore[union-attr]
            self.model.train()
            broke = False
            for batch_idx, batch in enumerate(self.train_loader):
                if batch_idx < skip:
                    continue
                out = self.step_fn(self, batch)
                if not torch.isfinite(out.loss):
                    raise FloatingPointError(f"loss became {float(out.loss)} at step {self.step}")
                self.optimizer.zero_grad(set_to_none=True)
                out.loss.backward()
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
                self.optimizer.step()
                if self.scheduler is not None:
                    self.scheduler.step()
                self.step += 1
                acc_loss += float(out.loss.detach())
                acc_n += 1
                for k, v in out.scalars.items():
                    acc_scalars[k] = acc_scalars.get(k, 0.0) + float(v)
                if self.step % max(cfg.log_every, 1) == 0:
                    lr = float(self.optimizer.param_groups[0]["lr"])
                    means = {k: v / acc_n for k, v in acc_scalars.items()}
                    run.log(self.step, "train", loss=acc_loss / acc_n, lr=lr, epoch=self.epoch, **means)
                    acc_loss, acc_n, acc_scalars = 0.0, 0, {}
                for hook in self.hooks:
                    hook.on_step_end(self)
                if cfg.val_every and self.step % cfg.val_every == 0:
                    self._validate(run)
                if cfg.checkpoint_every > 0 and self.step % cfg.checkpoint_every == 0:
                    self._checkpoint(run, batch_idx + 1)
                if self._done():
                    broke = batch_idx + 1 < _len_or(self.train_loader, batch_idx + 1)
                    break
            skip = 0
            if acc_n:
                lr = float(self.optimizer.param_groups[0]["lr"])
                means = {k: v / acc_n for k, v in acc_scalars.items()}
                run.log(self.step, "train", loss=acc_loss / acc_n, lr=lr, epoch=self.epoch, **means)
                acc_loss, acc_n, acc_scalars = 0.0, 0, {}
            finished_epoch = not broke
            if finished_epoch:
                self.epoch += 1
            if not cfg.val_every:
                self._validate(run)
            for hook in self.hooks:
                hook.on_epoch_end(self)
            if cfg.checkpoint_every == 0:
                self._checkpoint(run, 0 if finished_epoch else batch_idx + 1)
        if cfg.val_every and self.val_loader is not None and self.step % cfg.val_every:
            self._validate(run)
        if cfg.checkpoint_every > 0:
            self._checkpoint(run, 0)
        for hook in self.hooks:
            hook.on_end(self)
        wall = time.perf_counter() - t0
        run.summary(
            steps=self.step, epochs=self.epoch, **{f"final_val_{k}": v for k, v in self.last_val.items()}
        )
        return FitResult(
            str(run.dir), self.step, self.epoch, self.best, self.best_step, dict(self.last_val), wall
        )


def _len_or(loader: Any, default: int) -> int:
    try:
        return len(loader)
    except TypeError:
        return default


# ---------------------------------------------------------------------- diagnostic hooks
class GradCamHook(Hook):
    """Log Grad-CAM maps of a conv layer for fixed images at the end (and every `every_epochs`)."""

    def __init__(
        self,
        layer: str,
        images: torch.Tensor,
        labels: Sequence[int] | None = None,
        every_epochs: int = 0,
        name: str = "gradcam",
    ) -> None:
        self.layer, self.images, self.labels = layer, images, labels
        self.every_epochs, self.name = every_epochs, name

    def _log(self, trainer: Trainer) -> None:
        from frontline.lab.features import grad_cam, gradcam_figure

        assert trainer.run is not None
        x = self.images.to(trainer.device)
        cams = grad_cam(trainer.model, self.layer, x)
        with __import__("torch").no_grad():
            pred = trainer.model.eval()(x).argmax(1).cpu().numpy()
        trainer.model.train()
        names = trainer.class_names
        titles = [
            (f"y={names[t] if names else t}\n" if self.labels is not None else "")
            + f"p={names[p] if names else p}"
            for t, p in zip(self.labels if self.labels is not None else pred, pred, strict=True)
        ]
        trainer.run.log_figure(
            self.name,
            gradcam_figure(self.images, cams, titles),
            step=trainer.step,
            section="gradcam",
            caption=f"Grad-CAM of layer {self.layer} for the predicted class",
        )

    def on_epoch_end(self, trainer: Trainer) -> None:
        if self.every_epochs and trainer.epoch % self.every_epochs == 0:
            self._log(trainer)

    def on_end(self, trainer: Trainer) -> None:
        self._log(trainer)


class ActMaxHook(Hook):
    """Log activation-maximisation images for a few channels of a layer at the end of training."""

    def __init__(
        self, layer: str, channels: Sequence[int], input_shape: Sequence[int], steps: int = 100, seed: int = 0
    ) -> None:
        self.layer, self.channels, self.input_shape = layer, list(channels), list(input_shape)
        self.steps, self.seed = steps, seed

    def on_end(self, trainer: Trainer) -> None:
        from frontline.lab.features import activation_maximisation, actmax_figure

        assert trainer.run is not None
        imgs = activation_maximisation(
            trainer.model, self.layer, self.channels, self.input_shape, steps=self.steps, seed=self.seed
        )
        titles = [f"{self.layer}[{c}]" for c in self.channels]
        trainer.run.log_figure(
            f"actmax_{self.layer}",
            actmax_figure(imgs, titles),
            step=trainer.step,
            section="actmax",
            caption=f"inputs maximising channels of {self.layer} (jitter + blur regularised)",
        )


class InfoPlaneHook(Hook):
    """Record information-plane points of chosen layers on a fixed batch every `every_steps` steps.

    With `every_steps=0` it measures at the start and at the end of every epoch. With `early` it also
    measures at steps 1, 2, 4, 8, ... below `every_steps`, where the fitting phase moves fastest.
    """

    def __init__(
        self,
        layers: Sequence[str],
        x: torch.Tensor,
        y: Any,
        every_steps: int = 0,
        n_bins: int = 30,
        value_range: tuple[float, float] | None = None,
        early: bool = True,
    ) -> None:
        self.layers, self.x, self.y, self.early = list(layers), x, y, early
        self.every_steps, self.n_bins, self.value_range = every_steps, n_bins, value_range
        self._plane: Any = None

    def _measure(self, trainer: Trainer) -> None:
        from frontline.lab.infoplane import InfoPlane

        if self._plane is None:
            self._plane = InfoPlane(
                trainer.model, self.layers, self.x.to(trainer.device), self.y, self.n_bins, self.value_range
            )
        n_batches = max(_len_or(trainer.train_loader, 1), 1)
        epoch = trainer.step / n_batches
        self._plane.measure(trainer.step, epoch, trainer.run)

    def on_start(self, trainer: Trainer) -> None:
        if trainer.step == 0:
            self._measure(trainer)

    def on_step_end(self, trainer: Trainer) -> None:
        s = trainer.step
        power_of_two = s > 0 and s & (s - 1) == 0
        if self.every_steps and (
            s % self.every_steps == 0 or (self.early and power_of_two and s < self.every_steps)
        ):
            self._measure(trainer)

    def on_epoch_end(self, trainer: Trainer) -> None:
        if not self.every_steps:
            self._measure(trainer)
