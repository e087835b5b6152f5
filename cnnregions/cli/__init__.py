"""Command-line interface: ``cnnregions SUBCOMMAND ...``.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``; the
parser's ``func`` default runs it and returns an exit code.  Invalid input (a
:class:`~cnnregions._validation.InvalidParameterError`, a missing file) exits with
code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .._validation import InvalidParameterError

__all__ = ["main"]

#: Version of the ``--json`` output schema of every subcommand.
JSON_SCHEMA_VERSION = 1


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors are one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cnnregions", description="Exact linear-region counts of ReLU CNNs (Xiong et al., ICML 2020).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for module in _subcommand_modules():
        module.add_parser(sub)
    return parser


def _subcommand_modules():
    import importlib

    names = ["count", "bounds", "sample", "compare", "convert", "plot_slice"]
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0), as return codes
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except InvalidParameterError as exc:
        print(f"cnnregions {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cnnregions {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
