"""Networks run in ONNX Runtime when their weights ship an export of themselves.

Why: on this 2-core machine ONNX Runtime computes the detector's maps about 1.8x and the glyph
classifier's windows about 5x as fast as PyTorch (the same functions: largest differences 3e-5 and
1e-6). An export is used only for a model loaded from a checkpoint that has the export of exactly that
file beside it (`export`: the export records the checkpoint's sha256), and only while the model's
weights are the ones loaded (a training step changes them in place); anything else runs in PyTorch.
"""

from __future__ import annotations

import hashlib
import warnings
import weakref
from pathlib import Path
from typing import Any

from frontline.errors import InputError

SOURCE_KEY = "frontline.source_sha256"
"""ONNX metadata key: sha256 of the checkpoint file the export was made from."""

_TWINS: weakref.WeakKeyDictionary[Any, tuple[tuple[int, ...], Path, str, Any]] = weakref.WeakKeyDictionary()
"""Model -> (its weights' key when attached, its ONNX file, its checkpoint's sha256, the session once made)."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def weights_key(model: Any) -> tuple[int, ...]:
    """Changes whenever a weight or statistic of `model` is replaced or changed in place."""
    return (int(model.training),) + tuple(
        v for t in (*model.parameters(), *model.buffers()) for v in (id(t), t._version)
    )


def attach(model: Any, checkpoint: Path) -> None:
    """Remember the export beside `checkpoint` (STEM.onnx) for `model`, just loaded from it, if there is one."""
    onnx = checkpoint.with_suffix(".onnx")
    if onnx.is_file():
        _TWINS[model] = (weights_key(model), onnx, sha256(checkpoint), None)


def session(model: Any) -> Any | None:
    """The ONNX Runtime session of `model`'s export, or None (then PyTorch runs it). Threads: PyTorch's."""
    hit = _TWINS.get(model)
    if hit is None:
        return None
    key, path, sha, sess = hit
    if key != weights_key(model):
        return None
    if sess is None:
        import onnxruntime as ort
        import torch

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, torch.get_num_threads())
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged export must not stop the scan: PyTorch still has the model
            warnings.warn(
                f"{path}: cannot load the ONNX export ({exc.__class__.__name__}); using PyTorch", stacklevel=3
            )
            sess = False
        else:
            if sess.get_modelmeta().custom_metadata_map.get(SOURCE_KEY) != sha:
                warnings.warn(
                    f"{path} was exported from other weights than the checkpoint beside it; using PyTorch "
                    "(export again: frontline music export-onnx CHECKPOINT)",
                    stacklevel=3,
                )
                sess = False
        _TWINS[model] = (key, path, sha, sess)
    return sess or None


def export(
    module: Any,
    example: Any,
    checkpoint: Path,
    out: Path,
    inputs: list[str],
    outputs: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> Path:
    """Write `module` (taking `example`) as ONNX to `out`, atomically, recording `checkpoint`'s sha256."""
    import torch

    try:
        import onnx
    except ImportError:
        raise InputError("exporting to ONNX needs the onnx package: pip install onnx") from None
    tmp = out.with_name(out.name + ".part")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation note
        torch.onnx.export(
            module.eval(),
            (example,),
            str(tmp),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            opset_version=17,
            dynamo=False,
        )
    proto = onnx.load(str(tmp))
    proto.metadata_props.add(key=SOURCE_KEY, value=sha256(checkpoint))
    onnx.save(proto, str(tmp))
    tmp.replace(out)
    return out
