"""The ``cryomask`` command line: subcommands, options, help texts and value checks.

Nothing here computes a mask; :mod:`napari_cryomask.cli` runs what is parsed. Qt-free.
"""

from __future__ import annotations

import argparse
import math
import re
import sys

from .core.edges import EDGES
from .core.names import parse_mask_name
from .io import EM_SUFFIXES, MRC_SUFFIXES, is_supported

PROG = "cryomask"
LENGTH = "(voxels, or Å with --unit angstrom)"
AXES_NOTE = (
    "Conventions: every triple is Z,Y,X (the array axes [z, y, x]; MRC headers list X,Y,Z). "
    "Lengths are in voxels unless --unit angstrom is given; the box is always in voxels. "
    "A value that starts with a minus sign may follow its option (--angles -90,0,0)."
)
SHAPE_HELP = {
    "sphere": "a solid sphere",
    "ellipsoid": "an ellipsoid with semi-axes Z,Y,X",
    "cylinder": "a cylinder along z (before --angles)",
    "tube": "a hollow cylinder along z (before --angles)",
    "cuboid": "a box with edge lengths Z,Y,X and optionally rounded corners",
    "cone": "a cone along z, base at -height/2, apex at +height/2 (before --angles)",
    "shell": "a spherical shell (--radius) or an ellipsoidal shell (--radii)",
}
COMBINE = {
    # subcommand: (core operation, alias, help)
    "union": ("union", None, "union of masks: clip(A + B + ..., 0, 1)"),
    "subtract": ("subtraction", "subtraction", "the first mask minus the others: clip(A - B - ..., 0, 1)"),
    "intersect": ("intersection", "intersection", "intersection of masks: A * B * ..."),
    "difference": ("difference", None, "where the masks differ: clip(union - intersection, 0, 1)"),
}
_SOFT_EDGES = tuple(e for e in EDGES if e != "none")
_NEGATIVE_VALUE = re.compile(r"^-\.?\d")


class UsageError(Exception):
    """A value or combination of values the command line cannot use (exit code 2)."""


class CliParser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line on stderr with exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---- value types: each returns the value or raises ArgumentTypeError naming the problem


