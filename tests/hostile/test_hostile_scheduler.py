"""--connect-timeout bounds the whole handshake with a scheduler.

Every server here is a local socket on 127.0.0.1 that is not a dask scheduler: the
command must end in one line (exit 2) without waiting for dask's own timeouts."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("distributed")

from cnnregions import InvalidParameterError  # noqa: E402
from cnnregions.cli import main  # noqa: E402
from cnnregions.run.scheduler_probe import check_address, probe_scheduler  # noqa: E402


class _Server:
    """A TCP listener on 127.0.0.1 that answers each connection with ``reply`` (None: silence)."""

    def __init__(self, reply: bytes | None, accept: bool = True, wait_for_request: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.reply, self.accept, self.conns, self.stop = reply, accept, [], threading.Event()
        self.wait_for_request = wait_for_request
        if accept:
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            if self.reply is not None:
                try:
                    if self.wait_for_request:  # an HTTP server answers a request only
                        conn.settimeout(5)
                        conn.recv(4096)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def server(request):
    srv = _Server(*request.param)
    yield srv
    srv.close()


HTTP = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"


@pytest.mark.parametrize("server, words", [
    ((None,), "sent nothing"),                              # accepts and never answers
    ((HTTP, True, True), "sent nothing"),                   # an HTTP server (waits for a request)
    ((HTTP,), "HTTP server"),                               # a server answering HTTP text at once
    ((b"\x00" * 8,), "not a dask handshake"),               # a zero-length frame
    ((b"\xff" * 8 + b"x",), "not a dask handshake"),        # an absurd frame length
    ((b"\x05\x00\x00\x00\x00\x00\x00\x00ab",), "did not arrive"),  # a frame cut short
], indirect=["server"])
def test_cli_ends_in_one_line_within_the_timeout(server, words, capsys):
    start = time.monotonic()
    code = main(["count", "example1-d2", "--scheduler", f"tcp://127.0.0.1:{server.port}", "--connect-timeout", "1.5"])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and words in err and "MemoryError" not in err, err
    assert elapsed < 30  # a hang would be dask's own minutes; the bound itself is measured in bench/


@pytest.mark.parametrize("address", ["not-a-url", "tcp://", "tcp://host", "http://127.0.0.1:8786",
                                     "tcp://127.0.0.1:99999", "tcp://127.0.0.1:80/path"])
def test_malformed_addresses_are_refused_without_network(address, capsys):
    assert main(["count", "example1-d2", "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "scheduler" in err and "Traceback" not in err


def test_address_forms():
    assert check_address("127.0.0.1:8786") == ("tcp", "127.0.0.1", 8786)
    assert check_address("tcp://[::1]:8786") == ("tcp", "::1", 8786)
    assert check_address("tls://host:1") == ("tls", None, None)


def test_refused_connection():
    srv = _Server(None, accept=False)
    port = srv.port
    srv.close()
    with pytest.raises(InvalidParameterError, match="refused"):
        probe_scheduler(f"tcp://127.0.0.1:{port}", 2.0)
