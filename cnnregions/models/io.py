"""File formats: architecture JSON and the ``.npz`` network format.

The ``.npz`` format is the one of ``shared/oracles/README.md`` so that networks can
be exchanged with other tools:

- ``architecture``: a 0-d string array holding the architecture JSON;
- ``W1, b1, W2, b2, ...``: weights ``(d_l, d_{l-1}, f1, f2)`` and biases ``(d_l,)``, float64;
  a dense layer (``{"type": "dense", "features": n}`` in the JSON) has a 2-D
  weight ``(n, in_features)`` (``torch.nn.Linear.weight``) and bias ``(n,)``.

Files of the original format (convolutions only) are exactly files of this one.
A NET argument may also be an ONNX model (``.onnx``, read by
:func:`~.onnx_import.load_onnx`).

Files are always read with ``allow_pickle=False``: nothing in a file is executed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .._validation import InvalidParameterError
from .architecture import Architecture
from .importing import ImportResult
from .network import Network, he_network
from .onnx_import import load_onnx
from .paper import is_paper_name, paper_architecture

__all__ = ["WEIGHT_FILE_SUFFIXES", "architecture_of", "load_architecture", "load_network", "resolve_model",
           "resolve_network", "save_architecture", "save_network"]

#: NET suffixes whose weights come from the file (not drawn from a seed).
WEIGHT_FILE_SUFFIXES = (".npz", ".onnx")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidParameterError(f"The file '{path}' must exist. Got no such file instead.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidParameterError(f"The file '{path}' must be a readable UTF-8 text file. Got {exc} instead.") from None


def load_architecture(path: str | os.PathLike) -> Architecture:
    """Read an architecture JSON file (``{"input": {...}, "layers": [...]}``)."""
    path = Path(path)
    text = _read_text(path)  # its errors already name the file
    try:
        return Architecture.from_json(text)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{path}: {exc}") from None


def save_architecture(architecture: Architecture, path: str | os.PathLike) -> None:
    """Write ``architecture`` as indented JSON."""
    Path(path).write_text(architecture.to_json(indent=2) + "\n", encoding="utf-8")


def load_network(path: str | os.PathLike) -> Network:
    """Read a network from the ``.npz`` format, with pickling disabled.

    Raises
    ------
    InvalidParameterError
        (a ``ValueError`` and ``TypeError``) naming the missing or malformed entry.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidParameterError(f"The file '{path}' must exist. Got no such file instead.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InvalidParameterError(f"The file '{path}' must be a .npz archive. Got an unreadable file instead ({exc}).") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InvalidParameterError(f"The file '{path}' must be a .npz archive. Got a single .npy array instead.")
    with archive:
        def entry(key: str) -> np.ndarray:
            if key not in archive.files:
                raise InvalidParameterError(f"{path}: the entry '{key}' is missing.")
            try:
                value = archive[key]
            except ValueError as exc:
                if "allow_pickle" in str(exc):  # object arrays refused by allow_pickle=False
                    raise InvalidParameterError(
                        f"{path}: the entry '{key}' must be a plain (non-object) array. "
                        f"Got a pickled object array instead ({exc}).") from None
                raise InvalidParameterError(f"{path}: the entry '{key}' must be a readable .npy array. Got {exc} instead.") from None
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise InvalidParameterError(f"{path}: the entry '{key}' must be readable. Got {exc} instead.") from None
            if not isinstance(value, np.ndarray):  # NpzFile returns the raw bytes of a member that is not a .npy
                raise InvalidParameterError(f"{path}: the entry '{key}' must be a .npy array. Got raw bytes instead.")
            return value

        raw = entry("architecture")
        if raw.shape != () or raw.dtype.kind not in "US":
            raise InvalidParameterError(
                f"{path}: the entry 'architecture' must be a 0-d string array holding JSON. "
                f"Got an array of shape {raw.shape} and dtype {raw.dtype} instead.")
        try:
            text = raw.item().decode() if raw.dtype.kind == "S" else str(raw.item())
        except UnicodeDecodeError as exc:
            raise InvalidParameterError(
                f"{path}: the entry 'architecture' must be UTF-8 text holding JSON. Got undecodable bytes instead ({exc}).") from None
        try:
            arch = Architecture.from_json(text)
            weights = [entry(f"W{l}") for l in range(1, arch.depth + 1)]
            biases = [entry(f"b{l}") for l in range(1, arch.depth + 1)]
            extra = sorted(set(archive.files) - {"architecture"} - {f"W{l}" for l in range(1, arch.depth + 1)}
                           - {f"b{l}" for l in range(1, arch.depth + 1)})
            if extra:
                raise InvalidParameterError(
                    f"The entries must be 'architecture', W1..W{arch.depth} and b1..b{arch.depth}. "
                    f"Got an extra entry {extra[0]!r} instead.")
            return Network(arch, tuple(weights), tuple(biases))
        except InvalidParameterError as exc:
            message = str(exc)
            raise InvalidParameterError(message if message.startswith(str(path)) else f"{path}: {message}") from None


def save_network(network: Network, path: str | os.PathLike) -> None:
    """Write ``network`` in the ``.npz`` format (uncompressed, float64)."""
    arrays: dict[str, np.ndarray] = {"architecture": np.array(network.architecture.to_json())}
    for l, (w, b) in enumerate(zip(network.weights, network.biases), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float64)
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float64)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle


def resolve_model(spec: str | os.PathLike, seed: int = 0) -> ImportResult:
    """Turn a command-line NET argument into a network, with import notes.

    ``spec`` is a network ``.npz`` file, an ONNX model ``.onnx`` (its trailing
    output layer dropped and reported in ``output_layer``), an architecture
    ``.json`` file (weights drawn by He initialisation from ``seed``), or a paper
    network name such as ``example4-d8`` (also He-initialised from ``seed``).
    """
    text = os.fspath(spec)
    suffix = Path(text).suffix.lower()
    if suffix == ".onnx":
        return load_onnx(text)
    return ImportResult(resolve_network(text, seed), text)


def resolve_network(spec: str | os.PathLike, seed: int = 0) -> Network:
    """Turn a command-line NET argument into a network (see :func:`resolve_model`)."""
    text = os.fspath(spec)
    suffix = Path(text).suffix.lower()
    if suffix == ".npz":
        return load_network(text)
    if suffix == ".onnx":
        return load_onnx(text).network
    if suffix == ".json":
        return he_network(load_architecture(text), seed)
    if is_paper_name(text) or not Path(text).exists():
        if not is_paper_name(text) and suffix:
            raise InvalidParameterError(f"The file '{text}' must exist. Got no such file instead.")
        return he_network(paper_architecture(text), seed)
    raise InvalidParameterError(
        f"The network '{text}' must be a .npz network, an .onnx model, a .json architecture or a paper network "
        f"name. Got a file with suffix {suffix!r} instead.")


def architecture_of(spec: str | os.PathLike) -> Architecture:
    """The architecture named by a NET argument (no weights are drawn for .json or names)."""
    text = os.fspath(spec)
    suffix = Path(text).suffix.lower()
    if suffix == ".npz":
        return load_network(text).architecture
    if suffix == ".onnx":
        return load_onnx(text).network.architecture
    if suffix == ".json":
        return load_architecture(text)
    if not is_paper_name(text) and suffix:
        raise InvalidParameterError(f"The file '{text}' must exist. Got no such file instead.")
    return paper_architecture(text)
