"""``cryomask symmetrize|helix|clip|apply|resample``: the last mile of a mask. Qt-free."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..core.apply import OUTSIDE
from ..core.copies import MODES
from ..core.grid_check import warn_grid_mismatch
from ..core.helix import units_in_box
from ..core.symmetry import GROUP_NAMES, parse_group, symmetry_operators
from ..io import read_volume
from ..recipes import apply_recipe, data_digest, make_recipe, write_with_recipe
from .options import (
    AXES_NOTE,
    LENGTH,
    SOFT_EDGES,
    UsageError,
    add_debug,
    add_output,
    add_unit,
    non_negative,
    number,
    pixel_size,
    positive,
    positive_triple,
    triple,
    whole_at_least_one,
)
from .output import Lengths, check_output, input_recipe, known_voxel_size, roundtrip, triple_text, write_mask


def group_name(text):
    """A point group name such as C4, D2, T, O, I or I3."""
    try:
        parse_group(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a symmetry group; use {GROUP_NAMES}") from None
    return text.strip().upper()


def share(text):
    """A number above 0 and at most 1."""
    value = number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, got {text}")
    return value


def _add_mask(p):
    p.add_argument("mask", help="mask file (.mrc, .map or .em); its recipe sidecar, when current, is carried on")


def _add_copies(p, what):
    p.add_argument("--center", type=triple, metavar="Z,Y,X", help=f"centre of the {what}, Z,Y,X from voxel [0,0,0] {LENGTH}; "
                   "default: the box centre, size//2 per axis")
    p.add_argument("--mode", choices=MODES, default="union", help="union (default): the maximum of the copies, soft edges kept; "
                   "average: their mean, then inside where it reaches --threshold, with the mask's soft edge rebuilt")
    p.add_argument("--threshold", type=share, default=0.5, metavar="T",
                   help="with --mode average: the share of the copies a voxel needs; default 0.5")


def add_commands(sub):
    p = sub.add_parser("symmetrize", aliases=["symmetrise"], help="impose point-group symmetry on a mask", description=(
        "Unite (or average) the copies of a mask under a point group, in RELION's settings: Cn about z; Dn with a 2-fold "
        "on x; T, O; I = I2 (Crowther 222, RELION's default), I1 (no-Crowther 222), I3 and I4 (52 settings). Rotations "
        "are right-handed about the centre. A mask whose recipe is one shape is moved exactly, copy by copy; any other "
        "mask is resampled (linear interpolation). " + AXES_NOTE))
    p.set_defaults(run=run_symmetrize)
    _add_mask(p)
    p.add_argument("--sym", type=group_name, required=True, metavar="GROUP", help=f"point group: {GROUP_NAMES}")
    _add_copies(p, "symmetry (on every symmetry axis)")
    add_unit(p, "the mask's pixel size")
    add_output(p)
    add_debug(p)

    p = sub.add_parser("helix", help="keep the central part of a helical mask along z; impose helical symmetry", description=(
        "Keep the central --z-fraction of the box along z with a cosine taper outside it, as RELION's --helix "
        "--z_percentage does; with --twist and --rise, first unite (or average) --units copies of the mask, copy k "
        "turned by k*twist about z (right-handed: x towards y) and raised by k*rise along +z (RELION's unit numbering). "
        + AXES_NOTE))
    p.set_defaults(run=run_helix)
    _add_mask(p)
    p.add_argument("--z-fraction", type=share, default=0.3, metavar="F",
                   help="share of the box length along z kept around its centre plane; default 0.3 (RELION's 30 %%); 1 keeps all")
    p.add_argument("--soft-edge", type=non_negative, default=None, metavar="W",
                   help=f"width of the cosine taper outside the kept part {LENGTH}; default 5 voxels, as RELION")
    sym = p.add_argument_group("helical symmetry")
    sym.add_argument("--twist", type=number, metavar="DEG", help="helical twist between neighbouring units, degrees")
    sym.add_argument("--rise", type=non_negative, metavar="R", help=f"helical rise between neighbouring units along z {LENGTH}")
    sym.add_argument("--units", type=whole_at_least_one, metavar="N",
                     help="number of units; default: every unit whose rise stays within half the box")
    _add_copies(sym, "helix (a point on its axis, which runs along z)")
    add_unit(p, "the mask's pixel size")
    add_output(p)
    add_debug(p)

    p = sub.add_parser("clip", help="clip a mask by an outer sphere or box", description=(
        "Set the mask to 0 beyond a sphere (--radius) or outside a box (--box), around --center. An optional cosine "
        "taper (--soft-edge) lies inside that limit, so nothing is kept beyond it. " + AXES_NOTE))
    p.set_defaults(run=run_clip)
    _add_mask(p)
    by = p.add_mutually_exclusive_group(required=True)
    by.add_argument("--radius", type=positive, metavar="R", help=f"keep nothing farther than R from the centre {LENGTH}")
    by.add_argument("--box", type=positive_triple, metavar="Z,Y,X", help=f"keep nothing outside a box of these edge lengths {LENGTH}")
    p.add_argument("--center", type=triple, metavar="Z,Y,X", help=f"centre of the sphere or box {LENGTH}; default: the box centre")
    p.add_argument("--soft-edge", type=non_negative, default=0.0, metavar="W", help=f"cosine taper inside the limit {LENGTH}; default 0")
    add_unit(p, "the mask's pixel size")
    add_output(p)
    add_debug(p)

    p = sub.add_parser("apply", help="apply a mask to a map (what the alignment sees)", description=(
        "Multiply a map by a mask. --outside mean fills outside the mask with the map's mean there, --outside lowpass "
        "with the map low-passed to --lowpass Å, so the soft edge blends into the background. The output is a map "
        "(with the map's pixel size and origin) and carries its recipe. " + AXES_NOTE))
    p.set_defaults(run=run_apply)
    _add_mask(p)
    p.add_argument("map", help="density map (.mrc, .map or .em), on the mask's grid")
    p.add_argument("--outside", choices=OUTSIDE, default="zero", help="fill outside the mask with zero (default), the mean, or a low-pass")
    p.add_argument("--lowpass", type=positive, metavar="Å", help="with --outside lowpass: its resolution, always Å")
    add_output(p)
    add_debug(p)

    p = sub.add_parser("resample", help="put a mask onto another map's grid", description=(
        "Resample a mask onto the voxel size, box and origin of --like MAP: its 0.5 contour is carried over (linear "
        "interpolation, then binarised at 0.5) and its soft edge is rebuilt on the new grid with its width kept in Å. "
        "The edge comes from the mask's recipe, else it is estimated from the mask (--soft-edge and --edge override). "
        + AXES_NOTE))
    p.set_defaults(run=run_resample)
    _add_mask(p)
    p.add_argument("--like", required=True, metavar="MAP", help="the map whose grid the mask goes onto")
    p.add_argument("--pixel-size", type=pixel_size, metavar="Å|Z,Y,X", help="the mask's voxel size in Å, when its header has none")
    p.add_argument("--soft-edge", type=non_negative, metavar="W", help=f"the mask's soft edge width {LENGTH}, instead of its recipe's")
    p.add_argument("--edge", choices=SOFT_EDGES, default=None, help="the soft edge profile with --soft-edge (default cosine)")
    add_unit(p, "the mask's pixel size")
    add_output(p)
    add_debug(p)


def _read_mask(args):
    volume = read_volume(args.mask)
    return volume, known_voxel_size(volume), input_recipe(args.mask, volume)


def _no_pixel(args):
    return f"{args.mask} records none (give lengths in voxels)"


def _copy_params(args, lengths, source, mask):
    """Centre, mode, threshold and (for an average) the rebuilt edge of a symmetrize or helix recipe."""
    params = {"center": lengths.triple(args.center, "--center"), "mode": args.mode, "threshold": args.threshold}
    if args.mode == "average":
        from ..recipes.tools import edge_of  # imported on use: building the parser stays cheap

        params["edge"], params["edge_width_px"] = edge_of(source, np.asarray(mask, np.float32))
    return params


def _method(source, voxel_size):
    exact = source.get("operation") == "shape" and (voxel_size is None or len(set(voxel_size)) == 1)
    return "each copy the recipe's shape moved exactly" if exact else "resampled with linear interpolation"


def run_symmetrize(args):
    """``cryomask symmetrize MASK --sym GROUP``."""
    volume, voxel_size, source = _read_mask(args)
    lengths = Lengths(args.unit, voxel_size, _no_pixel(args))
    check_output(args.output, args.force)
    params = {"group": args.sym, **_copy_params(args, lengths, source, volume.data)}
    recipe = make_recipe(
        "symmetrize", params, box_shape=volume.data.shape, voxel_size=voxel_size, origin=volume.origin,
        inputs=[source], command=args.command_line,
    )
    mask, _ = apply_recipe(roundtrip(recipe))
    print(f"symmetry {args.sym}: {len(symmetry_operators(args.sym))} copies, {_method(source, voxel_size)} ({args.mode})")
    write_mask(args, recipe, mask, voxel_size, volume.origin)


def run_helix(args):
    """``cryomask helix MASK --z-fraction F [--twist DEG --rise R --units N]``."""
    from ..recipes.tools import MAX_HELIX_UNITS  # imported on use: building the parser stays cheap

    if (args.twist is None) != (args.rise is None):
        raise UsageError("--twist and --rise go together")
    if args.twist is None and args.units is not None:
        raise UsageError("--units needs --twist and --rise")
    volume, voxel_size, source = _read_mask(args)
    lengths = Lengths(args.unit, voxel_size, _no_pixel(args))
    taper = 5.0 if args.soft_edge is None else lengths.scalar(args.soft_edge, "--soft-edge")
    check_output(args.output, args.force)
    params = {"z_fraction": args.z_fraction, "z_edge_px": taper}
    if args.twist is not None:
        rise = args.rise if lengths.unit == "voxel" else args.rise / voxel_size[0]  # along z
        if rise <= 0:
            raise UsageError("--rise must be positive")
        units = args.units or units_in_box(volume.data.shape[0], rise)
        if units > MAX_HELIX_UNITS:
            raise UsageError(f"--rise {args.rise:g} gives {units:.3g} units in the box; at most {MAX_HELIX_UNITS} "
                             "(give a larger --rise or --units)")
        params.update(twist_deg=args.twist, rise_px=rise, units=units, **_copy_params(args, lengths, source, volume.data))
        size = f" = {rise * voxel_size[0]:g} Å" if voxel_size else ""
        print(f"helix: {units} units, twist {args.twist:g}°, rise {rise:g} voxels{size}, {_method(source, voxel_size)} ({args.mode})")
    recipe = make_recipe(
        "helix", params, box_shape=volume.data.shape, voxel_size=voxel_size, origin=volume.origin,
        inputs=[source], command=args.command_line,
    )
    mask, _ = apply_recipe(roundtrip(recipe))
    write_mask(args, recipe, mask, voxel_size, volume.origin)


def run_clip(args):
    """``cryomask clip MASK (--radius R | --box Z,Y,X)``."""
    volume, voxel_size, source = _read_mask(args)
    lengths = Lengths(args.unit, voxel_size, _no_pixel(args))
    width = lengths.scalar(args.soft_edge, "--soft-edge")
    if args.radius is not None:
        radius = lengths.scalar(args.radius, "--radius")
        if width >= radius:
            raise UsageError(f"--soft-edge ({args.soft_edge:g}) must be smaller than --radius ({args.radius:g})")
        params = {"by": "sphere", "radius": radius}
    else:
        size = lengths.triple(args.box, "--box")
        if 2 * width >= min(size):
            raise UsageError(f"--soft-edge ({args.soft_edge:g}) must be smaller than half the smallest --box edge")
        params = {"by": "box", "size": size}
    params.update(center=lengths.triple(args.center, "--center"), edge_width_px=width)
    check_output(args.output, args.force)
    recipe = make_recipe(
        "clip", params, box_shape=volume.data.shape, voxel_size=voxel_size, origin=volume.origin,
        inputs=[source], command=args.command_line,
    )
    mask, _ = apply_recipe(roundtrip(recipe))
    write_mask(args, recipe, mask, voxel_size, volume.origin)


def run_apply(args):
    """``cryomask apply MASK MAP``: write the masked map and its recipe."""
    if args.outside == "lowpass" and args.lowpass is None:
        raise UsageError("--outside lowpass needs --lowpass Å")
    if args.lowpass is not None and args.outside != "lowpass":
        raise UsageError("--lowpass goes with --outside lowpass")
    volume, voxel_size, source = _read_mask(args)
    density = read_volume(args.map)
    map_voxel_size = known_voxel_size(density)
    if density.data.shape != volume.data.shape:
        raise ValueError(
            f"{args.mask} is {'x'.join(map(str, volume.data.shape))} voxels but {args.map} is "
            f"{'x'.join(map(str, density.data.shape))}; put the mask on the map's grid first "
            f"(cryomask resample {args.mask} --like {args.map})"
        )
    warn_grid_mismatch(volume.data.shape, voxel_size, density.data.shape, map_voxel_size, mask=args.mask, map=args.map)
    if args.outside == "lowpass" and map_voxel_size is None:
        raise UsageError(f"--lowpass needs the map's pixel size: {args.map} records none")
    check_output(args.output, args.force)
    recipe = make_recipe(
        "apply", {"outside": args.outside, "lowpass_A": args.lowpass}, box_shape=density.data.shape,
        voxel_size=map_voxel_size, origin=density.origin, inputs=[source], map=str(Path(args.map).resolve()),
        map_sha256=data_digest(density.data), command=args.command_line,
    )
    masked, _ = apply_recipe(roundtrip(recipe))
    write_map(args, recipe, masked, map_voxel_size, density.origin, f"the map {args.map} masked by {args.mask}, outside: {args.outside}")


def write_map(args, recipe, data, voxel_size, origin, what="a masked map"):
    """Write a masked map (not a mask: no volume, no edge check) and its recipe, then one line about them."""
    sidecar = write_with_recipe(args.output, data, recipe, voxel_size=voxel_size, origin=origin, overwrite=args.force)
    print(f"wrote {args.output} ({'x'.join(map(str, data.shape))} voxels, {what}) and its recipe {sidecar}")


def run_resample(args):
    """``cryomask resample MASK --like MAP``."""
    from ..recipes.tools import edge_of, known_edge  # imported on use: building the parser stays cheap

    volume, voxel_size, source = _read_mask(args)
    voxel_size = args.pixel_size or voxel_size
    if voxel_size is None:
        raise UsageError(f"{args.mask} records no pixel size; give it with --pixel-size")
    like = read_volume(args.like)
    like_voxel_size = known_voxel_size(like)
    if like_voxel_size is None:
        raise UsageError(f"{args.like} records no pixel size, so there is no grid in Å to resample onto")
    lengths = Lengths(args.unit, voxel_size, _no_pixel(args))
    if args.soft_edge is not None:
        width = lengths.scalar(args.soft_edge, "--soft-edge")
        edge, how = (args.edge or "cosine", "given") if width > 0 else ("none", "given")
    elif args.edge is not None:
        raise UsageError("--edge goes with --soft-edge")
    else:
        edge, width = edge_of(source, volume.data)
        how = "from its recipe" if known_edge(source) is not None else "estimated from the mask"
    width_A = float(width) * min(voxel_size) if edge != "none" else 0.0
    check_output(args.output, args.force)
    params = {
        "from_voxel_size": voxel_size, "from_origin": volume.origin, "edge": edge if width_A > 0 else "none",
        "edge_width_A": width_A, "level": 0.5,
    }
    recipe = make_recipe(
        "resample", params, box_shape=like.data.shape, voxel_size=like_voxel_size, origin=like.origin,
        inputs=[source], like=str(Path(args.like).resolve()), command=args.command_line,
    )
    mask, _ = apply_recipe(roundtrip(recipe))
    edge_text = "hard edge" if params["edge"] == "none" else f"{edge} edge {width_A:g} Å"
    print(f"resampled {args.mask} ({triple_text(voxel_size)} Å) onto {args.like} ({triple_text(like_voxel_size)} Å, "
          f"{'x'.join(map(str, like.data.shape))} voxels); {edge_text} ({how}) = {width_A / min(like_voxel_size):g} voxels there")
    write_mask(args, recipe, mask, like_voxel_size, like.origin)

