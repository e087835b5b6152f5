"""Every shell and Python snippet of the README and the documentation runs (see snippets.py).

One test per page runs its blocks in order, in one temporary folder and one Python
namespace (a block may use the files and names of the blocks above it); one skipped test
per block marked ``<!-- skip: reason -->`` lists it with its reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from pathlib import Path

import pytest
from snippets import ROOT, RUN, Block, blocks, console_commands, pages, shown_in_order

from cnnregions import InvalidParameterError
from cnnregions.cli import main

#: Modules of the optional extras: a page whose snippet needs a missing one stops there (base install).
OPTIONAL = {"torch", "onnx", "pyarrow", "networkx", "matplotlib", "dask", "distributed", "cma", "flint", "tqdm",
            "dask_jobqueue"}

PAGES = pages()
RUNNABLE = {path: [b for b in blocks(path) if b.language in RUN] for path in PAGES}
SKIPPED = [b for found in RUNNABLE.values() for b in found if b.skip]


class _NeedsExtra(Exception):
    pass


def _run_cli(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's --help and usage errors
            code = int(exc.code or 0)
    return code, out.getvalue()


def _command(line: str) -> list[str]:
    argv = shlex.split(line, comments=True)
    assert argv and argv[0] == "cnnregions", f"a shell snippet runs cnnregions commands only, got {line!r}"
    return argv[1:]


def _check(code: int, output: str, argv: str, shown: tuple[str, ...], where: str) -> None:
    if code == 2 and "pip install" in output and "needs" in output:
        raise _NeedsExtra(f"{where}: {argv}: needs an optional extra")
    expects_error = any(line.startswith("cnnregions ") and "error" in line for line in shown)
    assert (code != 0) == expects_error, f"{where}: {argv}: exit code {code}\n{output}"
    missing = shown_in_order(shown, output)
    assert missing is None, f"{where}: {argv}: the docs show {missing!r}, the command printed:\n{output}"


def _run_block(block: Block, namespace: dict) -> None:
    if block.language == "json":
        json.loads(block.text)
    elif block.language == "python":
        try:
            exec(compile(block.text, block.name, "exec"), namespace)  # the docs' own example code
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] in OPTIONAL:
                raise _NeedsExtra(f"{block.name}: needs the optional {exc.name}") from None
            raise
        except InvalidParameterError as exc:  # the package's own message for a missing extra
            if "pip install 'cnnregions[" in str(exc):
                raise _NeedsExtra(f"{block.name}: {exc}") from None
            raise
    elif block.language == "console":
        for command in console_commands(block.text):
            code, output = _run_cli(_command(command.argv))
            _check(code, output, command.argv, command.shown, block.name)
    else:
        for line in block.text.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                code, output = _run_cli(_command(line))
                _check(code, output, line, (), block.name)


def test_the_docs_keep_their_tested_examples():
    ran = sum(1 for found in RUNNABLE.values() for b in found if not b.skip)
    assert ran >= 30, f"only {ran} snippets run"
    assert (ROOT / "docs" / "refused.md").is_file()


@pytest.mark.parametrize("path", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_page_snippets_run(path: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    needs_extra = []
    for block in RUNNABLE[path]:
        if block.skip:
            continue
        try:
            _run_block(block, namespace)
        except _NeedsExtra as exc:  # a base install: the page's other commands still run,
            needs_extra.append(str(exc))
            if block.language == "python":  # but not what may build on this block's names and files
                break
    if needs_extra:
        pytest.skip("; ".join(needs_extra))


@pytest.mark.parametrize("block", SKIPPED, ids=[b.name for b in SKIPPED])
def test_snippet_marked_skip(block: Block):
    pytest.skip(f"{block.name}: {block.skip}")


def test_runner_reads_console_blocks():
    text = "$ cnnregions count x \\\n    --json\nregions 3\n...\n$ cnnregions bounds y\n"
    commands = console_commands(text)
    assert [c.argv for c in commands] == ["cnnregions count x  --json", "cnnregions bounds y"]
    assert commands[0].shown == ("regions 3", "...")
    assert shown_in_order(("a", "...", "c"), "a\nb\nc\n") is None
    assert shown_in_order(("c", "a"), "a\nb\nc\n") == "a"


def test_measurements_page_is_generated_from_its_json():
    """docs/measurements.md is what bench/measurements.py writes from bench/measurements.json."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "bench" / "measurements.py"), "--check"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    figures = json.loads((ROOT / "bench" / "measurements.json").read_text(encoding="utf-8"))["figures"]
    assert figures and all(f["command"] and f["date"] for f in figures)  # every figure has its command and date
