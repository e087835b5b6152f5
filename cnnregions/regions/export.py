"""Every region of a count, streamed to an Apache Parquet file as it is found.

Columns: ``pattern`` (the bool activation pattern packed with :func:`numpy.packbits`,
binary), ``witness`` (list of float64: a point of the flattened input inside the
region) and ``radius`` (a ball of this radius around the witness lies in the
region, input units).  The file's metadata holds ``n_neurons`` (to unpack the
patterns) and the network's fingerprint.

Each task writes its own part file (row groups of :data:`BATCH` regions, so a
worker's memory does not grow with the count) in ``FILE.parts/``, named by its
piece (the task's path of child indices, see :mod:`cnnregions.run.tasks`);
the parent then concatenates the parts into ``FILE`` sorted by piece, one row group
at a time, and removes them.  The file's content therefore does not depend on the
backend or the number of workers; the same rows come in another order under
another work budget.  With a dask cluster, ``FILE.parts/`` must be on a file system
every worker can write to.

Read it back with ``pyarrow.parquet.read_table(FILE)``; :func:`read_patterns` gives
every pattern as a bool array, and :func:`~cnnregions.models.patterns.unpack_pattern`
unpacks one (the packed form of :mod:`cnnregions.models.patterns`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from .._validation import InvalidParameterError, field_error
from ..core.results import RegionCount
from ..models.network import Network
from ..outfiles import atomic_output, check_output, describe_path, write_error
from ..run.driver import count_regions

__all__ = ["BATCH", "ParquetSink", "check_export_path", "export_regions", "read_patterns"]

#: Regions per row group (and per write of a worker).
BATCH = 8192


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InvalidParameterError("The region export needs pyarrow. Got no pyarrow installed instead "
                                    "(pip install 'cnnregions[export]').") from None
    return pa, pq


def _schema(pa, metadata: dict[str, str] | None = None):
    return pa.schema([("pattern", pa.binary()), ("witness", pa.list_(pa.float64())), ("radius", pa.float64())],
                     metadata=metadata)


class _PartWriter:
    """Writes one task's regions to its part file in row groups of :data:`BATCH`."""

    def __init__(self, path: Path, problem) -> None:
        self.path = path
        self.problem = problem
        self.rows = 0
        self._patterns: list[np.ndarray] = []
        self._witnesses: list[np.ndarray] = []
        self._radii: list[float] = []
        self._writer = None

    def add(self, pattern: np.ndarray, w: np.ndarray, r: float, split_neurons=None) -> None:
        self._patterns.append(pattern.copy())      # converted a batch at a time in _flush
        self._witnesses.append(w)
        self._radii.append(r)
        if len(self._radii) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._radii:
            return
        pa, pq = _pyarrow()
        problem = self.problem
        packed = np.packbits(np.array(self._patterns), axis=1)
        v = np.array(self._witnesses) * problem.scale
        witness = problem.origin + (v if problem.basis is None else v @ problem.basis.T)
        offsets = pa.array(np.arange(0, witness.size + 1, witness.shape[1], dtype=np.int32))
        table = pa.Table.from_arrays(
            [pa.array([row.tobytes() for row in packed], type=pa.binary()),
             pa.ListArray.from_arrays(offsets, pa.array(witness.ravel())),
             pa.array(np.asarray(self._radii) * problem.scale, type=pa.float64())], schema=_schema(pa))
        writer = self._writer
        if writer is None:
            writer = self._writer = pq.ParquetWriter(self.path, table.schema)
        writer.write_table(table)
        self.rows += len(self._radii)
        self._patterns, self._witnesses, self._radii = [], [], []

    def finish(self) -> tuple[str | None, int]:
        self._flush()
        if self._writer is None:
            return None, 0
        self._writer.close()
        return str(self.path), self.rows


def check_export_path(path: str | os.PathLike) -> None:
    """Refuse, before any work, an export path that is not a regular file (or new), or whose
    ``FILE.parts`` already exists (never touched: it is not this run's)."""
    path = Path(os.path.abspath(path))
    check_output(path, f"The output '{path}'")
    parts = Path(f"{path}.parts")
    if parts.exists() or parts.is_symlink():
        kind = "file" if parts.is_file() else describe_path(parts)
        raise InvalidParameterError(
            f"The parts folder '{parts}' must not exist (the export writes its parts there, then removes them). Got "
            f"an existing {kind} instead: remove it (a killed export leaves it behind) or write to another file.")


