"""File formats: architecture JSON and the ``.npz`` network format.

The ``.npz`` format is the one the peer tool's fixtures use (docs/formats.md, "File
formats"), so that networks can be exchanged with other tools:

- ``architecture``: a 0-d string array holding the architecture JSON;
- ``W1, b1, W2, b2, ...``: weights ``(d_l, d_{l-1}, f1, f2)`` and biases ``(d_l,)``, float64;
  a dense layer (``{"type": "dense", "features": n}`` in the JSON) has a 2-D
  weight ``(n, in_features)`` (``torch.nn.Linear.weight``) and bias ``(n,)``.

Files of the original format (convolutions only) are exactly files of this one.
How a NET argument (these files, an ONNX model, a paper name) becomes a network
is :func:`~.resolve.resolve`'s business.

Files are read with bounded memory (:mod:`.files`: size caps, ``.npy`` headers
checked against the architecture before any data is read) and with
``allow_pickle=False``: nothing in a file is executed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validation import check_path
from ..errors import InvalidParameterError
from ..outfiles import atomic_output
from .architecture import Architecture
from .files import MAX_JSON_BYTES, NpyHeader, NpzReader, check_file_size, check_parameters
from .network import Network

__all__ = ["load_architecture", "load_network", "save_architecture", "save_network"]


def _read_text(path: Path) -> str:
    check_file_size(path, MAX_JSON_BYTES)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidParameterError(f"The file '{path}' must exist. Got no such file instead.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(f"The file '{path}' must be a readable UTF-8 text file. Got {exc} instead.") from None


def load_architecture(path: str | os.PathLike) -> Architecture:
    """Read an architecture JSON file (``{"input": {...}, "layers": [...]}``)."""
    check_path(path, "The 'path'")
    path = Path(path)
    text = _read_text(path)  # its errors already name the file
    try:
        return Architecture.from_json(text)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{path}: {exc}") from None


def save_architecture(architecture: Architecture, path: str | os.PathLike) -> None:
    """Write ``architecture`` as indented JSON."""
    check_path(path, "The 'path'")
    with atomic_output(path, f"The output '{os.fspath(path)}'") as tmp:
        tmp.write_text(architecture.to_json(indent=2) + "\n", encoding="utf-8")


def load_network(path: str | os.PathLike) -> Network:
    """Read a network from the ``.npz`` format, with pickling disabled.

    Every entry's ``.npy`` header is checked against the architecture before its
    data is read or decompressed (:mod:`.files`), so a file declaring a huge shape,
    or a deflate bomb, is refused after a few hundred bytes.

    Raises
    ------
    InvalidParameterError
        (a ``ValueError`` and ``TypeError``) naming the file and the missing or
        malformed entry.
    """
    check_path(path, "The 'path'")
    path = Path(path)
    try:
        with NpzReader(path) as npz:
            arch = _architecture_entry(npz)
            depth = arch.depth
            names = [f"W{l}" for l in range(1, depth + 1)] + [f"b{l}" for l in range(1, depth + 1)]
            for name in names:
                if name not in npz.keys:
                    raise InvalidParameterError(f"the entry '{name}' is missing.")
            extra = sorted(set(npz.keys) - {"architecture", *names})
            if extra:
                raise InvalidParameterError(
                    f"The entries must be 'architecture', W1..W{depth} and b1..b{depth}. "
                    f"Got an extra entry {extra[0]!r} instead.")
            check_parameters(arch)
            shapes = arch.weight_shapes()
            weights = [npz.array(f"W{l}", _expect(shape)) for l, shape in enumerate(shapes, start=1)]
            biases = [npz.array(f"b{l}", _expect(shape[:1])) for l, shape in enumerate(shapes, start=1)]
            return Network(arch, tuple(weights), tuple(biases))
    except InvalidParameterError as exc:
        message = str(exc)
        raise InvalidParameterError(message if message.startswith(str(path)) else f"{path}: {message}") from None


def _expect(shape: tuple[int, ...]):
    def check(header: NpyHeader, what: str) -> None:
        header.check(what, [shape], "fiu")
    return check


def _architecture_entry(npz: NpzReader) -> Architecture:
    """The 0-d string entry 'architecture', checked from its header (at most MAX_JSON_BYTES)."""
    def check(header: NpyHeader, what: str) -> None:
        if header.shape != () or header.dtype.kind not in "US" or header.dtype.hasobject:
            raise InvalidParameterError(
                f"{what} must be a 0-d string array holding JSON. "
                f"Got an array of shape {header.shape} and dtype {header.dtype} instead.")
        chars = header.dtype.itemsize // (4 if header.dtype.kind == "U" else 1)
        if chars > MAX_JSON_BYTES:
            raise InvalidParameterError(
                f"{what} must hold at most {MAX_JSON_BYTES:,} characters of JSON. Got {chars:,} characters instead.")

    raw = npz.array("architecture", check)
    try:
        text = raw.item().decode() if raw.dtype.kind == "S" else str(raw.item())
    except UnicodeDecodeError as exc:
        raise InvalidParameterError(
            f"{npz.path}: the entry 'architecture' must be UTF-8 text holding JSON. "
            f"Got undecodable bytes instead ({exc}).") from None
    return Architecture.from_json(text)


def save_network(network: Network, path: str | os.PathLike) -> None:
    """Write ``network`` in the ``.npz`` format (uncompressed, float64), atomically (:mod:`cnnregions.outfiles`)."""
    arrays: dict[str, np.ndarray] = {"architecture": np.array(network.architecture.to_json())}
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float64)
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float64)
    check_path(path, "The 'path'")
    with atomic_output(path, f"The output '{os.fspath(path)}'") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
