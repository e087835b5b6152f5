"""Reading input files with bounded time and memory.

Nothing is read before it is known to fit:

- every file is refused above a size cap (:data:`MAX_JSON_BYTES` for
  architecture JSON, :data:`MAX_FILE_BYTES` for ``.npz``, ``.npy`` and ``.onnx``);
- a ``.npy`` array (a file, or a member of a ``.npz`` zip archive) is opened by
  its header alone (a few hundred bytes, decompressed on their own), and its
  declared dtype and shape are checked against what the caller expects *before*
  any data is read or decompressed.  A header declaring a 728 TiB shape, or a
  2 MB deflate bomb holding 2 GB of zeros, is refused after reading its header;
  a member whose data is shorter than its header says is refused as truncated.

Nothing in a file is ever executed: object arrays are refused from their header
(``allow_pickle`` is never set).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.lib import format as npy_format

from ..errors import InvalidParameterError
from ..outfiles import describe_path
from .architecture import Architecture

__all__ = ["MAX_FILE_BYTES", "MAX_JSON_BYTES", "MAX_PARAMETERS", "NpyHeader", "NpzReader", "check_file_size",
           "check_parameters", "read_npy"]

#: Largest architecture JSON accepted, as a file or as the ``.npz`` entry (1 MiB:
#: an architecture of a thousand layers takes 60 kB).
MAX_JSON_BYTES = 1 << 20
#: Largest ``.npz``, ``.npy`` or ``.onnx`` file accepted (2 GiB, protobuf's own
#: limit for an ONNX model; its weights hold 268 million float64 parameters).
MAX_FILE_BYTES = 1 << 31
#: Most parameters (weights and biases) of a network read from a file or drawn
#: from a seed: 2 GiB of float64, a thousand times what an exact count can handle.
MAX_PARAMETERS = MAX_FILE_BYTES // 8
#: Largest ``.npy`` header read (numpy's own default).
_MAX_HEADER = 10_000
_NPY_MAGIC = b"\x93NUMPY"


def _size(nbytes: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("kiB", 10)):
        if nbytes >= 1 << shift:
            return f"{nbytes / (1 << shift):.3g} {unit}"
    return f"{nbytes} bytes"


def check_file_size(path: Path, limit: int) -> None:
    """Refuse a missing file, a non-file, or a file larger than ``limit`` bytes."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidParameterError(f"The file '{path}' must exist. Got no such file instead.") from None
    except OSError as exc:
        raise InvalidParameterError(f"The file '{path}' must be readable. Got {exc.strerror or exc} instead.") from None
    if not path.is_file():
        raise InvalidParameterError(f"The file '{path}' must be a regular file. Got a {describe_path(path)} instead.")
    if size > limit:
        raise InvalidParameterError(
            f"The file '{path}' must be at most {_size(limit)}. Got {_size(size)} ({size:,} bytes) instead.")


def check_parameters(architecture: Architecture) -> None:
    """Refuse an architecture whose weights would not fit in :data:`MAX_PARAMETERS` (before allocating them)."""
    n = architecture.n_parameters
    if n > MAX_PARAMETERS:
        raise InvalidParameterError(
            f"The network must have at most {MAX_PARAMETERS:,} parameters ({_size(8 * MAX_PARAMETERS)} of float64). "
            f"Got {n:,} parameters ({architecture.describe()}) instead.")


@dataclass(frozen=True)
class NpyHeader:
    """The declared ``shape`` and ``dtype`` of a ``.npy`` array, read from its header alone."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool

    @property
    def nbytes(self) -> int:
        """Bytes of data the header declares (exact, however large)."""
        count = 1
        for n in self.shape:
            count *= n
        return count * self.dtype.itemsize

    @classmethod
    def read(cls, fh: IO[bytes], what: str) -> NpyHeader:
        """Parse the header at the start of ``fh``; ``what`` names the array in messages."""
        try:
            version = npy_format.read_magic(fh)
            reader = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}.get(version)
            if reader is None:
                raise ValueError(f"unsupported .npy format version {version}")
            shape, fortran, dtype = reader(fh, max_header_size=_MAX_HEADER)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise InvalidParameterError(
                f"{what} must be a readable .npy array. Got a damaged header instead ({_short(exc)}).") from None
        return cls(tuple(int(n) for n in shape), np.dtype(dtype), bool(fortran))

    def check(self, what: str, shapes: Collection[tuple[int, ...]], kinds: str,
              kind_text: str = "real numbers") -> None:
        """Refuse an object array, a dtype kind not in ``kinds`` or a shape not in ``shapes``."""
        if self.dtype.hasobject:
            raise InvalidParameterError(
                f"{what} must be a plain (non-object) array. Got a pickled object array instead.")
        if self.dtype.kind not in kinds or self.dtype.fields is not None or self.dtype.subdtype is not None:
            raise InvalidParameterError(f"{what} must be an array of {kind_text}. Got dtype {self.dtype} instead.")
        if self.shape not in shapes:
            expected = " or ".join(str(s) for s in shapes)
            raise InvalidParameterError(f"{what} must have shape {expected}. Got shape {self.shape} instead.")


def _short(exc: BaseException) -> str:
    """The first sentence of ``exc``'s message (whole sentences only, never cut mid-word), at most ~100 characters."""
    text = " ".join(str(exc).split())
    if not text:
        return type(exc).__name__
    if "Failed to read all data" in text or isinstance(exc, EOFError):
        found = re.search(r"Expected .*? elements, could (?:only read \d+ elements|not read any data)", text)
        return f"a file whose data ends early ({found.group(0)})" if found else "a file whose data ends early"
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = sentences[0]
    for sentence in sentences[1:]:
        if len(out) + 1 + len(sentence) > 100:
            break
        out += " " + sentence
    return out if len(out) <= 100 else out[:97].rsplit(" ", 1)[0] + "..."


