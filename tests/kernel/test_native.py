"""The kernel's native build (machine code loaded without numba) against numba's dispatchers."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("numba")  # the kernel's tests skip where numba is missing

from test_differential import STRIDE_TWO, TWO_CHANNELS, _dead, _duplicated, _edited  # noqa: E402

from cnnregions import he_network, paper_architecture  # noqa: E402
from cnnregions.core.domain import Box  # noqa: E402
from cnnregions.core.problem import build_problem  # noqa: E402
from cnnregions.kernel import entries, native  # noqa: E402
from cnnregions.kernel.build import JitKernel, build_native  # noqa: E402
from cnnregions.kernel.search import KernelSearch  # noqa: E402

NETS = {
    "example4-d2": lambda: build_problem(he_network(paper_architecture("example4-d2"), seed=1)),
    "example4-d5": lambda: build_problem(he_network(paper_architecture("example4-d5"), seed=5)),
    "example1-d3": lambda: build_problem(he_network(paper_architecture("example1-d3"), seed=0)),
    "pitfall2d-d2": lambda: build_problem(he_network(paper_architecture("pitfall2d-d2"), seed=0)),
    "duplicated": lambda: build_problem(_edited(TWO_CHANNELS, 0, _duplicated)),
    "dead": lambda: build_problem(_edited(STRIDE_TWO, 1, _dead)),
    "two channels": lambda: build_problem(he_network(TWO_CHANNELS, seed=2)),
    "box": lambda: build_problem(he_network(paper_architecture("example4-d4"), seed=0), Box(-0.5, 0.5)),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A native build in a private cache directory (``NUMBA_CACHE_DIR`` moves it; numba's own cache,
    configured at its import, stays where it is)."""
    directory = tmp_path_factory.mktemp("native")
    saved = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = str(directory)
    try:
        state = KernelSearch(NETS["example4-d2"](), kernel=JitKernel()).state
        if not build_native(state):
            record = json.loads(native.native_paths(native.cache_key())[1].read_text())
            pytest.fail(f"the native build was refused: {record.get('refused')}")
        kernel = native.load()
        assert kernel is not None
        yield kernel
    finally:
        if saved is None:
            del os.environ["NUMBA_CACHE_DIR"]
        else:
            os.environ["NUMBA_CACHE_DIR"] = saved


