"""What the mask-making ``cryomask`` subcommands do.

Each one turns its options into a recipe (lengths in voxels), computes the mask exactly as
:func:`~napari_cryomask.core.recipe.apply_recipe` replays it, writes the mask and then its recipe
beside it as ``<output>.json``. Qt-free.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from .cli_args import UsageError
from .cli_info import describe, facts_text, known_voxel_size
from .core import ops, shapes
from .core.edges import soften
from .core.measure import mask_stats
from .core.recipe import (
    apply_recipe,
    data_digest,
    file_recipe,
    load_recipe,
    make_recipe,
    recipe_with_like,
    save_recipe,
    sidecar_path,
)
from .core.thresholds import default_threshold, mass_threshold, otsu_threshold, sigma_threshold
from .core.tight import lowpass
from .io import Volume, read_volume, write_volume


class Lengths:
    """Converts length options to voxels.

    Parameters
    ----------
    unit : {"voxel", "angstrom"}
    voxel_size : (z, y, x) Å or None
    missing : str
        What to tell the user when Å are asked for but there is no voxel size.
    """

    def __init__(self, unit, voxel_size, missing):
        if unit == "angstrom" and voxel_size is None:
            raise UsageError(f"--unit angstrom needs a pixel size: {missing}")
        self.unit, self.voxel_size = unit, voxel_size

    def scalar(self, value, option):
        """One length in voxels; an error when Å meet a voxel size that differs between axes."""
        if value is None or value == 0 or self.unit == "voxel":
            return value
        if len(set(self.voxel_size)) > 1:
            raise UsageError(
                f"{option} is one length but the voxel size {_triple_text(self.voxel_size)} Å differs "
                f"between axes; give {option} in voxels"
            )
        return value / self.voxel_size[0]

    def triple(self, values, option):
        """A Z,Y,X triple of lengths in voxels, each divided by its axis' voxel size."""
        if values is None or self.unit == "voxel":
            return values
        return tuple(v / s for v, s in zip(values, self.voxel_size))


def _triple_text(values):
    return ",".join(f"{v:g}" for v in values)


def _roundtrip(recipe):
    """The recipe as it reads back from JSON, so the mask is computed from what is saved."""
    return json.loads(json.dumps(recipe))


def check_output(path, force):
    """Refuse to replace an existing file unless ``--force`` was given."""
    if not force and os.path.lexists(path):
        raise FileExistsError(f"{path} exists; add --force to overwrite it")


def write_mask(args, recipe, mask, voxel_size, origin):
    """Write the mask and its recipe sidecar, then one line about them on stdout."""
    write_volume(args.output, mask, voxel_size=voxel_size, origin=origin, overwrite=args.force)
    sidecar = save_recipe(args.output, recipe, mask)
    stats = mask_stats(mask, voxel_size or 1.0)
    if voxel_size:
        size = f"{_triple_text(voxel_size)} Å voxels, volume {stats.volume_nm3:,.1f} nm³"
    else:
        size = f"voxel size unknown, volume {stats.volume_voxels:,.1f} voxels"
    print(f"wrote {args.output} ({'x'.join(map(str, mask.shape))} voxels, {size}) and its recipe {sidecar}")
    if not mask.any():
        warnings.warn(f"{args.output} is empty: no voxel is inside the mask")
    elif stats.touches_edge:
        warnings.warn(f"{args.output} touches the box edge")


def _placement(args):
    """Box, voxel size and origin of a shape or generate command, and what to say when Å lack a voxel size."""
    like = read_volume(args.like) if args.like else None
    box = args.box or (like.data.shape if like is not None else None)
    voxel_size = args.pixel_size or (known_voxel_size(like) if like is not None else None)
    origin = tuple(like.origin) if like is not None else None
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
    if args.angles is not None:
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
    box, voxel_size, origin, missing = _placement(args)
    lengths = Lengths(args.unit, voxel_size, missing)
    params = shape_params(args, lengths)
    check_output(args.output, args.force)
    recipe = make_recipe("shape", params, box_shape=box, voxel_size=voxel_size, origin=origin, command=args.command_line)
    mask, _ = apply_recipe(_roundtrip(recipe))
    write_mask(args, recipe, mask, voxel_size, origin)


