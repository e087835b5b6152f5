"""Write ``docs/measurements.md``, the one page of measured figures, from ``bench/measurements.json``.

Every figure of the documentation that depends on a machine (a time, a rate, a memory
peak) or on a run of a benchmark lives here, with the command that made it, the date it
was measured, the commit (for figures of earlier sessions) and the conditions (the machine
was often shared).  The reference pages quote none; they link here.

    python bench/measurements.py            # rewrite docs/measurements.md
    python bench/measurements.py --check    # exit 1 if the page is not what the JSON gives

To add a figure: run its command, then add an entry to ``measurements.json``
(``section``, ``what``, ``command``, ``date``; optional ``commit``, ``conditions``,
``note`` and ``table`` with ``header`` and ``rows``) and rerun this script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "measurements.json"
PAGE = HERE.parent / "docs" / "measurements.md"

INTRO = """# Measured figures

Every timing and every benchmark result quoted for cnnregions, each with the command that
made it and the date it was measured.  Counts of regions, LPs and search nodes do not depend
on the machine; times do, and most of these were measured on a 2-core machine shared with
other jobs, so they are rough.  Figures from earlier sessions name the commit they were
measured at: the code has changed since, so re-run the command to update them.

This page is generated: `python bench/measurements.py` writes it from
`bench/measurements.json` (a test checks that it is up to date).
"""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def render(figures: list[dict]) -> str:
    """The page's Markdown for ``figures`` (grouped by section, in their order)."""
    sections: dict[str, list[dict]] = {}
    for figure in figures:
        sections.setdefault(figure["section"], []).append(figure)
    out = [INTRO]
    for section, entries in sections.items():
        out.append(f"## {section}\n")
        for figure in entries:
            when = figure["date"] + (f", commit {figure['commit']}" if figure.get("commit") else "")
            lines = [f"- {figure['what']}.", f"  Command: `{figure['command']}`; measured {when}."]
            if figure.get("conditions"):
                lines.append(f"  Conditions: {figure['conditions']}.")
            if figure.get("note"):
                lines.append(f"  Note: {figure['note']}.")
            out.append("\n".join(lines) + "\n")
            table = figure.get("table")
            if table:
                header = table["header"]
                rows = ["| " + " | ".join(_cell(h) for h in header) + " |",
                        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
                rows += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table["rows"]]
                out.append("\n".join(rows) + "\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/measurements.md is out of date")
    args = parser.parse_args(argv)
    page = render(json.loads(SOURCE.read_text(encoding="utf-8"))["figures"])
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.is_file() else ""
        if current != page:
            print(f"{PAGE} is out of date: run python bench/measurements.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"written {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
