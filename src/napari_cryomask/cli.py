"""The ``cryomask`` command: design cryo-ET masks from the shell.

Run ``cryomask --help`` for the subcommands and ``cryomask COMMAND --help`` for their options.
Every triple is Z,Y,X and lengths are voxels unless ``--unit angstrom`` is given. Every mask
written carries its recipe in ``<output>.json``; ``cryomask recipe apply`` replays it exactly.

Exit codes: 0 success, 1 failure (a file that is missing, unreadable or already there without
``--force``, ...), 2 usage error (an option's value or a combination of options). An error is
one line on stderr; ``--debug`` adds the Python traceback.

Importing this module imports neither Qt nor napari; only ``cryomask gui`` does.

Examples
--------
>>> main(["sphere", "--box", "0", "--radius", "3", "-o", "m.mrc"])
2
"""

from __future__ import annotations

import shlex
import sys
import traceback
import warnings
from pathlib import Path

from .cli_args import PROG, UsageError, parse
from .cli_info import run_info, run_recipe_show
from .cli_masks import run_combine, run_generate, run_recipe_apply, run_shape, run_soften, run_tight


def run_gui(args):
    """Open napari with the cryomask widgets (and ``args.map``); napari is imported only here."""
    if args.map is not None and not Path(args.map).is_file():
        raise FileNotFoundError(f"{args.map} does not exist")
    try:
        from ._napari.launch import launch
    except ImportError as err:
        raise RuntimeError(f"the gui needs napari ({err}); install it with: pip install 'napari-cryomask[gui]'") from None
    return launch(args.map, args.screenshot)


RUNNERS = {
    "shape": run_shape,
    "generate": run_generate,
    "tight": run_tight,
    "combine": run_combine,
    "soften": run_soften,
    "info": run_info,
    "recipe-apply": run_recipe_apply,
    "recipe-show": run_recipe_show,
    "gui": run_gui,
}


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
            code = RUNNERS[args.command](args)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except Exception as err:
            usage = isinstance(err, UsageError)
            if args.debug:
                traceback.print_exc()
            where = f"{PROG} {args.subcommand}" if usage else PROG
            print(f"{where}: error: {_one_line(err)}", file=sys.stderr)
            return 2 if usage else 1
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
