"""``cryomask sphere|ellipsoid|cylinder|tube|cuboid|cone|shell`` and ``cryomask generate``. Qt-free."""

from __future__ import annotations

from ..core import shapes
from ..core.grid_check import warn_grid_mismatch
from ..io import read_volume
from ..recipes import apply_recipe, make_recipe
from .options import (
    AXES_NOTE,
    LENGTH,
    UsageError,
    add_debug,
    add_edge,
    add_output,
    add_placement,
    box,
    mask_name,
    non_negative,
    pixel_size,
    positive,
    positive_triple,
)
from .output import Lengths, check_output, known_voxel_size, roundtrip, write_mask

SHAPE_HELP = {
    "sphere": "a solid sphere",
    "ellipsoid": "an ellipsoid with semi-axes Z,Y,X",
    "cylinder": "a cylinder along z (before --angles)",
    "tube": "a hollow cylinder along z (before --angles)",
    "cuboid": "a box with edge lengths Z,Y,X and optionally rounded corners",
    "cone": "a cone along z, base at -height/2, apex at +height/2 (before --angles)",
    "shell": "a spherical shell (--radius) or an ellipsoidal shell (--radii)",
}


def add_shape_sizes(parser, name):
    """The size options of shape ``name`` (the options of ``cryomask NAME``), in their own group."""
    sizes = parser.add_argument_group("size")
    if name == "shell":
        radius = sizes.add_mutually_exclusive_group(required=True)
        radius.add_argument("--radius", type=positive, metavar="R", help=f"outer radius of a spherical shell {LENGTH}")
        radius.add_argument(
            "--radii", type=positive_triple, metavar="Z,Y,X", help=f"outer semi-axes Z,Y,X of an ellipsoidal shell {LENGTH}"
        )
        sizes.add_argument(
            "--thickness", type=positive, required=True, metavar="T", help=f"shell thickness, inside the outer surface {LENGTH}"
        )
        return
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
        sizes.add_argument(
            "--size", type=positive_triple, required=True, metavar="Z,Y,X",
            help=f"full edge lengths Z,Y,X (or one number for a cube) {LENGTH}",
        )
        sizes.add_argument(
            "--rounding", type=non_negative, default=0.0, metavar="R",
            help=f"corner radius, at most half the smallest edge {LENGTH}; default 0",
        )
    sizes.add_argument("--thickness", type=positive, metavar="T", help=f"keep only a shell this thick inside the surface {LENGTH}")


def add_commands(sub):
    for name in SHAPE_HELP:
        p = sub.add_parser(name, help=SHAPE_HELP[name], description=f"Write {SHAPE_HELP[name]} as a mask. {AXES_NOTE}")
        p.set_defaults(run=run_shape, shape=name)
        add_shape_sizes(p, name)
        add_placement(p)
        add_edge(p)
        add_output(p)
        add_debug(p)

    p = sub.add_parser("generate", help="a mask from a cryoCAT name such as sphere_r10", description=(
        "Write the mask cryoCAT's generate_mask makes from a name: sphere_r10, cylinder_r5_h20, "
        "s_shell_r10_s4, ellipsoid_rx4_ry6_rz8, e_shell_rx8_ry9_rz10_s2 (numbers in voxels, "
        "decimals allowed). " + AXES_NOTE))
    p.set_defaults(run=run_generate)
    p.add_argument("name", type=mask_name, help="cryoCAT mask name (voxels)")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--box", type=box, metavar="N|Z,Y,X", help="box size in voxels; default 2*max(numbers) + --expansion, rounded up to even"
    )
    source.add_argument("--like", metavar="MAP", help="take the box, pixel size and origin from this map")
    p.add_argument(
        "--expansion", type=non_negative, default=4.0, metavar="E", help="voxels added to 2*max(numbers) for the default box; default 4"
    )
    p.add_argument("--pixel-size", type=pixel_size, metavar="Å|Z,Y,X", help="voxel size in Å written into the header")
    add_output(p)
    add_debug(p)


def placement(args):
    """Box, voxel size and origin of a shape or generate command, and what to say when Å lack a voxel size."""
    like = read_volume(args.like) if args.like else None
    box = args.box or (like.data.shape if like is not None else None)
    voxel_size = args.pixel_size or (known_voxel_size(like) if like is not None else None)
    origin = tuple(like.origin) if like is not None else None
    if like is not None and args.pixel_size:
        warn_grid_mismatch(box, voxel_size, like.data.shape, known_voxel_size(like), mask=args.output, map=args.like)
    if like is not None and voxel_size is None:
        missing = f"{args.like} records none; give --pixel-size"
    else:
        missing = "give --pixel-size or --like MAP"
    return box, voxel_size, origin, missing


def shape_params(args, lengths) -> dict:
    """``shape_mask`` keywords (voxels) from a shape subcommand's options."""
    shape = args.shape
    if shape == "shell":
        shape = "ellipsoid" if args.radii is not None else "sphere"
    if shape == "tube" and args.inner_radius >= args.radius:
        raise UsageError(f"--inner-radius ({args.inner_radius:g}) must be smaller than --radius ({args.radius:g})")
    if shape == "cuboid" and args.rounding > min(args.size) / 2:
        raise UsageError(f"--rounding ({args.rounding:g}) must be at most half the smallest --size ({min(args.size):g})")
    scalars = ("radius", "height", "inner_radius", "rounding", "thickness")
    params = {"shape": shape}
    for name in scalars:
        value = getattr(args, name, None)
        if value is not None:
            params[name] = lengths.scalar(value, "--" + name.replace("_", "-"))
    for name in ("radii", "size", "center"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = lengths.triple(value, "--" + name)
    if getattr(args, "angles", None) is not None:
        params["angles"] = args.angles
    width = lengths.scalar(args.soft_edge, "--soft-edge")
    params["edge"], params["edge_width_px"] = (args.edge, width) if width > 0 else ("none", 0.0)
    solid = {k: v for k, v in params.items() if k in ("radius", "radii", "height", "inner_radius", "size", "rounding")}
    try:
        shapes.make_solid(shape, **solid)
    except ValueError as err:
        raise UsageError(str(err)) from None
    return params


def run_shape(args):
    """``cryomask sphere|ellipsoid|cylinder|tube|cuboid|cone|shell``: write a shape mask."""
    box, voxel_size, origin, missing = placement(args)
    lengths = Lengths(args.unit, voxel_size, missing)
    params = shape_params(args, lengths)
    check_output(args.output, args.force)
    recipe = make_recipe("shape", params, box_shape=box, voxel_size=voxel_size, origin=origin, command=args.command_line)
    mask, _ = apply_recipe(roundtrip(recipe))
    write_mask(args, recipe, mask, voxel_size, origin)


def run_generate(args):
    """``cryomask generate NAME``: write the mask cryoCAT's ``generate_mask`` makes from a name."""
    box, voxel_size, origin, _ = placement(args)
    check_output(args.output, args.force)
    params = {"name": args.name, "mask_size": box, "mask_expansion": args.expansion}
    recipe = make_recipe("generate", params, voxel_size=voxel_size, origin=origin, command=args.command_line)
    mask, _ = apply_recipe(roundtrip(recipe))
    recipe["box_shape"] = list(mask.shape)
    write_mask(args, recipe, mask, voxel_size, origin)