class ParquetSink:
    """A region sink (see :func:`~cnnregions.count_regions`) writing Parquet parts.

    Parameters
    ----------
    path : path
        The final file; parts go to ``path + ".parts/"`` until :meth:`finalize`.
    metadata : dict of str, optional
        Key-value metadata stored in the final file.
    """

    def __init__(self, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
        self.path = Path(os.path.abspath(path))   # absolute: workers may run elsewhere
        self.parts = Path(f"{self.path}.parts")
        self.metadata = dict(metadata or {})
        self._done: dict[tuple[int, ...], tuple[str | None, int]] = {}

    def __getstate__(self) -> dict:
        # Shipped to the workers while this process collects outputs: send the settings only.
        return {"path": self.path, "parts": self.parts, "metadata": self.metadata}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._done = {}

    def prepare(self) -> None:
        """Check the output path and create the parts folder (which must not exist: it is this run's)."""
        _pyarrow()
        check_export_path(self.path)
        what = f"The parts folder '{self.parts}'"
        try:
            self.parts.mkdir()
        except OSError as exc:
            raise write_error(what, exc) from None

    def discard(self) -> None:
        """Remove the part files this export wrote and its parts folder (left if anything else is in it)."""
        for part in self.parts.glob("part-*.parquet"):
            with contextlib.suppress(OSError):
                part.unlink()
        with contextlib.suppress(OSError):
            self.parts.rmdir()

    def start(self, problem, piece: tuple[int, ...]) -> _PartWriter:
        """The writer of task ``piece`` (``()``: the split's own regions), to its own part file."""
        name = "-".join(str(i) for i in piece) or "split"
        return _PartWriter(self.parts / f"part-{name}.parquet", problem)

    def collect(self, piece: tuple[int, ...], output: tuple[str | None, int]) -> None:
        self._done[piece] = output

    def finalize(self) -> int:
        """Concatenate the parts into the final file (sorted by piece: the same order on every
        backend), remove them; return the rows written."""
        pa, pq = _pyarrow()
        rows = 0
        try:
            with atomic_output(self.path, f"The output '{self.path}'") as tmp, \
                    pq.ParquetWriter(tmp, _schema(pa, self.metadata)) as writer:
                for piece in sorted(self._done):
                    part, _ = self._done[piece]
                    if part is None:
                        continue
                    source = pq.ParquetFile(part)
                    for g in range(source.num_row_groups):
                        table = source.read_row_group(g)
                        writer.write_table(table.replace_schema_metadata(self.metadata))
                        rows += table.num_rows
                    source.close()
        finally:
            self.discard()
        return rows


def export_regions(network: Network, path: str | os.PathLike, **count_options) -> RegionCount:
    """Count the regions of ``network`` and write every one of them to the Parquet file ``path``.

    ``count_options`` are those of :func:`~cnnregions.count_regions`
    (``n_jobs``, ``domain``, ``tol``, ``split``, ``scheduler``, ...; not ``checkpoint``).

    Examples
    --------
    >>> import pandas as pd                                          # doctest: +SKIP
    >>> export_regions(net, "regions.parquet"); pd.read_parquet("regions.parquet")  # doctest: +SKIP
    """
    if not isinstance(network, Network):
        raise field_error("The 'network'", "a cnnregions Network", network)
    if not isinstance(path, (str, os.PathLike)):
        raise field_error("The 'path'", "a file path", path)
    sink = ParquetSink(path, {"cnnregions.n_neurons": str(network.architecture.n_neurons),
                              "cnnregions.input_dim": str(network.architecture.input_dim),
                              "cnnregions.fingerprint": network.fingerprint})
    sink.prepare()
    try:
        result = count_regions(network, sink=sink, **count_options)
    except OSError as exc:  # a part file could not be written (full disk, file-size limit)
        sink.discard()
        raise write_error(f"The parts folder '{sink.parts}'", exc, f"'{sink.path}' is left as it was") from None
    except BaseException:
        sink.discard()
        raise
    sink.finalize()
    return result


def read_patterns(path: str | os.PathLike) -> np.ndarray:
    """The exported patterns as a bool array ``(regions, n_neurons)``."""
    _, pq = _pyarrow()
    table = pq.read_table(path, columns=["pattern"])
    n = int(table.schema.metadata[b"cnnregions.n_neurons"])
    packed = np.array([np.frombuffer(p, dtype=np.uint8) for p in table.column("pattern").to_pylist()])
    if packed.size == 0:
        return np.zeros((0, n), dtype=bool)
    return np.unpackbits(packed, axis=1)[:, :n].astype(bool)
