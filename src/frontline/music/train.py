"""Training of the Deep Watershed Detector on the data engine's pages (DeepScoresV2-layout JSON + PNGs).

Why: one entry (`train`) that `frontline music train --data DIR --out RUN` calls. Pages are normalised
exactly as at inference (`normalize.py`), random 256-px crops are drawn, half of them centred on a
symbol picked by the lab's class-aware sampler (rare classes more often), and the heads are trained
with the lab's `StagedLoss` (energy alone, class alone, box alone, then the normalised sum). Every
run is recorded by `lab.run` (curves, per-class AP table, look-alike confusion, Grad-CAM, info plane)
and resumes from its last checkpoint.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from frontline.errors import InputError, JobError
from frontline.music.normalize import NormalizeConfig, load_pages, normalize_page

if TYPE_CHECKING:
    import torch

    from frontline.lab.run import Run
    from frontline.music.dwd import DWD

__all__ = [
    "LINE_CLASSES",
    "PageSample",
    "TrainConfig",
    "evaluate_pages",
    "iter_dataset",
    "load_dataset",
    "train",
]

LINE_CLASSES: frozenset[str] = frozenset(
    {
        "stem", "legerLine", "beam", "slur", "tie", "staff", "barline", "barlineDouble",
        "barlineFinal", "barlineHeavy", "systemicBarline", "repeatLeft", "repeatRight",
        "repeatLeftRight", "bracket", "ending", "dynamicCrescendoHairpin",
        "dynamicDiminuendoHairpin", "tupletBracket", "ottavaBracket", "lyricLine", "lyricText",
        "tempoText", "text", "otherGlyph",
    }
)  # fmt: skip
"""Classes the network does not learn: thin lines (found by `lines.py`) and free text."""

LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("accidentalSharp", "keySharp"),
    ("accidentalFlat", "keyFlat"),
    ("accidentalNatural", "keyNatural"),
    ("augmentationDot", "articStaccatoAbove"),
    ("augmentationDot", "articStaccatoBelow"),
    ("flag8thUp", "flag8thDown"),
)
"""Pairs of classes that look alike; their confusion is recorded during validation."""


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Settings of one detector training run (stored in config.json and every checkpoint)."""

    data: str = ""
    """Folder of training pages: DeepScoresV2-layout *.json files with their images."""
    out: str = "runs"
    """Folder under which the run folder dwd-<time>/ is created."""
    val_data: str = ""
    """Folder of validation pages; empty: hold out `val_pages` pages of `data`."""
    val_pages: int = 8
    """Pages held out for validation when `val_data` is empty."""
    model: str = "dwd_small"
    """Registered model name (frontline.music.dwd.MODEL_REGISTRY)."""
    classes: tuple[str, ...] = ()
    """Network classes; empty: every non-line class with at least `min_class_count` training instances."""
    min_class_count: int = 3
    """Classes rarer than this in the training pages are left out of the network."""
    steps: int = 1000
    """Optimizer steps."""
    batch: int = 8
    """Crops per step."""
    crop: int = 192
    """Crop side in normalised pixels (multiple of 8)."""
    lr: float = 2e-3
    """Peak learning rate (AdamW, warm-up then cosine decay)."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    warmup: int = 100
    """Linear warm-up steps."""
    stages: tuple[tuple[str, int], ...] = (("energy", 60), ("cls", 30), ("box", 30))
    """StagedLoss schedule: each head alone for that many steps, then the normalised sum."""
    symbol_crop_share: float = 0.6
    """Share of crops centred on a symbol drawn by the class-aware sampler (rest: uniform positions)."""
    sampler_power: float = 0.5
    """Class-aware sampler exponent: 0 uniform over symbols, 1 uniform over classes."""
    focal_gamma: float = 0.0
    """Focal-loss gamma of the class head (0: plain cross-entropy)."""
    class_balanced_beta: float = 0.9
    """Class-balanced weights of the class head (0: no weighting)."""
    cls_weight: float = 1.0
    """Extra factor on the class term (the head that learns slowest on 75 classes)."""
    augment: bool = True
    """Random contrast, blur, noise and small scale jitter on the crops."""
    val_every: int = 200
    """Validate (full pages, mAP@0.5) every this many steps and at the end."""
    target_space_px: float = 10.0
    """Staff space of the normalised pages, pixels."""
    threads: int = 1
    """torch threads."""
    seed: int = 0
    """Seed of crops, sampler and initialisation."""
    resume: str = ""
    """Run folder or checkpoint to continue from (empty: a new run)."""
    max_pages: int = 0
    """Use at most this many training pages (0: all)."""
    diagnostics: bool = True
    """Grad-CAM figure and an information-plane point at every validation (lab hooks)."""
    probe_crops: int = 256
    """Symbol-centred validation crops used by the Grad-CAM / information-plane probe."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """Model config overrides (e.g. widths)."""


@dataclass(frozen=True, slots=True)
class PageSample:
    """One normalised training page: image (H, W) uint8 and its symbol boxes (normalised pixels)."""

    name: str
    image: np.ndarray
    boxes: np.ndarray
    """(N, 4) xyxy, normalised pixels."""
    labels: tuple[str, ...]
    """Class name per box."""


# ----------------------------------------------------------------------------------------------
# data


def _read_deepscores(json_path: Path) -> list[tuple[Path, np.ndarray, list[str]]]:
    """(image path, boxes (N, 4), class names) per page of one DeepScoresV2-layout JSON file."""
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{json_path}: not a readable DeepScoresV2 JSON ({exc})") from None
    if not isinstance(doc, dict) or "images" not in doc or "annotations" not in doc:
        return []
    cats = {str(k): v["name"] for k, v in doc.get("categories", {}).items()}
    anns = doc["annotations"]
    if isinstance(anns, list):
        anns = {str(a.get("id", i)): a for i, a in enumerate(anns)}
    out = []
    for img in doc["images"]:
        cand = [json_path.parent / img["filename"], json_path.parent / "images" / img["filename"]]
        path = next((c for c in cand if c.is_file()), None)
        if path is None:
            continue
        boxes, names = [], []
        for aid in img.get("ann_ids", []):
            a = anns.get(str(aid))
            if a is None:
                continue
            cids = a["cat_id"] if isinstance(a["cat_id"], list) else [a["cat_id"]]
            name = (a.get("frontline") or {}).get("class_name") or next(
                (cats[str(c)] for c in cids if c is not None and str(c) in cats), None
            )
            if name is None:
                continue
            boxes.append([float(v) for v in a["a_bbox"]])
            names.append(name)
        out.append((path, np.asarray(boxes, np.float64).reshape(-1, 4), names))
    return out


def iter_dataset(
    folder: str | Path, target_space_px: float = 10.0, max_pages: int = 0
) -> Iterator[PageSample]:
    """Read and normalise the pages under `folder` (recursively) one at a time; boxes follow the page transform.

    Pages without staff lines are skipped. Raises InputError for a missing folder or one without
    DeepScoresV2-layout JSON.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: no such data folder; render one with `frontline music synth`")
    items: list[tuple[Path, np.ndarray, list[str]]] = []
    for jp in sorted(root.rglob("*.json")):
        items.extend(_read_deepscores(jp))
    if max_pages:
        items = items[:max_pages]
    if not items:
        raise InputError(f"{root}: no DeepScoresV2-layout JSON with images found")
    cfg = NormalizeConfig(target_space_px=target_space_px)
    for path, boxes, names in items:
        grey = load_pages(path, cfg)[0]
        norm = normalize_page(grey, cfg)
        if not norm.staff.found:
            continue
        nb = norm.transform.to_normalized_points(
            np.concatenate([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [0, 3]], boxes[:, [2, 3]]])
        )
        n = len(boxes)
        corners = np.stack([nb[:n], nb[n : 2 * n], nb[2 * n : 3 * n], nb[3 * n :]], 1)  # (N, 4, 2)
        nboxes = np.concatenate([corners.min(1), corners.max(1)], 1) if n else np.zeros((0, 4))
        yield PageSample(str(path.relative_to(root)), norm.image, nboxes, tuple(names))


