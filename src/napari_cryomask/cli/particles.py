"""``cryomask particles LIST``: a shape or a mask placed at every particle of a particle list. Qt-free.

The tomogram-sized result is computed and written a slab at a time (never whole in memory); its
recipe replays with ``cryomask recipe apply`` to the same bytes.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from ..io import read_volume
from ..recipes import data_digest, make_recipe, write_with_recipe
from .options import (
    AXES_NOTE,
    CliParser,
    UsageError,
    add_debug,
    add_edge,
    add_output,
    add_unit,
    box,
    pixel_size,
    triple,
)
from .output import Lengths, check_output, known_voxel_size, roundtrip, triple_text
from .shapes import SHAPE_HELP, add_shape_sizes, shape_params

DESCRIPTION = (
    "Place a shape (--shape, with the size options of 'cryomask NAME') or a mask file (--mask) at every "
    "particle of a particle list, at its position and orientation, in a tomogram-sized box. Lists: "
    "cryoCAT/AV3/TOM motive lists (.em), RELION 3.1-5 and STOPGAP .star files, Dynamo .tbl tables; each "
    "format's position origin and Euler angles are converted as the README's conventions table says. "
    "The result is the union (largest value at each voxel; float32, or uint8 0/1) or, with --labels, "
    "a label per particle or per class. " + AXES_NOTE
)


def add_commands(sub):
    p = sub.add_parser("particles", help="a shape or a mask at every particle of a particle list", description=DESCRIPTION)
    p.set_defaults(run=run_particles)
    p.add_argument("list", metavar="LIST", help="particle list: motive list .em, RELION or STOPGAP .star, Dynamo .tbl")
    tomogram = p.add_argument_group("tomogram")
    source = tomogram.add_mutually_exclusive_group(required=True)
    source.add_argument("--like", metavar="TOMO", help="take the box, pixel size and origin from this tomogram (only its header is read)")
    source.add_argument("--box", type=box, metavar="Z,Y,X", help="tomogram size in voxels (always voxels): N or Z,Y,X")
    tomogram.add_argument(
        "--pixel-size", type=pixel_size, metavar="Å|Z,Y,X",
        help="the tomogram's voxel size in Å (wins over --like's); particle positions are put in voxels of this size",
    )
    tomogram.add_argument(
        "--tomo", metavar="NAME",
        help="place the particles of this tomogram (its number or name); default: the list's only one, or the one named like --like",
    )
    tomogram.add_argument(
        "--tomograms", metavar="STAR",
        help="RELION 5: the tomograms STAR file giving each tomogram's size; without it the box's centre is the tomogram's",
    )
    placed = p.add_argument_group("what to place")
    what = placed.add_mutually_exclusive_group(required=True)
    what.add_argument("--shape", choices=tuple(SHAPE_HELP), help="place this shape; its size options follow")
    what.add_argument(
        "--mask", metavar="MASK",
        help="place this mask (values in [0, 1]), centred at its box centre size//2, scaled by its pixel size to the tomogram's",
    )
    placed.add_argument(
        "--offset", type=triple, metavar="Z,Y,X",
        help="where the shape's or mask's centre sits in the particle's frame, Z,Y,X from the particle's centre "
        "(voxels, or Å with --unit angstrom); default 0,0,0",
    )
    placed.add_argument(
        "--angles", type=triple, metavar="PHI,THETA,PSI",
        help="turn of the shape or mask in the particle's frame: Euler angles in degrees, ZXZ, as in cryoCAT",
    )
    add_unit(placed, "--pixel-size or the --like tomogram's pixel size")
    _add_all_sizes(p)
    add_edge(p)
    result = p.add_argument_group("result")
    result.add_argument(
        "--labels", nargs="?", const="particle", choices=("particle", "class"),
        help="write labels instead of the union: one id per particle (1..N, the default) or the class number",
    )
    result.add_argument(
        "--dtype", choices=("float32", "uint8"), default="float32",
        help="of the union: float32 keeps soft edges (default); uint8 holds 1 where the union is at least 0.5",
    )
    add_output(p)
    add_debug(p)


def _size_actions():
    """The size options of every shape subcommand, each once (the first definition's help)."""
    seen = {}
    for name in SHAPE_HELP:
        scratch = argparse.ArgumentParser(add_help=False)
        add_shape_sizes(scratch, name)
        for action in scratch._actions:
            seen.setdefault(action.option_strings[0], action)
    return list(seen.values())


def _add_all_sizes(parser):
    group = parser.add_argument_group("size", "the size options of 'cryomask NAME' for --shape NAME; see 'cryomask NAME --help'")
    for action in _size_actions():
        group.add_argument(*action.option_strings, dest=action.dest, type=action.type, metavar=action.metavar, help=action.help)


class _SizeCheck(CliParser):
    """Parses the size options given against the rules of one shape; errors are usage errors."""

    def error(self, message):
        raise UsageError(f"--shape {self.prog}: {message}")


def _checked_sizes(args) -> argparse.Namespace:
    """The size options as ``cryomask SHAPE`` parses them: required ones present, foreign ones refused."""
    checker = _SizeCheck(prog=args.shape, add_help=False)
    add_shape_sizes(checker, args.shape)
    given = []
    for action in _size_actions():
        value = getattr(args, action.dest, None)
        if value is not None:
            given += [action.option_strings[0], ",".join(f"{v!r}" for v in value) if isinstance(value, tuple) else repr(value)]
    sizes = checker.parse_args(given)
    for name in ("shape", "soft_edge", "edge", "angles"):
        setattr(sizes, name, getattr(args, name))
    sizes.center = None
    return sizes


def _tomogram(args):
    """Box, voxel size (Å, (z, y, x) or None) and origin of the tomogram, and what to say when Å lack one."""
    if args.like:
        from ..io.particles import tomogram_geometry  # imported on use: building the parser stays cheap

        shape, voxel_size, origin = tomogram_geometry(args.like)
        missing = f"{args.like} records none; give --pixel-size"
    else:
        shape, voxel_size, origin, missing = args.box, None, None, "give --pixel-size or --like TOMO"
    if args.pixel_size:
        voxel_size = args.pixel_size
    if len(set(np.round(voxel_size, 6))) > 1 if voxel_size else False:
        raise UsageError(f"the tomogram's voxel size {triple_text(voxel_size)} Å differs between axes; particle positions need one")
    return tuple(shape), voxel_size, origin, missing


def _which_tomogram(args, particles):
    """The tomogram whose particles to place: --tomo, else the list's only one, else the one named like --like."""
    if args.tomo is not None:
        particles.select(args.tomo)
        return args.tomo
    names = particles.tomograms
    if len(names) <= 1:
        return None
    if args.like and particles.named_like(args.like) is not None:
        return str(particles.named_like(args.like))
    shown = ", ".join(map(str, names[:8])) + (", ..." if len(names) > 8 else "")
    raise UsageError(f"{args.list} holds particles of {len(names)} tomograms ({shown}); choose one with --tomo")


def _object_params(args, lengths, voxel_size) -> dict:
    if args.mask:
        from ..recipes.particles import tomogram_voxel  # imported on use: building the parser stays cheap

        volume = read_volume(args.mask)
        mask_voxel = known_voxel_size(volume)
        if mask_voxel is None and voxel_size is not None:
            warnings.warn(f"{args.mask} records no pixel size; its voxels are taken as the tomogram's", stacklevel=2)
        return {
            "mask": str(Path(args.mask).resolve()), "mask_sha256": data_digest(volume.data),
            "mask_voxel_size": None if mask_voxel is None else tomogram_voxel(mask_voxel),
            "angles": args.angles,
        }
    params = shape_params(_checked_sizes(args), lengths)
    return params


def run_particles(args):
    """``cryomask particles LIST``: write a tomogram-sized mask of a shape or mask at every particle."""
    # imported on use, not at the top: building the parser of every command stays cheap
    from ..io.particles import read_particles
    from ..recipes.particles import file_sha256, plan_of, tomogram_voxel

    box_shape, voxel_size, origin, missing = _tomogram(args)
    lengths = Lengths(args.unit, voxel_size, missing)
    if args.labels and args.dtype != "float32":
        raise UsageError("--dtype applies to the union; labels are written as integers (uint16, or float32 above 65,535)")
    if args.shape and args.dtype == "uint8" and args.soft_edge:
        raise UsageError("a soft edge needs --dtype float32: uint8 holds 0 and 1 only")
    if args.mask and args.soft_edge:
        raise UsageError("--soft-edge applies to --shape; give the mask its soft edge first (cryomask soften)")
    listed = read_particles(args.list, voxel_size=tomogram_voxel(voxel_size), tomograms=args.tomograms or box_shape)
    if voxel_size is None and listed.voxel_size is not None:
        warnings.warn(
            f"{args.list} gives positions in pixels of {listed.voxel_size:g} Å and the tomogram's pixel size is unknown; "
            "they are placed as if its voxels were that size (give --pixel-size if they are not)",
            stacklevel=2,
        )
    tomo = _which_tomogram(args, listed)
    params = {
        "list": str(Path(args.list).resolve()), "list_sha256": file_sha256(args.list), "tomo": tomo,
        "tomograms": str(Path(args.tomograms).resolve()) if args.tomograms else None,
        **_object_params(args, lengths, voxel_size),
        "offset": lengths.triple(args.offset, "--offset"),
        "labels": args.labels, "dtype": args.dtype,
    }
    check_output(args.output, args.force)
    recipe = make_recipe("particles", params, box_shape=box_shape, voxel_size=voxel_size, origin=origin, command=args.command_line)
    saved = roundtrip(recipe)
    plan = plan_of(saved, tuple(box_shape), None if voxel_size is None else tuple(voxel_size))
    _warn_about_positions(args, plan)
    sidecar = write_with_recipe(args.output, plan, recipe, voxel_size=voxel_size, origin=origin, overwrite=args.force)
    what = f"labels ({plan.dtype})" if args.labels else f"{plan.dtype} union"
    size = f"{triple_text(voxel_size)} Å voxels" if voxel_size else "voxel size unknown"
    print(f"wrote {args.output} ({'x'.join(map(str, box_shape))} voxels, {size}, {what} of {len(plan)} particles) and its recipe {sidecar}")


def _warn_about_positions(args, plan):
    count = len(plan)
    if count == 0:
        warnings.warn(f"{args.list} has no particles here; {args.output} is empty", stacklevel=2)
        return
    box = np.asarray(plan.box_shape)
    outside = int(np.sum(np.any((plan.positions < -0.5) | (plan.positions > box - 0.5), axis=1)))
    reached = int(np.sum(np.all(plan.lo < plan.hi, axis=1)))
    if reached == 0:
        warnings.warn(
            f"no particle of {args.list} reaches the {triple_text(box)} box: {args.output} is empty; "
            "check --pixel-size (positions are put in voxels of the tomogram's pixel size) and --tomo",
            stacklevel=2,
        )
    elif outside:
        warnings.warn(f"{outside} of {count} particles lie outside the box; only their parts inside are placed", stacklevel=2)
