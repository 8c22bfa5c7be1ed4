"""Option types, shared option groups and the parser class of the ``cryomask`` command. Qt-free.

Nothing here computes a mask. Each value type returns the value or raises
``argparse.ArgumentTypeError`` naming the problem, so a bad value is a one-line usage error.
"""

from __future__ import annotations

import argparse
import math
import re

from ..core.edges import EDGES
from ..core.limits import TooLarge, require_fit
from ..io import EM_SUFFIXES, MRC_SUFFIXES, is_supported
from ..recipes.document import VOXEL_SIZE_RANGE_A

PROG = "cryomask"
LENGTH = "(voxels, or Å with --unit angstrom)"
AXES_NOTE = (
    "Conventions: every triple is Z,Y,X (the array axes [z, y, x]; MRC headers list X,Y,Z). "
    "Lengths are in voxels unless --unit angstrom is given; the box is always in voxels. "
    "A value that starts with a minus sign may follow its option (--angles -90,0,0)."
)
SOFT_EDGES = tuple(e for e in EDGES if e != "none")
# Largest magnitude of a length, angle or size option: beyond it arithmetic on lengths overflows.
MAX_SIZE = 1e12
_NEGATIVE_VALUE = re.compile(r"^-\.?\d")


class UsageError(Exception):
    """A value or combination of values the command line cannot use (exit code 2)."""


class CliParser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line on stderr with exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def number(text):
    """A finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def size(text):
    """A finite number of at most :data:`MAX_SIZE` in magnitude: a length, angle, mass or resolution."""
    value = number(text)
    if abs(value) > MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{text} is too large: lengths, angles and sizes are at most {MAX_SIZE:g}")
    return value


def positive(text):
    value = size(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def non_negative(text):
    value = size(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or positive, got {text}")
    return value


def whole_at_least_one(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _numbers(text, counts, what):
    parts = [p for p in text.replace(" ", "").split(",")]
    if len(parts) not in counts or "" in parts:
        expected = " or ".join({1: "one number", 3: "three numbers Z,Y,X"}[c] for c in counts)
        raise argparse.ArgumentTypeError(f"{what} must be {expected}, got {text!r}")
    values = [size(p) for p in parts]
    return tuple(values * 3) if len(values) == 1 else tuple(values)


def triple(text):
    """Three numbers ``Z,Y,X`` (a position or angles)."""
    return _numbers(text, (3,), "value")


def positive_triple(text):
    """One positive number for all axes, or three ``Z,Y,X``."""
    values = _numbers(text, (1, 3), "value")
    if any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"every value must be positive, got {text!r}")
    return values


def pixel_size(text):
    """A voxel size in Å: one number for all axes, or three ``Z,Y,X``, within what a recipe records."""
    values = _numbers(text, (1, 3), "the pixel size")
    low, high = VOXEL_SIZE_RANGE_A
    if not all(low <= v <= high for v in values):
        raise argparse.ArgumentTypeError(f"every voxel size must lie between {low:g} and {high:g} Å, got {text!r}")
    return values


def box(text):
    """A box size: ``N`` or ``Z,Y,X``, positive whole numbers of voxels that fit in memory."""
    values = _numbers(text, (1, 3), "the box")
    if any(v < 1 or v != int(v) for v in values):
        raise argparse.ArgumentTypeError(f"the box must be positive whole numbers of voxels, got {text!r}")
    shape = tuple(int(v) for v in values)
    try:
        require_fit("the mask", shape)
    except TooLarge as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return shape


def mask_file(text):
    """An output path whose suffix names a format we write."""
    if not is_supported(text):
        suffixes = " ".join(MRC_SUFFIXES + EM_SUFFIXES)
        raise argparse.ArgumentTypeError(f"{text!r} is not an MRC or EM file name; use one of {suffixes}")
    return text


def mask_name(text):
    """A cryoCAT mask name such as ``sphere_r10``."""
    from ..core.names import parse_mask_name  # imported on use: its patterns take 1 ms to compile

    try:
        parse_mask_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


# ---- option groups shared by several subcommands


def add_debug(parser):
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the Python traceback of a failure")


def add_output(parser):
    parser = parser.add_argument_group("output")
    parser.add_argument(
        "-o", "--output", required=True, type=mask_file, metavar="PATH",
        help="mask file to write (.mrc, .map or .em); its recipe goes to PATH.json",
    )
    parser.add_argument("--force", action="store_true", help="overwrite PATH (and PATH.json) if they exist")


def add_unit(parser, pixel_from):
    parser.add_argument(
        "--unit",
        choices=("voxel", "angstrom"),
        default="voxel",
        help=f"unit of every length option: voxel (default) or angstrom (Å, converted with {pixel_from})",
    )


def add_edge(parser, required=False):
    parser = parser.add_argument_group("soft edge")
    parser.add_argument(
        "--soft-edge", type=non_negative, default=0.0 if not required else None, required=required, metavar="W",
        help=f"width of the soft edge outside the mask: cosine fall-off width or Gaussian sigma {LENGTH}",
    )
    parser.add_argument("--edge", choices=SOFT_EDGES, default="cosine", help="soft edge profile: cosine (default) or gaussian")


def add_placement(parser):
    where = parser.add_argument_group("box and placement")
    source = where.add_mutually_exclusive_group(required=True)
    source.add_argument("--box", type=box, metavar="N|Z,Y,X", help="box size in voxels (always voxels): N for a cube or Z,Y,X")
    source.add_argument("--like", metavar="MAP", help="take the box, pixel size and origin from this map")
    where.add_argument(
        "--pixel-size", type=pixel_size, metavar="Å|Z,Y,X",
        help="voxel size in Å written into the header (wins over the one from --like)",
    )
    where.add_argument(
        "--center", type=triple, metavar="Z,Y,X",
        help=f"centre of the shape, Z,Y,X from voxel [0,0,0] {LENGTH}; default: the box centre, size//2 per axis",
    )
    where.add_argument(
        "--angles", type=triple, metavar="PHI,THETA,PSI",
        help="rotation of the shape about its centre: Euler angles in degrees, ZXZ, as in cryoCAT",
    )
    add_unit(where, "--pixel-size or the --like map's pixel size")


def join_negative_values(argv):
    """Attach a value that starts with a minus sign to the long option before it.

    argparse would read ``--angles -90,0,0`` as two options; ``--angles=-90,0,0`` is one.

    >>> join_negative_values(["sphere", "--center", "-1,2,3", "--radius", "4"])
    ['sphere', '--center=-1,2,3', '--radius', '4']
    """
    out = []
    for arg in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and out[-1] != "--" and _NEGATIVE_VALUE.match(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out
