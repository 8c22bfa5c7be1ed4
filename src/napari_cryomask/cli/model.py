"""``cryomask model MODEL``: a mask from an atomic model (PDB or mmCIF) on a map's grid. Qt-free."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..io import read_volume, write_volume
from ..recipes import make_recipe
from .options import (
    AXES_NOTE,
    LENGTH,
    UsageError,
    add_debug,
    add_edge,
    add_output,
    add_unit,
    box,
    mask_file,
    non_negative,
    number,
    pixel_size,
    positive,
    triple,
)
from .output import Lengths, check_output, known_voxel_size, roundtrip, triple_text, write_mask

DEFAULT_ENCLOSE = 95.0


def _percent(text):
    value = number(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 100 (%), got {text}")
    return value


def add_commands(sub):
    p = sub.add_parser("model", help="a mask from an atomic model's density", description=(
        "Simulate the model's density on the map's grid as ChimeraX's molmap does (a Gaussian per "
        "atom weighted by its atomic number, sigma = 0.225 x resolution), threshold it, extend "
        "and soften. The model must be fitted in the map's frame (its coordinates in Å as in "
        "ChimeraX). " + AXES_NOTE))
    p.set_defaults(run=run_model)
    p.add_argument("model", help="atomic model (.pdb, .ent, .cif, .mmcif, optionally .gz)")
    grid = p.add_argument_group("grid")
    source = grid.add_mutually_exclusive_group(required=True)
    source.add_argument("--like", metavar="MAP", help="the map whose box, pixel size and origin the mask takes")
    source.add_argument("--box", type=box, metavar="N|Z,Y,X", help="box size in voxels (with --pixel-size)")
    grid.add_argument("--pixel-size", type=pixel_size, metavar="Å|Z,Y,X", help="voxel size in Å (wins over the --like map's)")
    grid.add_argument("--origin", type=triple, metavar="Z,Y,X", help="Å position of voxel [0,0,0] with --box; default 0,0,0")
    p.add_argument("--resolution", type=positive, required=True, metavar="Å", help="resolution of the simulated density (Å)")
    level = p.add_mutually_exclusive_group()
    level.add_argument("--threshold", type=number, metavar="T", help="density threshold (molmap units: atomic number per Å³)")
    level.add_argument(
        "--enclose", type=_percent, metavar="PERCENT",
        help=f"threshold enclosing this share of the model's density; default {DEFAULT_ENCLOSE:g}",
    )
    p.add_argument("--extend", type=non_negative, default=0.0, metavar="D", help=f"grow the mask by this distance {LENGTH}")
    add_edge(p)
    add_unit(p, "the pixel size")
    p.add_argument("--save-density", type=mask_file, metavar="PATH", help="also write the simulated density (no recipe) to PATH")
    add_output(p)
    add_debug(p)


def _grid(args):
    """Box, voxel size and origin of the mask, and what to say when the voxel size is missing."""
    if args.like:
        if args.origin is not None:
            raise UsageError("--origin goes with --box; the --like map has its own")
        like = read_volume(args.like)
        voxel_size = args.pixel_size or known_voxel_size(like)
        if voxel_size is None:
            raise UsageError(f"{args.like} records no pixel size; give --pixel-size")
        return like.data.shape, voxel_size, tuple(like.origin)
    if args.pixel_size is None:
        raise UsageError("--box needs --pixel-size (Å): the model's coordinates are in Å")
    return args.box, args.pixel_size, tuple(args.origin or (0.0, 0.0, 0.0))


def run_model(args):
    """``cryomask model MODEL``: write a mask made from the model's simulated density."""
    from ..recipes.model import model_recipe_mask  # imported on use: building the parser stays cheap
    from ..recipes.particles import file_sha256

    box_shape, voxel_size, origin = _grid(args)
    lengths = Lengths(args.unit, voxel_size, "give --pixel-size")
    extend = lengths.scalar(args.extend, "--extend")
    width = lengths.scalar(args.soft_edge, "--soft-edge")
    check_output(args.output, args.force)
    if args.save_density:
        check_output(args.save_density, args.force)
        if Path(args.save_density).resolve() == Path(args.output).resolve():
            raise UsageError("--save-density and -o name the same file")
    percent = None if args.threshold is not None else (args.enclose or DEFAULT_ENCLOSE)
    params = {
        "resolution_A": args.resolution,
        "threshold": args.threshold,
        "enclose_percent": percent,
        "extend_px": extend,
        "edge": args.edge if width > 0 else "none",
        "edge_width_px": width if width > 0 else 0.0,
    }
    recipe = make_recipe(
        "model", params, box_shape=box_shape, voxel_size=voxel_size, origin=origin,
        model=str(Path(args.model).resolve()), model_sha256=file_sha256(args.model), command=args.command_line,
    )
    made = model_recipe_mask(roundtrip(recipe), tuple(recipe["box_shape"]), tuple(recipe["voxel_size"]), tuple(recipe["origin"]))
    rule = "given" if percent is None else f"encloses {percent:g}% of the model's density"
    print(f"threshold {made.threshold:.6g} ({rule}); voxels {triple_text(voxel_size)} Å, origin {triple_text(origin)} Å")
    if args.save_density:
        write_volume(args.save_density, made.density, voxel_size=voxel_size, origin=origin, overwrite=args.force)
        print(f"wrote the simulated density to {args.save_density}")
    write_mask(args, recipe, made.mask, voxel_size, origin)
