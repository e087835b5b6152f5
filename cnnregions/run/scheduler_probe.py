"""A bounded check that an address is a dask scheduler, before dask connects to it.

``dask.distributed`` bounds the TCP connection by its timeout but not the handshake
that follows: a listener that accepts and never answers, or an HTTP server, hangs
the client for minutes, and a server answering HTTP text has its first 8 bytes read
as a frame length (``"HTTP/1.1"`` is 3.5e18: a 3 EiB ``MemoryError``).  A scheduler
speaks first: on accepting a connection it sends its handshake, one small framed
message (an 8-byte little-endian length, then that many bytes).  This module reads
it on a plain socket within the deadline and checks the length, so that the whole
handshake is bounded by ``--connect-timeout`` and anything else is one clear line.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from urllib.parse import urlsplit

from .._validation import InvalidParameterError

__all__ = ["SCHEMES", "check_address", "probe_scheduler", "run_within"]

#: Schemes of dask.distributed's communication backends; only tcp is probed.
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc", "ucx")
#: Largest handshake a scheduler sends (it is a few hundred bytes).
_MAX_HANDSHAKE = 1 << 20


def _refuse(address: str, reason: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"The 'scheduler' must be a reachable dask scheduler such as tcp://host:8786. Got {address!r} instead ({reason}).")


def check_address(address: str) -> tuple[str, str | None, int | None]:
    """``(scheme, host, port)`` of a scheduler address; host and port only for tcp.

    Raises at once (no network access) for an unknown scheme or a missing port.
    """
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in SCHEMES:
        raise _refuse(address, f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    if scheme != "tcp":
        return scheme, None, None
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise _refuse(address, str(exc)) from None
    if not host or port is None or parts.path or parts.query or parts.fragment:
        raise _refuse(address, "expected HOST:PORT")
    return scheme, host, port


def _read_exactly(sock: socket.socket, n: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(min(n - len(data), 65536))
        if not chunk:
            raise ConnectionError("closed the connection")
        data += chunk
    return bytes(data)


def probe_scheduler(address: str, timeout: float) -> None:
    """Check within ``timeout`` seconds that ``address`` answers like a dask scheduler.

    Raises
    ------
    InvalidParameterError
        One line saying what was found instead: a malformed address, no answer
        (refused, unreachable, silent), or an answer that is not a dask handshake.
    """
    scheme, host, port = check_address(address)
    if scheme != "tcp":
        return
    deadline = time.monotonic() + timeout

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout) as sock:
                try:
                    header = _read_exactly(sock, 8, deadline)
                except TimeoutError:
                    raise _refuse(address, f"it accepted the connection but sent nothing within {timeout:g} s") from None
                (length,) = struct.unpack("<Q", header)
                if not 0 < length <= _MAX_HANDSHAKE:
                    text = header.decode("ascii", "replace")
                    kind = "an HTTP server" if text.startswith("HTTP/") else "not a dask handshake"
                    raise _refuse(address, f"it answered {text!r}: {kind}")
                try:
                    _read_exactly(sock, length, deadline)
                except TimeoutError:
                    raise _refuse(address, f"its handshake did not arrive within {timeout:g} s") from None
        except InvalidParameterError:
            raise
        except TimeoutError:
            raise _refuse(address, f"no connection within {timeout:g} s") from None
        except OSError as exc:
            raise _refuse(address, exc.strerror or str(exc) or type(exc).__name__) from None

    run_within(probe, timeout, lambda: _refuse(address, f"no answer within {timeout:g} s"))


def run_within(func, timeout: float, on_timeout):
    """``func()`` in a daemon thread, waited for at most ``timeout`` seconds (name
    resolution and library code cannot always be interrupted); its exception is
    re-raised, and ``on_timeout()`` is raised when it does not finish in time."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="cnnregions-connect", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if thread.is_alive():
        box["abandoned"] = True
        raise on_timeout()
    if "error" in box:
        raise box["error"]
    return box.get("value")