def _read_data(open_: Callable[[], IO[bytes]], what: str) -> np.ndarray:
    """Read a whole ``.npy`` whose header has been checked (a fresh handle from ``open_``)."""
    try:
        with open_() as fh:
            return npy_format.read_array(fh, allow_pickle=False, max_header_size=_MAX_HEADER)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InvalidParameterError(f"{what} must be a complete .npy array. Got {_short(exc)} instead.") from None


def read_npy(path: str | os.PathLike, check: Callable[[NpyHeader], None], *,
             limit: int = MAX_FILE_BYTES) -> np.ndarray:
    """Read a ``.npy`` file after ``check(header)`` accepted its declared dtype and shape.

    A ``.npz`` archive is refused with its own message (it is not one array).
    """
    path = Path(path)
    check_file_size(path, limit)
    what = f"The file '{path}'"
    try:
        with open(path, "rb") as fh:
            start = fh.read(len(_NPY_MAGIC))
            if start[:2] == b"PK":
                raise InvalidParameterError(f"{what} must be a single .npy array. Got a .npz archive instead.")
            if start != _NPY_MAGIC:
                raise InvalidParameterError(f"{what} must be a .npy array. Got a file without the .npy header instead.")
            fh.seek(0)
            header = NpyHeader.read(fh, what)
    except OSError as exc:
        raise InvalidParameterError(f"{what} must be readable. Got {exc.strerror or exc} instead.") from None
    check(header)
    return _read_data(lambda: open(path, "rb"), what)


class NpzReader:
    """A ``.npz`` archive opened by its zip directory alone; members are read one by one.

    ``reader.header(key)`` decompresses only the header of member ``key`` (a few
    hundred bytes); ``reader.array(key, check)`` reads the data only once
    ``check(header)`` has accepted it.  Use as a context manager.
    """

    def __init__(self, path: str | os.PathLike, *, limit: int = MAX_FILE_BYTES) -> None:
        self.path = Path(path)
        check_file_size(self.path, limit)
        try:
            with open(self.path, "rb") as fh:
                start = fh.read(len(_NPY_MAGIC))
        except OSError as exc:
            raise InvalidParameterError(
                f"The file '{self.path}' must be readable. Got {exc.strerror or exc} instead.") from None
        if start == _NPY_MAGIC:
            raise InvalidParameterError(
                f"The file '{self.path}' must be a .npz archive. Got a single .npy array instead.")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise InvalidParameterError(
                f"The file '{self.path}' must be a .npz archive. Got an unreadable file instead ({_short(exc)}).") from None
        self._members: dict[str, str] = {}
        for name in self._zip.namelist():
            key = name[:-4] if name.endswith(".npy") else name
            if name.endswith(".npy") or key not in self._members:
                self._members[key] = name

    @property
    def keys(self) -> list[str]:
        """Entry names, as ``numpy.load(...).files`` gives them (``.npy`` stripped)."""
        return list(self._members)

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def _what(self, key: str) -> str:
        return f"{self.path}: the entry '{key}'"

    def _open(self, key: str) -> IO[bytes]:
        try:
            return self._zip.open(self._members[key])
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise InvalidParameterError(f"{self._what(key)} must be readable. Got {_short(exc)} instead.") from None

    def header(self, key: str) -> NpyHeader:
        """The declared dtype and shape of entry ``key`` (nothing else is decompressed)."""
        if key not in self._members:
            raise InvalidParameterError(f"{self.path}: the entry '{key}' is missing.")
        with self._open(key) as fh:
            try:
                start = fh.read(len(_NPY_MAGIC))
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise InvalidParameterError(f"{self._what(key)} must be readable. Got {_short(exc)} instead.") from None
        if start != _NPY_MAGIC:
            raise InvalidParameterError(f"{self._what(key)} must be a .npy array. Got raw bytes instead.")
        with self._open(key) as fh:
            return NpyHeader.read(fh, self._what(key))

    def array(self, key: str, check: Callable[[NpyHeader, str], None]) -> np.ndarray:
        """Entry ``key`` as an array, read only after ``check(header, what)`` accepted its header."""
        check(self.header(key), self._what(key))
        return _read_data(lambda: self._open(key), self._what(key))
