"""Run the command line in a subprocess with a time bound and optional resource limits."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROGRAM = """
import json, resource, signal, sys
limits = json.loads(sys.argv[1])
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit: EFBIG, not a kill
from cnnregions.cli import main
sys.exit(main(sys.argv[2:]))
"""


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(argv: list[str], *, limits: dict[str, int] | None = None, env: dict[str, str] | None = None,
            timeout: float = 120.0, cwd: str | os.PathLike | None = None) -> Run:
    """``cnnregions ARGV`` in a fresh interpreter; ``limits`` are ``RLIMIT_*`` names to bytes.

    ``timeout`` bounds the run: a command that blocks (on a FIFO, say) fails the test
    with ``subprocess.TimeoutExpired`` instead of hanging it.
    """
    import json

    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    done = subprocess.run([sys.executable, "-c", _PROGRAM, json.dumps(limits or {}), *argv], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd)
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_error_line(run: Run, *parts: str) -> None:
    """Exit code 2, one line on stderr holding every one of ``parts``, no traceback."""
    lines = run.err.strip().splitlines()
    assert run.code == 2, (run.code, run.err)
    assert len(lines) == 1 and "Traceback" not in run.err, run.err
    for part in parts:
        assert part in lines[0], (part, lines[0])
