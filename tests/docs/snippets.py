"""Fenced code blocks of the README and the documentation, as tests.

A block runs according to its language:

- ``python``: executed; the blocks of one page share one namespace and one working folder
  (a temporary folder, so files a block writes are there for the next block);
- ``console``: each ``$ cnnregions ...`` line runs through the command line (in this
  process) in the page's folder; the lines below it, up to the next ``$`` line, are
  output that must appear in that order (``...`` stands for lines left out); the exit
  code must be 0 unless an output line shows the error (``cnnregions CMD: error: ...``); a
  shown line ending in ``...`` stands for a line that starts with the text before it;
- ``sh``/``bash``: each line (comments and blank lines aside) is a ``cnnregions`` command
  run the same way, output unchecked;
- ``json``: parsed.

Other blocks (``text``, ``toml``, no language) are not run.  A block preceded by an HTML
comment ``<!-- skip: reason -->`` is not run either: the test reports it as skipped with
the reason (too slow for the suite, needs a cluster, installs packages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = ("python", "console", "sh", "bash", "json")

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_SKIP = re.compile(r"^\s*<!--\s*skip:\s*(.+?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    language: str
    text: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}:{self.language}"


def pages() -> list[Path]:
    """The README and every page of the documentation site."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of ``path``, with the skip reason written before each (if any)."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    page = path.relative_to(ROOT).as_posix()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, language = match.group(1), match.group(2).lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        skip = _SKIP.match(before)
        found.append(Block(page, start + 1, language, "\n".join(body) + "\n", skip.group(1) if skip else None))
        i += 1
    return found


@dataclass(frozen=True)
class Command:
    """One ``$ command`` line of a console block and the output shown under it."""

    argv: str
    shown: tuple[str, ...]


def console_commands(text: str) -> list[Command]:
    commands: list[Command] = []
    argv: str | None = None
    shown: list[str] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            if argv is not None:
                commands.append(Command(argv, tuple(shown)))
            argv, shown = line[2:], []
        elif argv is not None and argv.endswith("\\"):
            argv = argv[:-1] + " " + line.strip()
        elif argv is not None:
            shown.append(line.rstrip())
    if argv is not None:
        commands.append(Command(argv, tuple(shown)))
    return commands


def shown_in_order(shown: tuple[str, ...], output: str) -> str | None:
    """None when every shown line (``...`` aside) is a line of ``output``, in order; else the first missing."""
    actual = [line.rstrip() for line in output.splitlines()]
    position = 0
    for line in shown:
        if line.strip() in ("...", ""):
            continue
        prefix = line[:-3] if line.endswith("...") else None  # "text ..." stands for a line that starts so
        found = next((i for i in range(position, len(actual))
                      if (actual[i].startswith(prefix) if prefix is not None else actual[i] == line)), None)
        if found is None:
            return line
        position = found + 1
    return None
