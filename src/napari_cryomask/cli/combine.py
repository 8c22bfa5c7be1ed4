"""``cryomask union|subtract|intersect|difference`` and ``cryomask soften``. Qt-free."""

from __future__ import annotations

import numpy as np

from ..core import ops
from ..core.distance import soften
from ..io import read_volume
from ..recipes import make_recipe
from .options import AXES_NOTE, UsageError, add_debug, add_edge, add_output, add_unit, number
from .output import Lengths, check_output, input_recipe, known_voxel_size, read_masks, roundtrip, write_mask

COMBINE = {
    # subcommand: (core operation, alias, help)
    "union": ("union", None, "union of masks: clip(A + B + ..., 0, 1)"),
    "subtract": ("subtraction", "subtraction", "the first mask minus the others: clip(A - B - ..., 0, 1)"),
    "intersect": ("intersection", "intersection", "intersection of masks: A * B * ..."),
    "difference": ("difference", None, "where the masks differ: clip(union - intersection, 0, 1)"),
}


def add_commands(sub):
    for name, (operation, alias, text) in COMBINE.items():
        p = sub.add_parser(name, aliases=[alias] if alias else [], help=text, description=(
            f"{text[0].upper()}{text[1:]}. The masks must share one box; the result keeps the "
            "first mask's pixel size and origin, and its recipe holds the inputs' recipes."))
        p.set_defaults(run=run_combine, operation=operation)
        p.add_argument("masks", nargs="+", metavar="MASK", help="mask files, in order (at least two)")
        add_output(p)
        add_debug(p)

    p = sub.add_parser("soften", help="give an existing mask a soft edge", description=(
        "Binarise a mask at --threshold and add a soft edge outside it. " + AXES_NOTE))
    p.set_defaults(run=run_soften)
    p.add_argument("mask", help="mask file")
    add_edge(p, required=True)
    p.add_argument("--threshold", type=number, default=0.5, metavar="T", help="values at or above T count as inside; default 0.5")
    add_unit(p, "the mask's pixel size")
    add_output(p)
    add_debug(p)


def run_combine(args):
    """``cryomask union|subtract|intersect|difference``: combine mask files in order."""
    if len(args.masks) < 2:
        raise UsageError(f"{args.subcommand} needs at least two masks, got {len(args.masks)}")
    check_output(args.output, args.force)
    volumes = read_masks(args.masks)
    first = volumes[0]
    voxel_size = known_voxel_size(first)
    recipe = make_recipe(
        "combine", {"operation": args.operation}, box_shape=first.data.shape, voxel_size=voxel_size,
        origin=first.origin, inputs=[input_recipe(p, v) for p, v in zip(args.masks, volumes)],
        command=args.command_line,
    )
    mask = ops.OPERATIONS[args.operation]([np.asarray(v.data, np.float32) for v in volumes])
    write_mask(args, recipe, mask, voxel_size, first.origin)


def run_soften(args):
    """``cryomask soften MASK``: binarise a mask and give it a soft edge."""
    volume = read_volume(args.mask)
    voxel_size = known_voxel_size(volume)
    lengths = Lengths(args.unit, voxel_size, f"{args.mask} records none (convert the width to voxels)")
    width = lengths.scalar(args.soft_edge, "--soft-edge")
    edge = args.edge if width > 0 else "none"
    check_output(args.output, args.force)
    params = {"edge": edge, "edge_width_px": width if width > 0 else 0.0, "threshold": args.threshold}
    recipe = make_recipe(
        "soften", params, box_shape=volume.data.shape, voxel_size=voxel_size, origin=volume.origin,
        inputs=[input_recipe(args.mask, volume)], command=args.command_line,
    )
    p = roundtrip(recipe)["params"]
    mask = soften(np.asarray(volume.data, np.float32), p["edge"], p["edge_width_px"], p["threshold"])
    write_mask(args, recipe, mask, voxel_size, volume.origin)
