"""Import an ONNX file: a chain of Conv, Relu, Flatten/Reshape and Gemm/MatMul+Add nodes.

The file is parsed with the ``onnx`` package (``onnx.load`` and
``onnx.numpy_helper``, extra ``onnx``): a protobuf is read and its weight tensors
are converted to arrays.  Nothing in the file is executed and no operator is
run.  Weights stored in an external data file (``torch.onnx.export`` writes
``model.onnx.data`` beside the model) are read only from files in the model's
own folder.  Only the graph's single data path is followed: every node
must consume the output of the node before it; its other inputs must be weights
(initializers or ``Constant`` nodes).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError
from .files import MAX_FILE_BYTES, check_file_size
from .importing import ImportResult, Op, as_float64, assemble

__all__ = ["load_onnx"]

SUPPORTED = "Conv, Relu, Flatten, Reshape, Gemm, MatMul, Add"


def load_onnx(path: str | os.PathLike) -> ImportResult:
    """Read the hidden ReLU network of an ONNX model.

    Parameters
    ----------
    path : str or path-like
        An ``.onnx`` file with one input of shape ``(batch, channels, height,
        width)`` or ``(batch, features)``.

    Returns
    -------
    ImportResult
        The hidden layers as a float64 network; a trailing Conv or Gemm/MatMul
        without Relu (the output layer) is dropped and named in ``output_layer``.

    Raises
    ------
    InvalidParameterError
        For a missing or malformed file, an unsupported operator (named), or a
        graph that is not a plain chain of supported layers.
    """
    path = Path(path)
    check_file_size(path, MAX_FILE_BYTES)
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise InvalidParameterError(
            f"The file '{path}' needs the 'onnx' package to be read (pip install 'cnnregions[onnx]'). "
            f"Got no onnx module instead.") from None
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and friends: the file is not an ONNX model
        raise InvalidParameterError(
            f"The file '{path}' must be an ONNX model. Got an unreadable file instead ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]}).") from None
    try:
        _load_external_data(model, onnx, path)
        return _Reader(model, onnx, numpy_helper, path).read()
    except InvalidParameterError as exc:
        message = str(exc)
        raise InvalidParameterError(message if str(path) in message else f"{path}: {message}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidParameterError(
            f"{path}: the ONNX model must be well formed. Got {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]} instead.") from None


def _load_external_data(model, onnx, path: Path) -> None:
    """Read weights stored beside the model (what ``torch.onnx.export`` writes as
    ``model.onnx.data``), after checking that every location is a file in the
    model's own folder: no absolute path, no ``..``, no link leaving the folder."""
    from onnx import external_data_helper

    folder = path.resolve().parent
    tensors = [t for t in external_data_helper._get_all_tensors(model)
               if t.HasField("data_location") and t.data_location == onnx.TensorProto.EXTERNAL]
    if not tensors:
        return
    for tensor in tensors:
        info = {entry.key: entry.value for entry in tensor.external_data}
        location = info.get("location", "")
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or target.parent != folder or not target.is_file():
            raise InvalidParameterError(
                f"The external data of tensor '{tensor.name}' must be a file beside the model. "
                f"Got location {location!r} instead.")
        check_file_size(target, MAX_FILE_BYTES)
    try:
        external_data_helper.load_external_data_for_model(model, str(folder))
    except Exception as exc:
        raise InvalidParameterError(
            f"The external data of the ONNX model must be readable. Got {type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]} instead.") from None


