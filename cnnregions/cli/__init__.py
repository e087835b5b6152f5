"""Command-line interface: ``cnnregions SUBCOMMAND ...``.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``; the
parser's ``func`` default runs it and returns an exit code.  Every subcommand
module is imported when the parser is built, and one that fails to import is an
error (optional dependencies are imported inside the subcommands, when used).

Invalid input (an :class:`~cnnregions.errors.InvalidParameterError`, a missing
file) and an exact computation over its budget
(:class:`~cnnregions.errors.ComputationTooLargeError`) exit with code 2 and one
line on stderr; a solver failure (:class:`~cnnregions.errors.SolverError`) with
code 1 and one line; never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import ComputationTooLargeError, InvalidParameterError, SolverError

__all__ = ["JSON_SCHEMA_VERSION", "SUBCOMMANDS", "build_parser", "main"]

#: Version of the ``--json`` output schema of every subcommand.
JSON_SCHEMA_VERSION = 1


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors are one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


#: The subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = ("count", "bounds", "sample", "compare", "convert", "plot_slice", "plot_line", "study", "region", "graph")


def build_parser() -> argparse.ArgumentParser:
    """The ``cnnregions`` parser with every subcommand (a module that fails to import raises)."""
    import importlib

    parser = _Parser(prog="cnnregions", description="Exact linear-region counts of ReLU CNNs (Xiong et al., ICML 2020).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0), as return codes
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except (InvalidParameterError, ComputationTooLargeError) as exc:
        print(f"cnnregions {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except SolverError as exc:
        print(f"cnnregions {args.command}: solver error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"cnnregions {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
