"""``cryomask tight MAP``: a tight mask around the density of a map. Qt-free."""

from __future__ import annotations

from pathlib import Path

from ..core.thresholds import default_threshold, mass_threshold, otsu_threshold, sigma_threshold
from ..core.tight import lowpass
from ..io import Volume, read_volume
from ..recipes import apply_recipe, make_recipe
from .options import (
    AXES_NOTE,
    LENGTH,
    UsageError,
    add_debug,
    add_edge,
    add_output,
    add_unit,
    non_negative,
    number,
    pixel_size,
    positive,
    whole_at_least_one,
)
from .output import Lengths, check_output, known_voxel_size, roundtrip, write_mask


def add_commands(sub):
    p = sub.add_parser("tight", help="a tight mask around the density of a map", description=(
        "Threshold a map, keep its largest regions, extend them and add a soft edge. The mask "
        "keeps the map's pixel size and origin. " + AXES_NOTE))
    p.set_defaults(run=run_tight)
    p.add_argument("map", help="density map (.mrc, .map or .em)")
    level = p.add_mutually_exclusive_group()
    level.add_argument("--threshold", type=number, metavar="T", help="density threshold; default: Otsu's threshold of the map")
    level.add_argument("--sigma", type=number, metavar="K", help="threshold at mean + K std of the map")
    level.add_argument("--otsu", action="store_true", help="threshold by Otsu's method")
    level.add_argument("--mass", type=positive, metavar="KDA", help="threshold that encloses this mass of protein (kDa, 0.81 Da/Å³)")
    p.add_argument(
        "--lowpass", type=positive, metavar="Å",
        help="low-pass the map to this resolution first (always Å); --sigma, --otsu and --mass then use the filtered map",
    )
    p.add_argument("--regions", type=whole_at_least_one, default=1, metavar="N", help="keep the N largest connected regions; default 1")
    p.add_argument("--fill-holes", action="store_true", help="fill enclosed holes")
    p.add_argument("--extend", type=non_negative, default=0.0, metavar="D", help=f"grow the mask by this distance {LENGTH}")
    add_edge(p)
    p.add_argument("--invert", action="store_true", help="invert the mask (1 - mask)")
    p.add_argument("--pixel-size", type=pixel_size, metavar="Å|Z,Y,X", help="voxel size in Å, replacing the map's")
    add_unit(p, "the map's pixel size")
    add_output(p)
    add_debug(p)


def _threshold(args, density, voxel_size):
    """The threshold the options ask for, and a record of how it was chosen."""
    if args.threshold is not None:
        return args.threshold, {"given": args.threshold}
    basis = density if args.lowpass is None else lowpass(density, args.lowpass, voxel_size)
    where = "" if args.lowpass is None else f" after a {args.lowpass:g} Å low-pass"
    if args.sigma is not None:
        return sigma_threshold(basis, args.sigma), {"rule": f"mean + {args.sigma:g} std{where}"}
    if args.otsu:
        return otsu_threshold(basis), {"rule": f"Otsu{where}"}
    if args.mass is not None:
        return mass_threshold(basis, args.mass, voxel_size), {"rule": f"encloses {args.mass:g} kDa{where}"}
    return default_threshold(basis), {"rule": f"default: Otsu{where}"}


def run_tight(args):
    """``cryomask tight MAP``: write a tight mask with the map's voxel size and origin."""
    volume = read_volume(args.map)
    voxel_size = args.pixel_size or known_voxel_size(volume)
    missing = f"{args.map} records none; give --pixel-size"
    if voxel_size is None and (args.lowpass or args.mass):
        raise UsageError(f"{'--lowpass' if args.lowpass else '--mass'} needs the map's pixel size: {missing}")
    lengths = Lengths(args.unit, voxel_size, missing)
    extend = lengths.scalar(args.extend, "--extend")
    width = lengths.scalar(args.soft_edge, "--soft-edge")
    check_output(args.output, args.force)
    threshold, chosen = _threshold(args, volume.data, voxel_size)
    params = {
        "threshold": float(threshold),
        "lowpass_A": args.lowpass,
        "n_regions": args.regions,
        "fill_holes": args.fill_holes,
        "extend_px": extend,
        "edge": args.edge if width > 0 else "none",
        "edge_width_px": width if width > 0 else 0.0,
        "invert": args.invert,
    }
    recipe = make_recipe(
        "tight", params, box_shape=volume.data.shape, voxel_size=voxel_size, origin=volume.origin,
        map=str(Path(args.map).resolve()), threshold_from=chosen, command=args.command_line,
    )
    like = Volume(volume.data, voxel_size or volume.voxel_size, volume.origin, volume.header)
    mask, _ = apply_recipe(roundtrip(recipe), like)
    print(f"threshold {threshold:.6g} ({chosen.get('rule', 'given')})")
    write_mask(args, recipe, mask, voxel_size, volume.origin)