def load_dataset(folder: str | Path, target_space_px: float = 10.0, max_pages: int = 0) -> list[PageSample]:
    """Every page of `iter_dataset` in a list; InputError when no page could be normalised."""
    pages = list(iter_dataset(folder, target_space_px, max_pages))
    if not pages:
        raise InputError(f"{folder}: no page with staff lines could be normalised")
    return pages


class _Crops:
    """Random crops with rasterised targets; symbol-centred crops follow the class-aware sampler."""

    def __init__(
        self,
        pages: list[PageSample],
        classes: tuple[str, ...],
        cfg: TrainConfig,
        model_config: Any,
        rng: np.random.Generator,
    ) -> None:
        from frontline.lab.sampling import ClassAwareSampler

        self.pages, self.cfg, self.mc, self.rng = pages, cfg, model_config, rng
        self.cid = {c: i for i, c in enumerate(classes)}
        self.page_ids: list[np.ndarray] = []
        sym_page, sym_idx, sym_lab = [], [], []
        for p_i, p in enumerate(pages):
            ids = np.array([self.cid.get(n, -1) for n in p.labels], np.int64)
            self.page_ids.append(ids)
            for j in np.nonzero(ids >= 0)[0]:
                sym_page.append(p_i)
                sym_idx.append(j)
                sym_lab.append(ids[j])
        self.sym_page = np.asarray(sym_page)
        self.sym_idx = np.asarray(sym_idx)
        self.sym_lab = np.asarray(sym_lab, np.int64)
        self.sampler = ClassAwareSampler(self.sym_lab, power=cfg.sampler_power, seed=cfg.seed)
        self._draws: Iterator[int] = iter(self.sampler)

    def _next_symbol(self) -> int:
        try:
            return next(self._draws)
        except StopIteration:
            self._draws = iter(self.sampler)
            return next(self._draws)

    def batch(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        import torch

        from frontline.music.dwd import make_targets

        cfg, rng, s = self.cfg, self.rng, self.cfg.crop
        xs, tgts = [], []
        for _ in range(cfg.batch):
            if len(self.sym_lab) and rng.random() < cfg.symbol_crop_share:
                k = self._next_symbol()
                p = self.pages[self.sym_page[k]]
                bx = p.boxes[self.sym_idx[k]]
                cx = (bx[0] + bx[2]) / 2 + rng.uniform(-0.35, 0.35) * s
                cy = (bx[1] + bx[3]) / 2 + rng.uniform(-0.35, 0.35) * s
                p_i = int(self.sym_page[k])
            else:
                p_i = int(rng.integers(len(self.pages)))
                p = self.pages[p_i]
                cx, cy = rng.uniform(0, p.image.shape[1]), rng.uniform(0, p.image.shape[0])
            img = p.image
            x0 = int(np.clip(round(cx - s / 2), 0, max(0, img.shape[1] - s)))
            y0 = int(np.clip(round(cy - s / 2), 0, max(0, img.shape[0] - s)))
            crop = np.full((s, s), 255, np.uint8)
            part = img[y0 : y0 + s, x0 : x0 + s]
            crop[: part.shape[0], : part.shape[1]] = part
            ids = self.page_ids[p_i]
            keep = ids >= 0
            b = p.boxes[keep] - [x0, y0, x0, y0]
            lab = ids[keep]
            ctr = (b[:, :2] + b[:, 2:]) / 2
            inside = (ctr[:, 0] > -8) & (ctr[:, 1] > -8) & (ctr[:, 0] < s + 8) & (ctr[:, 1] < s + 8)
            ink = 1.0 - crop.astype(np.float32) / 255.0
            if cfg.augment:
                ink = _augment(ink, rng)
            xs.append(ink)
            tgts.append(
                make_targets(b[inside], lab[inside], (s // self.mc.stride, s // self.mc.stride), self.mc)
            )
        x = torch.from_numpy(np.stack(xs))[:, None]  # (B, 1, S, S)
        t = {
            "energy": torch.from_numpy(np.stack([g["energy"] for g in tgts])),
            "cls": torch.from_numpy(np.stack([g["cls"] for g in tgts])),
            "box": torch.from_numpy(np.stack([g["box"] for g in tgts])),
            "fg": torch.from_numpy(np.stack([g["fg"] for g in tgts])),
        }
        return x, t


def _augment(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contrast/brightness change, optional blur and noise on an ink map in [0, 1] (geometry unchanged)."""
    import cv2

    out: np.ndarray = ink * rng.uniform(0.6, 1.05) + rng.uniform(-0.05, 0.15) * rng.random()
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.9))
    if rng.random() < 0.4:
        out = out + rng.normal(0, rng.uniform(0.02, 0.1), out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# validation


def evaluate_pages(
    model: DWD, pages: list[PageSample], decode: Any = None
) -> tuple[Any, list[tuple[int, int]]]:
    """Full-page detection on normalised pages -> (lab DetectionAP over model classes, look-alike pairs).

    The second item lists (true class id, predicted class id) for detections overlapping a ground-truth
    box (IoU >= 0.5) of any class: the confusion between classes, e.g. keySharp vs accidentalSharp.
    """
    from frontline.lab.metrics import box_iou, detection_ap
    from frontline.music.decode import DecodeConfig
    from frontline.music.detect import DetectConfig, predict_normalized

    classes = model.config.classes
    cid = {c: i for i, c in enumerate(classes)}
    dcfg = DetectConfig(decode=decode or DecodeConfig())
    pb, ps, pc, gb, gc = [], [], [], [], []
    pairs: list[tuple[int, int]] = []
    was = model.training
    model.eval()
    try:
        for p in pages:
            d = predict_normalized(model, p.image, dcfg)
            ids = np.array([cid.get(n, -1) for n in p.labels], np.int64)
            keep = ids >= 0
            g, gl = p.boxes[keep], ids[keep]
            pb.append(d.boxes)
            ps.append(d.scores)
            pc.append(d.classes)
            gb.append(g)
            gc.append(gl)
            if len(d.boxes) and len(g):
                iou = box_iou(d.boxes, g)
                j = iou.argmax(1)
                ok = iou[np.arange(len(j)), j] >= 0.5
                pairs.extend((int(gl[jj]), int(c)) for jj, c, o in zip(j, d.classes, ok, strict=True) if o)
    finally:
        model.train(was)
    return detection_ap(pb, ps, pc, gb, gc, iou=0.5), pairs


def _log_validation(r: Run, step: int, model: DWD, pages: list[PageSample], final: bool) -> float:
    res, pairs = evaluate_pages(model, pages)
    classes = model.config.classes
    r.log(step, split="val", mAP50=res.mean)
    rows = [
        {"class": classes[c], "AP50": round(ap, 4), "n_gt": res.n_gt.get(c, 0)}
        for c, ap in sorted(res.per_class.items(), key=lambda kv: kv[1])
    ]
    r.log_table("per_class_ap", rows)
    names = sorted({n for pair in LOOKALIKES for n in pair if n in classes})
    if names and pairs:
        idx = {classes.index(n): i for i, n in enumerate(names)}
        sub = [(idx[t], idx[p]) for t, p in pairs if t in idx and p in idx]
        if sub:
            yt, yp = zip(*sub, strict=True)
            r.log_classes(step, np.array(yt), np.array(yp), names, split="val_lookalikes")
    return float(res.mean)


def _probe_diagnostics(
    r: Run, step: int, model: DWD, pages: list[PageSample], rng: np.random.Generator, n_crops: int = 256
) -> None:
    """Grad-CAM on symbol-centred crops and one information-plane point (lab hooks on a probe wrapper)."""
    import torch
    from torch import nn

    from frontline.lab.features import grad_cam, gradcam_figure
    from frontline.lab.infoplane import InfoPlane

    classes = model.config.classes
    cid = {c: i for i, c in enumerate(classes)}

    class _CentreProbe(nn.Module):
        """Class logits at the crop centre: (B, 1, 64, 64) -> (B, C); exposes centre features."""

        def __init__(self, inner: DWD) -> None:
            super().__init__()
            self.inner = inner
            self.centre_features = nn.Identity()
            self.centre_logits = nn.Identity()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            f = self.inner.forward_features(x)  # (B, cd, h, w)
            h, w = f.shape[-2:]
            self.centre_features(f[:, :, h // 2, w // 2])
            return self.centre_logits(self.inner.head_cls(f)[:, :, h // 2, w // 2])

    crops, labels = [], []
    for _ in range(2 * n_crops):
        p = pages[int(rng.integers(len(pages)))]
        if not len(p.boxes):
            continue
        j = int(rng.integers(len(p.boxes)))
        if p.labels[j] not in cid:
            continue
        bx = p.boxes[j]
        cx, cy = int((bx[0] + bx[2]) / 2), int((bx[1] + bx[3]) / 2)
        pad = np.pad(p.image, 32, constant_values=255)
        crops.append(1.0 - pad[cy : cy + 64, cx : cx + 64].astype(np.float32) / 255.0)
        labels.append(cid[p.labels[j]])
        if len(crops) >= n_crops:
            break
    if len(crops) < 8:
        return
    x = torch.from_numpy(np.stack(crops))[:, None]
    y = np.asarray(labels)
    probe = _CentreProbe(model)
    plane = InfoPlane(probe, {"centre_features": "centre_features", "centre_logits": "centre_logits"}, x, y)
    plane.measure(step, epoch=float(step), run=r)
    seen: dict[int, int] = {}
    for i, lab in enumerate(labels):
        if lab not in seen:
            seen[lab] = i
        if len(seen) >= 8:
            break
    pick = list(seen.values())
    cams = grad_cam(probe, "inner.up4", x[pick], target=[labels[i] for i in pick])
    fig = gradcam_figure(x[pick], cams, titles=[classes[labels[i]] for i in pick])
    r.log_figure(f"gradcam_step{step}", fig)


# ----------------------------------------------------------------------------------------------
# training


def _choose_classes(pages: list[PageSample], cfg: TrainConfig) -> tuple[str, ...]:
    if cfg.classes:
        return tuple(cfg.classes)
    counts: dict[str, int] = {}
    for p in pages:
        for n in p.labels:
            counts[n] = counts.get(n, 0) + 1
    return tuple(sorted(n for n, c in counts.items() if c >= cfg.min_class_count and n not in LINE_CLASSES))


def _lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def train(cfg: TrainConfig) -> Path:
    """Train (or resume) a detector; returns the run folder (best weights in best.pt).

    Logs train losses every 20 steps, validation mAP@0.5 every `val_every` steps, keeps
    checkpoints/last.pt for resuming and best.pt (highest validation mAP) for shipping.
    """
    import torch

    from frontline import lab
    from frontline.lab.losses import StagedLoss, class_balanced_weights
    from frontline.music.dwd import DWDConfig, create_model, dwd_losses

    if cfg.crop % 8:
        raise InputError(f"crop must be a multiple of 8, got {cfg.crop}")
    if not cfg.data:
        raise InputError("no training data folder given (--data DIR)")
    torch.set_num_threads(max(1, cfg.threads))
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    t_load = time.perf_counter()
    pages = load_dataset(cfg.data, cfg.target_space_px, cfg.max_pages)
    if cfg.val_data:
        val = load_dataset(cfg.val_data, cfg.target_space_px)
    else:
        if len(pages) < 2:
            raise InputError(f"{cfg.data}: need at least 2 pages to hold some out for validation")
        n_val = min(cfg.val_pages, max(1, len(pages) // 5))
        order = np.random.default_rng(cfg.seed + 1).permutation(len(pages))
        val = [pages[i] for i in order[:n_val]]
        pages = [pages[i] for i in order[n_val:]]
    load_s = time.perf_counter() - t_load

    with lab.run("dwd", cfg, root=cfg.out, resume=cfg.resume or None) as r:
        ckpt = r.checkpoint if cfg.resume else None
        classes = tuple(ckpt["model_config"]["classes"]) if ckpt is not None else _choose_classes(pages, cfg)
        if not classes:
            raise JobError("no symbol class has enough training examples")
        model = create_model(cfg.model, classes, **cfg.overrides)
        mc: DWDConfig = model.config
        crops = _Crops(pages, classes, cfg, mc, rng)
        counts = np.bincount(crops.sym_lab, minlength=len(classes))
        cw = None
        if cfg.class_balanced_beta > 0:
            cw = torch.as_tensor(class_balanced_weights(counts, cfg.class_balanced_beta), dtype=torch.float32)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        staged = StagedLoss(list(cfg.stages))
        start, best = 0, -1.0
        if ckpt is not None:
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optimizer"])
            staged.load_state_dict(ckpt["staged"])
            rng.bit_generator.state = ckpt["rng"]
            crops.rng = rng
            start = int(ckpt["step"])
            best = float(ckpt.get("best_metric") or -1.0)
        else:
            r.log_table(
                "train_classes",
                [{"class": c, "instances": int(n)} for c, n in zip(classes, counts, strict=True)],
            )
        r.summary(
            train_pages=len(pages),
            val_pages=len(val),
            classes=len(classes),
            params=sum(p.numel() for p in model.parameters()),
            load_s=round(load_s, 1),
        )

        def save(step: int, is_best: bool) -> None:
            state = {
                "model": model.state_dict(),
                "model_config": asdict(mc),
                "optimizer": opt.state_dict(),
                "staged": staged.state_dict(),
                "rng": rng.bit_generator.state,
                "train_config": asdict(cfg),
            }
            r.save_checkpoint(state, step, best_metric=best)
            if is_best:
                slim = {
                    "model": model.state_dict(),
                    "model_config": asdict(mc),
                    "train_config": asdict(cfg),
                    "step": step,
                    "best_metric": best,
                }
                torch.save(slim, r.dir / "best.pt")

        model.train()
        t0 = time.perf_counter()
        step = start
        for step in range(start, cfg.steps):
            for g in opt.param_groups:
                g["lr"] = _lr_at(step, cfg)
            x, t = crops.batch()
            out, _ = model(x)
            terms = dwd_losses(out, t, class_weight=cw, focal_gamma=cfg.focal_gamma)
            loss, info = staged(step, terms)
            rm_cls = staged.running_mean("cls")
            if cfg.cls_weight != 1.0 and staged.phase(step) == "sum" and rm_cls:
                # after the running-mean normalisation (a factor before it would cancel out)
                loss = loss + (cfg.cls_weight - 1.0) * terms["cls"] / max(rm_cls, 1e-8)
            if not torch.isfinite(loss):
                raise JobError(f"loss became {float(loss)} at step {step}; lower --lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            if step % 20 == 0 or step == cfg.steps - 1:
                el = time.perf_counter() - t0
                r.log(
                    step,
                    split="train",
                    loss=float(loss.detach()),
                    lr=_lr_at(step, cfg),
                    s_per_step=el / (step - start + 1),
                    **info,
                )
            last = step == cfg.steps - 1
            if (step + 1) % cfg.val_every == 0 or last:
                m = _log_validation(r, step + 1, model, val, last)
                improved = m > best
                best = max(best, m)
                save(step + 1, improved)
                r.summary(best_map=round(best, 4), step=step + 1, train_s=round(time.perf_counter() - t0, 1))
                try:
                    if cfg.diagnostics:
                        rng_d = np.random.default_rng(cfg.seed + step)
                        _probe_diagnostics(r, step + 1, model, val, rng_d, cfg.probe_crops)
                except Exception as exc:  # diagnostics must not stop training
                    r.summary(diagnostics_error=f"{exc.__class__.__name__}: {exc}")
        if start >= cfg.steps and not (r.dir / "best.pt").exists():
            save(cfg.steps, True)
        return Path(r.dir)
