"""Looking at a dataset: annotation overlays of one page and class/size statistics of a folder."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from frontline.errors import InputError
from frontline.music.synth.classes import CLASS_ID
from frontline.music.synth.dsv2 import load_page_annotations

__all__ = ["DatasetStats", "dataset_stats", "draw_annotations", "plot_stats", "show_page"]


def _colour(name: str) -> tuple[int, int, int]:
    """A stable, saturated BGR colour per class."""
    h = (CLASS_ID.get(name, 0) * 47) % 180
    import cv2

    hsv = np.array([[[h, 220, 210]]], dtype=np.uint8)
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def draw_annotations(
    image: np.ndarray, boxes: list[tuple[str, tuple[float, float, float, float]]], labels: bool = True
) -> np.ndarray:
    """BGR copy of `image` with each (class name, xyxy box) drawn as a coloured box with its name."""
    import cv2

    img = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    scale = max(0.3, min(img.shape[:2]) / 3000.0)
    for name, (x0, y0, x1, y1) in boxes:
        c = _colour(name)
        if name == "staff":
            cv2.rectangle(img, (int(x0), int(y0)), (int(round(x1)), int(round(y1))), (60, 180, 60), 1)
            continue
        cv2.rectangle(img, (int(x0), int(y0)), (int(round(x1)), int(round(y1))), c, 1)
        if labels:
            cv2.putText(
                img, name, (int(x0), max(8, int(y0) - 2)), cv2.FONT_HERSHEY_SIMPLEX, scale, c, 1, cv2.LINE_AA
            )
    return img


def show_page(image_path: str | Path, out_path: str | Path, labels: bool = True) -> Path:
    """Draw the annotations of a dataset page (its .json next to the image) onto a PNG at `out_path`."""
    import cv2

    image_path = Path(image_path)
    json_path = image_path.with_suffix(".json")
    if not image_path.is_file():
        raise InputError(f"{image_path}: page image not found")
    glyphs, _ = load_page_annotations(json_path)
    img = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise InputError(f"{image_path}: not a readable image")
    over = draw_annotations(img, [(g.class_name, g.bbox_xyxy) for g in glyphs], labels)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), over):
        raise InputError(f"{out}: could not write the overlay image")
    return out


@dataclass(frozen=True, slots=True)
class DatasetStats:
    """Class frequencies and symbol sizes over a dataset folder."""

    pages: int
    class_counts: dict[str, int]
    """Annotations per class, most frequent first."""
    median_size_px: dict[str, tuple[float, float]]
    """Median (width, height) in pixels per class."""
    sizes_in_staff_spaces: np.ndarray
    """(N, 2) widths and heights of every glyph box divided by its page's staff space."""
    classes_of_sizes: tuple[str, ...]
    """Class of each row of `sizes_in_staff_spaces`."""


def dataset_stats(folder: str | Path, max_pages: int | None = None) -> DatasetStats:
    """Count classes and measure box sizes over the page JSONs of a dataset folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a dataset folder")
    files = sorted(folder.glob("page_*.json"))[:max_pages]
    if not files:
        raise InputError(
            f"{folder}: no page_*.json files; write a dataset with `frontline music synth --pages N --out DIR`"
        )
    counts: Counter[str] = Counter()
    sizes: dict[str, list[tuple[float, float]]] = {}
    rel: list[tuple[float, float]] = []
    rel_cls: list[str] = []
    for f in files:
        data = json.loads(f.read_text())
        space = float(data.get("frontline", {}).get("staff_space_px", 0.0)) or 1.0
        cats = data["categories"]
        for a in data["annotations"].values():
            name = a.get("frontline", {}).get("class_name") or cats[str(a["cat_id"][0])]["name"]
            x0, y0, x1, y1 = a["a_bbox"]
            counts[name] += 1
            sizes.setdefault(name, []).append((x1 - x0, y1 - y0))
            if name != "staff":
                rel.append(((x1 - x0) / space, (y1 - y0) / space))
                rel_cls.append(name)
    med = {
        k: (float(np.median([w for w, _ in v])), float(np.median([h for _, h in v])))
        for k, v in sizes.items()
    }
    return DatasetStats(
        len(files),
        dict(counts.most_common()),
        med,
        np.asarray(rel, dtype=float).reshape(-1, 2),
        tuple(rel_cls),
    )


def plot_stats(stats: DatasetStats, out_path: str | Path) -> Path:
    """Bar chart of class frequencies (log scale) and histograms of symbol sizes, as in the DeepScores paper."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(stats.class_counts)
    vals = [stats.class_counts[n] for n in names]
    fig, axes = plt.subplots(2, 1, figsize=(max(10, len(names) * 0.16), 10))
    axes[0].bar(range(len(names)), vals, color="tab:blue")
    axes[0].set_yscale("log")
    axes[0].set_xticks(range(len(names)))
    axes[0].set_xticklabels(names, rotation=90, fontsize=6)
    axes[0].set_ylabel("annotations (log)")
    axes[0].set_title(f"class frequencies over {stats.pages} pages")
    s = stats.sizes_in_staff_spaces
    if len(s):
        axes[1].hist(np.clip(s[:, 0], 0, 20), bins=80, alpha=0.6, label="width")
        axes[1].hist(np.clip(s[:, 1], 0, 20), bins=80, alpha=0.6, label="height")
        axes[1].set_yscale("log")
    axes[1].set_xlabel("box size in staff spaces (clipped at 20)")
    axes[1].set_ylabel("symbols (log)")
    axes[1].legend()
    fig.tight_layout()
    out = Path(out_path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
