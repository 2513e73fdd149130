"""Networks run in ONNX Runtime when their weights ship an export of themselves.

Why: on this 2-core machine ONNX Runtime computes the detector's maps about 1.8x and the glyph
classifier's windows about 5x as fast as PyTorch (the same functions: largest differences 3e-5 and
1e-6). An export is used only for a model loaded from a checkpoint that has the export of exactly that
file beside it (`export`: the export records the checkpoint's sha256), and only while the model's
weights are the ones loaded (a training step changes them in place); anything else runs in PyTorch.

An export also carries what inference needs besides the graph (the model's config and, for the
detector, the class and box head weights the decoder evaluates only at blob pixels), so `load_exported`
gives a model that runs without PyTorch: a fresh scan then never imports it (about 2 s on this machine).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontline.errors import InputError

SOURCE_KEY = "frontline.source_sha256"
"""ONNX metadata key: sha256 of the checkpoint file the export was made from."""
CONFIG_KEY = "frontline.model_config"
"""ONNX metadata key: the checkpoint's model config as JSON."""
ARRAYS_KEY = "frontline.arrays"
"""ONNX metadata key: named float32 arrays inference needs outside the graph (base64 of an .npz)."""

_TWINS: weakref.WeakKeyDictionary[Any, tuple[tuple[int, ...], Path, str, Any]] = weakref.WeakKeyDictionary()
"""Model -> (its weights' key when attached, its ONNX file, its checkpoint's sha256, the session once made)."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_threads() -> int:
    """Threads for a session: PyTorch's count where PyTorch is loaded, else OMP_NUM_THREADS or the CPUs
    this process may use (what PyTorch would choose on this machine)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return max(1, int(torch.get_num_threads()))
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _new_session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or default_threads()
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def encode_arrays(arrays: dict[str, np.ndarray]) -> str:
    buf = io.BytesIO()
    named: dict[str, Any] = {k: np.asarray(v, np.float32) for k, v in arrays.items()}
    np.savez(buf, **named)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_arrays(text: str) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@dataclass(frozen=True)
class Exported:
    """A network's ONNX export, loaded without PyTorch: its session, model config and extra arrays."""

    checkpoint: Path
    """The checkpoint the export was made from (PyTorch can still load it)."""
    session: Any
    """The ONNX Runtime session."""
    config: dict[str, Any]
    """The checkpoint's model config (JSON types: lists for tuples)."""
    arrays: dict[str, np.ndarray]
    """Named arrays the export carries besides the graph."""


def load_exported(checkpoint: Path, threads: int | None = None) -> Exported | None:
    """The export beside `checkpoint` (STEM.onnx) as an `Exported`, or None where there is none, it has
    no config (made before configs travelled with exports), it was made from other weights or it cannot
    be read: then the caller loads the checkpoint in PyTorch as before (and `session` says why, once)."""
    path = checkpoint.with_suffix(".onnx")
    if not path.is_file():
        return None
    try:
        sess = _new_session(path, threads)
        meta = sess.get_modelmeta().custom_metadata_map
        if CONFIG_KEY not in meta or meta.get(SOURCE_KEY) != sha256(checkpoint):
            return None
        config = json.loads(meta[CONFIG_KEY])
        arrays = decode_arrays(meta[ARRAYS_KEY]) if ARRAYS_KEY in meta else {}
    except Exception:  # a damaged export must not stop the scan: PyTorch still has the model
        return None
    return Exported(checkpoint, sess, config, arrays)


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
    """The ONNX Runtime session of `model`'s export, or None (then PyTorch runs it). Threads: PyTorch's.

    `model` may also be a model that runs without PyTorch (an `exported` attribute): its own session."""
    exported = getattr(model, "exported", None)
    if isinstance(exported, Exported):
        return exported.session
    hit = _TWINS.get(model)
    if hit is None:
        return None
    key, path, sha, sess = hit
    if key != weights_key(model):
        return None
    if sess is None:
        try:
            sess = _new_session(path, None)
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
    config: dict[str, Any],
    arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write `module` (taking `example`) as ONNX to `out`, atomically, recording `checkpoint`'s sha256,
    the model `config` (JSON) and `arrays` (what `load_exported` gives back)."""
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
    proto.metadata_props.add(key=CONFIG_KEY, value=json.dumps(config))
    if arrays:
        proto.metadata_props.add(key=ARRAYS_KEY, value=encode_arrays(arrays))
    onnx.save(proto, str(tmp))
    tmp.replace(out)
    return out
