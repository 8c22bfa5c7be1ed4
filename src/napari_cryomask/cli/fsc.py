"""``cryomask fsc HALF1 HALF2 [--mask MASK]``: is the mask right? The mask check from half maps. Qt-free."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from .options import UsageError, add_debug, positive, whole_at_least_one
from .output import check_output, known_voxel_size

OUTPUTS = ("csv", "xml", "png", "json")


def fsc_value(text):
    value = float(text)
    if not -1 < value < 1:
        raise ValueError
    return value


def add_commands(sub):
    p = sub.add_parser("fsc", help="FSC of two half maps, masked and corrected by phase randomisation (mask check)", description=(
        "Fourier shell correlation of two half maps: unmasked, masked, masked after phase randomisation, and "
        "corrected as RELION does, FSC_true = (FSC_t - FSC_n) / (1 - FSC_n) from two shells past the randomisation "
        "shell. Prints the resolutions at FSC 0.143 and 0.5, the mask's numbers and warnings with what to do. "
        "Shells are spheres in physical frequency (any box; voxels must be cubic)."))
    p.set_defaults(run=run_fsc)
    p.add_argument("half1", help="first half map (.mrc, .map or .em)")
    p.add_argument("half2", help="second half map, same box and voxel size")
    p.add_argument("--mask", metavar="MASK", help="the mask to check (values in [0, 1], the half maps' box)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--randomize-at-fsc", type=_typed(fsc_value, "an FSC value between -1 and 1"), default=0.8, metavar="F",
                       help="randomise phases from the first shell where the unmasked FSC falls below F (default 0.8, as RELION)")
    where.add_argument("--randomize-at", type=positive, metavar="Å", help="randomise phases from this resolution in Å instead")
    p.add_argument("--repeats", type=whole_at_least_one, default=1, metavar="N", help="phase randomisations to average (default 1)")
    p.add_argument("--seed", type=_typed(int, "a whole number"), default=0, metavar="S",
                   help="seed of the random phases (default 0: the same inputs give the same answer)")
    p.add_argument("--pixel-size", type=positive, metavar="Å", help="voxel size in Å of both half maps, replacing their headers'")
    out = p.add_argument_group("output files (each refused if it exists, unless --force)")
    out.add_argument("--csv", metavar="PATH", help="all curves, one row per shell")
    out.add_argument("--xml", metavar="PATH", help="the corrected FSC as the XML EMDB takes for deposition")
    out.add_argument("--png", metavar="PATH", help="a plot of the curves (matplotlib)")
    out.add_argument("--json", metavar="PATH", help="the curves, resolutions and warnings as JSON; '-' prints it instead of the summary")
    out.add_argument("--force", action="store_true", help="overwrite existing output files")
    add_debug(p)


def _typed(convert, what):
    def parse(text):
        try:
            return convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None

    return parse


def _voxel_size(args, volumes):
    if args.pixel_size is not None:
        return (args.pixel_size,) * 3, (args.pixel_size,) * 3
    sizes = []
    for path, volume in zip((args.half1, args.half2), volumes):
        size = known_voxel_size(volume)
        if size is None:
            raise UsageError(f"{path} records no pixel size; give --pixel-size")
        sizes.append(size)
    return sizes


def run_fsc(args):
    """``cryomask fsc``: print the mask check and write the files asked for."""
    # imported here, not at the top: scipy.fft alone takes longer to import than most commands take to run
    from ..core.fsc import MaskCheck
    from ..core.fsc_inputs import check_half_maps
    from ..io import read_volume
    from ..io.fsc_files import write_fsc_csv, write_fsc_json, write_fsc_xml
    from ..io.fsc_plot import write_fsc_png

    targets = {kind: getattr(args, kind) for kind in OUTPUTS if getattr(args, kind) not in (None, "-")}
    for path in targets.values():
        check_output(path, args.force)
    if len(set(map(os.path.abspath, targets.values()))) < len(targets):
        raise UsageError("two output options name the same file")
    volumes = [read_volume(args.half1), read_volume(args.half2)]
    size1, size2 = _voxel_size(args, volumes)
    voxel_size = check_half_maps(volumes[0].data.shape, volumes[1].data.shape, size1, size2, (args.half1, args.half2))
    check = MaskCheck(volumes[0].data, volumes[1].data, voxel_size, names=(args.half1, args.half2))
    del volumes
    mask = mask_size = None
    if args.mask is not None:
        mask_volume = read_volume(args.mask)
        mask, mask_size = mask_volume.data, known_voxel_size(mask_volume)
    result = check.run(mask, randomize_at_fsc=args.randomize_at_fsc, randomize_at_A=args.randomize_at, repeats=args.repeats,
                       seed=args.seed, mask_name=args.mask or "the mask", mask_voxel_size=mask_size)
    text = result.summary(warnings=False)
    if args.json == "-":
        sys.stdout.write(json.dumps(result.as_json(), indent=1, ensure_ascii=False, allow_nan=False) + "\n")
        print(text, file=sys.stderr)
    else:
        print(text)
    for message in result.warnings:
        warnings.warn(message, stacklevel=2)
    writers = {"csv": write_fsc_csv, "xml": write_fsc_xml, "png": write_fsc_png, "json": write_fsc_json}
    for kind, path in targets.items():
        writers[kind](path, result, overwrite=args.force)
        print(f"wrote {path}", file=sys.stderr if args.json == "-" else sys.stdout)
