"""The kernel's machine code, loaded without numba: an object file run by llvmlite's MCJIT.

numba compiles the kernel once (``cache=True``), but a process that imports numba
pays about half a second before its first call (the import, its CPU target's
set-up, its cache loader), more than a small count takes.  So after numba has
compiled it, :mod:`.build` wraps every entry Python calls (:data:`ENTRIES`) in a
function taking the state's array addresses and shapes, emits the machine code of
the wrappers and of everything they call into one object file for this host's
CPU, and stores it with a small JSON record in the kernel's cache directory
(:func:`cache_dirs`).  Later processes load that object here with llvmlite alone
(a few milliseconds) and call it through ctypes.

The object is only trusted under its key (:func:`cache_key`: the kernel's source,
the numba, llvmlite and Python versions, the host CPU and its features), its
SHA-256, and its external symbols: the compiled kernel allocates nothing and
raises nothing that needs numba's runtime, so the only symbols it may need are
the C library's (:data:`ALLOWED`); anything else, a stale, foreign or corrupt
file, and the kernel runs on numba's dispatchers instead (:mod:`.entries`).

The wrappers use numba's native calling convention: ``status = f(&result,
&exception, ptrs, shapes, *arguments)``; a non-zero status (an exception inside
compiled code, as a float division by zero) becomes a :class:`SolverError`.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import json
import os
import re
import struct
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SolverError
from .state import FIELDS, KState

__all__ = ["ALLOWED", "ENTRIES", "FORMAT", "NativeKernel", "cache_dirs", "cache_key", "external_symbols",
           "in_tree", "load", "native_paths", "writable"]

#: The compiled entries Python calls, in :mod:`.dfs`, with the kinds of their arguments after the
#: state: ``int``, ``bool``, ``float`` scalars; ``int[]``, ``bool[]``, ``float[]`` one-dimensional arrays.
ENTRIES: Mapping[str, tuple[str, ...]] = {
    "restore": ("int", "int[]", "bool[]", "bool[]", "bool"),
    "dfs_run": ("int", "bool"),
    "expand_step": ("int", "float[]", "float"),
}
#: Version of the object's layout and calling convention (part of the key).
FORMAT = 1
#: The only symbols the object may leave undefined: the C library's (``llvm.memset`` and the like
#: lower to calls of these), and the ELF global offset table, which the loader provides.
ALLOWED = frozenset({
    "memcpy", "memmove", "memset", "memcmp",
    "sqrt", "fabs", "floor", "ceil", "trunc", "round", "rint", "nearbyint", "fmod", "fmin", "fmax",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "hypot", "copysign",
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "_GLOBAL_OFFSET_TABLE_",
})
_DTYPES = {"int[]": np.int64, "bool[]": np.bool_, "float[]": np.float64}
_KERNEL_SOURCES = ("dfs.py", "sides.py", "lp.py", "moves.py", "pivot.py", "proofs.py", "state.py", "certified.py",
                   "build.py", "native.py")


def in_tree() -> Path:
    """The kernel's own ``__pycache__``, beside numba's cache: the directory of this install only."""
    return Path(__file__).resolve().parent / "__pycache__"


def cache_dirs() -> tuple[Path, ...]:
    """Where the native build is looked for, in this order, and stored (the first writable one).

    ``$NUMBA_CACHE_DIR/cnnregions-native`` alone if that variable is set (numba's own cache moves
    there too); else the kernel's ``__pycache__`` (:func:`in_tree`), then ``cnnregions`` in the
    user's cache directory (``$XDG_CACHE_HOME``, by default ``~/.cache``), for an install the user
    cannot write to, where numba also keeps its cache in the user's directory."""
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        return (Path(root) / "cnnregions-native",)
    user = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return in_tree(), Path(user) / "cnnregions"


def _numba_version() -> str:
    """numba's version, read from its package without importing it (``""`` when numba is absent)."""
    spec = importlib.util.find_spec("numba")
    if spec is None or spec.origin is None:
        return ""
    try:
        text = (Path(spec.origin).parent / "_version.py").read_text()
    except OSError:
        return "unknown"
    match = re.search(r'"version":\s*"([^"]+)"', text)
    return match.group(1) if match else "unknown"


def cache_key() -> dict[str, Any]:
    """Everything the object's machine code depends on: a build is loaded only under an equal key."""
    import llvmlite
    import llvmlite.binding as ll

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _KERNEL_SOURCES + ("../core/problem.py",):
        digest.update((here / name).read_bytes())
    return {
        "format": FORMAT,
        "kernel": digest.hexdigest(),
        "fields": [str(f) for f in FIELDS],
        "numba": _numba_version(),
        "llvmlite": llvmlite.__version__,
        "python": sys.version,
        "platform": f"{sys.platform} {os.uname().machine if hasattr(os, 'uname') else ''}",
        "cpu": ll.get_host_cpu_name(),
        "features": ll.get_host_cpu_features().flatten(),
    }


def native_paths(key: Mapping[str, Any]) -> tuple[Path, Path]:
    """The object file and its JSON record for ``key``: in the first cache directory that holds a
    record for it, else in the first one this process can write to (where a build goes)."""
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    dirs = cache_dirs()
    chosen = next((d for d in dirs if (d / f"kernel-native-{name}.json").exists()), None)
    if chosen is None:
        chosen = next((d for d in dirs if writable(d)), dirs[0])
    return chosen / f"kernel-native-{name}.o", chosen / f"kernel-native-{name}.json"


