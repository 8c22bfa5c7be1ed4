"""The ``cryomask`` command: design cryo-ET masks from the shell.

Run ``cryomask --help`` for the subcommands and ``cryomask COMMAND --help`` for their options.
Every triple is Z,Y,X and lengths are voxels unless ``--unit angstrom`` is given. Every mask
written carries its recipe in ``<output>.json``; ``cryomask recipe apply`` replays it exactly.

Exit codes: 0 success, 1 failure (a file that is missing, unreadable or already there without
``--force``, ...), 2 usage error (an option's value or a combination of options). An error is
one line on stderr; ``--debug`` adds the Python traceback.

One module per group of subcommands; each has ``add_commands(subparsers)``, whose parsers set
``run`` to the function that carries the command out. Importing this package imports neither
Qt nor napari; only ``cryomask gui`` does.

Examples
--------
>>> main(["sphere", "--box", "0", "--radius", "3", "-o", "m.mrc"])
2
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import sys
import warnings

import napari_cryomask

from .options import AXES_NOTE, PROG, CliParser, UsageError, join_negative_values

GROUPS = ("shapes", "tight", "model", "combine", "tools", "particles", "info", "recipes", "fsc", "gui")
# Which group defines each subcommand, so that a command imports and builds only its own group
# (tests/test_cli_startup.py checks this table against the groups' parsers).
COMMAND_GROUPS = {
    **dict.fromkeys(("sphere", "ellipsoid", "cylinder", "tube", "cuboid", "cone", "shell", "generate"), "shapes"),
    "tight": "tight",
    "model": "model",
    **dict.fromkeys(("union", "subtract", "subtraction", "intersect", "intersection", "difference", "soften"), "combine"),
    **dict.fromkeys(("apply", "clip", "helix", "resample", "symmetrise", "symmetrize"), "tools"),
    "particles": "particles",
    "info": "info",
    "recipe": "recipes",
    "fsc": "fsc",
    "gui": "gui",
}


def group_module(name: str):
    """The module of a group of subcommands (imported on first use)."""
    return importlib.import_module(f"{__name__}.{name}")


def build_parser(groups=GROUPS) -> argparse.ArgumentParser:
    """The ``cryomask`` parser with the subcommands of ``groups`` (default: all)."""
    parser = CliParser(
        prog=PROG,
        description="Design cryo-ET masks: shapes, tight masks, soft edges and boolean operations. " + AXES_NOTE,
        epilog=(
            "examples:\n"
            "  cryomask sphere --box 64 --radius 20 --soft-edge 4 -o sphere.mrc\n"
            "  cryomask cylinder --like average.mrc --unit angstrom --radius 60 --height 120 --angles 0,90,0 -o cyl.mrc\n"
            "  cryomask tight average.mrc --sigma 2 --extend 3 --soft-edge 6 -o tight.mrc\n"
            "  cryomask subtract tight.mrc cyl.mrc -o body.mrc\n"
            "  cryomask recipe apply body.mrc.json -o again.mrc\n"
            "Run 'cryomask COMMAND --help' for a command's options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", default=False, help="show the Python traceback of a failure")
    parser.add_argument("--version", action="version", version=f"%(prog)s {napari_cryomask.__version__}", help="print the version and exit")
    sub = parser.add_subparsers(title="commands", dest="subcommand", metavar="COMMAND", required=True, parser_class=CliParser)
    for group in groups:
        group_module(group).add_commands(sub)
    return parser


def _command_group(argv) -> str | None:
    """The group of the subcommand ``argv`` names; None for help, the version or a name not known."""
    for token in argv:
        if token == "--debug":
            continue
        return None if token.startswith("-") else COMMAND_GROUPS.get(token)
    return None


def parse(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``); usage errors exit with code 2.

    A known subcommand is parsed by a parser holding only its group; anything else (help, a
    mistyped name) by the whole parser, so that the messages list every command.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    group = _command_group(argv)
    return build_parser(GROUPS if group is None else (group,)).parse_args(join_negative_values(argv))


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _one_line(err) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    if not isinstance(err, (ValueError, OSError, UsageError, RuntimeError)):
        text = f"{type(err).__name__}: {text}"
    return text


def main(argv=None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 0
    args.command_line = shlex.join([PROG, *argv])
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            code = args.run(args)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as err:
            usage = isinstance(err, UsageError)
            if args.debug:
                import traceback  # imported on use: a command that succeeds does not need it

                traceback.print_exc()
            where = f"{PROG} {args.subcommand}" if usage else PROG
            print(f"{where}: error: {_one_line(err)}", file=sys.stderr)
            return 2 if usage else 1
    return code or 0


def run() -> None:
    """The ``cryomask`` program: :func:`main`, then an exit that skips Python's teardown.

    Every file a command writes is committed and closed before :func:`main` returns, so the
    teardown (40–50 ms here, a tenth of a whole ``cryomask sphere``) has nothing left to save.
    ``cryomask gui`` exits the usual way, for napari's own handlers at exit (its settings), and
    so does a run under a profiler or a tracer (cProfile, coverage), which write their results then.
    """
    code = main()
    if "napari.viewer" not in sys.modules and sys.getprofile() is None and sys.gettrace() is None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe: leave it to the usual exit
            sys.exit(code)
        os._exit(code)
    sys.exit(code)
