"""Feature visualisation for CNNs: Grad-CAM and activation maximisation, plus figure helpers.

Both work through forward/backward hooks on a chosen layer (a module or its dotted name), so models
need no diagnostic code of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["activation_maximisation", "actmax_figure", "grad_cam", "gradcam_figure", "resolve_layer"]


def resolve_layer(model: nn.Module, layer: nn.Module | str) -> nn.Module:
    """The submodule `layer` (a module of `model` or its dotted name, e.g. "features.3")."""
    if isinstance(layer, str):
        try:
            return model.get_submodule(layer)
        except AttributeError:
            names = [n for n, _ in model.named_modules() if n]
            raise InputError(f"model has no layer {layer!r}; layers: {', '.join(names[:20])}") from None
    return layer


def grad_cam(
    model: nn.Module,
    layer: nn.Module | str,
    images: torch.Tensor,
    target: Sequence[int] | torch.Tensor | None = None,
) -> np.ndarray:
    """Grad-CAM maps (Selvaraju et al. 2017) for `images` (N, C, H, W); returns (N, H, W) in [0, 1].

    The layer's activations A (N, K, h, w) are weighted by the spatial mean of d score / d A and summed
    over K, ReLU'd, upsampled (bilinear) to the input size and scaled to [0, 1] per image. `target`
    holds the class per image whose logit is explained; None uses the predicted class. The model's
    train/eval mode and parameter gradients are left as they were.
    """
    import torch
    import torch.nn.functional as F

    module = resolve_layer(model, layer)
    store: dict[str, torch.Tensor] = {}

    def fwd_hook(_m: Any, _inp: Any, out: torch.Tensor) -> None:
        out.retain_grad()
        store["act"] = out

    handle = module.register_forward_hook(fwd_hook)
    was_training = model.training
    model.eval()
    try:
        x = images.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            logits = model(x)  # (N, classes)
            if isinstance(logits, (tuple, list)):
                logits = logits[0]
            cls = logits.argmax(1) if target is None else torch.as_tensor(target, device=logits.device).long()
            score = logits.gather(1, cls.view(-1, 1)).sum()
            act = store.get("act")
            if act is None or act.dim() != 4:
                raise InputError("grad_cam needs a layer with 4-d output (N, K, h, w)")
            grads = torch.autograd.grad(score, act)[0]  # (N, K, h, w)
        weights = grads.mean(dim=(2, 3), keepdim=True)  # (N, K, 1, 1)
        cam = F.relu((weights * act).sum(1, keepdim=True)).detach()  # (N, 1, h, w)
        cam = F.interpolate(cam, size=images.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
        flat = cam.flatten(1)
        lo, hi = flat.min(1)[0].view(-1, 1, 1), flat.max(1)[0].view(-1, 1, 1)
        cam = (cam - lo) / (hi - lo).clamp_min(1e-12)
        return cam.cpu().numpy()
    finally:
        handle.remove()
        model.train(was_training)


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of (N, C, H, W) with a separable 3-tap kernel (cheap regulariser)."""
    import torch
    import torch.nn.functional as F

    k = torch.tensor([np.exp(-1 / (2 * sigma**2)), 1.0, np.exp(-1 / (2 * sigma**2))], dtype=x.dtype)
    k = k / k.sum()
    c = x.shape[1]
    kx = k.view(1, 1, 1, 3).repeat(c, 1, 1, 1)
    ky = k.view(1, 1, 3, 1).repeat(c, 1, 1, 1)
    x = F.conv2d(F.pad(x, (1, 1, 0, 0), mode="replicate"), kx, groups=c)
    return F.conv2d(F.pad(x, (0, 0, 1, 1), mode="replicate"), ky, groups=c)


def activation_maximisation(
    model: nn.Module,
    layer: nn.Module | str,
    channels: Sequence[int],
    input_shape: Sequence[int],
    steps: int = 100,
    lr: float = 0.1,
    jitter: int = 1,
    blur_every: int = 4,
    blur_sigma: float = 0.5,
    weight_decay: float = 1e-3,
    seed: int = 0,
) -> np.ndarray:
    """Inputs that maximise the mean activation of each channel of `layer`; returns (K, C, H, W).

    Gradient ascent (Adam, `lr`) from small seeded noise on an input of `input_shape` (C, H, W), with
    random jitter (roll by up to `jitter` pixels each step), a Gaussian blur every `blur_every` steps
    and L2 decay as regularisers (Yosinski et al. 2015). A channel of a fully connected layer is one unit.
    """
    import torch

    module = resolve_layer(model, layer)
    store: dict[str, torch.Tensor] = {}
    handle = module.register_forward_hook(lambda _m, _i, out: store.__setitem__("act", out))
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    chans = list(channels)
    try:
        x = (0.01 * torch.randn((len(chans), *input_shape), generator=gen)).requires_grad_(True)
        opt = torch.optim.Adam([x], lr=lr)
        idx = torch.arange(len(chans))
        for i in range(steps):
            dx, dy = (int(v) for v in rng.integers(-jitter, jitter + 1, size=2)) if jitter else (0, 0)
            xj = torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
            with torch.enable_grad():
                model(xj)
                act = store["act"]  # (K, channels, ...) for conv, (K, units) for linear
                per = act[idx, torch.as_tensor(chans)]
                obj = per.flatten(1).mean(1).sum() if per.dim() > 1 else per.sum()
                loss = -obj + weight_decay * (x**2).sum()
                opt.zero_grad()
                loss.backward()
            opt.step()
            if blur_every and (i + 1) % blur_every == 0:
                with torch.no_grad():
                    x.copy_(_blur(x, blur_sigma))
        return x.detach().cpu().numpy()
    except IndexError:
        raise InputError(f"channels {chans} out of range for layer {layer!r}") from None
    finally:
        handle.remove()
        model.train(was_training)
        model.zero_grad(set_to_none=True)


def _to_hw(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3:
        img = img[0] if img.shape[0] == 1 else np.moveaxis(img[:3], 0, -1)
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo + 1e-12)


def gradcam_figure(images: Any, cams: np.ndarray, titles: Sequence[str] | None = None) -> Any:
    """Figure: each image (N, C, H, W) with its Grad-CAM map (N, H, W) overlaid, one column per image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    imgs = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images)
    n = len(cams)
    fig, axes = plt.subplots(2, n, figsize=(1.5 * n, 3.2), squeeze=False)
    for i in range(n):
        base = _to_hw(imgs[i])
        axes[0, i].imshow(base, cmap="gray")
        axes[1, i].imshow(base, cmap="gray")
        axes[1, i].imshow(cams[i], cmap="jet", alpha=0.5, vmin=0, vmax=1)
        if titles is not None:
            axes[0, i].set_title(str(titles[i]), fontsize=7)
        for ax in axes[:, i]:
            ax.axis("off")
    fig.suptitle("Grad-CAM: input (top), map overlay (bottom)", fontsize=8)
    fig.tight_layout()
    return fig


def actmax_figure(images: np.ndarray, titles: Sequence[str] | None = None) -> Any:
    """Figure: one panel per activation-maximisation image (K, C, H, W)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(1.5 * n, 1.8), squeeze=False)
    for i in range(n):
        axes[0, i].imshow(_to_hw(images[i]), cmap="gray")
        axes[0, i].set_title(str(titles[i]) if titles is not None else f"ch {i}", fontsize=7)
        axes[0, i].axis("off")
    fig.tight_layout()
    return fig