class _Reader:
    """Walks the graph once, translating nodes into :class:`Op`."""

    def __init__(self, model, onnx, numpy_helper, path: Path) -> None:
        self.graph = model.graph
        self.onnx = onnx
        self.nh = numpy_helper
        self.path = path
        self.consts: dict[str, np.ndarray] = {}

    def tensor(self, proto, what: str) -> np.ndarray:
        return np.asarray(self.nh.to_array(proto))

    def read(self) -> ImportResult:
        graph = self.graph
        if len(graph.node) == 0:
            raise InvalidParameterError("The ONNX model must have nodes. Got an empty graph instead.")
        for init in graph.initializer:
            self.consts[init.name] = self.tensor(init, f"initializer '{init.name}'")
        inputs = [i for i in graph.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise InvalidParameterError(f"The ONNX model must have one data input. Got {len(inputs)} instead.")
        shape, flat, self.batch = self.input_shape(inputs[0])
        current = inputs[0].name
        ops: list[Op] = []
        for i, node in enumerate(graph.node):
            name = node.name or (node.output[0] if node.output else "")
            label = f"node {i} '{name}' ({node.op_type})"
            if node.domain not in ("", "ai.onnx"):
                raise InvalidParameterError(
                    f"The ONNX {label} must be a standard operator ({SUPPORTED}). Got {node.domain}::{node.op_type} instead.")
            if node.op_type == "Constant":
                self.constant(node, label)
                continue
            data = [name for name in node.input if name and name not in self.consts]
            if data != [current]:
                raise InvalidParameterError(
                    f"The ONNX {label} must take the previous layer's output as its only data input "
                    f"(a plain chain of layers). Got inputs {list(node.input)} instead.")
            if len(node.output) != 1:
                raise InvalidParameterError(f"The ONNX {label} must have one output. Got {len(node.output)} instead.")
            self.translate(node, label, ops, shape)
            current = node.output[0]
        outputs = [o.name for o in graph.output]
        if outputs != [current]:
            raise InvalidParameterError(
                f"The ONNX model's output must be the last node's output {current!r}. Got outputs {outputs} instead.")
        return assemble(ops, shape, str(self.path), flat_input=flat)

    def input_shape(self, value_info) -> tuple[tuple[int, int, int], bool, int | None]:
        t = value_info.type.tensor_type
        float_types = {self.onnx.TensorProto.FLOAT, self.onnx.TensorProto.DOUBLE, self.onnx.TensorProto.FLOAT16}
        if t.elem_type not in float_types:
            raise InvalidParameterError(
                f"The ONNX input '{value_info.name}' must be a float tensor. Got element type {t.elem_type} instead.")
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        ok = len(dims) in (2, 4) and all(isinstance(d, int) and d > 0 for d in dims[1:])
        if not ok:
            raise InvalidParameterError(
                f"The ONNX input '{value_info.name}' must have shape (batch, channels, height, width) or "
                f"(batch, features) with known sizes. Got {dims} instead.")
        sizes = [int(d) for d in dims[1:] if d is not None]
        if len(dims) == 2:
            return (sizes[0], 1, 1), True, dims[0]
        return (sizes[0], sizes[1], sizes[2]), False, dims[0]

    def constant(self, node, label: str) -> None:
        attrs = {a.name: a for a in node.attribute}
        if "value" in attrs:
            value = self.tensor(attrs["value"].t, label)
        elif "value_ints" in attrs or "value_floats" in attrs or "value_int" in attrs or "value_float" in attrs:
            name = next(k for k in ("value_ints", "value_floats", "value_int", "value_float") if k in attrs)
            value = np.asarray(self.onnx.helper.get_attribute_value(attrs[name]))
        else:
            raise InvalidParameterError(
                f"The ONNX {label} must hold a numeric tensor. Got attributes {sorted(attrs)} instead.")
        self.consts[node.output[0]] = value

    def attrs(self, node) -> dict:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def weight(self, node, k: int, label: str) -> np.ndarray | None:
        names = list(node.input)
        if k >= len(names) or not names[k]:
            return None
        return self.consts[names[k]]

    def translate(self, node, label: str, ops: list[Op], shape) -> None:
        op = node.op_type
        attrs = self.attrs(node)
        if op == "Relu":
            ops.append(Op("relu", label))
        elif op == "Flatten":
            if attrs.get("axis", 1) != 1:
                raise InvalidParameterError(f"The ONNX {label} must have axis 1. Got axis {attrs['axis']} instead.")
            ops.append(Op("flatten", label))
        elif op == "Reshape":
            target = self.weight(node, 1, label)
            batch = {-1, self.batch} | (set() if attrs.get("allowzero", 0) else {0})
            if (target is None or target.ndim != 1 or target.size != 2 or int(target[0]) not in batch
                    or not (target[1] == -1 or target[1] > 0) or (target[0] == -1 and target[1] == -1)):
                raise InvalidParameterError(
                    f"The ONNX {label} must flatten to (batch, features). Got the target shape "
                    f"{None if target is None else target.tolist()} instead.")
            ops.append(Op("flatten", label))   # the feature count is checked by the next dense layer
        elif op == "Conv":
            ops.append(self.conv(node, label, attrs))
        elif op == "Gemm":
            if attrs.get("transA", 0):
                raise InvalidParameterError(f"The ONNX {label} must have transA=0. Got transA=1 instead.")
            b = as_float64(self.weight(node, 1, label), label, 2)
            w = b if attrs.get("transB", 0) else b.T
            w = float(attrs.get("alpha", 1.0)) * w
            c = self.weight(node, 2, label)
            bias = np.zeros(w.shape[0]) if c is None else float(attrs.get("beta", 1.0)) * self.bias(c, w.shape[0], label)
            ops.append(Op("dense", label, w, bias))
        elif op == "MatMul":
            w = as_float64(self.weight(node, 1, label), label, 2).T
            ops.append(Op("dense", label, w, np.zeros(w.shape[0])))
        elif op == "Add":
            last = ops[-1] if ops else None
            if last is None or last.kind != "dense":
                raise InvalidParameterError(
                    f"The ONNX {label} must add a bias right after a MatMul or Gemm. Got it after "
                    f"{'the input' if last is None else last.label} instead.")
            other = [n for n in node.input if n in self.consts]
            ops[-1] = Op("dense", last.label, last.weight, last.bias + self.bias(self.consts[other[0]], last.w.shape[0], label))
        else:
            raise InvalidParameterError(f"The ONNX {label} must be one of {SUPPORTED}. Got the unsupported operator {op} instead.")

    def bias(self, value: np.ndarray, n: int, label: str) -> np.ndarray:
        arr = np.asarray(value, dtype=np.float64)
        if arr.size == 1:
            return np.full(n, float(arr.ravel()[0]))
        if arr.size != n or (arr.ndim == 2 and arr.shape[0] != 1) or arr.ndim > 2:
            raise InvalidParameterError(f"The bias of the ONNX {label} must have {n} values. Got shape {arr.shape} instead.")
        return as_float64(arr.ravel(), label, 1)

    def conv(self, node, label: str, attrs: dict) -> Op:
        w = as_float64(self.weight(node, 1, label), label, 4)
        b = self.weight(node, 2, label)
        bias = np.zeros(w.shape[0]) if b is None else as_float64(b, label, 1)
        if attrs.get("group", 1) != 1:
            raise InvalidParameterError(f"The ONNX {label} must have group 1. Got {attrs['group']} instead.")
        dil = list(attrs.get("dilations", [1, 1]))
        if any(d != 1 for d in dil):
            raise InvalidParameterError(f"The ONNX {label} must have dilations 1. Got {dil} instead.")
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        if auto not in ("NOTSET", "VALID"):
            raise InvalidParameterError(f"The ONNX {label} must have explicit pads (auto_pad NOTSET). Got {auto} instead.")
        kernel = list(attrs.get("kernel_shape", w.shape[2:]))
        if kernel != list(w.shape[2:]):
            raise InvalidParameterError(f"The ONNX {label} kernel_shape must match its weights {list(w.shape[2:])}. Got {kernel} instead.")
        strides = list(attrs.get("strides", [1, 1]))
        if len(strides) != 2 or strides[0] != strides[1]:
            raise InvalidParameterError(f"The ONNX {label} must have the same stride in both directions. Got {strides} instead.")
        pads = list(attrs.get("pads", [0, 0, 0, 0])) if auto == "NOTSET" else [0, 0, 0, 0]
        if len(pads) != 4 or len(set(pads)) != 1:
            raise InvalidParameterError(f"The ONNX {label} must have equal zero padding on every side. Got pads {pads} instead.")
        if strides[0] < 1 or pads[0] < 0:
            raise InvalidParameterError(f"The ONNX {label} must have positive strides and non-negative pads. "
                                        f"Got strides {strides}, pads {pads} instead.")
        return Op("conv", label, w, bias, stride=int(strides[0]), padding=int(pads[0]))
