"""The one place that chooses how the kernel's entries are called: native machine code or numba.

:func:`load_kernel` returns, once per process, the native kernel of :mod:`.native`
when this host has a valid build of it (no numba import: the fast start of a
small count), and otherwise numba's dispatchers (:class:`.build.JitKernel`),
after building the native kernel for later processes.  Both bind to a
:class:`~.state.KState` as a mapping from entry name (:data:`.native.ENTRIES`) to
a callable of the entry's arguments after the state, returning its status.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from typing import Protocol

from .state import KState

__all__ = ["Kernel", "compile_seconds", "load_kernel"]

#: ``CNNREGIONS_KERNEL=numba`` makes every process use numba's dispatchers (no native load or build).
ENV = "CNNREGIONS_KERNEL"


class Kernel(Protocol):
    """The kernel's entries, callable on a state."""

    native: bool

    def bind(self, state: KState) -> dict[str, Callable[..., int]] | None:
        """The entries on ``state``, or None if this kernel cannot serve its arrays."""
        ...


_lock = threading.Lock()
_kernel: list[Kernel] = []
_built: list[float] = []  # seconds this process spent compiling the kernel and building its native form


def compile_seconds() -> float:
    """Seconds this process spent compiling the kernel and building its native form (the first
    count after installing, about a minute); 0.0 when it loaded the native build or has not
    searched yet."""
    return sum(_built)


def load_kernel(state: KState) -> Kernel:
    """This process's kernel (chosen on the first call): the native build when it loads, else numba's
    dispatchers, building the native kernel on ``state``'s layout for later processes first."""
    with _lock:
        if not _kernel:
            _kernel.append(_choose(state))
        return _kernel[0]


def _choose(state: KState) -> Kernel:
    if os.environ.get(ENV, "") != "numba":
        from .native import load

        native = load()
        if native is not None:
            return native
    from .build import JitKernel, build_native

    if os.environ.get(ENV, "") != "numba":
        # A failed native build leaves numba's dispatchers, which count the same.
        start = time.perf_counter()
        with contextlib.suppress(Exception):
            build_native(state)
        _built.append(time.perf_counter() - start)
    return JitKernel()
