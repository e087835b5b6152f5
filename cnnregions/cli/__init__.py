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
import re
import sys

from ..core.schema import JSON_SCHEMA_VERSION
from ..errors import ComputationTooLargeError, InvalidParameterError, SolverError
from ._signals import terminate_as_interrupt

__all__ = ["JSON_SCHEMA_VERSION", "SUBCOMMANDS", "build_parser", "main"]



#: Negative numbers, scientific notation included (``-5e-1``, ``-.5``, ``-1E+3``): argparse's own
#: pattern (``-5``, ``-0.5`` only) would take ``--box -5e-1 5e-1``'s ``-5e-1`` for an option.
#: ``-inf`` and ``-nan`` too, so that ``--box -inf 1`` reaches the box's own check (bounds must be finite).
_NEGATIVE_NUMBER = re.compile(r"^-((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse parser whose usage errors are one line with exit code 2."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


#: The subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = ("count", "estimate", "bounds", "sample", "compare", "convert", "plot_slice", "plot_line", "study", "region", "graph")


class _Version(argparse.Action):
    """``--version``: the installed version, read only when asked for (``importlib.metadata`` is slow to import)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):  # noqa: A002 - argparse's keyword
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"cnnregions {__version__}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``cnnregions`` parser with every subcommand, or with ``command`` only (the module of one
    subcommand, so that a command imports what it needs and nothing else); a module that fails to
    import raises."""
    import importlib

    parser = _Parser(prog="cnnregions", description="Exact linear-region counts of ReLU CNNs (Xiong et al., ICML 2020).")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name in SUBCOMMANDS if command is None else (command,):
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The subcommand module named by ``argv[0]`` (``plot-slice``: ``plot_slice``), if any."""
    names = {name.replace("_", "-"): name for name in SUBCOMMANDS}
    return names.get(argv[0]) if argv else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv))
    if not argv:  # a bare ``cnnregions``: the usage and the commands, not one terse line
        parser.print_help(sys.stderr)
        return 2
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0), as return codes
        return int(exc.code or 0)
    # SIGTERM (Slurm's wall-time limit, ``timeout``, ``kill``) ends a run like Ctrl-C does.
    with terminate_as_interrupt() as received:
        try:
            return int(args.func(args) or 0)
        except (InvalidParameterError, ComputationTooLargeError) as exc:
            print(f"cnnregions {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except SolverError as exc:
            print(f"cnnregions {args.command}: solver error: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # ``cnnregions ... | head``: the reader left; nothing to report
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except KeyboardInterrupt:
            what = "terminated (SIGTERM)" if received() else "interrupted"
            checkpoint = getattr(args, "checkpoint", None)
            hint = (f"; the checkpoint {checkpoint} holds the finished subtrees: run the same command again to resume"
                    if checkpoint else "")
            print(f"cnnregions {args.command}: {what}{hint}", file=sys.stderr)
            return 143 if received() else 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
