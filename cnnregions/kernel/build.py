"""numba's dispatchers as the kernel's entries, and the native build of them (:mod:`.native`).

This module imports numba (and :mod:`.dfs`, compiled or loaded from numba's
cache).  :class:`JitKernel` calls the entries through numba's dispatchers, as
every process did before the native build; :func:`build_native` wraps each entry
of :data:`.native.ENTRIES` in a function of the state's array addresses and shapes
(the :class:`~.state.KState` rebuilt with ``numba.carray``), takes the final LLVM
IR of the wrappers and everything they call, keeps only the wrappers' code
(everything else internal, then dead code removed), emits an object file for
this host's CPU, refuses it unless its external symbols are all in
:data:`.native.ALLOWED`, checks that it counts a small network exactly as numba's
dispatchers do, and stores it atomically with its JSON record.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numba import carray, njit, types
from numba.core.extending import intrinsic

from . import dfs
from .native import ALLOWED, ENTRIES, NativeKernel, cache_key, external_symbols, in_tree, native_paths, writable
from .state import FIELDS, KState

__all__ = ["JitKernel", "build_native"]

#: A no-op for numba's destructor call: reached only by a reference count falling to zero, which
#: never happens in the native kernel (its arrays carry no reference-counted memory and it allocates none).
_DTOR_STUB = "define void @NRT_MemInfo_call_dtor(ptr %0) {\n  ret void\n}\n"


class JitKernel:
    """The kernel's entries through numba's dispatchers."""

    native = False

    def bind(self, state: KState) -> dict[str, Callable[..., int]]:
        """The entries on ``state`` (called with the arguments after the state)."""
        return {name: _jit_entry(getattr(dfs, name), state) for name in ENTRIES}


def _jit_entry(fn: Callable[..., int], state: KState) -> Callable[..., int]:
    def call(*args: Any) -> int:
        return int(fn(state, *args))

    return call


@intrinsic
def _typed_pointer(typingctx, address, dtype):
    """``address`` (an int64) as a pointer to ``dtype``'s values."""
    target = types.CPointer(dtype.instance_type)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return target(address, dtype), codegen


_NUMPY = {"float64": "np.float64", "int64": "np.int64", "bool": "np.bool_"}


def _wrapper_source(name: str, kinds: tuple[str, ...], state: KState) -> str:
    """A function of ``(ptrs, shapes, *arguments)`` that rebuilds the state and calls entry ``name``."""
    fields = []
    offset = 0
    for i, field in enumerate(FIELDS):
        array = getattr(state, field)
        shape = "".join(f"s[{offset + d}], " for d in range(array.ndim))
        offset += array.ndim
        fields.append(f"carray(_typed_pointer(p[{i}], {_NUMPY[str(array.dtype)]}), ({shape}))")
    params, call = [], []
    for i, kind in enumerate(kinds):
        if kind.endswith("[]"):
            params += [f"a{i}", f"n{i}"]
            dtype = {"int[]": "np.int64", "bool[]": "np.bool_", "float[]": "np.float64"}[kind]
            call.append(f"carray(_typed_pointer(a{i}, {dtype}), (n{i},))")
        else:
            params.append(f"a{i}")
            call.append(f"a{i} != 0" if kind == "bool" else f"a{i}")
    return (f"def native_{name}(ptrs, shapes, {', '.join(params)}):\n"
            f"    p = _typed_pointer(ptrs, np.int64)\n"
            f"    s = _typed_pointer(shapes, np.int64)\n"
            f"    st = KState({', '.join(fields)})\n"
            f"    return entry(st, {', '.join(call)})\n")


def _compile_wrapper(name: str, kinds: tuple[str, ...], state: KState) -> tuple[str, str]:
    """The wrapper of entry ``name`` compiled by numba: ``(its symbol, the LLVM IR of its library)``,
    once per process and layout of the state."""
    layout = (name, kinds, tuple((str(a.dtype), a.ndim) for a in state))
    if layout not in _compiled:
        _compiled[layout] = _compile(name, kinds, state)
    return _compiled[layout]


_compiled: dict[tuple, tuple[str, str]] = {}


def _compile(name: str, kinds: tuple[str, ...], state: KState) -> tuple[str, str]:
    namespace: dict[str, Any] = {"np": np, "KState": KState, "carray": carray, "_typed_pointer": _typed_pointer,
                                 "entry": getattr(dfs, name)}
    exec(_wrapper_source(name, kinds, state), namespace)  # noqa: S102 - generated from ENTRIES and FIELDS only
    args: list[Any] = [types.int64, types.int64]
    for kind in kinds:
        if kind.endswith("[]"):
            args += [types.int64, types.int64]
        else:
            args.append(types.float64 if kind == "float" else types.int64)
    signature = types.int64(*args)
    dispatcher = njit(signature, cache=False)(namespace[f"native_{name}"])
    compiled = dispatcher.overloads[signature.args]
    return compiled.fndesc.mangled_name, compiled.library.get_llvm_str()