def _number(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive(text):
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def non_negative(text):
    value = _number(text)
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
    values = [_number(p) for p in parts]
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


def box(text):
    """A box size: ``N`` or ``Z,Y,X``, positive whole numbers of voxels."""
    values = _numbers(text, (1, 3), "the box")
    if any(v < 1 or v != int(v) for v in values):
        raise argparse.ArgumentTypeError(f"the box must be positive whole numbers of voxels, got {text!r}")
    return tuple(int(v) for v in values)


def mask_file(text):
    """An output path whose suffix names a format we write."""
    if not is_supported(text):
        suffixes = " ".join(MRC_SUFFIXES + EM_SUFFIXES)
        raise argparse.ArgumentTypeError(f"{text!r} is not an MRC or EM file name; use one of {suffixes}")
    return text


def mask_name(text):
    """A cryoCAT mask name such as ``sphere_r10``."""
    try:
        parse_mask_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


# ---- option groups shared by several subcommands


def _common(parser):
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the Python traceback of a failure")


def _output(parser):
    parser = parser.add_argument_group("output")
    parser.add_argument("-o", "--output", required=True, type=mask_file, metavar="PATH", help="mask file to write (.mrc, .map or .em); its recipe goes to PATH.json")
    parser.add_argument("--force", action="store_true", help="overwrite PATH (and PATH.json) if they exist")


def _unit(parser, pixel_from):
    parser.add_argument(
        "--unit",
        choices=("voxel", "angstrom"),
        default="voxel",
        help=f"unit of every length option: voxel (default) or angstrom (Å, converted with {pixel_from})",
    )


def _edge(parser, required=False):
    parser = parser.add_argument_group("soft edge")
    parser.add_argument("--soft-edge", type=non_negative, default=0.0 if not required else None, required=required, metavar="W", help=f"width of the soft edge outside the mask: cosine fall-off width or Gaussian sigma {LENGTH}")
    parser.add_argument("--edge", choices=_SOFT_EDGES, default="cosine", help="soft edge profile: cosine (default) or gaussian")


def _placement(parser):
    where = parser.add_argument_group("box and placement")
    source = where.add_mutually_exclusive_group(required=True)
    source.add_argument("--box", type=box, metavar="N|Z,Y,X", help="box size in voxels (always voxels): N for a cube or Z,Y,X")
    source.add_argument("--like", metavar="MAP", help="take the box, pixel size and origin from this map")
    where.add_argument("--pixel-size", type=positive_triple, metavar="Å|Z,Y,X", help="voxel size in Å written into the header (wins over the one from --like)")
    where.add_argument("--center", type=triple, metavar="Z,Y,X", help=f"centre of the shape, Z,Y,X from voxel [0,0,0] {LENGTH}; default: the box centre, size//2 per axis")
    where.add_argument("--angles", type=triple, metavar="PHI,THETA,PSI", help="rotation of the shape about its centre: Euler angles in degrees, ZXZ, as in cryoCAT")
    _unit(where, "--pixel-size or the --like map's pixel size")


def _shape_parser(sub, name):
    p = sub.add_parser(name, help=SHAPE_HELP[name], description=f"Write {SHAPE_HELP[name]} as a mask. {AXES_NOTE}")
    p.set_defaults(command="shape", shape=name)
    sizes = p.add_argument_group("size")
    if name == "shell":
        radius = sizes.add_mutually_exclusive_group(required=True)
        radius.add_argument("--radius", type=positive, metavar="R", help=f"outer radius of a spherical shell {LENGTH}")
        radius.add_argument("--radii", type=positive_triple, metavar="Z,Y,X", help=f"outer semi-axes Z,Y,X of an ellipsoidal shell {LENGTH}")
        sizes.add_argument("--thickness", type=positive, required=True, metavar="T", help=f"shell thickness, inside the outer surface {LENGTH}")
    else:
        if name in ("sphere", "cylinder", "tube", "cone"):
            label = {"tube": "outer radius", "cone": "base radius"}.get(name, "radius")
            sizes.add_argument("--radius", type=positive, required=True, metavar="R", help=f"{label} {LENGTH}")
        if name == "tube":
            sizes.add_argument("--inner-radius", type=non_negative, required=True, metavar="R", help=f"inner radius, below --radius {LENGTH}")
        if name == "ellipsoid":
            sizes.add_argument("--radii", type=positive_triple, required=True, metavar="Z,Y,X", help=f"semi-axes Z,Y,X {LENGTH}")
        if name in ("cylinder", "tube", "cone"):
            sizes.add_argument("--height", type=positive, required=True, metavar="H", help=f"full height along z before rotation {LENGTH}")
        if name == "cuboid":
            sizes.add_argument("--size", type=positive_triple, required=True, metavar="Z,Y,X", help=f"full edge lengths Z,Y,X (or one number for a cube) {LENGTH}")
            sizes.add_argument("--rounding", type=non_negative, default=0.0, metavar="R", help=f"corner radius, at most half the smallest edge {LENGTH}; default 0")
        sizes.add_argument("--thickness", type=positive, metavar="T", help=f"keep only a shell this thick inside the surface {LENGTH}")
    _placement(p)
    _edge(p)
    _output(p)
    _common(p)


def _generate_parser(sub):
    p = sub.add_parser("generate", help="a mask from a cryoCAT name such as sphere_r10", description=(
        "Write the mask cryoCAT's generate_mask makes from a name: sphere_r10, cylinder_r5_h20, "
        "s_shell_r10_s4, ellipsoid_rx4_ry6_rz8, e_shell_rx8_ry9_rz10_s2 (numbers in voxels, "
        "decimals allowed). " + AXES_NOTE))
    p.set_defaults(command="generate")
    p.add_argument("name", type=mask_name, help="cryoCAT mask name (voxels)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--box", type=box, metavar="N|Z,Y,X", help="box size in voxels; default 2*max(numbers) + --expansion, rounded up to even")
    source.add_argument("--like", metavar="MAP", help="take the box, pixel size and origin from this map")
    p.add_argument("--expansion", type=non_negative, default=4.0, metavar="E", help="voxels added to 2*max(numbers) for the default box; default 4")
    p.add_argument("--pixel-size", type=positive_triple, metavar="Å|Z,Y,X", help="voxel size in Å written into the header")
    _output(p)
    _common(p)


def _tight_parser(sub):
    p = sub.add_parser("tight", help="a tight mask around the density of a map", description=(
        "Threshold a map, keep its largest regions, extend them and add a soft edge. The mask "
        "keeps the map's pixel size and origin. " + AXES_NOTE))
    p.set_defaults(command="tight")
    p.add_argument("map", help="density map (.mrc, .map or .em)")
    level = p.add_mutually_exclusive_group()
    level.add_argument("--threshold", type=_number, metavar="T", help="density threshold; default: Otsu's threshold of the map")
    level.add_argument("--sigma", type=_number, metavar="K", help="threshold at mean + K std of the map")
    level.add_argument("--otsu", action="store_true", help="threshold by Otsu's method")
    level.add_argument("--mass", type=positive, metavar="KDA", help="threshold that encloses this mass of protein (kDa, 0.81 Da/Å³)")
    p.add_argument("--lowpass", type=positive, metavar="Å", help="low-pass the map to this resolution first (always Å); --sigma, --otsu and --mass then use the filtered map")
    p.add_argument("--regions", type=whole_at_least_one, default=1, metavar="N", help="keep the N largest connected regions; default 1")
    p.add_argument("--fill-holes", action="store_true", help="fill enclosed holes")
    p.add_argument("--extend", type=non_negative, default=0.0, metavar="D", help=f"grow the mask by this distance {LENGTH}")
    _edge(p)
    p.add_argument("--invert", action="store_true", help="invert the mask (1 - mask)")
    p.add_argument("--pixel-size", type=positive_triple, metavar="Å|Z,Y,X", help="voxel size in Å, replacing the map's")
    _unit(p, "the map's pixel size")
    _output(p)
    _common(p)


def _combine_parsers(sub):
    for name, (operation, alias, text) in COMBINE.items():
        p = sub.add_parser(name, aliases=[alias] if alias else [], help=text, description=(
            f"{text[0].upper()}{text[1:]}. The masks must share one box; the result keeps the "
            "first mask's pixel size and origin, and its recipe holds the inputs' recipes."))
        p.set_defaults(command="combine", operation=operation)
        p.add_argument("masks", nargs="+", metavar="MASK", help="mask files, in order (at least two)")
        _output(p)
        _common(p)


def _soften_parser(sub):
    p = sub.add_parser("soften", help="give an existing mask a soft edge", description=(
        "Binarise a mask at --threshold and add a soft edge outside it. " + AXES_NOTE))
    p.set_defaults(command="soften")
    p.add_argument("mask", help="mask file")
    _edge(p, required=True)
    p.add_argument("--threshold", type=_number, default=0.5, metavar="T", help="values at or above T count as inside; default 0.5")
    _unit(p, "the mask's pixel size")
    _output(p)
    _common(p)


def _info_parser(sub):
    p = sub.add_parser("info", help="describe a mask or map", description=(
        "Print a file's shape (Z,Y,X), voxel size, origin, value range, volume (nm³), mass as "
        "protein (kDa, 0.81 Da/Å³), whether it touches the box edge, and whether it has a recipe."))
    p.set_defaults(command="info")
    p.add_argument("file", help="mask or map file")
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    _common(p)


def _recipe_parsers(sub):
    recipe = sub.add_parser("recipe", help="replay or show the recipe of a mask", description=(
        "Every mask cryomask writes carries its recipe in a sidecar file, <mask file>.json "
        "(mask.mrc.json, mask.em.json). Replaying it gives the same mask, byte for byte."))
    actions = recipe.add_subparsers(title="recipe commands", dest="recipe_command", metavar="{apply,show}", required=True)
    apply = actions.add_parser("apply", help="make the mask a recipe describes", description=(
        "Replay a recipe (a .json file, or a mask file whose sidecar holds it). Without -o the "
        "mask is described, not written."))
    apply.set_defaults(command="recipe-apply")
    apply.add_argument("recipe", help="recipe .json file, or a mask file with a sidecar recipe")
    apply.add_argument("--like", metavar="MAP", help="use this map's box, pixel size and origin (and its density for tight masks); lengths stay in voxels")
    apply.add_argument("-o", "--output", type=mask_file, metavar="PATH", help="mask file to write (.mrc, .map or .em)")
    apply.add_argument("--force", action="store_true", help="overwrite PATH (and PATH.json) if they exist")
    _common(apply)
    show = actions.add_parser("show", help="print a mask's recipe as JSON")
    show.set_defaults(command="recipe-show")
    show.add_argument("mask", help="mask file (its sidecar <mask>.json is read) or a recipe .json file")
    _common(show)


def _gui_parser(sub):
    p = sub.add_parser("gui", help="open napari with the cryomask widgets", description="Open napari with the cryomask widgets, optionally with a map.")
    p.set_defaults(command="gui")
    p.add_argument("map", nargs="?", help="map to open")
    p.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window to PNG and quit")
    _common(p)


def build_parser() -> argparse.ArgumentParser:
    """The ``cryomask`` parser with all its subcommands."""
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
    sub = parser.add_subparsers(title="commands", dest="subcommand", metavar="COMMAND", required=True, parser_class=CliParser)
    for name in SHAPE_HELP:
        _shape_parser(sub, name)
    _generate_parser(sub)
    _tight_parser(sub)
    _combine_parsers(sub)
    _soften_parser(sub)
    _info_parser(sub)
    _recipe_parsers(sub)
    _gui_parser(sub)
    return parser


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


def parse(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``); usage errors exit with code 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return build_parser().parse_args(join_negative_values(argv))