@pytest.fixture
def cache(built, tmp_path, monkeypatch):
    """An empty private cache directory for one test."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    return tmp_path


def _run(problem, kernel):
    """Everything a search reports, through every entry: an expansion, a search with regions, a count."""
    search = KernelSearch(problem, kernel=kernel, buffer=32)
    root = search.root()
    children = search.expand(root)
    found = sorted(search.pattern.tobytes() for child in children for _ in search.dfs(child))
    first = (search.regions, search.nodes, search.lps)
    search.count(root, budget=200)
    budgeted = (search.regions, search.nodes, search.lps, len(search.leftover))
    search.count(root)
    return found, first, budgeted, (search.regions, search.nodes, search.lps, search.highs_lps)


@pytest.mark.parametrize("name", sorted(NETS))
def test_native_entries_find_what_numba_finds(built, name):
    """Identical patterns, regions, nodes and LPs (the same machine code under another loader)."""
    problem = NETS[name]()
    assert _run(problem, built) == _run(problem, JitKernel())


def test_native_paper_count(built):
    """Example 4 with d2 = 5, seed 5: 1352 regions, by both loaders (as the benchmark's stand-in)."""
    counts = []
    for kernel in (built, JitKernel()):
        search = KernelSearch(NETS["example4-d5"](), kernel=kernel)
        search.count(search.root())
        counts.append((search.regions, search.nodes, search.lps))
    assert counts[0] == counts[1] and counts[0][0] == 1352


def test_the_build_needs_only_the_c_library(built):
    """The object's undefined symbols are all allowed (memset and the like): an allocation, a LAPACK
    call or an exception message in the kernel would need numba's runtime, and fails here."""
    record = json.loads(native.native_paths(native.cache_key())[1].read_text())
    assert "refused" not in record
    assert set(record["externals"]) <= native.ALLOWED
    obj = native.native_paths(native.cache_key())[0].read_bytes()
    assert native.external_symbols(obj) == record["externals"]


def test_a_foreign_or_stale_record_is_not_loaded_and_is_rebuilt(built, cache):
    state = KernelSearch(NETS["example4-d2"](), kernel=JitKernel()).state
    assert build_native(state)
    key = native.cache_key()
    assert native.load(key) is not None
    obj_path, meta_path = native.native_paths(key)
    record = json.loads(meta_path.read_text())
    for field, value in (("cpu", "another-cpu"), ("kernel", "0" * 64), ("numba", "0.0")):
        stale = dict(record, key=dict(record["key"], **{field: value}))
        meta_path.write_text(json.dumps(stale))
        assert native.load(key) is None
    # another host's key is another file: nothing is found under it
    assert native.load(dict(key, cpu="another-cpu")) is None
    kernel = entries._choose(state)  # the one choice: numba now, a fresh build for later processes
    assert not kernel.native
    assert json.loads(meta_path.read_text())["key"] == key
    assert native.load(key) is not None


def test_a_corrupt_object_falls_back_to_numba_with_the_same_counts(built, cache):
    problem = NETS["example4-d2"]()
    state = KernelSearch(problem, kernel=JitKernel()).state
    assert build_native(state)
    obj_path, _ = native.native_paths(native.cache_key())
    data = bytearray(obj_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    obj_path.write_bytes(bytes(data))
    assert native.load() is None
    obj_path.write_bytes(b"")
    assert native.load() is None
    kernel = entries._choose(state)
    assert not kernel.native
    assert _run(problem, kernel) == _run(problem, built)


def test_an_unwritable_cache_stores_nothing_and_counts_the_same(built, tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))
    problem = NETS["example4-d2"]()
    state = KernelSearch(problem, kernel=JitKernel()).state
    assert not build_native(state)
    assert native.load() is None
    kernel = entries._choose(state)
    assert not kernel.native
    assert _run(problem, kernel) == _run(problem, built)


def test_a_read_only_install_keeps_its_build_in_the_users_cache(built, tmp_path, monkeypatch):
    """Where the kernel's own directory cannot be written (a shared install), the build goes to
    the user's cache directory, and later processes find it there."""
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(native, "in_tree", lambda: blocker / "__pycache__")
    assert native.cache_dirs() == (blocker / "__pycache__", tmp_path / "xdg" / "cnnregions")
    problem = NETS["example4-d2"]()
    state = KernelSearch(problem, kernel=JitKernel()).state
    assert build_native(state)
    obj_path, meta_path = native.native_paths(native.cache_key())
    assert obj_path.parent == tmp_path / "xdg" / "cnnregions" and meta_path.exists()
    kernel = native.load()
    assert kernel is not None
    assert _run(problem, kernel) == _run(problem, built)


def test_a_new_build_removes_this_installs_stale_builds_for_this_host(built, tmp_path, monkeypatch):
    """Builds under an older key for this host go; another CPU's build and the user's cache stay."""
    own = tmp_path / "pycache"
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(native, "in_tree", lambda: own)
    monkeypatch.setattr("cnnregions.kernel.build.in_tree", lambda: own)
    own.mkdir()
    key = native.cache_key()
    olds = {"stale": dict(key, kernel="0" * 64), "other cpu": dict(key, cpu="another-cpu", kernel="0" * 64)}
    for name, old in olds.items():
        path = own / f"kernel-native-{name.replace(' ', '-')}.json"
        path.write_text(json.dumps({"key": old}))
        path.with_suffix(".o").write_bytes(b"old object")
    unrelated = own / "dfs.solve-1.py311.nbi"
    unrelated.write_bytes(b"numba's index")
    state = KernelSearch(NETS["example4-d2"](), kernel=JitKernel()).state
    assert build_native(state)
    left = sorted(p.name for p in own.iterdir())
    name = native.native_paths(key)[0].stem
    assert left == sorted([f"{name}.json", f"{name}.o", "kernel-native-other-cpu.json", "kernel-native-other-cpu.o",
                           unrelated.name])
    assert native.load() is not None


def test_a_refused_build_is_recorded_and_not_retried(built, cache, monkeypatch):
    """A build whose object needs a symbol outside the allowed set is recorded as refused."""
    monkeypatch.setattr(native, "ALLOWED", frozenset())
    monkeypatch.setattr("cnnregions.kernel.build.ALLOWED", frozenset())
    state = KernelSearch(NETS["example4-d2"](), kernel=JitKernel()).state
    assert not build_native(state)
    record = json.loads(native.native_paths(native.cache_key())[1].read_text())
    assert record["refused"]
    assert not native.native_paths(native.cache_key())[0].exists()
    assert native.load() is None
    # the next process does not try again (the same sources on the same host would be refused again)
    monkeypatch.setattr("cnnregions.kernel.build._build", lambda state: pytest.fail("the build was retried"))
    assert not build_native(state)
    assert not entries._choose(state).native


def test_a_state_array_out_of_layout_gets_numba(built):
    problem = NETS["example4-d2"]()
    search = KernelSearch(problem, kernel=built)
    assert search.native
    strided = search.state._replace(MM=np.asfortranarray(np.zeros((3, 4))))
    assert built.bind(strided) is None


_DRIVER = """
import sys
from cnnregions.cli import main
code = main(["count", "example4-d5", "--seed", "5", "--json"])
heavy = {"numba", "scipy", "joblib", "loky", "highspy", "matplotlib", "torch", "pyarrow", "dask", "networkx", "flint"}
print(sorted({name.split(".")[0] for name in sys.modules} & heavy), code, file=sys.stderr)
"""


def test_a_count_with_the_native_build_imports_no_numba():
    """A whole ``count`` process with this host's native build in place (the default cache, built by
    the session's first count) imports neither numba nor any heavy optional package."""
    if native.load() is None or os.environ.get(entries.ENV) == "numba":
        pytest.skip("no native build of the kernel on this host")
    done = subprocess.run([sys.executable, "-c", _DRIVER], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["regions"] == 1352
    assert done.stderr.strip().splitlines()[-1] == "[] 0"


def test_a_failed_build_is_recorded_and_numba_counts(built, cache, monkeypatch):
    """An object the loader cannot read (another platform's format, say) is refused, not retried."""
    monkeypatch.setattr("cnnregions.kernel.build._object_code", lambda irs, keep: b"\xcf\xfa\xed\xfe not ELF")
    problem = NETS["example4-d2"]()
    state = KernelSearch(problem, kernel=JitKernel()).state
    assert not build_native(state)
    record = json.loads(native.native_paths(native.cache_key())[1].read_text())
    assert "failed" in record["refused"][0]
    assert native.load() is None
    kernel = entries._choose(state)
    assert not kernel.native
    assert _run(problem, kernel) == _run(problem, built)


def test_workers_of_a_parallel_count_load_the_native_build_too():
    """``--jobs 2``: the workers (loky's processes) load the native build and import no numba
    (``PYTHONPROFILEIMPORTTIME`` makes every process of the run list its imports on stderr)."""
    if native.load() is None or os.environ.get(entries.ENV) == "numba":
        pytest.skip("no native build of the kernel on this host")
    done = subprocess.run([sys.executable, "-m", "cnnregions", "count", "example4-d8", "--jobs", "2", "--json"],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONPROFILEIMPORTTIME="1"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["regions"] == 3004
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert imported.count("llvmlite.binding") >= 2  # this process and at least one worker
    assert "numba" not in imported