def run_generate(args):
    """``cryomask generate NAME``: write the mask cryoCAT's ``generate_mask`` makes from a name."""
    box, voxel_size, origin, _ = _placement(args)
    check_output(args.output, args.force)
    params = {"name": args.name, "mask_size": box, "mask_expansion": args.expansion}
    recipe = make_recipe("generate", params, voxel_size=voxel_size, origin=origin, command=args.command_line)
    mask, _ = apply_recipe(_roundtrip(recipe))
    recipe["box_shape"] = list(mask.shape)
    write_mask(args, recipe, mask, voxel_size, origin)


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
    mask, _ = apply_recipe(_roundtrip(recipe), like)
    print(f"threshold {threshold:.6g} ({chosen.get('rule', 'given')})")
    write_mask(args, recipe, mask, voxel_size, volume.origin)


def input_recipe(path, volume) -> dict:
    """The recipe of an input mask file: its sidecar when that still matches the data, else the file."""
    digest = data_digest(volume.data)
    sidecar = sidecar_path(path)
    if sidecar.exists():
        try:
            recipe = load_recipe(path)
            recorded = recipe.get("data_sha256")
            # a recipe without a digest (saved by the GUI, say) is checked by replaying it
            current = recorded == digest if recorded else data_digest(apply_recipe(recipe)[0]) == digest
            if current:
                return dict(recipe, source_file=str(Path(path).resolve()))
            reason = "it does not reproduce the file's data"
        except (ValueError, OSError, KeyError, TypeError) as err:
            reason = str(err)
        warnings.warn(f"not using {sidecar} ({reason}); the recipe records {path} itself")
    return file_recipe(path, volume)


def _read_masks(paths):
    volumes = [read_volume(p) for p in paths]
    first = volumes[0]
    for path, v in zip(paths[1:], volumes[1:]):
        if v.data.shape != first.data.shape:
            raise ValueError(f"{path} has shape {v.data.shape} but {paths[0]} has {first.data.shape}; masks must share one box")
        sizes = known_voxel_size(v), known_voxel_size(first)
        if None not in sizes and not np.allclose(*sizes, rtol=1e-4):
            warnings.warn(f"{path} has voxel size {_triple_text(v.voxel_size)} Å but {paths[0]} has {_triple_text(first.voxel_size)} Å; the result keeps {paths[0]}'s")
    return volumes


def run_combine(args):
    """``cryomask union|subtract|intersect|difference``: combine mask files in order."""
    if len(args.masks) < 2:
        raise UsageError(f"{args.subcommand} needs at least two masks, got {len(args.masks)}")
    check_output(args.output, args.force)
    volumes = _read_masks(args.masks)
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
    p = _roundtrip(recipe)["params"]
    mask = soften(np.asarray(volume.data, np.float32), p["edge"], p["edge_width_px"], p["threshold"])
    write_mask(args, recipe, mask, voxel_size, volume.origin)


def run_recipe_apply(args):
    """``cryomask recipe apply``: replay a recipe into a file, or describe the mask without ``-o``."""
    recipe = load_recipe(args.recipe)
    if args.like:
        recipe = recipe_with_like(recipe, read_volume(args.like), args.like)
    if args.output:
        check_output(args.output, args.force)
    mask, voxel_size = apply_recipe(recipe)
    recorded = recipe.get("data_sha256")
    if recorded and recorded != data_digest(mask):
        warnings.warn("the replayed mask differs from the one the recipe was saved with")
    origin = recipe.get("origin")
    if args.output:
        write_mask(args, recipe, mask, voxel_size, origin)
        return
    sys.stdout.write(facts_text(describe(mask, voxel_size, origin)) + "\n")
