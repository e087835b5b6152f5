"""Output files: checked before any work, written whole or not at all, errors in one line.

Every file cnnregions writes (a network ``.npz``, a graph, a picture, a Parquet
export, a study report) goes through this module:

- :func:`check_output` refuses, in one line and before any work, a path that
  exists and is not a regular file (a folder, a FIFO, which would block the
  writer, a device such as ``/dev/null`` or ``/dev/full``, a socket), and a path
  whose folder does not exist.  A symbolic link is followed: its target is what
  is checked and written.
- :func:`atomic_output` gives a temporary file in the same folder; when the
  writer is done it is renamed over the target in one step (``os.replace``), so
  the target is either the old file or the complete new one, never a truncated
  file.  If writing fails (a full disk, a file-size limit), the temporary file is
  removed, the target is left as it was, and the error is one line.
- :func:`write_error` turns an ``OSError`` into that one line.
- :func:`image_format` and :func:`save_figure`: a matplotlib figure written atomically
  under the very name given, its format from the suffix (checked before any work).

A file that already exists keeps its permission bits; a new one gets the usual
``0o666`` minus the umask.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InvalidParameterError

__all__ = ["atomic_output", "check_folder_output", "check_output", "describe_path", "image_format", "save_figure",
           "write_error"]


def describe_path(path: Path) -> str:
    """What an existing non-regular ``path`` is, in a few words (for "Got a ... instead")."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"path that cannot be examined ({exc.strerror or type(exc).__name__})"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _target(path: str | os.PathLike) -> Path:
    """``path`` with symbolic links followed (a dangling link names the file it would create)."""
    return Path(os.path.realpath(os.fspath(path)))


def check_output(path: str | os.PathLike, what: str) -> Path:
    """Refuse an output path that cannot take a regular file; return it with links followed.

    Parameters
    ----------
    path : path
    what : str
        How messages name it, e.g. ``"The output 'g.json'"`` or ``"The '--best-out' file 'b.npz'"``.

    Raises
    ------
    InvalidParameterError
        If ``path`` exists and is not a regular file, or its folder does not exist or
        is not a folder.
    """
    target = _target(path)
    if target.exists() and not target.is_file():
        raise InvalidParameterError(f"{what} must be a regular file (or a new path). Got a "
                                    f"{describe_path(target)} instead.")
    if target.exists() and not os.access(target, os.W_OK):
        raise InvalidParameterError(f"{what} must be writable. Got a read-only file instead (it is left as it is).")
    folder = target.parent
    if not folder.is_dir():
        raise InvalidParameterError(f"{what} must be in an existing folder. Got no folder '{folder}' instead.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidParameterError(f"{what} must be in a writable folder. Got the read-only folder '{folder}' instead.")
    return target


def check_folder_output(path: str | os.PathLike, what: str) -> Path:
    """Refuse an output folder path that exists and is not a folder (a file, a FIFO, a device)."""
    target = _target(path)
    if target.exists() and not target.is_dir():
        raise InvalidParameterError(f"{what} must be a folder (or a new path). Got a {describe_path(target)} instead.")
    return target


def write_error(what: str, exc: OSError, kept: str = "nothing was written") -> InvalidParameterError:
    """The one-line error for an ``OSError`` while writing ``what``."""
    reason = f"'{exc.strerror}'" if getattr(exc, "strerror", None) else (str(exc) or type(exc).__name__)
    return InvalidParameterError(f"{what} must be writable. Got {reason} instead; {kept}.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, what: str) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed over ``path`` when the block succeeds.

    The temporary file keeps ``path``'s suffix (writers that pick a format from the
    suffix see the right one).  On any error the temporary file is removed and
    ``path`` is left as it was; an ``OSError`` becomes one line (:func:`write_error`).

    Examples
    --------
    >>> with atomic_output("net.npz", "The output 'net.npz'") as tmp:   # doctest: +SKIP
    ...     tmp.write_bytes(data)
    """
    target = check_output(path, what)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    except OSError as exc:
        raise write_error(what, exc, f"'{target}' is left as it was") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise write_error(what, exc, f"'{target}' is left as it was") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def image_format(path: str | os.PathLike) -> str:
    """The image format of ``path`` from its suffix (``png`` without one), checked before any work.

    The file is written under the very name given (matplotlib would append ``.png``
    to a name without a suffix).
    """
    suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if not suffix:
        return "png"
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        return suffix  # the drawing itself says that matplotlib is missing
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise InvalidParameterError(f"The output '{os.fspath(path)}' must end in an image suffix "
                                    f"({', '.join('.' + f for f in sorted(formats))}). Got '.{suffix}' instead.")
    return suffix


def save_figure(fig, path: str | os.PathLike) -> None:
    """Write ``fig`` to ``path`` atomically (:func:`atomic_output`), format from the suffix."""
    fmt = image_format(path)
    with atomic_output(path, f"The output '{os.fspath(path)}'") as tmp, open(tmp, "wb") as fh:
        fig.savefig(fh, format=fmt)