def _object_code(irs: list[str], keep: set[str]) -> bytes:
    """One object file of the wrappers ``keep`` and what they call (everything else removed)."""
    import llvmlite.binding as ll

    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    module = ll.parse_assembly(irs[0])
    for ir in irs[1:]:
        module.link_in(ll.parse_assembly(ir))
    dtor = module.get_function("NRT_MemInfo_call_dtor") if any(
        f.name == "NRT_MemInfo_call_dtor" for f in module.functions) else None
    if dtor is not None and dtor.is_declaration:
        module.link_in(ll.parse_assembly(_DTOR_STUB))
    for f in module.functions:
        if not f.is_declaration and f.name not in keep:
            f.linkage = "internal"
    for g in module.global_variables:
        if not g.is_declaration:
            g.linkage = "internal"
    tm = ll.Target.from_default_triple().create_target_machine(
        cpu=ll.get_host_cpu_name(), features=ll.get_host_cpu_features().flatten(),
        opt=3, reloc="pic", codemodel="jitdefault")
    passes = ll.create_new_module_pass_manager()
    passes.add_global_dead_code_eliminate_pass()
    passes.add_strip_dead_prototype_pass()
    passes.run(module, ll.create_pass_builder(tm, ll.PipelineTuningOptions()))
    module.verify()
    return tm.emit_object(module)


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file in the same directory, then a rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)  # readable by every user of a shared install, as numba's cache files
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _same_counts(candidate: NativeKernel) -> bool:
    """The candidate and numba's dispatchers search a small network identically (regions, nodes,
    LPs, patterns), through every entry."""
    from ..core.problem import build_problem
    from ..models.network import he_network
    from ..models.paper import paper_architecture
    from .search import KernelSearch

    problem = build_problem(he_network(paper_architecture("example4-d2"), seed=0))
    outcomes = []
    for kernel in (JitKernel(), candidate):
        search = KernelSearch(problem, kernel=kernel, buffer=16)
        root = search.root()
        children = search.expand(root)
        patterns = [search.pattern.tobytes() for _ in search.dfs(children[0])]
        search.count(root)
        outcomes.append((len(children), patterns, search.regions, search.nodes, search.lps))
    return outcomes[0] == outcomes[1]


def build_native(state: KState, key: Mapping[str, Any] | None = None) -> bool:
    """Build, check and store the native kernel for ``key`` (this host's by default), on ``state``'s
    array layout.  Returns True if it was stored; a refused build is recorded so that later
    processes do not try again; an unwritable cache directory stores nothing."""
    key = cache_key() if key is None else key
    obj_path, meta_path = native_paths(key)
    if _refused_before(meta_path, key) or not writable(obj_path.parent):
        return False
    record: dict[str, Any] = {"key": dict(key)}
    try:
        obj, symbols, refused = _build(state)
    except Exception as error:  # noqa: BLE001 - any failure is recorded: later processes use numba at once
        obj, symbols, refused = b"", {}, [f"(the build failed: {type(error).__name__}: {error})"]
    if obj:
        record.update(symbols=symbols, externals=external_symbols(obj), sha256=hashlib.sha256(obj).hexdigest())
    if refused:
        record["refused"] = refused
        _write(meta_path, json.dumps(record, indent=1).encode())
        return False
    _write(obj_path, obj)
    _write(meta_path, json.dumps(record, indent=1).encode())
    if obj_path.parent == in_tree():
        _prune_stale(obj_path.parent, key)
    return True


def _prune_stale(directory: Path, key: Mapping[str, Any]) -> None:
    """Remove the builds in ``directory`` (this install's own) that this host will not load again:
    records for the same host (platform, CPU and features) under another key (older kernel
    sources, numba or llvmlite).  Builds for other CPUs stay: a shared install may serve a
    cluster of mixed nodes.  The user's and ``NUMBA_CACHE_DIR``'s directories are shared by
    installs and are left alone."""
    host = {name: key.get(name) for name in ("platform", "cpu", "features")}
    for meta in directory.glob("kernel-native-*.json"):
        try:
            record = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        other = record.get("key") if isinstance(record, dict) else None
        if not isinstance(other, dict) or other == dict(key) or any(other.get(n) != v for n, v in host.items()):
            continue
        for path in (meta.with_suffix(".o"), meta):
            with contextlib.suppress(OSError):
                path.unlink()


def _refused_before(meta_path: Path, key: Mapping[str, Any]) -> bool:
    """Whether a build under ``key`` was refused already (it would be again: same sources, same host)."""
    try:
        record = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("key") == key and bool(record.get("refused"))


def _build(state: KState) -> tuple[bytes, dict[str, str], list[str]]:
    """The object file, the symbols of its entries and the reasons to refuse it (none: use it)."""
    symbols: dict[str, str] = {}
    irs = []
    for name, kinds in ENTRIES.items():
        symbols[name], ir = _compile_wrapper(name, kinds, state)
        irs.append(ir)
    obj = _object_code(irs, set(symbols.values()))
    refused = sorted(set(external_symbols(obj)) - ALLOWED)  # ValueError: not an ELF object
    if not refused and not _same_counts(NativeKernel(obj, symbols)):
        refused = ["(counts differ from numba's)"]
    return obj, symbols, refused