def writable(directory: Path) -> bool:
    """Whether this process can create files in ``directory`` (created if missing)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".probe")
        os.close(fd)
        os.unlink(tmp)
        return True
    except OSError:
        return False


def external_symbols(obj: bytes) -> list[str]:
    """The undefined symbols of an ELF64 little-endian relocatable object (what the loader must bind).

    Raises ``ValueError`` for anything else (the native kernel is then not used)."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        raise ValueError("not an ELF64 little-endian object")
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    names: set[str] = set()
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        offset, size, link, entsize = sh[4], sh[5], sh[6], sh[9]
        strtab = sections[link]
        for pos in range(offset + entsize, offset + size, entsize):  # entry 0 is the null symbol
            st_name, _info, _other, shndx = struct.unpack_from("<IBBH", obj, pos)
            if shndx == 0 and st_name:
                start = strtab[4] + st_name
                names.add(obj[start:obj.index(b"\0", start)].decode())
    return sorted(names)


def _library_address(name: str) -> int | None:
    for lib in _libraries():
        try:
            return ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
        except AttributeError:
            continue
    return None


def _libraries() -> list[ctypes.CDLL]:
    libs = [ctypes.CDLL(None)]
    for name in ("libm.so.6", "libc.so.6"):
        with contextlib.suppress(OSError):
            libs.append(ctypes.CDLL(name))
    return libs


class NativeKernel:
    """The kernel's entries from one verified object file, in an MCJIT engine of this process.

    Parameters
    ----------
    obj : bytes
        The object file (its external symbols must all be in :data:`ALLOWED`).
    symbols : Mapping[str, str]
        The symbol of each entry of :data:`ENTRIES`.
    """

    native = True

    def __init__(self, obj: bytes, symbols: Mapping[str, str]) -> None:
        import llvmlite.binding as ll

        externals = external_symbols(obj)
        refused = sorted(set(externals) - ALLOWED)
        if refused:
            raise ValueError(f"the object needs symbols outside the allowed set: {refused}")
        ll.initialize_native_target()
        ll.initialize_native_asmprinter()
        for name in externals:
            if name == "_GLOBAL_OFFSET_TABLE_":
                continue
            address = _library_address(name)
            if address is None:
                raise ValueError(f"the C library has no symbol {name!r}")
            ll.add_symbol(name, address)
        target = ll.Target.from_default_triple()
        self._tm = target.create_target_machine(cpu=ll.get_host_cpu_name(),
                                                features=ll.get_host_cpu_features().flatten(),
                                                opt=3, reloc="pic", codemodel="jitdefault")
        self._engine = ll.create_mcjit_compiler(ll.parse_assembly(""), self._tm)
        self._engine.add_object_file(ll.ObjectFileRef.from_data(obj))
        self._engine.finalize_object()
        self._functions: dict[str, Callable[..., int]] = {}
        for name, kinds in ENTRIES.items():
            address = self._engine.get_function_address(symbols[name])
            if not address:
                raise ValueError(f"the object has no entry {name!r}")
            argtypes: list[Any] = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
            for kind in kinds:
                if kind == "float":
                    argtypes.append(ctypes.c_double)
                elif kind.endswith("[]"):
                    argtypes += [ctypes.c_void_p, ctypes.c_int64]
                else:
                    argtypes.append(ctypes.c_int64)
            self._functions[name] = ctypes.CFUNCTYPE(ctypes.c_int32, *argtypes)(address)

    def bind(self, state: KState) -> dict[str, Callable[..., int]] | None:
        """The entries on ``state`` (called with the arguments after the state), or None if one of
        the state's arrays is not as the object expects (C-contiguous, of its field's dtype)."""
        arrays = [getattr(state, f) for f in FIELDS]
        if not all(a.flags.c_contiguous for a in arrays):
            return None
        ptrs = np.array([a.ctypes.data for a in arrays], dtype=np.int64)
        shapes = np.array([s for a in arrays for s in a.shape] or [0], dtype=np.int64)
        return {name: _entry(name, self._functions[name], ENTRIES[name], state, ptrs, shapes) for name in ENTRIES}


def _entry(name: str, fn: Callable[..., int], kinds: tuple[str, ...], state: KState, ptrs: np.ndarray,
           shapes: np.ndarray) -> Callable[..., int]:
    head = (ptrs.ctypes.data, shapes.ctypes.data)

    def call(*args: Any) -> int:
        values: list[Any] = []
        held = [state, ptrs, shapes]  # the arrays stay alive (and in place) for the call
        for kind, value in zip(kinds, args, strict=True):
            if kind.endswith("[]"):
                array: np.ndarray = np.ascontiguousarray(value, dtype=_DTYPES[kind])
                held.append(array)
                values += [array.ctypes.data, array.shape[0]]
            elif kind == "float":
                values.append(float(value))
            else:
                values.append(int(value))
        result = ctypes.c_int64(0)
        exception = ctypes.c_void_p(0)
        status = fn(ctypes.byref(result), ctypes.byref(exception), *head, *values)
        del held
        if status != 0:
            raise SolverError(f"The compiled kernel's {name} failed inside compiled code (status {status}).")
        return int(result.value)

    return call


def load(key: Mapping[str, Any] | None = None) -> NativeKernel | None:
    """The native kernel stored under ``key`` (this host's :func:`cache_key` by default), or None
    when there is none, or it is stale, foreign, corrupt or refused at build time."""
    try:
        key = cache_key() if key is None else key
        obj_path, meta_path = native_paths(key)
        meta = json.loads(meta_path.read_text())
        if meta.get("key") != key or meta.get("refused"):
            return None
        obj = obj_path.read_bytes()
        if hashlib.sha256(obj).hexdigest() != meta.get("sha256"):
            return None
        return NativeKernel(obj, meta["symbols"])
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None
